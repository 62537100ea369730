/**
 * Runs job handlers in this process: on BullMQ a worker per type (it applies each outcome itself,
 * engine/queue/jobs/jobWorker.ts), otherwise a loop that activates jobs from the store, completes them
 * with the handler's variables and fails them (retries - 1, a second's backoff) when the handler throws.
 * `npm run worker` runs WORKER_HANDLERS with it; the API and the worker run the notifier with it.
 */
import type { Engine, JobHandler, JobRow } from '../engine';

export interface JobRunnerOptions {
  workerId: string;
  /** Jobs activated per round and type (without BullMQ). */
  jobBatch: number;
  /** Lock of an activated job (without BullMQ). */
  jobLockMs: number;
  log: (line: string) => void;
  onError: (err: unknown, where: string) => void;
}

/** Starts working `handlers`' types; resolves to a function that stops taking work and waits for the jobs in hand. */
export async function runJobHandlers(engine: Engine, handlers: Record<string, JobHandler>, options: JobRunnerOptions): Promise<() => Promise<void>> {
  const types = Object.keys(handlers);
  const { workerId, log, onError } = options;
  if (engine.jobsOnBullmq) {
    const stops = await Promise.all(types.map((type) => engine.workJobs(type, handlers[type], { workerId, log })));
    return async () => {
      await Promise.all(stops.map((stop) => stop()));
    };
  }
  let stopping = false;
  const loop = (async () => {
    while (!stopping && types.length) {
      let worked = 0;
      for (const type of types) {
        if (stopping) break;
        let jobs: JobRow[] = [];
        try {
          jobs = await engine.activateJobs({ type, worker: workerId, maxJobs: options.jobBatch, lockMs: options.jobLockMs });
        } catch (err) {
          onError(err, `activate ${type}`);
        }
        for (const job of jobs) {
          worked++;
          try {
            const variables = (await handlers[type](job)) ?? {};
            await engine.completeJob(job.key, variables, workerId);
          } catch (err) {
            // CONFLICT: the lock expired and another worker finished the job first; nothing was applied
            // twice, but the handler ran twice, which is worth a line (a lock shorter than the work shows here).
            if ((err as { code?: string }).code === 'CONFLICT') {
              log(`job ${job.key} (${type}): not applied, another worker finished it first (${(err as Error).message})`);
              continue;
            }
            await engine
              .failJob(job.key, { retries: job.retries - 1, errorMessage: err instanceof Error ? err.message : String(err), backoffMs: 1000 }, workerId)
              .catch((e) => onError(e, `fail ${job.key}`));
          }
        }
      }
      if (!worked) await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return async () => {
    stopping = true;
    await loop;
  };
}
