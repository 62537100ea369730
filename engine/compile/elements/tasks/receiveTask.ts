/**
 * Receive tasks wait for their message; intermediate catch events (message, timer, signal) complete
 * the same way when theirs arrives (eventCaught), with what it carried.
 */
import type { FlowNode } from '../../../bpmn/model';
import type { Run, WaitReaction } from '../../run';
import type { Token } from '../../state';
import { openEventWait } from '../../waits';
import { activity, completeActivity } from '../activity';

function waitForMessage(run: Run, token: Token, node: FlowNode): void {
  openEventWait(run, node.event!, 'activity', node.id, token.scope, token);
}

export const receiveTask = activity(waitForMessage);

/** A timer, message or signal an element waited for itself arrived: the element completes with it. */
export const eventCaught: WaitReaction = (run, event, wait, token) => {
  run.closeWait(wait.id, 'done');
  completeActivity(run, token!, 'variables' in event ? event.variables : undefined);
};
