/**
 * The express application: security headers, request logs, metrics, compression, rate limit, JSON bodies,
 * one router per resource, the web app (or a page saying it is not built), 404s and the one error handler.
 */
import fs from 'node:fs';
import path from 'node:path';
import compression from 'compression';
import cookieParser from 'cookie-parser';
import express from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import pino from 'pino';
import type { Engine } from '../engine';
import { Authenticator, DEMO_USERS, demoToken } from './auth';
import { ScheduleGate } from './changeSchedule';
import type { ApiConfig } from './config';
import { problemHandler } from './camunda/problem';
import { camundaRouter } from './camunda/router';
import { ApiError, errorHandler, notFoundHandler } from './errors';
import { IdempotencyStore } from './idempotency';
import { ApiMetrics } from './metrics';
import type { ApiContext } from './operation';
import { ALL_OPERATIONS } from './operations';
import { queueDashboard } from './queueDashboard';
import { requestLog } from './requestLog';
import { routesByResource } from './routeIndex';
import { SessionStore } from './sessions';
import { changeCalendarRouter } from './routes/changeCalendar';
import { deploymentsRouter } from './routes/deployments';
import { draftsRouter } from './routes/drafts';
import { historyRouter } from './routes/history';
import { incidentsRouter } from './routes/incidents';
import { instancesRouter } from './routes/instances';
import { jobsRouter } from './routes/jobs';
import { messagesRouter } from './routes/messages';
import { processesRouter } from './routes/processes';
import { processVersionsRouter } from './routes/processVersions';
import { reportsRouter } from './routes/reports';
import { sessionRouter } from './routes/session';
import { startFormsRouter } from './routes/startForms';
import { systemRouter } from './routes/system';
import { tasksRouter } from './routes/tasks';
import { taskNotesRouter } from './routes/taskNotes';
import { ticketLinksRouter } from './routes/ticketLinks';
import { taskViewsRouter } from './routes/taskViews';

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The page at `/` when modeler/dist is missing: says so and lists the API. */
function notBuiltPage(config: ApiConfig): string {
  const rows = ALL_OPERATIONS.map((op) => `<tr><td>${op.method.toUpperCase()}</td><td><code>${escapeHtml(op.path)}</code></td><td>${escapeHtml(op.summary)}</td></tr>`).join('\n');
  const users = !config.demo
    ? ''
    : `<p>Demo users (token <code>demo-&lt;user&gt;</code>): ${DEMO_USERS.map((u) => `<code>${demoToken(u.id)}</code> (${u.roles.join(', ')})`).join(', ')}</p>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>ProcessDesk</title></head><body>
<h1>ProcessDesk</h1>
<p>The web app is not built (no <code>modeler/dist</code>). The HTTP API is available; see <a href="/api/openapi.json">/api/openapi.json</a>.</p>
${users}
<table><thead><tr><th>method</th><th>path</th><th>what</th></tr></thead><tbody>
${rows}
</tbody></table></body></html>`;
}

/**
 * Vite names what it bundles into assets/ by content hash, so such a file never changes: browsers keep it
 * a year without asking. Anything else (index.html first) is revalidated on each visit, so that a new
 * build is picked up at once.
 */
function cacheHeaders(res: express.Response, file: string): void {
  const hashed = /[\\/]assets[\\/][^\\/]+-[\w-]{8,}\.\w+$/.test(file);
  res.setHeader('Cache-Control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
}

/** Ends the /v2 job activations that wait (long polls), so that the server can close: call before server.close(). */
export function endLongPolls(app: express.Express): void {
  (app.locals.closeV2 as (() => void) | undefined)?.();
}

export function createApp(engine: Engine, config: ApiConfig): express.Express {
  const app = express();
  const metrics = new ApiMetrics().watch(engine);
  const logger = pino({ level: config.logLevel, redact: ['req.headers.authorization', 'req.headers.cookie'] });
  const context: ApiContext = {
    engine,
    config,
    metrics,
    auth: new Authenticator(config, new SessionStore(config.sessionTtlMs, config.maxSessions), { log: (message) => logger.warn(message) }),
    idempotency: new IdempotencyStore(config.idempotencyTtlMs, config.idempotencyMaxEntries),
    schedules: new ScheduleGate(),
  };
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  if (config.trustProxy !== undefined) app.set('trust proxy', config.trustProxy);

  // The web app is same-origin scripts and styles only; helmet's default CSP fits it, except that
  // `upgrade-insecure-requests` would break the app when it is served over plain http on a non-local host.
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  const log = requestLog(logger);
  if (log) app.use(log);
  app.use(metrics.httpMiddleware());
  // gzip or brotli, as the client accepts (brotli preferred); bodies under 1 KB go as they are
  app.use(compression());
  if (config.rateLimitPerMinute > 0) {
    // one budget per client for /api and /v2 together
    app.use(
      ['/api', '/v2'],
      rateLimit({
        windowMs: 60_000,
        limit: config.rateLimitPerMinute,
        standardHeaders: 'draft-7',
        legacyHeaders: false,
        skip: (req) => req.path === '/health',
        handler: (_req, _res, next) => next(new ApiError('TOO_MANY_REQUESTS', `more than ${config.rateLimitPerMinute} requests a minute`)),
      }),
    );
  }
  app.use('/api', express.json({ limit: config.bodyLimit }));
  app.use('/api', cookieParser()); // the session cookie (api/sessions.ts)

  // one router per resource, in this order; a request goes only through those with a route under its resource
  const apiRouters = [
    deploymentsRouter,
    processesRouter,
    processVersionsRouter,
    draftsRouter,
    instancesRouter,
    historyRouter,
    tasksRouter,
    taskNotesRouter,
    ticketLinksRouter,
    taskViewsRouter,
    messagesRouter,
    jobsRouter,
    incidentsRouter,
    reportsRouter,
    systemRouter,
    sessionRouter,
    startFormsRouter,
    changeCalendarRouter,
  ];
  app.use(routesByResource(apiRouters.map((router) => router(context))));
  app.use('/api', notFoundHandler);
  // Camunda 8's REST API (api/camunda/): its own body parsers (same limit) and problem-detail errors
  const v2 = camundaRouter(context);
  app.use('/v2', v2.router);
  // what fails before the /v2 router (the rate limit) is a problem detail too
  app.use('/v2', problemHandler);
  app.locals.closeV2 = v2.close;
  const dashboard = queueDashboard(context);
  if (dashboard) app.use(dashboard);

  const index = path.join(config.staticDir, 'index.html');
  if (fs.existsSync(index)) {
    app.use(express.static(config.staticDir, { index: 'index.html', setHeaders: cacheHeaders }));
    // single-page app routes
    app.get(/^\/(?!api\/).*/, (req, res, next) => (req.accepts('html') ? res.sendFile(index, { headers: { 'Cache-Control': 'no-cache' } }) : next()));
  } else {
    app.get('/', (_req, res) => {
      res.type('html').send(notBuiltPage(config));
    });
  }

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
