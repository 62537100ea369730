/**
 * Per job type settings of the BullMQ job queues, from one JSON document (JOB_QUEUES): defaults for
 * every type, overrides per type, and the knobs of the engine's side of the queues. The engine's job
 * row stays the truth for retries: `backoff` is the delay the engine puts before a failed job is
 * offered again, BullMQ's own `attempts` stay at 1 (see README, "Jobs on BullMQ").
 */
import { PRIORITY_LIMIT } from 'bullmq';

export interface RateLimit {
  /** At most this many jobs of the type start ... */
  max: number;
  /** ... per this many milliseconds, over all workers (BullMQ's global rate limit). */
  durationMs: number;
}

export interface Backoff {
  type: 'fixed' | 'exponential';
  /** Delay before the first retry; `exponential` doubles it with every further failure. */
  delayMs: number;
  /** Upper bound of the delay. */
  maxDelayMs?: number;
}

export interface JobTypeSettings {
  /** Jobs of the type one engine-side worker (`npm run worker`) works at once. */
  concurrency?: number;
  /** Jobs of the type worked at once by all workers together (BullMQ's global concurrency). */
  globalConcurrency?: number;
  rateLimit?: RateLimit;
  /** Retries of a job whose task definition gives none (with or without BullMQ); 3 when unset. */
  retries?: number;
  backoff?: Backoff;
  /** BullMQ priority, 1 = highest; a task header `priority` (an integer) overrides it. Unset: in the order jobs are queued. */
  priority?: number;
  /**
   * The lock of a job being worked: a worker that dies loses its jobs after this long (the lock
   * duration of `npm run worker`'s BullMQ workers and of jobs taken over HTTP without `lockMs`).
   */
  timeoutMs?: number;
  /** The variables a queued job carries; all the job sees when unset. */
  fetchVariables?: string[];
}

export interface JobQueueSettings {
  defaults?: JobTypeSettings;
  types?: Record<string, JobTypeSettings>;
  /** How often every live job of the store is compared with Redis (re-queues what a crash left out). */
  resyncMs?: number;
  /** How often finished jobs are looked for in Redis (outcomes nobody was listening for). */
  sweepMs?: number;
  /** Sync requests one engine process handles at once. */
  syncConcurrency?: number;
  /** Lock of a sync request; a crashed engine process's requests are taken over after it. */
  syncLockMs?: number;
  /** Largest job (its data) or job result accepted, in bytes of JSON. */
  maxJobBytes?: number;
  /** Job types whose finished jobs an engine process hears of at once (a Redis connection each); the sweep finds the others'. */
  maxEventReaders?: number;
}

export type ResolvedTypeSettings = Required<Pick<JobTypeSettings, 'concurrency' | 'backoff' | 'timeoutMs'>> & Omit<JobTypeSettings, 'concurrency' | 'backoff' | 'timeoutMs'>;

export const DEFAULT_TYPE_SETTINGS: ResolvedTypeSettings = {
  concurrency: 4,
  backoff: { type: 'exponential', delayMs: 1000, maxDelayMs: 60 * 60 * 1000 },
  timeoutMs: 30_000,
};

export const DEFAULT_QUEUE_SETTINGS = {
  resyncMs: 30_000,
  sweepMs: 5000,
  syncConcurrency: 16,
  syncLockMs: 30_000,
  maxJobBytes: 1024 * 1024,
  maxEventReaders: 64,
} as const satisfies JobQueueSettings;

const int = (minimum: number, maximum?: number) => ({ type: 'integer', minimum, ...(maximum !== undefined ? { maximum } : {}) });

const TYPE_SETTINGS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    concurrency: int(1, 10_000),
    globalConcurrency: int(1, 1_000_000),
    rateLimit: {
      type: 'object',
      additionalProperties: false,
      required: ['max', 'durationMs'],
      properties: { max: int(1), durationMs: int(1) },
    },
    retries: int(0, 1000),
    backoff: {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'delayMs'],
      properties: { type: { enum: ['fixed', 'exponential'] }, delayMs: int(0), maxDelayMs: int(0) },
    },
    priority: int(1, PRIORITY_LIMIT),
    timeoutMs: int(1000, 24 * 60 * 60 * 1000),
    fetchVariables: { type: 'array', uniqueItems: true, maxItems: 1000, items: { type: 'string', minLength: 1, maxLength: 255 } },
  },
} as const;

/** JSON Schema of the JOB_QUEUES document (the API checks the file against it at start). */
export const JOB_QUEUE_SETTINGS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    defaults: TYPE_SETTINGS_SCHEMA,
    types: { type: 'object', propertyNames: { minLength: 1, maxLength: 255 }, additionalProperties: TYPE_SETTINGS_SCHEMA },
    resyncMs: int(100),
    sweepMs: int(100),
    syncConcurrency: int(1, 1000),
    syncLockMs: int(1000),
    maxJobBytes: int(1024, 512 * 1024 * 1024),
    maxEventReaders: int(0, 10_000),
  },
} as const;

/** The settings of every job type, resolved once per type. */
export class JobTypeSettingsTable {
  private readonly resolved = new Map<string, ResolvedTypeSettings>();

  constructor(private readonly settings: JobQueueSettings = {}) {}

  of(type: string): ResolvedTypeSettings {
    let s = this.resolved.get(type);
    if (!s) {
      s = { ...DEFAULT_TYPE_SETTINGS, ...this.settings.defaults, ...this.settings.types?.[type] };
      this.resolved.set(type, s);
    }
    return s;
  }

  /** Types with settings of their own (their workers and limits are known before any job exists). */
  configuredTypes(): string[] {
    return Object.keys(this.settings.types ?? {});
  }

  get resyncMs(): number {
    return this.settings.resyncMs ?? DEFAULT_QUEUE_SETTINGS.resyncMs;
  }

  get sweepMs(): number {
    return this.settings.sweepMs ?? DEFAULT_QUEUE_SETTINGS.sweepMs;
  }

  get syncConcurrency(): number {
    return this.settings.syncConcurrency ?? DEFAULT_QUEUE_SETTINGS.syncConcurrency;
  }

  get syncLockMs(): number {
    return this.settings.syncLockMs ?? DEFAULT_QUEUE_SETTINGS.syncLockMs;
  }

  get maxJobBytes(): number {
    return this.settings.maxJobBytes ?? DEFAULT_QUEUE_SETTINGS.maxJobBytes;
  }

  get maxEventReaders(): number {
    return this.settings.maxEventReaders ?? DEFAULT_QUEUE_SETTINGS.maxEventReaders;
  }

  /**
   * Delay before the next attempt after the `failures`-th failure: BullMQ's fixed and exponential
   * strategies (delay, or delay * 2^(failures-1)), capped by maxDelayMs.
   */
  backoffMs(type: string, failures: number): number {
    const { backoff } = this.of(type);
    const delay = backoff.type === 'fixed' ? backoff.delayMs : Math.round(backoff.delayMs * 2 ** Math.max(0, failures - 1));
    return Math.min(delay, backoff.maxDelayMs ?? Number.MAX_SAFE_INTEGER);
  }

  /** The BullMQ priority of a job: its `priority` header when that is an integer in BullMQ's range, else the type's. */
  priority(type: string, headers: Record<string, string>): number | undefined {
    const header = headers.priority?.trim();
    if (header && /^\d+$/.test(header)) {
      const value = Number(header);
      if (value >= 1 && value <= PRIORITY_LIMIT) return value;
    }
    return this.of(type).priority;
  }
}
