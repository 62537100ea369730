/**
 * `npm run worker`: an engine process without HTTP. It opens the same store as the API (DATA_DIR, or
 * MONGODB_URL), fires timers (BullMQ on REDIS_URL, or the embedded scheduler polling the store),
 * dispatches the outbox (including rows a crashed process left behind), and runs job handlers when
 * WORKER_HANDLERS names a module. Any number of workers and one API may share one store, and every
 * command is checked against the instance revision, so a command is never applied twice. With
 * REDIS_URL each handler is a BullMQ worker on its type's queue (concurrency and timeout from
 * JOB_QUEUES), next to any plain BullMQ workers of that type; without, the handlers poll the store
 * (activation locks rows). SIGTERM/SIGINT: stop taking work, finish what is in flight.
 *
 * | variable         | default      | meaning                                                                 |
 * |------------------|--------------|-------------------------------------------------------------------------|
 * | DATA_DIR         | ./data       | directory of the embedded store (shared with the API)                   |
 * | REDIS_URL        | -            | timers and jobs on BullMQ on this Redis                                 |
 * | JOB_QUEUES       | -            | JSON file of per job type settings (api/jobQueuesConfig.ts), as the API's |
 * | REDIS_PREFIX     | processdesk  | BullMQ key prefix (must match the API's)                                |
 * | MONGODB_URL      | -            | the MongoDB store instead of DATA_DIR                                    |
 * | DATABASE_URL     | -            | the PostgreSQL store instead of DATA_DIR (PG_POOL_MAX, PG_SCHEMA... as for the API) |
 * | WORKER_ID        | worker-<pid> | name recorded on jobs this worker locks                                  |
 * | WORKER_HANDLERS  | -            | module exporting `{ [jobType]: (job) => variables | Promise<variables> }` |
 * | JOB_LOCK_MS      | 30000        | job lock; a crashed worker's jobs return after it (BullMQ: the default timeout of the types) |
 * | JOB_BATCH        | 25           | jobs activated per round and type (without REDIS_URL)                   |
 * | TIMER_LOCK_MS    | 30000        | BullMQ lock of a timer being fired; a crashed worker's return after it  |
 * | DEMO_WORKERS     | on           | `off`: do not run the built-in demo workers (notify, deployment-hook...) |
 * | NOTIFY_CONFIG    | -            | JSON file: notify jobs go out by e-mail and webhooks (api/notify/settings.ts), as for the API |
 * | HISTORY_KEY_FILE | DATA_DIR/history-key.pem | the history sealing key: every process sharing a store needs the same one |
 * | DEMO, AUTH_CONFIG, DIRECTORY_FILE | - | the people processes look up (groupMembers, managerOf): as for the API     |
 * | MAX_*, FEEL_TIMEOUT_MS, MIN_TIMER_CYCLE_MS | - | engine limits, as for the API (README "Security model")          |
 * | SQLITE_SYNCHRONOUS, SQLITE_GROUP_COMMIT_MAX | full, 128 | as for the API (README, settings)          |
 */
import path from 'node:path';
import {
  BullmqScheduler,
  DEMO_JOB_TYPES,
  Engine,
  openStore,
  startDemoWorkers,
  storeOptionsOf,
  type BusinessCalendarConfig,
  type InstanceCacheOptions,
  type JobHandler,
  type JobQueueSettings,
} from '../engine';
import {
  historyKeyFileOf,
  instanceCacheFromEnv,
  limitsFromEnv,
  postgresSettings,
  readCalendar,
  readCalendars,
  sqliteSettings,
  storeDescription,
  type ApiConfig,
  type PostgresSettings,
  type SqliteSettings,
} from './config';
import { buildDirectory } from './directory';
import { runJobHandlers } from './jobRunner';
import { runNotifier, taskAssignedNotifier } from './notify/notifier';
import { readNotifySettings, type NotifySettings } from './notify/settings';
import { readJobQueueSettings } from './jobQueuesConfig';

