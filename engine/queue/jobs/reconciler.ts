/**
 * Brings one job's row in the store and its BullMQ job together ("sync"). It runs for one job key at
 * a time in the whole cluster (sync.ts: one deduplicated sync job per key), reads the BullMQ job
 * first and the row second, and does what the pair calls for:
 *
 * | BullMQ job        | row live (activatable, activated)                        | row finished or gone          |
 * |-------------------|----------------------------------------------------------|-------------------------------|
 * | none              | queue it (delayed until its backoff or HTTP lock ends)   | nothing                       |
 * | waiting, delayed  | keep it (one taken over HTTP whose row was failed since: queue it afresh) | remove it (withdrawn) |
 * | active            | keep it: its worker's result will come                   | keep it: its result is refused |
 * | completed         | complete the row with the returned variables             | refuse it (logged)            |
 * | failed            | a BPMN error, or a failure: retries - 1 and the type's backoff, unless already counted | refuse it (logged) |
 *
 * A finished BullMQ job is removed once the engine has its result, then the job is queued again if
 * its row is still live (a retry). Only this code removes a job's BullMQ job, so a result waits in
 * Redis until the engine has it, and no job is queued twice while a worker holds it.
 *
 * Why the BullMQ job first: a worker running in an engine process (jobWorker.ts) and an HTTP worker
 * commit their result before their BullMQ job finishes, so a row read after a finished BullMQ job
 * already shows that result (and it is not applied twice).
 */
import type { Job } from 'bullmq';
import { jsonDepth } from '../../expr/limits';
import type { JobRow } from '../../store/types';
import { parseBpmnError } from './bpmnError';
import { bullmqJobId, jobQueueName, RESERVED_QUEUES } from './names';
import type { JobQueue, JobQueues } from './queues';
import type { JobTypeSettingsTable } from './settings';
import type { JobSink, ProcessDeskJobData, Quietly } from './types';

export type SyncResult = 'queued' | 'active' | 'withdrawn' | 'completed' | 'failed' | 'refused' | 'requeued' | 'nothing';

export interface ReconcilerDeps {
  queues: JobQueues;
  sink: JobSink;
  settings: JobTypeSettingsTable;
  clock: () => number;
  /** Lines about results refused and jobs that cannot be queued. */
  log: (line: string) => void;
  quietly: Quietly;
  /** The engine's maxJsonDepth: results from Redis meet the limits HTTP bodies meet. */
  maxJsonDepth: number;
}

/** Worker name of the engine's own bookkeeping (history actor of incidents it raises). */
export const ENGINE_WORKER = 'processdesk';
/** Longest error message kept, as for POST /api/jobs/:key/fail. */
const MAX_MESSAGE = 10_000;
/** Longest BPMN error code, as for POST /api/jobs/:key/error. */
const MAX_CODE = 255;
/** BullMQ's reason for a job that stalled more often than `maxStalledCount` allows. */
const STALLED_TOO_OFTEN = 'job stalled more than allowable limit';

export const isLive = (row: JobRow | undefined): row is JobRow & { state: 'activatable' | 'activated' } => !!row && (row.state === 'activatable' || row.state === 'activated');

const refusedCodes = new Set(['CONFLICT', 'NOT_FOUND']);
/** The job is no longer live (or gone): the result comes too late. */
const isRefusal = (err: unknown): boolean => refusedCodes.has((err as { code?: string })?.code ?? '');
/** The result itself is not acceptable (e.g. it sets an identity variable): a failed attempt, with the reason. */
export const isInvalidResult = (err: unknown): boolean => (err as { code?: string })?.code === 'INVALID';

/** The variables a worker returned, or why they cannot complete a job. */
export function resultVariables(value: unknown, maxBytes: number, maxDepth: number): { variables: Record<string, unknown> } | { problem: string } {
  if (value === undefined || value === null) return { variables: {} };
  if (typeof value !== 'object' || Array.isArray(value)) {
    const shown = JSON.stringify(value)?.slice(0, 100) ?? String(value);
    return { problem: `the worker returned ${shown}: a job's result must be an object of variables` };
  }
  if (jsonDepth(value, maxDepth) > maxDepth) return { problem: `the worker returned variables nested deeper than ${maxDepth} levels (maxJsonDepth)` };
  const bytes = Buffer.byteLength(JSON.stringify(value));
  if (bytes > maxBytes) return { problem: `the worker returned ${bytes} bytes of variables, more than the ${maxBytes} a job's result may have` };
  return { variables: value as Record<string, unknown> };
}

