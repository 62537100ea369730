/**
 * BullMQ's dashboard (bull-board) at /admin/queues, for admins only (permission `queues.admin`), when
 * jobs are on BullMQ: the queue of every job type, the sync requests and the timers, with what
 * bull-board offers (jobs and their data, failures, retry, promote, pause a queue, limits).
 * QUEUE_DASHBOARD=readonly shows the queues without actions; `off` leaves the dashboard out.
 *
 * It takes the API's bearer token. A browser cannot add that header to a page it opens, so HTTP Basic
 * is accepted here too, with the token as the password (any user name): the browser asks once and sends
 * it with every request of the dashboard. Because a browser sends Basic credentials on its own, a
 * request that changes something must come from the dashboard's own origin (the browser's Fetch
 * Metadata and Origin headers say where it comes from), so that no other site can make an admin's
 * browser act on the queues.
 *
 * What the dashboard changes stays within BullMQ's reach; the store remains the truth: a job removed
 * by hand is queued again by the next resync, a job retried by hand is a new delivery of a live job,
 * and a result removed before the engine applied it is lost (the job is then queued again).
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import { Router, type ErrorRequestHandler, type RequestHandler } from 'express';
import { BullmqScheduler } from '../engine';
import { forbidden } from './errors';
import type { ApiContext } from './operation';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';
const REALM = 'Basic realm="ProcessDesk queues", charset="UTF-8"';
/** The queue list is read from Redis at most this often (new job types appear in the dashboard after it). */
const REFRESH_MS = 1000;

/** `Authorization: Basic base64(user:token)` becomes `Bearer token` for the usual check. */
const basicAsBearer: RequestHandler = (req, _res, next) => {
  const basic = /^Basic\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const token = decoded.slice(decoded.indexOf(':') + 1);
    if (token) req.headers.authorization = `Bearer ${token}`;
  }
  next();
};

/** Lets a browser ask for the token (as the Basic password) when it has none or a wrong one. */
const challenge: ErrorRequestHandler = (err, _req, res, next) => {
  if ((err as { code?: string }).code === 'UNAUTHORIZED') res.set('WWW-Authenticate', [REALM, 'Bearer']);
  next(err);
};

/** A request that changes something must come from this origin (or from no browser at all). */
const sameOrigin: RequestHandler = (req, _res, next) => {
  if (req.method === 'GET' || req.method === 'HEAD') return next();
  const site = req.get('sec-fetch-site');
  if (site && site !== 'same-origin' && site !== 'none') return next(forbidden(`queue changes are only accepted from the dashboard itself (Sec-Fetch-Site: ${site})`));
  const origin = req.get('origin');
  if (origin) {
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      host = undefined;
    }
    if (host !== req.get('host')) return next(forbidden(`queue changes are only accepted from the dashboard itself (Origin: ${origin})`));
  }
  next();
};

/** The router of the dashboard, or undefined when there is none (jobs polled, or QUEUE_DASHBOARD=off). */
export function queueDashboard(ctx: ApiContext): Router | undefined {
  const { engine, config } = ctx;
  if (!engine.jobsOnBullmq || config.queueDashboard === 'off') return undefined;
  const readOnlyMode = config.queueDashboard === 'readonly';
  const serverAdapter = new ExpressAdapter().setBasePath(QUEUE_DASHBOARD_PATH);
  const board = createBullBoard({ queues: [], serverAdapter, options: { uiConfig: { boardTitle: 'ProcessDesk queues' } } });
  const shown = new Set<string>();
  let refreshed = 0;
  const refresh: RequestHandler = async (_req, _res, next) => {
    if (Date.now() - refreshed > REFRESH_MS) {
      refreshed = Date.now();
      const scheduler = engine.timerScheduler;
      const timers = scheduler instanceof BullmqScheduler ? scheduler.timerQueue : undefined;
      const queues: Queue[] = [...(await engine.jobQueues()), ...(timers ? [timers] : [])];
      for (const queue of queues) {
        if (shown.has(queue.name)) continue;
        shown.add(queue.name);
        board.addQueue(new BullMQAdapter(queue, { readOnlyMode }));
      }
    }
    next();
  };
  const router = Router();
  router.use(QUEUE_DASHBOARD_PATH, basicAsBearer, ctx.auth.requireRole('queues.admin'), sameOrigin, refresh, serverAdapter.getRouter(), challenge);
  return router;
}
