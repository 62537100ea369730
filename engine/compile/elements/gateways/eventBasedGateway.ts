/**
 * Event-based gateways: the token waits for whichever of the events after the gateway (message, timer,
 * signal catch events or receive tasks) comes first; that one completes with what it carried and the
 * other waits are withdrawn.
 */
import type { FlowNode } from '../../../bpmn/model';
import type { Run, WaitReaction } from '../../run';
import type { Token } from '../../state';
import { openEventWait } from '../../waits';
import { completeActivity } from '../activity';

export const eventBasedGateway = {
  enter(run: Run, token: Token, node: FlowNode): void {
    token.status = 'waiting';
    for (const f of node.outgoing) {
      const target = run.graph.node(run.graph.model.flows[f].targetRef);
      if (target.event) openEventWait(run, target.event, 'gatewayTarget', target.id, token.scope, token);
    }
  },
};

/** One of the events after the gateway arrived: the gateway completes and that event's element completes with it. */
export const gatewayTargetTriggered: WaitReaction = (run, event, wait, gateway) => {
  const node = run.graph.node(run.graph.fire(gateway!.node, wait.node).to);
  run.closeWait(wait.id, 'done');
  run.history('element.completed', gateway!.node);
  const scope = gateway!.scope;
  run.consume(gateway!);
  const target = run.place(node.id, scope, 'active');
  run.history('element.activated', node.id);
  completeActivity(run, target, 'variables' in event ? event.variables : undefined);
};
