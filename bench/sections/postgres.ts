/**
 * Section 9, PostgreSQL beside SQLite: the same measurements on the embedded SQLite file and on
 * PostgreSQL (a database created on BENCH_PG_URL's server for the run, dropped afterwards):
 *   (a) durable throughput, one engine: bench/fixtures/incident-like.bpmn driven to its end one
 *       instance after the other, as section 1(a);
 *   (b) durable throughput with several worker processes (bench/storeWorker.ts, each an engine of its
 *       own on the shared store): single-task.bpmn started and its task completed, all at once;
 *   (c) API complete-task under 50 connections (bench/apiServer.ts on that store), as section 2;
 *   (d) N instances waiting on a user task, created by the worker processes: store size, and the first
 *       page of one group's tasks (median of 50), as section 4.
 */
import { fork } from 'node:child_process';
import path from 'node:path';
import type autocannon from 'autocannon';
import { Engine } from '../../engine';
import { fixture, pick, type Row, type SectionContext, type SectionResult } from '../lib/common';
import { median, msSince, now, round } from '../lib/stats';
import { createStore, openAt, type StoreKind, type StoreLocation } from '../lib/stores';
import { load, startServer } from './api';
import { driveProcessDesk } from './throughput';

const WORKERS = 4;
const MB = 1024 * 1024;

