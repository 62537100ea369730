/**
 * `npm start`: open the engine on DATA_DIR, deploy the shipped processes (every .bpmn, .dmn, .form and
 * .schema.json below PROCESSES_DIR, in one deployment; unchanged ones keep their version), serve the API
 * and the web app, and shut down gracefully on SIGTERM/SIGINT: stop accepting connections, let
 * in-flight requests finish, wait for the engine's dispatch to settle, stop the engine.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { DEMO_JOB_TYPES, DeploymentError, Engine, startDemoWorkers } from '../engine';
import { createApp, endLongPolls } from './app';
import { DEMO_USERS, demoToken } from './auth';
import { loadConfig, storeDescription, type ApiConfig } from './config';
import { buildDirectory } from './directory';
import { runNotifier, taskAssignedNotifier } from './notify/notifier';
import { readNotifySettings } from './notify/settings';

function findResources(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findResources(full));
    else if (/\.(bpmn|dmn|form|schema\.json)$/i.test(entry.name)) out.push(full);
  }
  return out.sort();
}

/** Deploys the shipped processes; returns a line to print. */
export async function deployShipped(engine: Engine, dir: string): Promise<string> {
  const files = findResources(dir);
  if (!files.length) return `no processes to deploy in ${dir}`;
  try {
    const result = await engine.deploy(files.map((f) => ({ name: path.relative(dir, f).split(path.sep).join('/'), content: fs.readFileSync(f, 'utf8') })));
    return `deployed ${result.processes.map((p) => `${p.key}${p.duplicate ? ' (unchanged)' : ''}`).join(', ') || 'no process'} from ${dir}`;
  } catch (err) {
    if (err instanceof DeploymentError) {
      throw new Error(`the processes in ${dir} do not deploy:\n${err.problems.map((p) => `  ${p.elementId ?? '-'}: ${p.message}`).join('\n')}`, { cause: err });
    }
    throw err;
  }
}

export async function main(config: ApiConfig = loadConfig()): Promise<http.Server> {
  const directory = buildDirectory(config);
  const log = (line: string): void => console.log(`[processdesk] ${line}`);
  // NOTIFY_CONFIG: the notify jobs go out by e-mail and webhooks (api/notify) instead of the demo worker's
  // log line, and whoever is given a task by someone else is told
  const notify = process.env.NOTIFY_CONFIG ? readNotifySettings(path.resolve(process.env.NOTIFY_CONFIG)) : undefined;
  // Timers and jobs on BullMQ when REDIS_URL is set (docs/architecture.md, "The adapters"); `npm run worker` processes share them.
  const engine = await new Engine({
    dataDir: config.dataDir,
    businessCalendar: config.businessCalendar,
    businessCalendars: config.businessCalendars,
    mongodbUrl: config.mongodbUrl,
    postgres: config.postgres,
    redisUrl: process.env.REDIS_URL || undefined,
    redisPrefix: process.env.REDIS_PREFIX || undefined,
    historyKey: config.historyKeyFile,
    checkpointIntervalMs: config.checkpointIntervalMs,
    directory,
    limits: config.limits,
    integrityCheckMs: config.integrityCheckMs,
    instanceCache: config.instanceCache,
    sqlite: config.sqlite,
    jobQueues: config.jobQueues,
    onTaskAssigned: notify && taskAssignedNotifier(notify, directory, log),
  }).start();
  console.log(`[processdesk] data in ${storeDescription(config)}`);
  console.log(`[processdesk] ${await deployShipped(engine, config.processesDir)}`);
  const stopDemoWorkers =
    process.env.DEMO_WORKERS === 'off'
      ? undefined
      : startDemoWorkers(
          engine,
          DEMO_JOB_TYPES.filter((t) => !notify || t !== 'notify'),
        );
  const stopNotifier = notify
    ? await runNotifier(engine, notify, directory, {
        workerId: 'notifier',
        jobBatch: 25,
        jobLockMs: 60_000,
        log,
        onError: (err, where) => console.error(`[processdesk] ${where}:`, err),
      })
    : undefined;
  if (notify) log(`notifications: ${notify.email ? 'e-mail' : 'no e-mail'}, ${notify.webhooks.length} webhook(s)`);

  const app = createApp(engine, config);
  const server = http.createServer(app);
  // Responses still to be sent: at shutdown they are answered with `Connection: close`, so that a
  // keep-alive client's connection ends with its last response instead of idling until keepAliveTimeout.
  const unanswered = new Set<http.ServerResponse>();
  server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    unanswered.add(res);
    res.once('close', () => unanswered.delete(res));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host && config.host !== '0.0.0.0' ? config.host : 'localhost'}:${port}`;
  console.log(`[processdesk] listening on ${url} (API ${url}/api, OpenAPI ${url}/api/openapi.json)`);
  if (!fs.existsSync(path.join(config.staticDir, 'index.html'))) console.log(`[processdesk] web app not built (${config.staticDir} missing): ${url}/ lists the API`);
  if (config.demoIgnored) console.log('[processdesk] DEMO ignored: users come from AUTH_CONFIG/OIDC_ISSUER, demo tokens are refused');
  if (!config.demo) {
    console.log('[processdesk] users from AUTH_CONFIG/OIDC_ISSUER; demo tokens are refused');
  } else {
    console.log('[processdesk] demo users (Authorization: Bearer <token>):');
    for (const u of DEMO_USERS)
      console.log(`  ${u.id.padEnd(6)} ${u.roles.join(',').padEnd(9)} ${demoToken(u.id).padEnd(11)} ${u.groups.length ? `groups: ${u.groups.join(', ')}` : ''}`);
  }

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    console.log(`[processdesk] ${signal}: finishing in-flight requests`);
    const force = setTimeout(() => server.closeAllConnections(), config.shutdownGraceMs);
    force.unref();
    endLongPolls(app); // waiting /v2 job activations answer now instead of holding the close
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    for (const res of unanswered) if (!res.headersSent) res.shouldKeepAlive = false;
    await closed;
    clearTimeout(force);
    await stopDemoWorkers?.();
    await stopNotifier?.();
    await engine.idle();
    await engine.stop();
    console.log('[processdesk] stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  return server;
}

if (require.main === module) {
  main().catch((err) => {
    console.error(`[processdesk] cannot start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
