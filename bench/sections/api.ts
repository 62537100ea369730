/**
 * Section 2, HTTP API: start-instance and complete-task through the real express app (bench/apiServer.ts,
 * a child process, embedded durable store) under 50 concurrent connections, driven by autocannon's
 * programmatic API with a fixed number of requests. Each complete-task request completes a different
 * open task (the server creates the pool before listening).
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import autocannon from 'autocannon';
import { type SectionContext, type SectionResult, pick, storeSettings } from '../lib/common';
import { now, round } from '../lib/stats';
import type { GroupCommitStats } from '../../engine/store/sqlite/groupCommit';

const CONNECTIONS = 50;
const HEADERS = { authorization: 'Bearer demo-admin', 'content-type': 'application/json' };

interface LoadResult {
  requests: number;
  non2xx: number;
  errors: number;
  seconds: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  max: number;
}

export function startServer(pool: number, env: NodeJS.ProcessEnv = process.env): Promise<{ child: ChildProcess; port: number; taskIds: string[] }> {
  return new Promise((resolve, reject) => {
    // with BENCH_CPU_PROF the server profiles the measured runs itself (apiServer.ts), not its setup
    const child = fork(path.join(__dirname, '..', 'apiServer.ts'), [String(pool)], { execArgv: ['--import', 'tsx'], env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`api server exited with ${code}`)));
    child.once('message', (msg: { port: number; taskIds: string[] }) => resolve({ child, port: msg.port, taskIds: msg.taskIds }));
  });
}

/** The API server's CPU time (user + system) so far, in µs, and its group commit's counters (embedded store). */
function serverCpu(child: ChildProcess): Promise<{ us: number; commits?: GroupCommitStats }> {
  return new Promise((resolve) => {
    child.once('message', (msg: { cpu: NodeJS.CpuUsage; commits?: GroupCommitStats }) => resolve({ us: msg.cpu.user + msg.cpu.system, commits: msg.commits }));
    child.send('cpu');
  });
}

/** Asks the server to start or stop profiling (BENCH_CPU_PROF) and waits until it answered. */
function serverProfile(child: ChildProcess, what: 'profile-start' | 'profile-stop'): Promise<void> {
  if (!process.env.BENCH_CPU_PROF) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('message', () => resolve());
    child.send(what);
  });
}

export async function load(url: string, amount: number, request: autocannon.Request): Promise<LoadResult> {
  // Timed from the start to the last response: autocannon ends a run (and counts its duration) on a
  // one-second ticker, so 3,000 requests answered in 3.4 s would read as 4 s.
  const t0 = now();
  let last = t0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const run = autocannon({ url, connections: CONNECTIONS, amount, timeout: 30, headers: HEADERS, requests: [request] }, (err, res) => (err ? reject(err) : resolve(res)));
    run.on('response', () => {
      last = now();
    });
  });
  const seconds = Number(last - t0) / 1e9;
  return {
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    seconds: round(seconds, 2),
    requestsPerSecond: round(result.requests.total / seconds, 1),
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
  };
}

export async function run(ctx: SectionContext): Promise<SectionResult> {
  const amount = pick(ctx.mode, { full: 10_000, quick: 3_000, smoke: 200 });
  const warmup = Math.max(50, Math.round(amount / 10));
  ctx.log(`starting the API server with ${amount + warmup} open tasks`);
  const server = await startServer(amount + warmup);
  const url = `http://127.0.0.1:${server.port}`;
  const taskIds = server.taskIds;
  const startBody = JSON.stringify({ processId: 'bench-single-task', variables: { group: 'group-1' } });
  const completeBody = JSON.stringify({ variables: { resolution: 'fixed' } });
  const startInstance: autocannon.Request = { method: 'POST', path: '/api/process-instances', body: startBody };
  const completeTask: autocannon.Request = {
    method: 'POST',
    setupRequest: (req) => {
      const id = taskIds.pop();
      if (!id) throw new Error('bench: the task pool is empty');
      return { ...req, path: `/api/tasks/${id}/complete`, body: completeBody };
    },
  };
  try {
    ctx.log(`warm-up: ${warmup} start-instance + ${warmup} complete-task requests`);
    await load(url, warmup, startInstance);
    await load(url, warmup, completeTask);
    // the server's CPU time per request beside the rate: req/s moves with whatever else the machine runs
    // and the commands per transaction: at 50 connections they share commits only when they reach the store together
    const measured = async (name: string, request: autocannon.Request): Promise<LoadResult & { cpuUs: number; writesPerTransaction?: number }> => {
      ctx.log(`${name}: ${amount} requests, ${CONNECTIONS} connections`);
      const before = await serverCpu(server.child);
      await serverProfile(server.child, 'profile-start');
      const result = await load(url, amount, request);
      await serverProfile(server.child, 'profile-stop');
      const after = await serverCpu(server.child);
      const commits = before.commits &&
        after.commits && { writes: after.commits.writes - before.commits.writes, transactions: after.commits.transactions - before.commits.transactions };
      const r = {
        ...result,
        cpuUs: (after.us - before.us) / result.requests,
        ...(commits?.transactions ? { writesPerTransaction: round(commits.writes / commits.transactions, 1) } : {}),
      };
      ctx.log(
        `${name}: ${r.requestsPerSecond} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, server CPU ${round(r.cpuUs, 0)} µs/request, ${r.writesPerTransaction ?? '-'} writes/transaction, non-2xx ${r.non2xx}, errors ${r.errors}`,
      );
      return r;
    };
    const start = await measured('start-instance', startInstance);
    const complete = await measured('complete-task', completeTask);
    for (const [name, r] of [
      ['start-instance', start],
      ['complete-task', complete],
    ] as const) {
      if (r.non2xx || r.errors) throw new Error(`${name}: ${r.non2xx} non-2xx responses and ${r.errors} errors`);
    }
    const section = '2 API';
    return {
      rows: [
        { section, metric: `start-instance req/s (${CONNECTIONS} conc.)`, value: start.requestsPerSecond, unit: 'req/s' },
        { section, metric: 'start-instance latency p50', value: start.p50, unit: 'ms' },
        { section, metric: 'start-instance latency p99', value: start.p99, unit: 'ms' },
        { section, metric: 'start-instance server CPU per request', value: round(start.cpuUs, 0), unit: 'µs' },
        { section, metric: `complete-task req/s (${CONNECTIONS} conc.)`, value: complete.requestsPerSecond, unit: 'req/s', target: '>= 3000' },
        { section, metric: 'complete-task latency p50', value: complete.p50, unit: 'ms' },
        { section, metric: 'complete-task latency p99', value: complete.p99, unit: 'ms', target: '< 15' },
        { section, metric: 'complete-task server CPU per request', value: round(complete.cpuUs, 0), unit: 'µs' },
        ...(complete.writesPerTransaction !== undefined
          ? [{ section, metric: 'complete-task writes per transaction (group commit)', value: complete.writesPerTransaction, unit: '' }]
          : []),
      ],
      details: { connections: CONNECTIONS, requestsPerRun: amount, warmup, synchronous: storeSettings().synchronous, startInstance: start, completeTask: complete },
    };
  } finally {
    server.child.removeAllListeners('exit');
    const exited = new Promise((resolve) => server.child.once('exit', resolve));
    server.child.send('stop');
    await exited;
  }
}
