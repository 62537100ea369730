/**
 * Event subprocesses: not entered by flow. Their message, timer and signal starts are armed when the
 * enclosing scope starts (startEvent.ts); error and escalation starts are found by
 * errorsAndEscalations.ts. An interrupting start ends everything else in the scope first; a
 * non-interrupting one runs beside it (a message or signal start stays armed, a cycle timer fires
 * again). When the event subprocess ends, its host token ends and the scope goes on (or ends).
 */
import type { Run, WaitReaction } from '../../run';
import type { ScopeInstance, Token, Variables } from '../../state';
import { openEventWait, rearmCycle } from '../../waits';

/** Opens the message/timer/signal waits of the event subprocesses directly inside a scope instance. */
export function armEventSubProcesses(run: Run, scope: ScopeInstance): void {
  const model = run.graph.model.scopes[scope.model];
  if (!model) return;
  for (const esp of model.eventSubProcesses) {
    const start = run.graph.model.scopes[esp]?.startEvents[0];
    const event = start ? run.graph.node(start).event : undefined;
    if (start && event) openEventWait(run, event, 'eventSubProcess', start, scope.id, undefined);
  }
}

/** Starts an event subprocess of `scope`; an interrupting start ends everything else in the scope. */
export function fireEventSubProcess(run: Run, scope: ScopeInstance, startEvent: string, variables?: Variables): void {
  if (run.graph.node(startEvent).isInterrupting !== false) run.clearScope(scope.id);
  const start = run.graph.node(run.graph.fire(scope.model, startEvent).to);
  const esp = run.graph.node(start.scope);
  const host = run.place(esp.id, scope.id, 'waiting');
  run.history('element.activated', esp.id);
  const inner = run.createScope('eventSubProcess', esp.id, scope.id, host.id);
  host.child = inner.id;
  const caught = run.caught(start, inner.id, variables);
  if (caught) run.setVariables(inner.id, caught);
  run.arrive(start.id, inner.id);
}

/** The message, timer or signal of an event subprocess start arrived. */
export const eventSubProcessTriggered: WaitReaction = (run, event, wait) => {
  const scope = run.scope(wait.scope);
  const node = run.graph.node(wait.node);
  const interrupting = node.isInterrupting !== false;
  // Non-interrupting starts stay armed: a message may start the event subprocess again.
  if (interrupting || (wait.kind === 'timer' && !rearmCycle(run, wait))) run.closeWait(wait.id, 'done');
  fireEventSubProcess(run, scope, wait.node, 'variables' in event ? event.variables : undefined);
};

/** The event subprocess ran out of tokens: its host token ends; the enclosing scope goes on. */
export function eventSubProcessEnded(run: Run, _scope: ScopeInstance, host: Token): void {
  run.history('element.completed', host.node);
  run.consume(host);
}
