/** Health (no auth), who am I, Prometheus metrics (no auth, this app's registry only) and the OpenAPI document. */
import { Router } from 'express';
import { principalOf } from '../auth';
import { buildOpenApi } from '../openapi';
import { mount, type ApiContext } from '../operation';
import { OPERATIONS } from '../operations';

export function systemRouter(ctx: ApiContext): Router {
  const router = Router();
  let openapi: unknown;

  mount(router, ctx, OPERATIONS.health, async (_req, res) => {
    const check = async (probe: () => Promise<void>): Promise<string | undefined> => {
      try {
        await probe();
        return undefined;
      } catch (err) {
        return (err as Error).message;
      }
    };
    const store = await ctx.engine.storeProblem();
    const scheduler = await check(() => ctx.engine.timerScheduler.ping());
    res.set('Cache-Control', 'no-store');
    if (!store && !scheduler) {
      res.json({ status: 'ok', store: 'ok', scheduler: 'ok', demo: ctx.auth.demo });
      return;
    }
    res.status(503).json({
      status: 'error',
      store: store ? 'error' : 'ok',
      scheduler: scheduler ? 'error' : 'ok',
      error: { code: 'SERVICE_UNAVAILABLE', message: [store && `store: ${store}`, scheduler && `scheduler: ${scheduler}`].filter(Boolean).join('; ') },
    });
  });

  mount(router, ctx, OPERATIONS.me, (_req, res) => {
    const { id, roles, groups, via } = principalOf(res);
    res.json({ id, roles, groups, via });
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