/** Runs `count` instances split over WORKERS processes, all starting together; wall-clock ms of the slowest. */
async function inWorkers(loc: StoreLocation, count: number, complete: boolean): Promise<number> {
  const per = Math.ceil(count / WORKERS);
  const children = Array.from({ length: WORKERS }, (_, w) =>
    fork(path.join(__dirname, '..', 'storeWorker.ts'), [JSON.stringify(loc), String(w * per), String(Math.min(per, count - w * per)), complete ? '1' : '0'], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  const message = (c: (typeof children)[number], key: string) =>
    new Promise<Record<string, number>>((resolve, reject) => {
      const onMessage = (m: Record<string, number>) => {
        if (key in m) {
          c.off('message', onMessage);
          resolve(m);
        }
      };
      c.on('message', onMessage);
      c.once('exit', (code) => (code ? reject(new Error(`bench worker exited with ${code}`)) : undefined));
    });
  await Promise.all(children.map((c) => message(c, 'ready')));
  const t0 = now();
  const done = children.map((c) => message(c, 'ms'));
  for (const c of children) c.send('go');
  await Promise.all(done);
  return msSince(t0);
}

/** complete-task through the API server (a child process; its own store unless env names a database). */
async function apiCompleteTask(requests: number, env: NodeJS.ProcessEnv): Promise<Awaited<ReturnType<typeof load>>> {
  const server = await startServer(requests + 100, env);
  try {
    const body = JSON.stringify({ variables: { resolution: 'fixed' } });
    const completeTask: autocannon.Request = {
      method: 'POST',
      setupRequest: (req) => {
        const id = server.taskIds.pop();
        if (!id) throw new Error('bench: the task pool is empty');
        return { ...req, path: `/api/tasks/${id}/complete`, body };
      },
    };
    const url = `http://127.0.0.1:${server.port}`;
    await load(url, 100, completeTask); // warm-up
    const r = await load(url, requests, completeTask);
    if (r.non2xx || r.errors) throw new Error(`complete-task: ${r.non2xx} non-2xx responses, ${r.errors} errors`);
    return r;
  } finally {
    server.child.removeAllListeners('exit');
    const exited = new Promise((resolve) => server.child.once('exit', resolve));
    server.child.send('stop');
    await exited;
  }
}

async function measure(kind: StoreKind, ctx: SectionContext): Promise<Record<string, number>> {
  const n = pick(ctx.mode, { full: 1000, quick: 200, smoke: 10 });
  const parallel = pick(ctx.mode, { full: 4000, quick: 1000, smoke: 40 });
  const requests = pick(ctx.mode, { full: 5000, quick: 2000, smoke: 100 });
  const waiting = Number(process.env.BENCH_PG_SCALE_INSTANCES) || pick(ctx.mode, { full: 100_000, quick: 5_000, smoke: 500 });
  const out: Record<string, number> = {};

  // (a) one engine, incident-like to its end, one after the other
  let store = await createStore(kind);
  try {
    const engine = await new Engine({ store: openAt(store), historyKey: store.historyKey }).start();
    try {
      await engine.deploy([fixture('incident-like.bpmn')]);
      for (let i = 0; i < Math.min(50, n); i++) await driveProcessDesk(engine, i);
      const latencies: number[] = [];
      const t0 = now();
      for (let i = 0; i < n; i++) {
        const t = now();
        await driveProcessDesk(engine, i);
        latencies.push(msSince(t));
      }
      out.durablePerSecond = round(n / (msSince(t0) / 1000), 1);
      out.durableP50 = round(median(latencies), 3);
      ctx.log(`${kind}: (a) ${n} incident-like instances, one engine: ${out.durablePerSecond} inst/s, p50 ${out.durableP50} ms`);
    } finally {
      await engine.idle();
      await engine.stop();
    }
  } finally {
    await store.drop();
  }

  // (b) and (d): worker processes on one store
  store = await createStore(kind);
  try {
    const setup = await new Engine({ store: openAt(store), historyKey: store.historyKey }).start();
    await setup.deploy([fixture('single-task.bpmn')]);
    await setup.stop();
    const ms = await inWorkers(store, parallel, true);
    out.workersPerSecond = round(parallel / (ms / 1000), 1);
    ctx.log(`${kind}: (b) ${parallel} single-task instances started and completed by ${WORKERS} worker processes: ${out.workersPerSecond} inst/s`);

    const before = await store.sizeBytes();
    const createMs = await inWorkers(store, waiting, false);
    out.waitingCreatedPerSecond = round(waiting / (createMs / 1000), 0);
    out.sizeMB = round((await store.sizeBytes()) / MB, 1);
    // what the waiting instances added (PostgreSQL's empty database alone is about 7.5 MB of catalog)
    out.growthMB = round(out.sizeMB - before / MB, 1);
    const engine = await new Engine({ store: openAt(store), historyKey: store.historyKey }).start();
    try {
      const query = { candidateGroup: 'group-3', state: 'created' as const, limit: 50 };
      const first = await engine.listTasks(query);
      if (first.items.length !== 50) throw new Error(`first page has ${first.items.length} tasks, expected 50`);
      const samples: number[] = [];
      for (let i = 0; i < 50; i++) {
        const t = now();
        await engine.listTasks(query);
        samples.push(msSince(t));
      }
      out.firstPageMs = round(median(samples), 3);
    } finally {
      await engine.stop();
    }
    ctx.log(
      `${kind}: (d) ${waiting} waiting instances (created at ${out.waitingCreatedPerSecond} inst/s by ${WORKERS} workers): ${out.sizeMB} MB (+${out.growthMB} MB), first page ${out.firstPageMs} ms`,
    );
  } finally {
    await store.drop();
  }

  // (c) the API on this store
  store = await createStore(kind);
  try {
    const r = await apiCompleteTask(requests, kind === 'postgres' ? { ...process.env, BENCH_DATABASE_URL: store.where } : process.env);
    Object.assign(out, { apiCompletePerSecond: r.requestsPerSecond, apiCompleteP50: r.p50, apiCompleteP99: r.p99 });
  } finally {
    await store.drop();
  }
  ctx.log(`${kind}: (c) API complete-task ${out.apiCompletePerSecond} req/s, p50 ${out.apiCompleteP50} ms, p99 ${out.apiCompleteP99} ms`);
  return { ...out, instances: n, parallel, requests, waiting };
}

export async function run(ctx: SectionContext): Promise<SectionResult> {
  const sqlite = await measure('sqlite', ctx);
  const postgres = await measure('postgres', ctx);
  const section = '9 PostgreSQL';
  const pair = (metric: string, key: string, unit: string): Row[] => [
    { section, metric: `${metric}, SQLite`, value: sqlite[key], unit },
    { section, metric: `${metric}, PostgreSQL`, value: postgres[key], unit },
  ];
  const w = sqlite.waiting.toLocaleString('en-US');
  return {
    rows: [
      ...pair('(a) durable, one engine (incident-like)', 'durablePerSecond', 'inst/s'),
      ...pair('(a) per-instance latency p50', 'durableP50', 'ms'),
      ...pair(`(b) durable, ${WORKERS} worker processes (single-task)`, 'workersPerSecond', 'inst/s'),
      ...pair('(c) API complete-task (50 conc.)', 'apiCompletePerSecond', 'req/s'),
      ...pair('(c) complete-task latency p99', 'apiCompleteP99', 'ms'),
      ...pair(`(d) ${w} waiting: created by ${WORKERS} workers`, 'waitingCreatedPerSecond', 'inst/s'),
      ...pair(`(d) ${w} waiting: store size`, 'sizeMB', 'MB'),
      ...pair(`(d) ${w} waiting: what they added to the store`, 'growthMB', 'MB'),
      ...pair(`(d) ${w} waiting: first page of a group's tasks`, 'firstPageMs', 'ms'),
    ],
    details: { workers: WORKERS, sqlite, postgres },
  };
}
