/**
 * The ports between the engine and its job queues. The runtime (engine/runtime/jobs.ts) implements
 * JobSink: the engine commands a queued job's outcome becomes, always checked against the store. The
 * BullMQ adapter (bullmqJobDelivery.ts) implements JobDelivery, which the Engine uses when REDIS_URL
 * is set; without it jobs stay rows that workers poll (store.activateJobs).
 */
import type { Queue } from 'bullmq';
import type { JobRow } from '../../store/types';

/** What a queued job carries (`job.data` in a BullMQ worker). */
export interface ProcessDeskJobData {
  /** The engine's job key (also `decodeURIComponent(job.id)`). */
  key: string;
  type: string;
  processInstanceId: string;
  processId: string;
  elementId: string;
  /** Retries left when the job was queued (the engine counts them; a failure uses one). */
  retries: number;
  /** The variables the job sees (input mappings included), as they were when it was queued. */
  variables: Record<string, unknown>;
  /** zeebe:taskHeaders of the task. */
  customHeaders: Record<string, string>;
  /** The type's timeout: lock duration a worker of it should use. */
  timeoutMs: number;
  /** When the engine created the job (epoch ms); a retry keeps it. */
  createdAt: number;
  /** Set while the job is taken over HTTP (POST /api/jobs/activate): by whom, until when. */
  pulledBy?: string;
  lockExpiresAt?: number;
}

/** A failed attempt, as the queue reports it to the engine. */
export interface JobFailure {
  /** The retries the job had when this attempt was queued: a failure already counted is not counted again. */
  expectedRetries: number;
  /** Retries left after this failure (0: an incident). */
  retries: number;
  errorMessage: string;
  backoffMs: number;
}

/** The engine side of the queues. Every method re-checks the job row; one that is no longer live is refused. */
export interface JobSink {
  getJob(key: string): Promise<JobRow | undefined>;
  /** The variables a worker of `job` sees now (input mappings included); only `names` when given. */
  variables(job: JobRow, names?: readonly string[]): Promise<Record<string, unknown>>;
  complete(key: string, variables: Record<string, unknown>, worker: string): Promise<void>;
  throwError(key: string, errorCode: string, errorMessage: string | undefined, worker: string): Promise<void>;
  /** Applies a failed attempt; undefined when it was already counted (or the job moved on). */
  failAttempt(key: string, failure: JobFailure, worker: string): Promise<JobRow | undefined>;
  /** Records that `worker` holds the job until `lockExpiresAt` (a job taken over HTTP); undefined when it is not live. */
  lock(key: string, worker: string, lockExpiresAt: number): Promise<JobRow | undefined>;
}

/**
 * Runs `work` (an engine command on the job `key`) without the sync request its commit would ask for:
 * for callers that see to the job's BullMQ job themselves afterwards (the sync re-reads the row after
 * applying a result; a worker's finished BullMQ job asks for a sync of its own).
 */
export type Quietly = <T>(key: string, work: () => Promise<T>) => Promise<T>;

/** A handler of an engine-side worker: variables to complete, BpmnError for a BPMN error, any other throw fails. */
export type JobHandler = (job: JobRow) => Record<string, unknown> | void | Promise<Record<string, unknown> | void>;

export interface WorkOptions {
  /** Worker name recorded on the jobs it completes (history actor). */
  workerId?: string;
  /** Overrides the type's `concurrency` setting. */
  concurrency?: number;
  /** Lines about jobs not run or results refused. */
  log?: (line: string) => void;
}

/** Jobs waiting and in progress per job type (GET /api/metrics). */
export interface JobQueueStats {
  type: string;
  counts: Record<'waiting' | 'prioritized' | 'delayed' | 'active' | 'completed' | 'failed', number>;
  /** Age (ms) of the oldest job next in line; 0 when none waits. */
  oldestWaitingMs: number;
}

export interface JobDelivery {
  start(sink: JobSink): Promise<void>;
  stop(): Promise<void>;
  /** Job rows a commit wrote (created, retried, resolved, completed, canceled...): queue or withdraw them. */
  committed(jobs: readonly JobRow[]): void;
  /** Resolves once what `committed` was given has been handed to Redis. */
  idle(): Promise<void>;
  /** Takes up to `max` queued jobs of a type for an HTTP worker, each locked until `lockMs` from now. */
  take(req: { type: string; worker: string; max: number; lockMs?: number }): Promise<JobRow[]>;
  /**
   * Moves the end of the lock of a job an HTTP worker took (its parked queue job waits until then);
   * false when the job is not parked: its lock already ended, or a queue worker holds it.
   */
  moveLock(job: JobRow, lockExpiresAt: number): Promise<boolean>;
  /** Runs `handler` on the type's queue in this process; resolves to a function that stops it. */
  work(type: string, handler: JobHandler, options?: WorkOptions): Promise<() => Promise<void>>;
  stats(): Promise<JobQueueStats[]>;
  /** The BullMQ queues (job types, sync requests), for the dashboard. */
  queues(): Promise<Queue[]>;
  ping(): Promise<void>;
}
