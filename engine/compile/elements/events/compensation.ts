/**
 * Compensation (Camunda 8 semantics): an activity with a compensation boundary event is recorded in its
 * scope each time it completes; a compensation throw event (intermediate or end) starts the handler of
 * every completed activity of its scope (or only of its `activityRef`), each with the activity's local
 * variables as it completed, and waits for them all; a completed embedded subprocess is compensated by
 * its compensation event subprocess if it has one, else by the handlers of what completed inside it
 * (nested subprocesses included). What was compensated is not compensated again; active or terminated
 * activities are not compensated. A multi-instance activity counts once (its handler may be
 * multi-instance itself).
 */
import type { FlowNode } from '../../../bpmn/model';
import type { Run } from '../../run';
import type { Compensable, ScopeInstance, Token } from '../../state';

/** The compensation event subprocess of a subprocess, if it has one: its start event. */
function compensationEventSubProcess(run: Run, subProcess: string): string | undefined {
  for (const esp of run.graph.model.scopes[subProcess]?.eventSubProcesses ?? []) {
    const start = run.graph.model.scopes[esp]?.startEvents[0];
    if (start && run.graph.node(start).event?.kind === 'compensation') return start;
  }
  return undefined;
}

/** An element completed: record it (and what a completed subprocess holds) in its scope for compensation. */
export function recordCompensable(run: Run, token: Token, node: FlowNode): void {
  const nested = token.completedScope;
  token.completedScope = undefined;
  const holds = nested && (nested.compensable.length > 0 || compensationEventSubProcess(run, node.id));
  if (!node.compensationHandler && !holds) return;
  const entry: Compensable = { activity: node.id };
  if (token.locals && Object.keys(token.locals).length) entry.vars = { ...token.locals };
  if (holds) {
    entry.nested = nested!.compensable;
    entry.scopeVars = nested!.vars;
  }
  const scope = run.ctx.scopes[token.scope];
  if (scope) (scope.compensable ??= []).push(entry);
}

/** A subprocess scope is about to end: its host keeps what of it can be compensated. */
export function keepCompensable(scope: ScopeInstance, host: Token): void {
  host.completedScope = { vars: { ...scope.vars }, compensable: scope.compensable ?? [] };
}

/** Starts the handlers for `entries` in `scopeId`; returns the tokens started. */
function startHandlers(run: Run, thrower: Token, scopeId: string, entries: Compensable[]): string[] {
  const started: string[] = [];
  for (const entry of [...entries].reverse()) {
    const activity = run.graph.node(entry.activity);
    if (activity.compensationHandler) {
      const { to } = run.graph.fire(thrower.node, activity.compensationHandler, 'compensate');
      started.push(run.arrive(to, scopeId, undefined, { compensates: thrower.id, ...(entry.vars ? { locals: { ...entry.vars } } : {}) }).id);
      continue;
    }
    // a completed subprocess: its compensation event subprocess, else what completed inside it, in a scope of its own again
    const scope = run.createScope('subProcess', activity.id, scopeId, undefined, { ...(entry.scopeVars ?? {}) });
    const esStart = compensationEventSubProcess(run, activity.id);
    if (esStart) {
      const { to } = run.graph.fire(thrower.node, esStart, 'compensate');
      const esp = run.graph.node(to).scope;
      const host = run.place(esp, scope.id, 'waiting', { compensates: thrower.id });
      run.history('element.activated', esp);
      const inner = run.createScope('eventSubProcess', esp, scope.id, host.id);
      host.child = inner.id;
      run.arrive(to, inner.id);
      started.push(host.id);
    } else {
      started.push(...startHandlers(run, thrower, scope.id, entry.nested ?? []));
    }
  }
  return started;
}

/**
 * A compensation throw event: starts the handlers of its scope's completed activities (or of the one it
 * names) and waits for them; with nothing to compensate it completes at once.
 */
export function throwCompensation(run: Run, token: Token, node: FlowNode): void {
  const scope = run.scope(token.scope);
  const target = node.event?.kind === 'compensation' ? node.event.activity : undefined;
  const all = scope.compensable ?? [];
  const chosen = target ? all.filter((e) => e.activity === target) : all;
  scope.compensable = all.filter((e) => !chosen.includes(e));
  run.history('compensation.thrown', node.id, { activities: chosen.map((e) => e.activity) });
  token.status = 'waiting';
  token.compensating = startHandlers(run, token, token.scope, chosen);
  if (!token.compensating.length) compensationDone(run, token);
}

/** A handler token ended normally: its throw event goes on once every handler it started has. */
export function handlerEnded(run: Run, handler: Token): void {
  const thrower = handler.compensates ? run.ctx.tokens[handler.compensates] : undefined;
  if (!thrower?.compensating) return;
  thrower.compensating = thrower.compensating.filter((id) => id !== handler.id);
  if (!thrower.compensating.length) compensationDone(run, thrower);
}

function compensationDone(run: Run, thrower: Token): void {
  thrower.compensating = undefined;
  thrower.status = 'active';
  const node = run.graph.node(thrower.node);
  if (node.kind === 'endEvent') {
    run.history('element.completed', node.id);
    run.consume(thrower);
  } else {
    run.complete(thrower);
  }
}
