/**
 * Firing timers: an instance timer becomes a TIMER_FIRE event; a start timer starts an instance (with
 * an id derived from the timer, so a crash between start and bookkeeping never starts two) and plans
 * its next cycle.
 */
import { nextOccurrence } from '../expr/timers';
import type { Store, TimerRow } from '../store/types';
import type { DefinitionCache } from './definitions';
import { EngineError } from './errors';
import type { Clock, Executor } from './executor';

export class Timers {
  constructor(
    private readonly store: Store,
    private readonly executor: Executor,
    private readonly definitions: DefinitionCache,
    private readonly clock: Clock,
  ) {}

  async fire(timer: TimerRow): Promise<void> {
    if (!timer.instanceId) return this.fireStart(timer);
    const instanceId = timer.instanceId;
    try {
      await this.executor.execute(instanceId, 'engine', async (_row, at) => {
        const current = await this.store.getTimer(timer.id);
        if (!current || current.state !== 'scheduled' || current.dueAt > at) return { event: null, skip: true };
        return {
          event: { type: 'TIMER_FIRE', waitId: current.waitId!, at, actor: 'engine' },
          extras: { timers: [{ ...current, state: 'fired', firedAt: at }] },
        };
      });
    } catch (err) {
      if (!(err instanceof EngineError && err.code === 'CONFLICT')) throw err;
      // The wait is gone (the activity finished first): retire the timer row so it is not due again.
      await this.executor.execute(instanceId, 'engine', async (_row, at) => {
        const current = await this.store.getTimer(timer.id);
        if (!current || current.state !== 'scheduled') return { event: null, skip: true };
        return { event: null, extras: { timers: [{ ...current, state: 'canceled', firedAt: at }] } };
      });
    }
  }

  private async fireStart(timer: TimerRow): Promise<void> {
    const def = await this.definitions.get(timer.definitionKey!);
    await this.executor.start(def, { id: `${timer.id}`, variables: {}, startEvent: timer.elementId, actor: 'timer' });
    const next = timer.repeat ? nextOccurrence(timer.repeat, timer.dueAt) : undefined;
    const nextRow: TimerRow | undefined = next && {
      ...timer,
      id: timer.id.replace(/@\d+$/, `@${next.dueAt}`),
      dueAt: next.dueAt,
      repeat: next.repeat,
      state: 'scheduled',
      createdAt: this.clock(),
      firedAt: undefined,
    };
    await this.store.fireStartTimer(timer.id, nextRow, this.clock());
  }
}
