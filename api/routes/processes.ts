/** Deployed process definitions: the latest of each, one by key, its XML and its compiled machine. */
import { Router } from 'express';
import type { DefinitionRow } from '../../engine';
import { notFound } from '../errors';
import { mount, type ApiContext } from '../operation';
import { OPERATIONS } from '../operations';
import { inputOf } from '../validate';
import { processView } from '../views';

/** `processId:version`, or a processId alone for its latest version. */
export async function resolveDefinition(ctx: ApiContext, key: string): Promise<DefinitionRow> {
  const m = /^(.*):(\d+)$/.exec(key);
  const def = m ? await ctx.engine.store.getDefinition(key) : await ctx.engine.store.getLatestDefinition(key);
  if (!def) throw notFound(`process ${key} not found`);
  return def;
}

export function processesRouter(ctx: ApiContext): Router {
  const router = Router();

  mount(router, ctx, OPERATIONS.listProcesses, async (_req, res) => {
    const defs = await ctx.engine.store.listLatestDefinitions();
    defs.sort((a, b) => (a.processId < b.processId ? -1 : a.processId > b.processId ? 1 : 0));
    res.json({ items: defs.map(processView), next: null });
  });

  mount(router, ctx, OPERATIONS.getProcess, async (_req, res) => {
    const def = await resolveDefinition(ctx, inputOf<{ key: string }>(res).params.key);
    const latest = await ctx.engine.store.getLatestDefinition(def.processId);
    res.json({ ...processView(def), latestVersion: latest?.version ?? def.version });
  });

  mount(router, ctx, OPERATIONS.getProcessXml, async (_req, res) => {
    const def = await resolveDefinition(ctx, inputOf<{ key: string }>(res).params.key);
    res.type('application/xml').send(def.xml);
  });

  mount(router, ctx, OPERATIONS.getProcessMachine, async (_req, res) => {
    const def = await resolveDefinition(ctx, inputOf<{ key: string }>(res).params.key);
    res.json(await ctx.engine.getMachineConfig(def.key));
  });

  return router;
}
