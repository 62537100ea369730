/**
 * Mounting an operation of the catalog (api/operations.ts) on a router, always in the same order:
 *   requireRole(permission) -> Idempotency-Key (POST) -> body depth -> validate params/query/body -> handler.
 * Handlers may be async: Express 5 passes rejected promises to the error handler.
 */
import type { Request, RequestHandler, Response, Router } from 'express';
import type { Engine } from '../engine';
import type { Authenticator } from './auth';
import type { ScheduleGate } from './changeSchedule';
import type { ApiConfig } from './config';
import type { IdempotencyStore } from './idempotency';
import type { ApiMetrics } from './metrics';
import type { Operation } from './operations';
import { bodyDepthGuard, validateInput } from './validate';

/** What every router needs. */
export interface ApiContext {
  engine: Engine;
  config: ApiConfig;
  auth: Authenticator;
  idempotency: IdempotencyStore;
  metrics: ApiMetrics;
  /** Change schedules are checked one at a time, whichever API completes the task (api/changeSchedule.ts). */
  schedules: ScheduleGate;
}

export type Handler = (req: Request, res: Response) => unknown;

export function mount(router: Router, ctx: ApiContext, op: Operation, handler: Handler): void {
  const chain: RequestHandler[] = [ctx.auth.requireRole(op.permission)];
  if (op.method === 'post') chain.push(ctx.idempotency.middleware());
  if (op.method === 'post' || op.method === 'put') {
    // a body's variables sit two levels down ({variables: {...}}); deeper nesting than the engine takes is a 400 here
    chain.push(bodyDepthGuard(ctx.engine.limits.maxJsonDepth + 2));
  }
  chain.push(validateInput(op));
  chain.push(async (req, res) => {
    await handler(req, res);
  });
  router[op.method](op.path, ...chain);
}