export class JobReconciler {
  constructor(private readonly deps: ReconcilerDeps) {}

  async sync(key: string, type: string): Promise<SyncResult> {
    const queue = await this.deps.queues.queue(type);
    // The state before the data: a job read while active may finish before its state is read, and its
    // data would then lack the result. A finished job's data no longer changes.
    const found = await queue.getJobState(bullmqJobId(key));
    const job = (await queue.getJob(bullmqJobId(key))) as Job<ProcessDeskJobData> | undefined;
    const state = job ? found : 'unknown';
    const row = await this.deps.sink.getJob(key);
    if (row && row.type !== type && !job) return this.sync(key, row.type); // asked with a wrong type
    switch (state) {
      case 'completed':
      case 'failed': {
        const result = await this.consume(job!, state, row);
        await this.remove(job!);
        const after = await this.deps.sink.getJob(key);
        if (isLive(after)) await this.enqueue(queue, after);
        return result;
      }
      case 'active':
        return 'active';
      case 'unknown':
        if (!isLive(row)) return 'nothing';
        await this.enqueue(queue, row);
        return 'queued';
      default: // waiting, prioritized, delayed, waiting-children
        if (!isLive(row)) return (await this.remove(job!)) ? 'withdrawn' : 'active';
        // Taken over HTTP, then failed (or its lock released) by that worker: offer it again now.
        if (job!.data?.pulledBy && row.state !== 'activated') {
          if (!(await this.remove(job!))) return 'active';
          await this.enqueue(queue, row);
          return 'requeued';
        }
        return 'queued';
    }
  }

  /** Removes a BullMQ job; false when a worker holds it (it cannot be removed then). */
  private async remove(job: Job): Promise<boolean> {
    try {
      await job.remove();
      return true;
    } catch (err) {
      if (/locked/.test((err as Error).message)) return false;
      throw err;
    }
  }

  /** Applies the result of a finished BullMQ job to its row. */
  private async consume(job: Job<ProcessDeskJobData>, state: 'completed' | 'failed', row: JobRow | undefined): Promise<SyncResult> {
    const worker = job.processedBy || 'bullmq';
    // An engine-side worker that found the job no longer live did not run it: there is no result.
    if ((job.progress as { notRun?: string } | undefined)?.notRun) return 'nothing';
    if (!isLive(row)) return this.refuse(job, state, row, worker, row ? `it is ${row.state}` : 'it no longer exists');
    const { sink, settings, quietly } = this.deps;
    try {
      if (state === 'completed') {
        const result = resultVariables(job.returnvalue, settings.maxJobBytes, this.deps.maxJsonDepth);
        if ('variables' in result) {
          try {
            await quietly(row.key, () => sink.complete(row.key, result.variables, worker));
          } catch (err) {
            if (!isInvalidResult(err)) throw err;
            return this.failure(job, row, `the worker's result is refused: ${(err as Error).message}`, worker);
          }
          return 'completed';
        }
        return this.failure(job, row, result.problem, worker);
      }
      const bpmn = parseBpmnError(job.failedReason);
      if (bpmn && bpmn.code.length <= MAX_CODE) {
        await quietly(row.key, () => sink.throwError(row.key, bpmn.code, bpmn.message?.slice(0, MAX_MESSAGE), worker));
        return 'failed';
      }
      return this.failure(job, row, job.failedReason || 'the worker failed the job without a reason', worker);
    } catch (err) {
      if (!isRefusal(err)) throw err;
      return this.refuse(job, state, await sink.getJob(row.key), worker, (err as Error).message);
    }
  }

