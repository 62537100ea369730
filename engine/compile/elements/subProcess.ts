/**
 * Embedded subprocesses: the token on the subprocess hosts a scope instance whose start events get
 * tokens; the subprocess completes when its scope runs out of tokens (see scopeEnd.ts).
 * Event subprocesses are not entered by flow: throwing.ts and the event dispatch start them.
 */
import type { FlowNode } from '../../bpmn/model';
import type { Run } from '../run';
import type { ScopeInstance, Token, Variables } from '../state';
import { openEventWait } from '../waits';
import { enterActivity } from './activity';

/** Opens the message/timer/signal waits of the event subprocesses directly inside a scope instance. */
export function openEventSubProcessWaits(run: Run, scope: ScopeInstance): void {
  const model = run.graph.model.scopes[scope.model];
  if (!model) return;
  for (const esp of model.eventSubProcesses) {
    const start = run.graph.model.scopes[esp]?.startEvents[0];
    const event = start ? run.graph.node(start).event : undefined;
    if (start && event) openEventWait(run, event, 'eventSubProcess', start, scope.id, undefined);
  }
}

function subProcessBody(run: Run, token: Token, node: FlowNode): void {
  const scope = run.createScope('subProcess', node.id, token.scope, token.id, { ...(token.locals ?? {}) });
  token.child = scope.id;
  token.status = 'waiting';
  for (const start of run.graph.model.scopes[node.id].startEvents) run.arrive(start, scope.id);
}

/** Starts an event subprocess inside `scope` (after an interrupting start has cleared the scope). */
export function startEventSubProcess(run: Run, scope: ScopeInstance, startEvent: string, variables: Variables | undefined): void {
  const start = run.graph.node(startEvent);
  const esp = run.graph.node(start.scope);
  const host = run.place(esp.id, scope.id, 'waiting');
  run.history('element.activated', esp.id);
  const inner = run.createScope('eventSubProcess', esp.id, scope.id, host.id);
  host.child = inner.id;
  if (variables) run.setVariables(inner.id, variables);
  run.arrive(startEvent, inner.id);
}

export const subProcessHandlers = {
  subProcess: (run: Run, token: Token, node: FlowNode) => enterActivity(run, token, node, subProcessBody),
};
