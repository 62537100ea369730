/**
 * What happens when a scope instance runs out of tokens: the process completes the instance, a
 * subprocess completes its activity, an event subprocess hands control back to its parent scope.
 */
import { completeActivity } from './elements/activity';
import type { Run } from './run';
import type { ScopeInstance } from './state';

export function onScopeEnd(run: Run, scope: ScopeInstance): void {
  for (const w of [...scope.waits]) run.closeWait(w, 'cancel');
  if (scope.kind === 'process') {
    run.ctx.status = 'completed';
    run.history('instance.completed');
    run.emit({ type: 'instance.end', state: 'completed', variables: scope.vars });
    return;
  }
  delete run.ctx.scopes[scope.id];
  const host = scope.host ? run.ctx.tokens[scope.host] : undefined;
  if (!host) return;
  host.child = undefined;
  if (scope.kind === 'eventSubProcess') {
    run.history('element.completed', host.node);
    run.consume(host);
  } else if (scope.kind === 'subProcess') {
    completeActivity(run, host, undefined);
  }
}
