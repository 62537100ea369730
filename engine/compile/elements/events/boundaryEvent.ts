/**
 * Boundary events (boundary timer, message, signal, error, escalation), interrupting or not. Armed
 * when their activity starts to wait (a timer scheduled, a subscription opened), fired when what they
 * wait for arrives: an interrupting one ends the activity first; a non-interrupting one leaves it
 * running, a message or signal one stays armed and a cycle timer is scheduled again. Error and
 * escalation boundaries are fired by errorsAndEscalations.ts.
 */
import type { FlowNode } from '../../../bpmn/model';
import type { Run, WaitReaction } from '../../run';
import type { Token, Variables } from '../../state';
import { openEventWait, rearmCycle } from '../../waits';

/** Opens the waits of an activity's timer, message and signal boundary events. */
export function armBoundaries(run: Run, token: Token, node: FlowNode): void {
  for (const id of node.boundaries ?? []) {
    const boundary = run.graph.node(id);
    if (boundary.event) openEventWait(run, boundary.event, 'boundary', id, token.scope, token);
  }
}

/** Fires a boundary event of an activity token; interrupting ones end the activity first. */
export function fireBoundary(run: Run, activity: Token, boundary: FlowNode, variables?: Variables): void {
  if (boundary.cancelActivity !== false) run.terminate(activity);
  const { to } = run.graph.fire(activity.node, boundary.id);
  const caught = run.caught(boundary, activity.scope, variables);
  if (caught) run.setVariables(activity.scope, caught);
  run.arrive(to, activity.scope);
}

/** A timer, message or signal of a boundary event arrived. */
export const boundaryTriggered: WaitReaction = (run, event, wait, token) => {
  const node = run.graph.node(wait.node);
  const interrupting = node.cancelActivity !== false;
  // Non-interrupting message and signal boundaries stay armed while the activity runs.
  const stays = !interrupting && (wait.kind === 'timer' ? rearmCycle(run, wait) : true);
  if (!stays) run.closeWait(wait.id, 'done');
  fireBoundary(run, token!, node, 'variables' in event ? event.variables : undefined);
};

/** The boundary event's own token (created by fireBoundary) moves straight on. */
export const boundaryEvent = {
  enter: (run: Run, token: Token) => run.complete(token),
};
