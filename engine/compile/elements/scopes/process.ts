/**
 * The process itself: the instance completes when its root scope runs out of tokens, and ends
 * abnormally when canceled or when an error nobody catches goes to the calling instance.
 */
import type { Run } from '../../run';
import type { ScopeInstance } from '../../state';

export function processEnded(run: Run, scope: ScopeInstance): void {
  run.ctx.status = 'completed';
  run.history('instance.completed');
  run.emit({ type: 'instance.end', state: 'completed', variables: scope.vars });
}

/** Ends the whole instance abnormally (cancel, error handed to the parent). */
export function terminateInstance(run: Run, data: Record<string, unknown>): void {
  const root = run.ctx.rootScope;
  const variables = run.scope(root).vars;
  run.clearScope(root);
  for (const scope of Object.keys(run.ctx.scopes)) if (scope !== root) run.terminateScope(scope);
  run.ctx.status = 'terminated';
  run.history('instance.terminated', undefined, data);
  run.emit({ type: 'instance.end', state: 'terminated', variables });
}
