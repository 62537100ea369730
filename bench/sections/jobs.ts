/**
 * Section 8, jobs: bench/fixtures/single-job.bpmn (one service task with an input mapping) on the
 * embedded durable store (SQLITE_SYNCHRONOUS as for `npm start`, FULL by default), its job worked at once (the handler returns `{ done: true }`), through
 *   (a) store polling: the loop of `npm run worker` without REDIS_URL (activate up to 25, complete each,
 *       50 ms pause when none was found);
 *   (b) BullMQ with a plain BullMQ Worker (concurrency 8) in this process; the engine's sync applies its results;
 *   (c) BullMQ with an engine-side worker (`engine.workJobs`, concurrency 8: what `npm run worker` runs with REDIS_URL).
 * Throughput: N jobs queued first, then the worker started; jobs/s until the last instance completed
 * (counted from the engine's commits). Latency: with the worker running, M instances started 10 ms apart;
 * per job the `at` of its job.completed history event minus the `at` of its job.created event. Full runs
 * repeat this 3 times, the modes interleaved; the table shows the medians.
 * Redis: REDIS_URL or redis://127.0.0.1:6379, a key prefix of its own, deleted afterwards.
 */
import fs from 'node:fs';
import { Worker } from 'bullmq';
import { Engine } from '../../engine';
import { jobQueueName } from '../../engine/queue/jobs';
import { openStore } from '../../engine/store';
import { deleteRedisPrefix, redisReachable } from '../lib/redis';
import { type Row, type SectionContext, type SectionResult, fixture, pick, storeSettings, tempDir } from '../lib/common';
import { median, percentile, round } from '../lib/stats';

const PROCESS_ID = 'bench-single-job';
const TYPE = 'bench-job';
const LATENCY_GAP_MS = 10;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Mode {
  key: 'polling' | 'plain' | 'engineSide';
  label: string;
  bullmq: boolean;
  /** Starts the mode's worker; resolves to its stop. */
  worker(engine: Engine, prefix: string): Promise<() => Promise<void>>;
}

interface JobStats {
  jobs: number;
  perSecond: number;
  latencyJobs: number;
  p50: number;
  p99: number;
  max: number;
}

const handler = async () => ({ done: true });

const MODES: Mode[] = [
  {
    key: 'polling',
    label: '(a) store polling',
    bullmq: false,
    async worker(engine) {
      let running = true;
      const loop = (async () => {
        while (running) {
          const jobs = await engine.activateJobs({ type: TYPE, worker: 'bench', maxJobs: 25, lockMs: 30_000 });
          for (const job of jobs) await engine.completeJob(job.key, await handler(), 'bench');
          if (!jobs.length) await new Promise((r) => setTimeout(r, 50));
        }
      })();
      return async () => {
        running = false;
        await loop;
      };
    },
  },
  {
    key: 'plain',
    label: '(b) BullMQ, plain worker',
    bullmq: true,
    async worker(_engine, prefix) {
      const worker = new Worker(jobQueueName(TYPE), handler, { connection: { url: REDIS_URL }, prefix, concurrency: 8, name: 'bench' });
      await worker.waitUntilReady();
      return () => worker.close();
    },
  },
  {
    key: 'engineSide',
    label: '(c) BullMQ, engine-side worker',
    bullmq: true,
    worker: (engine) => engine.workJobs(TYPE, handler, { workerId: 'bench', concurrency: 8 }),
  },
];

/** Resolves when `n` more instances have completed, by the engine's commits. */
function completions(engine: Engine, n: number): Promise<number> {
  return new Promise((resolve) => {
    let left = n;
    const stop = engine.onCommit((batch) => {
      for (const e of batch.history)
        if (e.type === 'instance.completed' && --left === 0) {
          stop();
          resolve(Date.now());
        }
    });
  });
}