/** A handler of WORKER_HANDLERS: variables to complete the job, a BpmnError for a BPMN error, any other throw fails it. */
export type { JobHandler };

export interface WorkerConfig {
  dataDir: string;
  mongodbUrl?: string;
  /** DATABASE_URL and the PG_* settings, as for the API. */
  postgres?: PostgresSettings;
  redisUrl?: string;
  redisPrefix?: string;
  workerId: string;
  handlers: Record<string, JobHandler>;
  jobLockMs: number;
  jobBatch: number;
  timerLockMs: number;
  /** The built-in demo workers of the shipped processes (engine/runtime/demoWorkers.ts), as `npm start` runs them. */
  demoWorkers: boolean;
  /** BUSINESS_CALENDAR, as for the API (business-time FEEL functions). */
  businessCalendar?: BusinessCalendarConfig;
  /** BUSINESS_CALENDARS, as for the API (named calendars). */
  businessCalendars?: Record<string, BusinessCalendarConfig>;
  /** HISTORY_KEY_FILE: the key that seals history heads, the same as the API's. */
  historyKeyFile: string;
  /** INSTANCE_CACHE_SIZE, INSTANCE_CACHE_BYTES (as the API's). */
  instanceCache: InstanceCacheOptions;
  /** Where the directory comes from, as for the API (commands run here evaluate groupMembers too). */
  people: Pick<ApiConfig, 'demo' | 'authConfigFile' | 'directoryFile'>;
  /** Engine limits from the environment, as for the API. */
  limits: ApiConfig['limits'];
  /** SQLITE_SYNCHRONOUS and SQLITE_GROUP_COMMIT_MAX, as for the API. */
  sqlite?: SqliteSettings;
  /** JOB_QUEUES, as for the API (jobs on BullMQ). */
  jobQueues?: JobQueueSettings;
  /** NOTIFY_CONFIG, as for the API: this worker sends the notify jobs' e-mails and webhooks. */
  notify?: NotifySettings;
}

function int(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value && Number.isInteger(n) && n > 0 ? n : fallback;
}

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): WorkerConfig {
  let handlers: Record<string, JobHandler> = {};
  if (env.WORKER_HANDLERS) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(path.resolve(cwd, env.WORKER_HANDLERS)) as { default?: Record<string, JobHandler> } & Record<string, JobHandler>;
    handlers = mod.default ?? mod;
  }
  return {
    dataDir: path.resolve(cwd, env.DATA_DIR || './data'),
    mongodbUrl: env.MONGODB_URL || undefined,
    postgres: postgresSettings(env),
    redisUrl: env.REDIS_URL || undefined,
    redisPrefix: env.REDIS_PREFIX || undefined,
    workerId: env.WORKER_ID || `worker-${process.pid}`,
    handlers,
    jobLockMs: int(env.JOB_LOCK_MS, 30_000),
    jobBatch: int(env.JOB_BATCH, 25),
    timerLockMs: int(env.TIMER_LOCK_MS, 30_000),
    demoWorkers: env.DEMO_WORKERS !== 'off',
    businessCalendar: env.BUSINESS_CALENDAR ? readCalendar(path.resolve(cwd, env.BUSINESS_CALENDAR)) : undefined,
    businessCalendars: env.BUSINESS_CALENDARS ? readCalendars(path.resolve(cwd, env.BUSINESS_CALENDARS)) : undefined,
    historyKeyFile: historyKeyFileOf(env, cwd),
    limits: limitsFromEnv(env),
    instanceCache: instanceCacheFromEnv(env),
    people: {
      demo: /^(on|1|true|yes)$/i.test(env.DEMO ?? '') && !env.AUTH_CONFIG && !env.OIDC_ISSUER,
      authConfigFile: env.AUTH_CONFIG ? path.resolve(cwd, env.AUTH_CONFIG) : undefined,
      directoryFile: env.DIRECTORY_FILE ? path.resolve(cwd, env.DIRECTORY_FILE) : undefined,
    },
    sqlite: sqliteSettings(env),
    jobQueues: env.JOB_QUEUES ? readJobQueueSettings(path.resolve(cwd, env.JOB_QUEUES)) : undefined,
    notify: env.NOTIFY_CONFIG ? readNotifySettings(path.resolve(cwd, env.NOTIFY_CONFIG)) : undefined,
  };
}

