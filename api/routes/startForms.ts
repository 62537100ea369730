/**
 * GET /api/startable-processes: what the caller may start from the web app's "New" menu (the latest
 * version of each process its processdesk.startableBy opens to them), each with its start form. The
 * start itself is POST /api/process-instances, which checks the variables against the process's schema.
 */
import { Router } from 'express';
import { principalOf } from '../auth';
import { mount, type ApiContext } from '../operation';
import { OPERATIONS } from '../operations';
import { deployedForm } from '../ticketActions';

export function startFormsRouter(ctx: ApiContext): Router {
  const router = Router();

  mount(router, ctx, OPERATIONS.listStartableProcesses, async (_req, res) => {
    const startable = await ctx.engine.startableProcesses(principalOf(res));
    const items = await Promise.all(startable.map(async (p) => ({ ...p, form: await deployedForm(ctx.engine, p.startFormId) })));
    res.json({ items, next: null });
  });

  return router;
}
