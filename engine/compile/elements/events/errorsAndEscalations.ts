/**
 * Errors and escalations travel outwards from where they are thrown: the activity's own boundary
 * events, then event subprocesses of each enclosing scope and boundary events of the activity hosting
 * that scope, up to the process. An error nobody catches goes to the parent instance (call activity)
 * or becomes an incident; an escalation nobody catches is ignored, as BPMN says.
 */
import type { EventDefinition, FlowNode } from '../../../bpmn/model';
import type { Run } from '../../run';
import type { ScopeInstance, Token } from '../../state';
import { fireEventSubProcess } from '../scopes/eventSubProcess';
import { terminateInstance } from '../scopes/process';
import { fireBoundary } from './boundaryEvent';

type Throwable = 'error' | 'escalation';

function matches(event: EventDefinition | undefined, kind: Throwable, code: string): boolean {
  if (!event || event.kind !== kind) return false;
  const catchCode = event.kind === 'error' ? event.errorCode : event.kind === 'escalation' ? event.escalationCode : undefined;
  return catchCode === undefined || catchCode === code;
}

/** A boundary catching `kind`/`code`: an exact code match wins over a catch-all. */
function catchingBoundary(run: Run, activity: FlowNode, kind: Throwable, code: string): FlowNode | undefined {
  const candidates = (activity.boundaries ?? []).map((b) => run.graph.node(b)).filter((b) => matches(b.event, kind, code));
  return (
    candidates.find((b) => b.event && 'errorCode' in b.event && b.event.errorCode === code) ??
    candidates.find((b) => b.event && 'escalationCode' in b.event && b.event.escalationCode === code) ??
    candidates[0]
  );
}

function catchingEventSubProcess(run: Run, scope: ScopeInstance, kind: Throwable, code: string): string | undefined {
  if (scope.kind === 'inner') return undefined;
  const model = run.graph.model.scopes[scope.model];
  for (const esp of model?.eventSubProcesses ?? []) {
    const start = run.graph.model.scopes[esp]?.startEvents[0];
    if (start && matches(run.graph.node(start).event, kind, code)) return start;
  }
  return undefined;
}

/**
 * Throws a BPMN error. `fromActivity` is true when the activity the token is on raised it (job error,
 * child instance error): then that activity's own boundary events are tried first.
 */
export function throwError(run: Run, from: Token, code: string, message: string | undefined, fromActivity: boolean): void {
  run.history('error.thrown', from.node, { errorCode: code, errorMessage: message });
  let current = from;
  let tryBoundaries = fromActivity;
  for (;;) {
    if (tryBoundaries && !current.inner) {
      const boundary = catchingBoundary(run, run.graph.node(current.node), 'error', code);
      if (boundary) return fireBoundary(run, current, boundary);
    }
    const scope = run.scope(current.scope);
    const start = catchingEventSubProcess(run, scope, 'error', code);
    if (start) return fireEventSubProcess(run, scope, start);
    if (!scope.host) break;
    current = run.token(scope.host);
    tryBoundaries = true;
  }
  if (run.ctx.hasParent) {
    run.emit({ type: 'parent.error', errorCode: code, errorMessage: message });
    terminateInstance(run, { reason: 'error', errorCode: code });
    return;
  }
  run.raiseIncident(from, new Error(`unhandled BPMN error ${code}${message ? `: ${message}` : ''}`), 'unhandled-error');
}

/**
 * Throws an escalation from a throw/end event token, or (`fromActivity`) out of a call activity whose
 * child escalated; returns true if the thrower was interrupted.
 */
export function throwEscalation(run: Run, from: Token, code: string, fromActivity = false): boolean {
  run.history('escalation.thrown', from.node, { escalationCode: code });
  if (fromActivity) {
    const boundary = catchingBoundary(run, run.graph.node(from.node), 'escalation', code);
    if (boundary) {
      fireBoundary(run, from, boundary);
      return !run.ctx.tokens[from.id];
    }
  }
  let current = from;
  for (;;) {
    const scope = run.scope(current.scope);
    const start = catchingEventSubProcess(run, scope, 'escalation', code);
    if (start) {
      fireEventSubProcess(run, scope, start);
      return !run.ctx.tokens[from.id];
    }
    if (!scope.host) {
      if (run.ctx.hasParent) run.emit({ type: 'parent.escalation', escalationCode: code });
      return false;
    }
    current = run.token(scope.host);
    if (current.inner) continue;
    const boundary = catchingBoundary(run, run.graph.node(current.node), 'escalation', code);
    if (boundary) {
      fireBoundary(run, current, boundary);
      return !run.ctx.tokens[from.id];
    }
  }
}
