/** Health (no auth), Prometheus metrics (no auth, this app's registry only) and the OpenAPI document. */
import { Router } from 'express';
import { buildOpenApi } from '../openapi';
import { mount, type ApiContext } from '../operation';
import { OPERATIONS } from '../operations';

export function systemRouter(ctx: ApiContext): Router {
  const router = Router();
  let openapi: unknown;

  mount(router, ctx, OPERATIONS.health, async (_req, res) => {
    try {
      await ctx.engine.store.ping();
      res.set('Cache-Control', 'no-store').json({ status: 'ok', store: 'ok', scheduler: 'ok' });
    } catch (err) {
      res.status(503).set('Cache-Control', 'no-store').json({
        status: 'error', store: 'error', scheduler: 'unknown',
        error: { code: 'SERVICE_UNAVAILABLE', message: `store does not answer: ${(err as Error).message}` },
      });
    }
  });

  mount(router, ctx, OPERATIONS.metrics, async (_req, res) => {
    res.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics());
  });

  mount(router, ctx, OPERATIONS.openapi, (_req, res) => {
    openapi ??= buildOpenApi();
    res.json(openapi);
  });

  return router;
}
