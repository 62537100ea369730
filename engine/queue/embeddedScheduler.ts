/**
 * The embedded scheduler: timers are rows in the store (so they survive restarts); this loop sleeps
 * until the earliest one is due, fires what is due, and also wakes every `pollMs` so timers written by
 * another process on the same data directory are not missed.
 */
import type { Store, TimerRow } from '../store/types';
import type { Scheduler } from './types';

export interface EmbeddedSchedulerOptions {
  pollMs?: number;
  batch?: number;
  clock?: () => number;
  onError?: (err: unknown, timer?: TimerRow) => void;
}

export class EmbeddedScheduler implements Scheduler {
  private fire?: (timer: TimerRow) => Promise<void>;
  private handle?: NodeJS.Timeout;
  private wakeAt = Infinity;
  private ticking = false;
  private again = false;
  private stopped = true;
  private readonly pollMs: number;
  private readonly batch: number;
  private readonly clock: () => number;

  constructor(
    private readonly store: Store,
    private readonly options: EmbeddedSchedulerOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 1000;
    this.batch = options.batch ?? 200;
    this.clock = options.clock ?? Date.now;
  }

  async start(fire: (timer: TimerRow) => Promise<void>): Promise<void> {
    this.fire = fire;
    this.stopped = false;
    void this.tick();
  }

  async scheduled(_timerId: string, dueAt: number): Promise<void> {
    if (!this.stopped && dueAt < this.wakeAt) this.arm(dueAt);
  }

  async canceled(): Promise<void> {
    // Nothing to do: a canceled row is simply not due any more.
  }

  async ping(): Promise<void> {
    if (this.stopped) throw new Error('scheduler is stopped');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.handle) clearTimeout(this.handle);
    while (this.ticking) await new Promise((r) => setTimeout(r, 5));
  }

  private arm(at: number): void {
    if (this.handle) clearTimeout(this.handle);
    this.wakeAt = at;
    this.handle = setTimeout(() => void this.tick(), Math.max(0, at - this.clock()));
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = true;
    this.wakeAt = Infinity;
    let failed = false;
    try {
      let due: TimerRow[];
      do {
        this.again = false;
        due = await this.store.dueTimers(this.clock(), this.batch);
        for (const timer of due) {
          if (this.stopped) return;
          try {
            await this.fire!(timer);
          } catch (err) {
            failed = true;
            this.options.onError?.(err, timer);
          }
        }
      } while (!this.stopped && !failed && (this.again || due.length === this.batch));
      const next = await this.store.nextTimerDue();
      // A timer that failed to fire stays due: retry it on the next poll instead of spinning.
      const retryFloor = failed ? this.clock() + this.pollMs : 0;
      if (!this.stopped) this.arm(Math.max(retryFloor, Math.min(next ?? Infinity, this.clock() + this.pollMs)));
    } catch (err) {
      this.options.onError?.(err);
      if (!this.stopped) this.arm(this.clock() + this.pollMs);
    } finally {
      this.ticking = false;
    }
  }
}
