/** Incidents (a job out of retries, a failed expression): list, resolve one, retry several. */
import { Router } from 'express';
import { EngineError, type Engine } from '../../engine';
import { principalOf, type Principal } from '../auth';
import { ApiError } from '../errors';
import { mount, type ApiContext } from '../operation';
import { OPERATIONS } from '../operations';
import type { IncidentListQuery, RetryIncidentsBody } from '../schemas';
import { inputOf } from '../validate';
import { incidentView } from '../views';

type RetryResult =
  | { id: string; outcome: 'retried'; incident: Record<string, unknown> }
  | { id: string; outcome: 'failedAgain'; message: string; incident: Record<string, unknown>; newIncident: Record<string, unknown> }
  | { id: string; outcome: 'refused'; message: string };

/**
 * Retries one incident exactly as POST /api/incidents/:id/resolve does (same owner check, in the
 * engine). A retry that re-evaluates at once (a condition, an expression) may raise a new incident on
 * the same element: that is "failed again" with the new error. A job incident hands the job back to
 * its workers, so whether it fails again shows later, as a new incident.
 */
async function retryOne(engine: Engine, id: string, caller: Principal): Promise<RetryResult> {
  try {
    const resolved = await engine.resolveIncident(id, caller.id, caller);
    const open = await engine.listIncidents({ instanceId: resolved.instanceId, state: 'open' });
    const again = open.find((i) => i.elementId === resolved.elementId && i.createdAt >= (resolved.resolvedAt ?? 0));
    if (again) return { id, outcome: 'failedAgain', message: again.message, incident: incidentView(resolved), newIncident: incidentView(again) };
    return { id, outcome: 'retried', incident: incidentView(resolved) };
  } catch (err) {
    // the refusals of the single resolve (unknown, not an owner, no longer open) are per id here
    if (err instanceof EngineError && ['NOT_FOUND', 'FORBIDDEN', 'CONFLICT'].includes(err.code)) return { id, outcome: 'refused', message: err.message };
    throw err;
  }
}

export function incidentsRouter(ctx: ApiContext): Router {
  const router = Router();

  mount(router, ctx, OPERATIONS.listIncidents, async (_req, res) => {
    const { processInstanceId, state } = inputOf<never, IncidentListQuery>(res).query;
    const rows = await ctx.engine.listIncidents({ instanceId: processInstanceId, state });
    res.json({ items: rows.map(incidentView), next: null });
  });

  mount(router, ctx, OPERATIONS.resolveIncident, async (_req, res) => {
    const row = await ctx.engine.resolveIncident(inputOf<{ id: string }>(res).params.id, principalOf(res).id, principalOf(res));
    res.json(incidentView(row));
  });

  mount(router, ctx, OPERATIONS.retryIncidents, async (_req, res) => {
    const { ids } = inputOf<never, never, RetryIncidentsBody>(res).body;
    const max = ctx.config.maxBulkRetry;
    // each retry is a command on its instance: one request does at most MAX_BULK_RETRY of them
    if (ids.length > max) throw new ApiError('PAYLOAD_TOO_LARGE', `at most ${max} incidents per retry (MAX_BULK_RETRY), got ${ids.length}: nothing was retried`, [{ max }]);
    const caller = principalOf(res);
    const results: RetryResult[] = [];
    for (const id of ids) results.push(await retryOne(ctx.engine, id, caller));
    res.json({ results });
  });

  return router;
}
