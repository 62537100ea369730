/**
 * Section 3, timers: N instances of bench/fixtures/short-timer.bpmn, each reaching an intermediate
 * timer catch due `delay` (PT0.2S) after it is scheduled. Lateness of a timer = the `at` of its
 * `timer.fired` history event minus the `dueAt` planned in its `timer.scheduled` event.
 * Embedded scheduler always; BullMQ when engine/queue provides a BullMQ scheduler (REDIS_URL or
 * redis://127.0.0.1:6379).
 */
import fs from 'node:fs';
import { Engine } from '../../engine';
import type { Scheduler } from '../../engine/queue/types';
import type { Store } from '../../engine/store/types';
import { openStore } from '../../engine/store';
import { type Row, type SectionContext, type SectionResult, fixture, pick, storeSettings, tempDir, yieldToLoop } from '../lib/common';
import { deleteRedisPrefix } from '../lib/redis';
import { percentile, round } from '../lib/stats';

const PROCESS_ID = 'bench-short-timer';
const DELAY_MS = 200;

interface Lateness {
  timers: number;
  p50: number;
  p99: number;
  max: number;
  startSeconds: number;
}

async function measure(ctx: SectionContext, label: string, n: number, makeScheduler?: (store: Store) => Scheduler): Promise<Lateness> {
  const dir = tempDir(`timers-${label}`);
  const store = openStore({ dataDir: dir, ...storeSettings() });
  const engine = await new Engine({ store, scheduler: makeScheduler?.(store), onError: (err, where) => ctx.log(`engine error (${where}): ${String(err)}`) }).start();
  try {
    await engine.deploy([fixture('short-timer.bpmn')]);
    const ids: string[] = [];
    const t0 = Date.now();
    for (let i = 0; i < n; i++) {
      ids.push((await engine.startInstance({ processId: PROCESS_ID, variables: { delay: `PT${DELAY_MS / 1000}S` } })).id);
      // Give the scheduler's setTimeout a chance to run, as a server's event loop would between requests.
      await yieldToLoop();
    }
    const startSeconds = (Date.now() - t0) / 1000;
    ctx.log(`${label}: ${n} timers scheduled in ${startSeconds.toFixed(2)} s; waiting for them to fire`);
    // Wait until no instance is active; give up when nothing fires for 15 s.
    let active = n;
    let progressAt = Date.now();
    for (;;) {
      const page = await engine.listInstances({ processId: PROCESS_ID, state: 'active', limit: 500 });
      const left = page.items.length + (page.next ? 1 : 0);
      if (!left) break;
      if (left < active) [active, progressAt] = [left, Date.now()];
      if (Date.now() - progressAt > 15_000) throw new Error(`${label}: ${left >= 500 ? '500+' : left} timers did not fire within 15 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const lateness: number[] = [];
    for (const id of ids) {
      const history = await engine.getHistory(id);
      const scheduled = history.find((e) => e.type === 'timer.scheduled');
      const fired = history.find((e) => e.type === 'timer.fired');
      if (!scheduled || !fired) throw new Error(`${label}: instance ${id} has no timer.scheduled/timer.fired events`);
      const dueAt = Date.parse((scheduled.data as { dueAt: string }).dueAt);
      lateness.push(fired.at - dueAt);
    }
    return {
      timers: n,
      p50: round(percentile(lateness, 50), 1),
      p99: round(percentile(lateness, 99), 1),
      max: round(Math.max(...lateness), 1),
      startSeconds: round(startSeconds, 2),
    };
  } finally {
    await engine.idle();
    await engine.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** BullMQ through engine/queue's createScheduler, when that module provides it; otherwise why not. */
async function findBullmqScheduler(): Promise<{ make: (store: Store) => Scheduler; cleanup: () => Promise<void> } | { missing: string }> {
  const queue = (await import('../../engine/queue')) as Record<string, unknown>;
  const create = queue.createScheduler as ((o: { store: Store; redisUrl?: string; redisPrefix?: string }) => Scheduler) | undefined;
  if (typeof create !== 'function' || typeof queue.BullmqScheduler !== 'function') return { missing: 'engine/queue has no BullMQ scheduler yet' };
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redisPrefix = `pd-bench-${process.pid}-${Date.now()}`;
  const cleanup = (): Promise<void> => deleteRedisPrefix(redisUrl, redisPrefix);
  return { make: (store) => create({ store, redisUrl, redisPrefix }), cleanup };
}

export async function run(ctx: SectionContext): Promise<SectionResult> {
  const n = pick(ctx.mode, { full: 1000, quick: 1000, smoke: 50 });
  const embedded = await measure(ctx, 'embedded', n);
  ctx.log(`embedded: lateness p50 ${embedded.p50} ms, p99 ${embedded.p99} ms, max ${embedded.max} ms`);
  let bullmq: Lateness | undefined;
  let bullNote: string | undefined;
  const found = await findBullmqScheduler();
  if ('missing' in found) {
    bullNote = found.missing;
    ctx.log(`bullmq: n/a (${bullNote})`);
  } else {
    try {
      // An unreachable Redis makes BullMQ retry forever: give up after a while (the section process exits anyway).
      const limitMs = pick(ctx.mode, { full: 120_000, quick: 120_000, smoke: 45_000 });
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no result within ${limitMs / 1000} s (is Redis reachable?)`)), limitMs);
      });
      bullmq = await Promise.race([measure(ctx, 'bullmq', n, found.make), timeout]).finally(() => {
        clearTimeout(timer);
        return found.cleanup().catch(() => undefined);
      });
      ctx.log(`bullmq: lateness p50 ${bullmq.p50} ms, p99 ${bullmq.p99} ms, max ${bullmq.max} ms`);
    } catch (err) {
      bullNote = `BullMQ scheduler present but the run failed: ${err instanceof Error ? err.message : String(err)}`;
      ctx.log(`bullmq: n/a (${bullNote})`);
    }
  }
  const section = '3 timers';
  const rows: Row[] = [
    { section, metric: `embedded lateness p50 (${n} timers, +${DELAY_MS} ms)`, value: embedded.p50, unit: 'ms' },
    { section, metric: 'embedded lateness p99', value: embedded.p99, unit: 'ms', target: '< 20' },
    { section, metric: 'embedded lateness max', value: embedded.max, unit: 'ms' },
    { section, metric: 'BullMQ lateness p50', value: bullmq?.p50 ?? null, unit: 'ms', note: bullNote },
    { section, metric: 'BullMQ lateness p99', value: bullmq?.p99 ?? null, unit: 'ms', target: '< 50', note: bullNote },
    { section, metric: 'BullMQ lateness max', value: bullmq?.max ?? null, unit: 'ms', note: bullNote },
  ];
  return { rows, details: { timers: n, delayMs: DELAY_MS, embedded, bullmq: bullmq ?? { na: bullNote } } };
}
