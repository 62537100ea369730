/** What a process owner reads about a process beyond its latest version: its versions, a version's heatmap, the deployed forms. */
import { Router } from 'express';
import { processHeatmap, processVersions } from '../../engine';
import { notFound } from '../errors';
import { mount, type ApiContext } from '../operation';
import { OPERATIONS } from '../operations';
import { inputOf } from '../validate';
import { iso } from '../views';

export function processVersionsRouter(ctx: ApiContext): Router {
  const router = Router();

  mount(router, ctx, OPERATIONS.listProcessVersions, async (_req, res) => {
    const { key } = inputOf<{ key: string }>(res).params;
    const result = await processVersions(ctx.engine, key.replace(/:\d+$/, ''), ctx.config.versionsScanLimit);
    res.json({
      ...result,
      versions: result.versions.map((v) => ({ ...v, name: v.name ?? null, deployedAt: iso(v.deployedAt), deployedBy: v.deployedBy ?? null })),
    });
  });

  mount(router, ctx, OPERATIONS.getProcessHeatmap, async (_req, res) => {
    res.json(await processHeatmap(ctx.engine, inputOf<{ key: string }>(res).params.key, ctx.config.heatmapScanLimit));
  });

  mount(router, ctx, OPERATIONS.listForms, async (_req, res) => {
    const forms = await ctx.engine.listResources('form');
    res.json({
      items: forms
        .map((f) => ({ id: f.id.replace(/^form:/, ''), name: f.name, deployedAt: iso(f.deployedAt), deployedBy: f.deployedBy ?? null }))
        .sort((a, b) => a.id.localeCompare(b.id)),
    });
  });

  mount(router, ctx, OPERATIONS.getForm, async (_req, res) => {
    const { id } = inputOf<{ id: string }>(res).params;
    const form = await ctx.engine.getResource(`form:${id}`);
    if (!form) throw notFound(`form ${id}`);
    res.type('application/json').send(form.content);
  });

  return router;
}