  /**
   * A failed attempt uses one retry, after the type's backoff; a worker's UnrecoverableError uses them
   * all. BullMQ fails a job that stalled more often than its workers allow with an UnrecoverableError
   * too (recognisable by its stall count and its fixed reason), but that says workers died holding it,
   * not that it must not be retried: one retry. `data.retries` says which attempt failed: once the row
   * has fewer retries, this failure was counted already (by the worker that reported it, or before a crash).
   */
  private async failure(job: Job<ProcessDeskJobData>, row: JobRow, message: string, worker: string): Promise<SyncResult> {
    const expected = typeof job.data?.retries === 'number' ? job.data.retries : row.retries;
    if (row.retries !== expected) return 'failed';
    const stalledTooOften = job.stalledCounter > 0 && job.failedReason === STALLED_TOO_OFTEN;
    const unrecoverable = !stalledTooOften && (job.stacktrace ?? []).some((s) => typeof s === 'string' && s.startsWith('UnrecoverableError'));
    const failures = Math.max(1, row.initialRetries - row.retries + 1);
    await this.deps.quietly(row.key, () =>
      this.deps.sink.failAttempt(
        row.key,
        {
          expectedRetries: expected,
          retries: unrecoverable ? 0 : Math.max(0, row.retries - 1),
          errorMessage: message.slice(0, MAX_MESSAGE),
          backoffMs: this.deps.settings.backoffMs(row.type, failures),
        },
        worker,
      ),
    );
    return 'failed';
  }

  /** A result for a job that is no longer live changes nothing; say so, unless it is the worker's own, already applied. */
  private refuse(job: Job<ProcessDeskJobData>, state: 'completed' | 'failed', row: JobRow | undefined, worker: string, why: string): SyncResult {
    if (row && row.worker === worker && !isLive(row)) return 'nothing';
    const what = state === 'completed' ? 'result' : 'failure';
    const interrupted = row?.state === 'canceled' ? ' (its activity was interrupted or its instance canceled)' : '';
    this.deps.log(`job ${job.data?.key ?? job.id} (${job.data?.type ?? job.queueName}): the ${what} reported by ${worker} is refused: ${why}${interrupted}; nothing changed`);
    return 'refused';
  }

  /** Queues a live job with the variables it sees now. */
  private async enqueue(queue: JobQueue, row: JobRow): Promise<void> {
    const { settings, sink, clock } = this.deps;
    const type = settings.of(row.type);
    if (RESERVED_QUEUES.includes(jobQueueName(row.type))) {
      return this.undeliverable(row, `job type ${row.type} is the name of a queue ProcessDesk uses itself; use another type`);
    }
    const now = clock();
    const locked = row.state === 'activated' && row.lockExpiresAt !== undefined && row.lockExpiresAt > now;
    const data: ProcessDeskJobData = {
      key: row.key,
      type: row.type,
      processInstanceId: row.instanceId,
      processId: row.processId,
      elementId: row.elementId,
      retries: row.retries,
      variables: await sink.variables(row, type.fetchVariables),
      customHeaders: row.customHeaders,
      timeoutMs: type.timeoutMs,
      createdAt: row.createdAt,
      ...(locked ? { pulledBy: row.worker, lockExpiresAt: row.lockExpiresAt } : {}),
    };
    const bytes = Buffer.byteLength(JSON.stringify(data));
    if (bytes > settings.maxJobBytes) {
      return this.undeliverable(
        row,
        `the job's data is ${bytes} bytes, more than the ${settings.maxJobBytes} a queued job may carry; ` + `give type ${row.type} fetchVariables, or raise maxJobBytes`,
      );
    }
    const until = locked ? row.lockExpiresAt! : (row.notBefore ?? now);
    // attempts 1: BullMQ never retries on its own; the engine counts retries on the row (see failure()).
    await queue.add(row.elementId, data, {
      jobId: bullmqJobId(row.key),
      attempts: 1,
      priority: settings.priority(row.type, row.customHeaders),
      delay: Math.max(0, until - now),
      removeOnComplete: false,
      removeOnFail: false,
    });
  }

  /** A job that can never be queued as it is: an incident that says why (resolving it tries again). */
  private async undeliverable(row: JobRow, message: string): Promise<void> {
    this.deps.log(`job ${row.key} (${row.type}) cannot be queued: ${message}`);
    await this.deps.sink.failAttempt(row.key, { expectedRetries: row.retries, retries: 0, errorMessage: message, backoffMs: 0 }, ENGINE_WORKER);
  }
}
