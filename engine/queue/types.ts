import type { TimerRow } from '../store/types';

/**
 * The Scheduler port: fires due timers through `fire`. The embedded adapter polls the store; the
 * BullMQ adapter keeps one delayed job per timer id. Timer rows in the store stay the truth: a fired
 * timer whose row is no longer `scheduled` is ignored by the engine.
 */
export interface Scheduler {
  start(fire: (timer: TimerRow) => Promise<void>): Promise<void>;
  /** A timer row was committed as scheduled (new, or re-armed cycle). */
  scheduled(timerId: string, dueAt: number): Promise<void>;
  canceled(timerId: string): Promise<void>;
  stop(): Promise<void>;
  /** For health checks. */
  ping(): Promise<void>;
}
