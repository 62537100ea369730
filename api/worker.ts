/**
 * `npm run worker`: an engine process without HTTP. It opens the same store as the API (DATA_DIR, or
 * MONGODB_URL), fires timers (BullMQ on REDIS_URL, or the embedded scheduler polling the store),
 * dispatches the outbox (including rows a crashed process left behind), and runs job handlers when
 * WORKER_HANDLERS names a module. Any number of workers and one API may share one store: job
 * activation locks rows in the store, and every command is checked against the instance revision,
 * so a command is never applied twice. SIGTERM/SIGINT: stop taking work, finish what is in flight.
 *
 * | variable         | default      | meaning                                                                 |
 * |------------------|--------------|-------------------------------------------------------------------------|
 * | DATA_DIR         | ./data       | directory of the embedded store (shared with the API)                   |
 * | REDIS_URL        | -            | timers on BullMQ on this Redis                                          |
 * | REDIS_PREFIX     | processdesk  | BullMQ key prefix (must match the API's)                                |
 * | MONGODB_URL      | -            | the MongoDB store instead of DATA_DIR                                    |
 * | WORKER_ID        | worker-<pid> | name recorded on jobs this worker locks                                  |
 * | WORKER_HANDLERS  | -            | module exporting `{ [jobType]: (job) => variables | Promise<variables> }` |
 * | JOB_LOCK_MS      | 30000        | job lock; a crashed worker's jobs return after it                       |
 * | JOB_BATCH        | 25           | jobs activated per round and type                                       |
 * | TIMER_LOCK_MS    | 30000        | BullMQ lock of a timer being fired; a crashed worker's return after it  |
 * | DEMO_WORKERS     | on           | `off`: do not run the built-in demo workers (notify, deployment-hook...) |
 */
import path from 'node:path';
import { Engine } from '../engine';
import type { JobRow } from '../engine/store/types';
import { BullmqScheduler } from '../engine/queue/bullmqScheduler';
import { openStore } from '../engine/store';
import { startDemoWorkers } from '../engine/runtime/demoWorkers';
import type { BusinessCalendarConfig } from '../engine/expr/businessCalendar';
import { readCalendar } from './config';

export type JobHandler = (job: JobRow) => Record<string, unknown> | void | Promise<Record<string, unknown> | void>;

export interface WorkerConfig {
  dataDir: string;
  mongodbUrl?: string;
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
    redisUrl: env.REDIS_URL || undefined,
    redisPrefix: env.REDIS_PREFIX || undefined,
    workerId: env.WORKER_ID || `worker-${process.pid}`,
    handlers,
    jobLockMs: int(env.JOB_LOCK_MS, 30_000),
    jobBatch: int(env.JOB_BATCH, 25),
    timerLockMs: int(env.TIMER_LOCK_MS, 30_000),
    demoWorkers: env.DEMO_WORKERS !== 'off',
    businessCalendar: env.BUSINESS_CALENDAR ? readCalendar(path.resolve(cwd, env.BUSINESS_CALENDAR)) : undefined,
  };
}

export interface RunningWorker {
  engine: Engine;
  stop(): Promise<void>;
}

/** Starts the engine and the job loop; `stop` ends both gracefully. */
export async function startWorker(config: WorkerConfig): Promise<RunningWorker> {
  const store = openStore({ dataDir: config.dataDir, mongodbUrl: config.mongodbUrl });
  const onError = (err: unknown, where: string) => console.error(`[processdesk worker ${config.workerId}] ${where}:`, err);
  const scheduler = config.redisUrl
    ? new BullmqScheduler({
        redisUrl: config.redisUrl, store, prefix: config.redisPrefix, lockDurationMs: config.timerLockMs,
        stalledIntervalMs: Math.max(500, Math.floor(config.timerLockMs / 2)), onError: (e) => onError(e, 'timer'),
      })
    : undefined;
  const engine = await new Engine({ store, scheduler, onError, businessCalendar: config.businessCalendar }).start();
  const stopDemoWorkers = config.demoWorkers ? startDemoWorkers(engine) : undefined;
  let stopping = false;
  const types = Object.keys(config.handlers);
  const loop = (async () => {
    while (!stopping && types.length) {
      let worked = 0;
      for (const type of types) {
        if (stopping) break;
        let jobs: JobRow[] = [];
        try {
          jobs = await engine.activateJobs({ type, worker: config.workerId, maxJobs: config.jobBatch, lockMs: config.jobLockMs });
        } catch (err) {
          onError(err, `activate ${type}`);
        }
        for (const job of jobs) {
          worked++;
          try {
            const variables = (await config.handlers[type](job)) ?? {};
            await engine.completeJob(job.key, variables, config.workerId);
          } catch (err) {
            // CONFLICT: the lock expired and another worker finished the job first; nothing was applied twice.
            if ((err as { code?: string }).code === 'CONFLICT') continue;
            await engine.failJob(job.key, { retries: job.retries - 1, errorMessage: err instanceof Error ? err.message : String(err), backoffMs: 1000 }, config.workerId)
              .catch((e) => onError(e, `fail ${job.key}`));
          }
        }
      }
      if (!worked) await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    engine,
    async stop() {
      stopping = true;
      await loop;
      await stopDemoWorkers?.();
      await engine.idle();
      await engine.stop();
    },
  };
}

export async function main(config: WorkerConfig = loadWorkerConfig()): Promise<RunningWorker> {
  const worker = await startWorker(config);
  const handlers = Object.keys(config.handlers);
  console.log(`[processdesk worker ${config.workerId}] data in ${config.mongodbUrl ? 'MongoDB' : config.dataDir}; timers ${config.redisUrl ? `on BullMQ (${config.redisUrl})` : 'embedded'}; job types: ${[...handlers, ...(config.demoWorkers ? ['demo workers'] : [])].join(', ') || 'none'}`);
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
