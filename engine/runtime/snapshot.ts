/**
 * What the store keeps of an instance besides its rows: the XState persisted snapshot, the head of the
 * history chain and the open job incidents (which live outside the machine). Also the read-outs of the
 * machine context that the instance row denormalises.
 */
import type { InstanceContext } from '../compile/state';
import type { InstanceRow, InstanceState } from '../store/types';

export interface PersistedInstance {
  machine: { context: InstanceContext } & Record<string, unknown>;
  history: { seq: number; hash: string };
  /** Ids of open incidents raised outside the machine (jobs out of retries). */
  jobIncidents: string[];
}

export function persisted(row: InstanceRow): PersistedInstance {
  return row.snapshot as PersistedInstance;
}

export function rootVariables(ctx: InstanceContext): Record<string, unknown> {
  return ctx.scopes[ctx.rootScope]?.vars ?? {};
}

export function activeElements(ctx: InstanceContext): string[] {
  return [...new Set(Object.values(ctx.tokens).map((t) => t.node))];
}

export function instanceState(ctx: InstanceContext, jobIncidents: string[]): InstanceState {
  if (ctx.status === 'completed') return 'completed';
  if (ctx.status === 'terminated') return 'terminated';
  return Object.keys(ctx.incidents).length || jobIncidents.length ? 'incident' : 'active';
}