export interface RunningWorker {
  engine: Engine;
  stop(): Promise<void>;
}

/** Starts the engine and the job loop; `stop` ends both gracefully. */
export async function startWorker(config: WorkerConfig): Promise<RunningWorker> {
  const store = openStore({ dataDir: config.dataDir, mongodbUrl: config.mongodbUrl, ...storeOptionsOf(config.postgres), ...config.sqlite });
  const onError = (err: unknown, where: string) => console.error(`[processdesk worker ${config.workerId}] ${where}:`, err);
  const scheduler = config.redisUrl
    ? new BullmqScheduler({
        redisUrl: config.redisUrl,
        store,
        prefix: config.redisPrefix,
        lockDurationMs: config.timerLockMs,
        stalledIntervalMs: Math.max(500, Math.floor(config.timerLockMs / 2)),
        onError: (e) => onError(e, 'timer'),
      })
    : undefined;
  // JOB_LOCK_MS is the timeout of the types the settings give none.
  const jobQueues = { ...config.jobQueues, defaults: { timeoutMs: config.jobLockMs, ...config.jobQueues?.defaults } };
  const directory = buildDirectory(config.people);
  const engine = await new Engine({
    store,
    scheduler,
    onError,
    businessCalendar: config.businessCalendar,
    businessCalendars: config.businessCalendars,
    historyKey: config.historyKeyFile,
    checkpointIntervalMs: 0,
    instanceCache: config.instanceCache,
    directory,
    limits: config.limits,
    redisUrl: config.redisUrl,
    redisPrefix: config.redisPrefix,
    jobQueues,
    onTaskAssigned: config.notify && taskAssignedNotifier(config.notify, directory, (line) => console.log(`[processdesk worker ${config.workerId}] ${line}`)),
  }).start();
  const stopDemoWorkers = config.demoWorkers
    ? startDemoWorkers(
        engine,
        DEMO_JOB_TYPES.filter((t) => !config.notify || t !== 'notify'),
      )
    : undefined;
  const log = (line: string) => console.log(`[processdesk worker ${config.workerId}] ${line}`);
  const runner = { workerId: config.workerId, jobBatch: config.jobBatch, jobLockMs: config.jobLockMs, log, onError };
  const stopHandlers = await runJobHandlers(engine, config.handlers, runner);
  const stopNotifier = config.notify ? await runNotifier(engine, config.notify, directory, runner) : undefined;
  return {
    engine,
    async stop() {
      await stopHandlers();
      await stopNotifier?.();
      await stopDemoWorkers?.();
      await engine.idle();
      await engine.stop();
    },
  };
}

export async function main(config: WorkerConfig = loadWorkerConfig()): Promise<RunningWorker> {
  const worker = await startWorker(config);
  const handlers = Object.keys(config.handlers);
  console.log(
    `[processdesk worker ${config.workerId}] data in ${storeDescription(config)}; timers and jobs ${config.redisUrl ? `on BullMQ (${config.redisUrl})` : 'embedded'}; job types: ${[...handlers, ...(config.demoWorkers ? ['demo workers'] : [])].join(', ') || 'none'}`,
  );
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[processdesk worker ${config.workerId}] ${signal}: finishing in-flight work`);
    await worker.stop();
    console.log(`[processdesk worker ${config.workerId}] stopped`);
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  return worker;
}

if (require.main === module) {
  main().catch((err) => {
    console.error(`[processdesk worker] cannot start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