async function queued(engine: Engine, n: number): Promise<void> {
  for (;;) {
    const stats = (await engine.jobQueueStats()).find((s) => s.type === TYPE);
    if (stats && stats.counts.waiting + stats.counts.prioritized >= n) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function measure(ctx: SectionContext, mode: Mode, n: number, m: number): Promise<JobStats> {
  const dir = tempDir(`jobs-${mode.key}`);
  const prefix = `pd-bench-jobs-${mode.key}-${process.pid}-${Date.now()}`;
  const engine = new Engine({
    dataDir: dir,
    store: openStore({ dataDir: dir, ...storeSettings() }),
    onError: (err, where) => ctx.log(`engine error (${where}): ${String(err)}`),
    ...(mode.bullmq ? { redisUrl: REDIS_URL, redisPrefix: prefix } : {}),
  });
  try {
    await engine.start();
    await engine.deploy([fixture('single-job.bpmn')]);
    // Throughput: a backlog of n jobs, then the worker.
    for (let i = 0; i < n; i++) await engine.startInstance({ processId: PROCESS_ID, variables: { ticket: `INC-${i}` } });
    await engine.idle();
    if (mode.bullmq) await queued(engine, n);
    const done = completions(engine, n);
    const t0 = Date.now();
    const stop = await mode.worker(engine, prefix);
    const seconds = ((await done) - t0) / 1000;
    ctx.log(`${mode.label}: ${n} queued jobs in ${seconds.toFixed(2)} s`);
    // Latency: the worker running, m instances 10 ms apart.
    const ids: string[] = [];
    const latencyDone = completions(engine, m);
    for (let i = 0; i < m; i++) {
      ids.push((await engine.startInstance({ processId: PROCESS_ID, variables: { ticket: `LAT-${i}` } })).id);
      await new Promise((r) => setTimeout(r, LATENCY_GAP_MS));
    }
    await latencyDone;
    await stop();
    const latencies: number[] = [];
    for (const id of ids) {
      const history = await engine.getHistory(id);
      const created = history.find((e) => e.type === 'job.created');
      const completed = history.find((e) => e.type === 'job.completed');
      if (!created || !completed) throw new Error(`${mode.label}: instance ${id} has no job.created/job.completed`);
      latencies.push(completed.at - created.at);
    }
    return {
      jobs: n,
      perSecond: round(n / seconds, 1),
      latencyJobs: m,
      p50: round(percentile(latencies, 50), 1),
      p99: round(percentile(latencies, 99), 1),
      max: round(Math.max(...latencies), 1),
    };
  } finally {
    await engine.idle();
    await engine.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    if (mode.bullmq) await deleteRedisPrefix(REDIS_URL, prefix).catch(() => undefined);
  }
}

function summarize(runs: JobStats[]): JobStats & { runs: JobStats[] } {
  const med = (f: (s: JobStats) => number) => round(median(runs.map(f)), 1);
  return { jobs: runs[0].jobs, latencyJobs: runs[0].latencyJobs, perSecond: med((s) => s.perSecond), p50: med((s) => s.p50), p99: med((s) => s.p99), max: med((s) => s.max), runs };
}

export async function run(ctx: SectionContext): Promise<SectionResult> {
  const n = pick(ctx.mode, { full: 2000, quick: 500, smoke: 30 });
  const m = pick(ctx.mode, { full: 500, quick: 200, smoke: 10 });
  const repeats = pick(ctx.mode, { full: 3, quick: 1, smoke: 1 });
  const redis = await redisReachable(REDIS_URL);
  const runs: Partial<Record<Mode['key'], JobStats[]>> = {};
  const notes: Partial<Record<Mode['key'], string>> = {};
  for (let r = 1; r <= repeats; r++) {
    for (const mode of MODES) {
      if (mode.bullmq && redis !== true) {
        notes[mode.key] = `no Redis at ${REDIS_URL}: ${redis}`;
        if (r === 1) ctx.log(`${mode.label}: n/a (${notes[mode.key]})`);
        continue;
      }
      const s = await measure(ctx, mode, n, m);
      (runs[mode.key] ??= []).push(s);
      ctx.log(`run ${r}/${repeats} ${mode.label}: ${s.perSecond} jobs/s; latency created -> completed p50 ${s.p50} ms, p99 ${s.p99} ms, max ${s.max} ms`);
    }
  }
  const results: Partial<Record<Mode['key'], ReturnType<typeof summarize>>> = {};
  for (const mode of MODES) if (runs[mode.key]) results[mode.key] = summarize(runs[mode.key]!);
  const section = '8 jobs';
  const rows: Row[] = MODES.flatMap((mode) => {
    const s = results[mode.key];
    const note = notes[mode.key];
    return [
      { section, metric: `${mode.label}: throughput (${n} queued)`, value: s?.perSecond ?? null, unit: 'jobs/s', note },
      { section, metric: `${mode.label}: created -> completed p50`, value: s?.p50 ?? null, unit: 'ms', note },
      { section, metric: `${mode.label}: created -> completed p99`, value: s?.p99 ?? null, unit: 'ms', note },
    ];
  });
  return { rows, details: { store: storeSettings(), queuedJobs: n, latencyJobs: m, latencyGapMs: LATENCY_GAP_MS, runs: repeats, ...results, notes } };
}
