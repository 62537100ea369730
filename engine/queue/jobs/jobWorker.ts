/**
 * A worker inside an engine process (`npm run worker`'s WORKER_HANDLERS, the built-in decision
 * worker): a BullMQ Worker on the type's queue that calls a handler and applies its outcome to the
 * engine itself, before its BullMQ job finishes. Otherwise it is a BullMQ worker like any other
 * (concurrency, the type's timeout as its lock, rate limits, stalled-job recovery) and shares the
 * queue with plain BullMQ workers. With the store at hand it also skips jobs that are no longer live
 * (one re-delivered after a crash whose result was applied, one canceled while it waited) and says
 * why a result of its own is refused.
 */
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { parseBpmnError } from './bpmnError';
import { engineJobKey, jobQueueName } from './names';
import { isInvalidResult, isLive, resultVariables } from './reconciler';
import type { JobTypeSettingsTable } from './settings';
import type { JobHandler, JobSink, ProcessDeskJobData, Quietly } from './types';

export interface JobWorkerDeps {
  connection: Redis;
  prefix: string;
  sink: JobSink;
  settings: JobTypeSettingsTable;
  workerId: string;
  concurrency?: number;
  log: (line: string) => void;
  onError: (err: unknown) => void;
  /** The outcome's commit needs no sync: this worker's BullMQ job finishes next and asks for one. */
  quietly: Quietly;
  maxJsonDepth: number;
}

const refusal = (err: unknown): boolean => ['CONFLICT', 'NOT_FOUND'].includes((err as { code?: string })?.code ?? '');

export class JobWorker {
  private readonly worker: Worker<ProcessDeskJobData>;

  constructor(
    private readonly type: string,
    private readonly handler: JobHandler,
    private readonly deps: JobWorkerDeps,
  ) {
    const { timeoutMs, concurrency } = deps.settings.of(type);
    this.worker = new Worker<ProcessDeskJobData>(jobQueueName(type), (job) => this.process(job), {
      connection: deps.connection,
      prefix: deps.prefix,
      name: deps.workerId,
      concurrency: deps.concurrency ?? concurrency,
      lockDuration: timeoutMs,
      stalledInterval: Math.max(500, Math.floor(timeoutMs / 2)),
    });
    this.worker.on('error', deps.onError);
  }

  waitUntilReady(): Promise<unknown> {
    return this.worker.waitUntilReady();
  }

  close(): Promise<void> {
    return this.worker.close();
  }

  private async process(job: Job<ProcessDeskJobData>): Promise<Record<string, unknown> | undefined> {
    const { sink, settings, workerId, log } = this.deps;
    const key = job.data?.key ?? engineJobKey(job.id);
    const row = key ? await sink.getJob(key) : undefined;
    if (!isLive(row)) {
      const reason = `it is ${row?.state ?? 'unknown to the engine'}`;
      await job.updateProgress({ notRun: reason }); // tells the sync there is no result to apply
      log(`job ${key} (${this.type}) not run by ${workerId}: ${reason}`);
      return undefined;
    }
    const variables = await sink.variables(row, settings.of(this.type).fetchVariables);
    let outcome: Record<string, unknown> | void;
    try {
      outcome = await this.handler({ ...row, variables });
    } catch (thrown) {
      const err = thrown instanceof Error ? thrown : new Error(String(thrown));
      await this.failed(job, row.retries, row.initialRetries, err);
      throw err;
    }
    const result = resultVariables(outcome, settings.maxJobBytes, this.deps.maxJsonDepth);
    if ('problem' in result) {
      const err = new Error(result.problem);
      await this.failed(job, row.retries, row.initialRetries, err);
      throw err;
    }
    try {
      await this.deps.quietly(key!, () => sink.complete(key!, result.variables, workerId));
    } catch (err) {
      if (isInvalidResult(err)) {
        // Not a result the engine takes (an identity variable, too deep): a failed attempt, with the reason.
        const refused = new Error(`the worker's result is refused: ${(err as Error).message}`);
        await this.failed(job, row.retries, row.initialRetries, refused);
        throw refused;
      }
      this.report(key!, 'result', err);
    }
    return result.variables;
  }

  /** The failure (or BPMN error) goes to the engine now; the thrown error also lands in Redis for the sync. */
  private async failed(job: Job<ProcessDeskJobData>, retries: number, initialRetries: number, err: Error): Promise<void> {
    const { sink, settings, workerId } = this.deps;
    const key = job.data.key;
    // By its message, not instanceof: a handler module may have loaded its own copy of BpmnError.
    const bpmn = parseBpmnError(err.message);
    if (bpmn) {
      await this.apply(key, 'BPMN error', () => sink.throwError(key, bpmn.code, bpmn.message, workerId));
      return;
    }
    const expectedRetries = typeof job.data.retries === 'number' ? job.data.retries : retries;
    const left = err.name === 'UnrecoverableError' ? 0 : Math.max(0, retries - 1);
    // The last failure (an incident) is the sync's to apply, when it removes the failed BullMQ job in the
    // same run: applied here, an admin could resolve the incident before that job is gone, and the sync
    // would then take the old failure, whose retries a resolution restores, for a new one.
    if (left === 0) return;
    await this.apply(key, 'failure', () =>
      sink.failAttempt(
        key,
        {
          expectedRetries,
          retries: left,
          errorMessage: err.message.slice(0, 10_000),
          backoffMs: settings.backoffMs(this.type, Math.max(1, initialRetries - retries + 1)),
        },
        workerId,
      ),
    );
  }

  private async apply(key: string, what: string, work: () => Promise<unknown>): Promise<void> {
    try {
      await this.deps.quietly(key, work);
    } catch (err) {
      this.report(key, what, err);
    }
  }

  private report(key: string, what: string, err: unknown): void {
    if (refusal(err)) this.deps.log(`job ${key} (${this.type}): the ${what} of ${this.deps.workerId} is refused: ${(err as Error).message}; nothing changed`);
    // Anything else (the store away): the sync applies the outcome from Redis later.
    else this.deps.onError(err);
  }
}
