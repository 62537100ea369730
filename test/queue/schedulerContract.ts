/**
 * The Scheduler contract: every adapter (embedded, BullMQ) must pass this suite.
 *
 * Usage, in an adapter's test file:
 *   schedulerContract('embedded', (store, key) => new EmbeddedScheduler(store, { pollMs: 100 }), cleanup);
 *
 * `makeScheduler(store, key)` builds a scheduler on the given store; `key` is stable within one test
 * and unique across tests (the BullMQ adapter uses it as its Redis prefix, so a second scheduler made
 * in the same test - "restart" - sees the first one's queue). The timers are real rows of a SQLite
 * store; `fire` behaves like the engine's: it marks the row fired in a commit (and may be told to fail).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteStore } from '../../engine/store';
import type { Scheduler } from '../../engine/queue/types';
import type { Store, TimerRow } from '../../engine/store/types';
import * as f from '../store/factories';

export class TimerHarness {
  readonly fired = new Map<string, { count: number; firedAt: number[]; dueAt: number }>();
  readonly failures = new Map<string, number>();
  private readonly revs = new Map<string, number>();

  constructor(readonly store: Store) {}

  /** Commits a scheduled timer row (own instance per timer) and tells the scheduler, like the outbox does. */
  async add(scheduler: Scheduler | undefined, id: string, dueAt: number): Promise<void> {
    const instanceId = `i-${id}`;
    await this.store.commit(f.startBatch(f.instance(instanceId), { timers: { upsert: [f.timer(id, { instanceId, waitId: `${instanceId}/w`, dueAt, createdAt: Date.now() })] } }));
    this.revs.set(instanceId, 1);
    await scheduler?.scheduled(id, dueAt);
  }

  async cancel(scheduler: Scheduler, id: string): Promise<void> {
    await this.settle(id, 'canceled');
    await scheduler.canceled(id);
  }

  /** The engine's side of firing: refuses rows that are no longer scheduled, marks the row fired. */
  readonly fire = async (timer: TimerRow): Promise<void> => {
    const current = await this.store.getTimer(timer.id);
    if (!current || current.state !== 'scheduled' || current.dueAt > Date.now()) return;
    const left = this.failures.get(timer.id) ?? 0;
    if (left > 0) {
      this.failures.set(timer.id, left - 1);
      throw new Error(`planned failure of ${timer.id}`);
    }
    const at = Date.now();
    await this.settle(timer.id, 'fired');
    // counted once committed (a store with group commit commits a turn later): the row says fired now
    const entry = this.fired.get(timer.id) ?? { count: 0, firedAt: [], dueAt: timer.dueAt };
    entry.count++;
    entry.firedAt.push(at);
    this.fired.set(timer.id, entry);
  };

  private async settle(id: string, state: 'fired' | 'canceled'): Promise<void> {
    const instanceId = `i-${id}`;
    const rev = this.revs.get(instanceId)!;
    const row = (await this.store.getTimer(id))!;
    const inst = (await this.store.getInstance(instanceId))!;
    await this.store.commit(f.nextBatch(inst, rev, [f.event(instanceId, rev + 1)], { timers: { upsert: [{ ...row, state, firedAt: Date.now() }] } }));
    this.revs.set(instanceId, rev + 1);
  }

  count(id: string): number {
    return this.fired.get(id)?.count ?? 0;
  }
}

export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function schedulerContract(name: string, makeScheduler: (store: Store, key: string) => Scheduler, cleanup?: (key: string) => Promise<void>): void {
  describe(`Scheduler contract: ${name}`, () => {
    let dir: string;
    let store: Store;
    let harness: TimerHarness;
    let key: string;
    let running: Scheduler[];
    let n = 0;

    async function open(): Promise<Scheduler> {
      const scheduler = makeScheduler(store, key);
      running.push(scheduler);
      await scheduler.start(harness.fire);
      return scheduler;
    }

    beforeEach(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-sched-'));
      store = new SqliteStore({ file: path.join(dir, 'store.sqlite') });
      await store.init();
      harness = new TimerHarness(store);
      key = `pdtest-${process.pid}-${Date.now().toString(36)}-${n++}`;
      running = [];
    });

    afterEach(async () => {
      for (const s of running) await s.stop();
      await cleanup?.(key);
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    test('fires each timer once, at or after its dueAt (overdue ones right away)', async () => {
      const scheduler = await open();
      const now = Date.now();
      await harness.add(scheduler, 'soon', now + 200);
      await harness.add(scheduler, 'later', now + 500);
      await harness.add(scheduler, 'overdue', now - 1000);
      await until(() => ['soon', 'later', 'overdue'].every((id) => harness.count(id) > 0), 5000, 'all three timers');
      await sleep(300);
      for (const id of ['soon', 'later', 'overdue']) {
        const entry = harness.fired.get(id)!;
        expect({ id, count: entry.count }).toEqual({ id, count: 1 });
        expect(entry.firedAt[0]).toBeGreaterThanOrEqual(entry.dueAt);
      }
      expect((await store.getTimer('later'))?.state).toBe('fired');
      await expect(scheduler.ping()).resolves.toBeUndefined();
    });

    test('a canceled timer does not fire', async () => {
      const scheduler = await open();
      const now = Date.now();
      await harness.add(scheduler, 'keep', now + 300);
      await harness.add(scheduler, 'drop', now + 300);
      await harness.cancel(scheduler, 'drop');
      await until(() => harness.count('keep') === 1, 5000, 'the kept timer');
      await sleep(300);
      expect(harness.count('drop')).toBe(0);
      expect((await store.getTimer('drop'))?.state).toBe('canceled');
    });

    test('scheduling the same timer again (re-dispatch) does not fire it twice', async () => {
      const scheduler = await open();
      const dueAt = Date.now() + 250;
      await harness.add(scheduler, 'again', dueAt);
      await scheduler.scheduled('again', dueAt);
      await scheduler.scheduled('again', dueAt);
      await until(() => harness.count('again') === 1, 5000, 'the timer');
      await scheduler.scheduled('again', dueAt); // a late re-dispatch after it fired
      await sleep(400);
      expect(harness.count('again')).toBe(1);
    });

    test('survives a restart: timers scheduled before stop, or committed while stopped, fire after start', async () => {
      const first = await open();
      const now = Date.now();
      await harness.add(first, 'before-stop', now + 400);
      await first.stop();
      await harness.add(first, 'while-stopped', now + 200); // the stopped scheduler ignores the notice
      await sleep(500);
      expect(harness.count('before-stop') + harness.count('while-stopped')).toBe(0);
      await open();
      await until(() => harness.count('before-stop') === 1 && harness.count('while-stopped') === 1, 8000, 'both timers after the restart');
      await sleep(200);
      expect([harness.count('before-stop'), harness.count('while-stopped')]).toEqual([1, 1]);
    });

    test('a fire that fails is retried until it succeeds', async () => {
      const scheduler = await open();
      harness.failures.set('flaky', 2);
      await harness.add(scheduler, 'flaky', Date.now() + 100);
      await until(() => harness.count('flaky') === 1, 8000, 'the flaky timer');
      expect(harness.failures.get('flaky')).toBe(0);
      expect((await store.getTimer('flaky'))?.state).toBe('fired');
      await sleep(300);
      expect(harness.count('flaky')).toBe(1);
    });
  });
}
