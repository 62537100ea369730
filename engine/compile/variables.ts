/**
 * Variable visibility: a token sees every variable of its scope chain (inner scopes shadow outer ones)
 * and its own locals. Used by the token game and by the runtime (jobs read variables at activation).
 */
import { raw } from './copyOnWrite';
import type { InstanceContext, ScopeInstance, Token, Variables } from './state';

export function visibleVariables(ctx: InstanceContext, scopeId: string, token?: Token): Variables {
  const chain: ScopeInstance[] = [];
  const scopes = raw(ctx.scopes); // read only: a command's working copy copies nothing for it (copyOnWrite.ts)
  for (let s: ScopeInstance | undefined = scopes[scopeId]; s; s = s.parent ? scopes[s.parent] : undefined) chain.unshift(s);
  const vars: Variables = {};
  for (const s of chain) Object.assign(vars, s.vars);
  if (token?.locals) Object.assign(vars, token.locals);
  return vars;
}

/** Variables visible to whatever waits on `waitId` now, or undefined when nothing waits there any more. */
export function variablesAtWait(ctx: InstanceContext, waitId: string): Variables | undefined {
  const wait = ctx.waits[waitId];
  if (!wait) return undefined;
  const token = wait.token ? ctx.tokens[wait.token] : undefined;
  return visibleVariables(ctx, wait.scope, token);
}
