/**
 * Job activations that wait (Camunda's long polling): a request that found no job registers here and is
 * woken by the engine's commits (Engine.onCommit) that make a job of its type activatable; it looks
 * again every RECHECK_MS for jobs that no commit here announces. At most `max` requests wait at once, counting instance creations that
 * await completion (`reserve`); `close()` (server shutdown) wakes them all so that they answer and the
 * server can stop.
 */
import type { Engine } from '../../engine';
import { ApiError } from '../errors';

/**
 * A waiting activation also looks again this often: a job can become activatable without a commit in
 * this process (another process's commit, a retry's backoff running out), and should not wait for the
 * end of the request's timeout.
 */
const RECHECK_MS = 1000;

/**
 * Pauses between the attempts after a wake-up (jobs on BullMQ): quick at first, then once a second,
 * about 9.5 s in all (a loaded machine, or a job given back by an incident's resolution that reaches
 * its queue at the next resync). Only after a commit said a job of the type exists, and never past
 * the request's deadline.
 */
const SETTLE_MS = [25, 50, 100, 200, 400, 800, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000];

interface Waiter {
  type: string;
  wake: () => void;
}

export class LongPolls {
  private readonly waiting = new Set<Waiter>();
  private closed = false;
  private endAll!: () => void;
  /** Resolves when the server stops (close). */
  private readonly ending = new Promise<void>((resolve) => (this.endAll = resolve));
  /** Requests holding a slot without a waiter of a job type (instance creations awaiting completion): how to end each. */
  private readonly held = new Set<() => void>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly engine: Engine,
    private readonly max: number,
  ) {
    this.unsubscribe = engine.onCommit((batch) => {
      const types = new Set((batch.jobs?.upsert ?? []).filter((j) => j.state === 'activatable').map((j) => j.type));
      if (!types.size) return;
      for (const w of this.waiting) if (types.has(w.type)) w.wake();
    });
  }

  /**
   * Takes a slot of the budget for a request that waits on something else (an instance creation with
   * awaitCompletion); 429 when none is left. Returns the release.
   */
  reserve(end: () => void): () => void {
    if (this.waiting.size + this.held.size >= this.max) throw this.exhausted();
    if (this.closed) end();
    const entry = (): void => end();
    this.held.add(entry);
    return () => {
      this.held.delete(entry);
    };
  }

  private exhausted(): ApiError {
    return new ApiError('TOO_MANY_REQUESTS', `more than ${this.max} requests are waiting (job activations, instances awaiting completion: V2_MAX_LONG_POLLS)`);
  }

  /**
   * Runs `activate` until it returns jobs, `ms` pass, the client goes away (`gone`) or the server stops.
   * The waiter is registered before each attempt, so a job committed during an attempt wakes the next.
   */
  async poll<T>(type: string, ms: number, gone: Promise<void>, activate: () => Promise<T[]>): Promise<T[]> {
    const deadline = Date.now() + ms;
    let first = true;
    for (;;) {
      let wake!: () => void;
      const woken = new Promise<void>((resolve) => (wake = resolve));
      const waiter: Waiter = { type, wake };
      const waits = ms > 0 && !this.closed;
      if (waits) {
        if (first && this.waiting.size + this.held.size >= this.max) throw this.exhausted();
        this.waiting.add(waiter);
      }
      first = false;
      try {
        const jobs = await activate();
        const left = deadline - Date.now();
        if (jobs.length || !waits || left <= 0 || this.closed) return jobs;
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.min(left, RECHECK_MS))));
        const outcome = await Promise.race([woken.then(() => 'woken' as const), timeout.then(() => 'timeout' as const), gone.then(() => 'gone' as const)]);
        clearTimeout(timer);
        if (outcome === 'gone') return [];
        if (this.closed || (outcome === 'timeout' && Date.now() >= deadline)) return activate();
        if (outcome === 'timeout') continue; // look again: a job may have become activatable without a commit here
        // Jobs on BullMQ reach their queue a moment after the commit (through the sync queue): after a
        // wake-up, attempts spaced out until they are there (bounded; then wait for the next commit).
        await this.engine.idle();
        // (rows are activatable as soon as committed: there, a job taken by another worker means wait again)
        for (const ms of this.engine.jobsOnBullmq ? SETTLE_MS : []) {
          const found = await activate();
          if (found.length || this.closed) return found;
          let pause: NodeJS.Timeout | undefined;
          const paused = new Promise<'paused'>((resolve) => (pause = setTimeout(() => resolve('paused'), Math.min(ms, Math.max(0, deadline - Date.now())))));
          const why = await Promise.race([paused, gone.then(() => 'gone' as const), this.ending.then(() => 'closed' as const)]);
          clearTimeout(pause);
          if (why === 'gone') return []; // nobody to hand a job to: take none
          if (why === 'closed' || Date.now() >= deadline) return activate();
        }
      } finally {
        this.waiting.delete(waiter);
      }
    }
  }

  /** Wakes every waiting activation (it answers what it finds) and takes no more waits. */
  close(): void {
    this.closed = true;
    this.endAll();
    this.unsubscribe();
    for (const w of this.waiting) w.wake();
    for (const end of this.held) end();
  }
}
