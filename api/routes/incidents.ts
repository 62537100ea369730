/** Incidents (a job out of retries, a failed expression): list and resolve. */
import { Router } from 'express';
import { principalOf } from '../auth';
import { mount, type ApiContext } from '../operation';
import { OPERATIONS } from '../operations';
import type { IncidentListQuery } from '../schemas';
import { inputOf } from '../validate';
import { incidentView } from '../views';

export function incidentsRouter(ctx: ApiContext): Router {
  const router = Router();

  mount(router, ctx, OPERATIONS.listIncidents, async (_req, res) => {
    const { processInstanceId, state } = inputOf<never, IncidentListQuery>(res).query;
    const rows = await ctx.engine.listIncidents({ instanceId: processInstanceId, state });
    res.json({ items: rows.map(incidentView), next: null });
  });

  mount(router, ctx, OPERATIONS.resolveIncident, async (_req, res) => {
    const row = await ctx.engine.resolveIncident(inputOf<{ id: string }>(res).params.id, principalOf(res).id);
    res.json(incidentView(row));
  });

  return router;
}
