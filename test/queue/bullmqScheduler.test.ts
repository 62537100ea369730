/** The BullMQ scheduler against the real Redis (REDIS_URL, default redis://127.0.0.1:6379). */
import { Queue } from 'bullmq';
import { BullmqScheduler } from '../../engine/queue/bullmqScheduler';
import { createScheduler, EmbeddedScheduler } from '../../engine/queue';
import { SqliteStore } from '../../engine/store';
import { schedulerContract, TimerHarness, until } from './schedulerContract';

const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

async function obliterate(prefix: string): Promise<void> {
  const queue = new Queue('timers', { connection: { url: REDIS_URL }, prefix });
  await queue.obliterate({ force: true });
  await queue.close();
}

schedulerContract(
  'bullmq (real Redis)',
  (store, key) => new BullmqScheduler({ redisUrl: REDIS_URL, store, prefix: key, backoffMs: 100, syncMs: 1000, onError: () => undefined }),
  obliterate,
);

describe('BullmqScheduler specifics', () => {
  const prefix = `pdtest-${process.pid}-${Date.now().toString(36)}-x`;
  let store: SqliteStore;
  let scheduler: BullmqScheduler;

  beforeEach(async () => {
    store = new SqliteStore({ file: ':memory:' });
    await store.init();
    scheduler = new BullmqScheduler({ redisUrl: REDIS_URL, store, prefix, syncMs: 60_000 });
  });

  afterEach(async () => {
    await scheduler.stop();
    await obliterate(prefix);
    await store.close();
  });

  test('one delayed job per timer occurrence, removed on cancel; a re-armed cycle gets its own job', async () => {
    const harness = new TimerHarness(store);
    await scheduler.start(harness.fire);
    const dueAt = Date.now() + 60_000;
    await harness.add(scheduler, 'sla:1', dueAt);
    await scheduler.scheduled('sla:1', dueAt);
    await scheduler.scheduled('sla:1', dueAt + 1000); // same timer id, next occurrence
    const queue = scheduler.timerQueue!;
    expect((await queue.getDelayed()).map((j) => j.id).sort()).toEqual([`sla%3A1@${dueAt}`, `sla%3A1@${dueAt + 1000}`]);
    await harness.cancel(scheduler, 'sla:1');
    expect((await queue.getDelayed()).map((j) => j.id)).toEqual([`sla%3A1@${dueAt + 1000}`]);
  });

  test('measures lateness (firedAt - dueAt)', async () => {
    const harness = new TimerHarness(store);
    await scheduler.start(harness.fire);
    const now = Date.now();
    for (let i = 0; i < 20; i++) await harness.add(scheduler, `t${i}`, now + 200 + i * 10);
    await until(() => harness.fired.size === 20, 5000, '20 timers');
    const stats = scheduler.stats();
    expect(stats.fired).toBe(20);
    expect(stats.p50).toBeGreaterThanOrEqual(0);
    expect(stats.p99).toBeGreaterThanOrEqual(stats.p50);
    expect(stats.p99).toBeLessThan(2000);
  });

  test('a timer due soon fires from the process that scheduled it while BullMQ hands out nothing; its job then finds it fired', async () => {
    const harness = new TimerHarness(store);
    await scheduler.start(harness.fire);
    const queue = scheduler.timerQueue!;
    await queue.pause(); // no worker takes a job: only this process's own timer can fire it
    await harness.add(scheduler, 'soon', Date.now() + 100);
    await until(() => harness.fired.size === 1, 5000, 'the timer fired locally');
    expect(scheduler.stats().fired).toBe(1);
    const job = (await queue.getJob(`soon@${harness.fired.get('soon')!.dueAt}`))!;
    expect(await job.getState()).not.toBe('completed');
    await queue.resume();
    await until(async () => (await queue.getJob(job.id!))?.returnvalue === 'stale', 5000, 'the BullMQ job done as stale');
    expect(harness.fired.get('soon')!.count).toBe(1);
  });

  test('a canceled timer, one due beyond the local window, and any with localWindowMs 0 wait for BullMQ', async () => {
    const harness = new TimerHarness(store);
    await scheduler.stop();
    scheduler = new BullmqScheduler({ redisUrl: REDIS_URL, store, prefix, syncMs: 60_000, localWindowMs: 300 });
    await scheduler.start(harness.fire);
    const queue = scheduler.timerQueue!;
    await queue.pause();
    const now = Date.now();
    await harness.add(scheduler, 'canceled', now + 100);
    expect(scheduler.stats().local).toBe(1);
    await harness.cancel(scheduler, 'canceled');
    expect(scheduler.stats().local).toBe(0);
    await harness.add(scheduler, 'beyond', now + 400);
    expect(scheduler.stats().local).toBe(0);
    const bullmqOnly = new BullmqScheduler({ redisUrl: REDIS_URL, store, prefix: `${prefix}-b`, syncMs: 60_000, localWindowMs: 0 });
    await bullmqOnly.start(harness.fire);
    try {
      await bullmqOnly.timerQueue!.pause();
      await harness.add(bullmqOnly, 'bullmq-only', now + 100);
      await new Promise((r) => setTimeout(r, 900));
      expect([...harness.fired.keys()]).toEqual([]);
      await queue.resume();
      await bullmqOnly.timerQueue!.resume();
      await until(() => harness.fired.size === 2, 5000, 'both fired by BullMQ');
      expect([...harness.fired.keys()].sort()).toEqual(['beyond', 'bullmq-only']);
    } finally {
      await bullmqOnly.stop();
      await obliterate(`${prefix}-b`);
    }
  });

  test('createScheduler picks BullMQ with a Redis URL and the embedded scheduler without', async () => {
    expect(createScheduler({ store, redisUrl: REDIS_URL })).toBeInstanceOf(BullmqScheduler);
    expect(createScheduler({ store })).toBeInstanceOf(EmbeddedScheduler);
  });
});
