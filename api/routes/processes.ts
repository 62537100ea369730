/** Deployed process definitions: the latest of each, one by key, its XML and its compiled machine. */
import { Router } from 'express';
import { mount, type ApiContext } from '../operation';
import { OPERATIONS } from '../operations';
import { inputOf } from '../validate';
import { processView } from '../views';

export function processesRouter(ctx: ApiContext): Router {
  const router = Router();

  mount(router, ctx, OPERATIONS.listProcesses, async (_req, res) => {
    res.json({ items: (await ctx.engine.listProcesses()).map(processView), next: null });
  });

  mount(router, ctx, OPERATIONS.getProcess, async (_req, res) => {
    const def = await ctx.engine.getProcess(inputOf<{ key: string }>(res).params.key);
    const latest = await ctx.engine.getProcess(def.processId);
    res.json({ ...processView(def), latestVersion: latest.version });
  });

  mount(router, ctx, OPERATIONS.getProcessXml, async (_req, res) => {
    const def = await ctx.engine.getProcess(inputOf<{ key: string }>(res).params.key);
    res.type('application/xml').send(def.xml);
  });

  mount(router, ctx, OPERATIONS.getProcessMachine, async (_req, res) => {
    const def = await ctx.engine.getProcess(inputOf<{ key: string }>(res).params.key);
    res.json(await ctx.engine.getMachineConfig(def.key));
  });

  return router;
}
