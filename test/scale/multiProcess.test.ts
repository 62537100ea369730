/**
 * Scale-out on one data directory: one API process (api/main.ts) and two engine workers
 * (api/worker.ts, `npm run worker`) share a SQLite file (WAL) and a real Redis (BullMQ timers, unique
 * prefix). 1,000 instances of test/crash/crash.bpmn (two service tasks worked by the workers, a timer,
 * a non-interrupting timer boundary, a user task completed through the API) run while one worker is
 * killed with SIGKILL. Every instance must complete, nothing may be applied twice, every history
 * chain must verify.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { expectCleanRun } from '../crash/expectCleanRun';
import { openStore } from '../../engine/store';
import { REPO_DIR } from '../support/paths';

const INSTANCES = 1000;
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const AUTH = { authorization: 'Bearer demo-admin', 'content-type': 'application/json' };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function run(script: string, env: Record<string, string>): Proc {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', script], {
    cwd: REPO_DIR, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, output: () => out, exited };
}

async function api(base: string, method: string, url: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(base + url, { method, headers: AUTH, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

async function pool<T>(items: T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: size }, async () => {
    while (next < items.length) await work(items[next++]);
  }));
}

test('one API and two workers on one SQLite file + Redis: SIGKILL of a worker loses and doubles nothing', async () => {
  const t0 = Date.now();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-scale-'));
  const processesDir = path.join(dataDir, 'processes');
  fs.mkdirSync(processesDir);
  fs.copyFileSync(path.join(REPO_DIR, 'test/crash/crash.bpmn'), path.join(processesDir, 'crash.bpmn'));
  const prefix = `pdscale-${process.pid}-${Date.now().toString(36)}`;
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const common = { DATA_DIR: path.join(dataDir, 'data'), REDIS_URL, REDIS_PREFIX: prefix, LOG_LEVEL: 'silent', DEMO_WORKERS: 'off' };
  const procs: Proc[] = [];
  try {
    const apiProc = run('api/main.ts', { ...common, PORT: String(port), HOST: '127.0.0.1', PROCESSES_DIR: processesDir, RATE_LIMIT_PER_MINUTE: '0', STATIC_DIR: path.join(dataDir, 'none') });
    procs.push(apiProc);
    const workerEnv = { ...common, WORKER_HANDLERS: 'test/scale/handlers.ts', JOB_LOCK_MS: '2000', TIMER_LOCK_MS: '2000', JOB_BATCH: '50' };
    const w1 = run('api/worker.ts', { ...workerEnv, WORKER_ID: 'w1' });
    const w2 = run('api/worker.ts', { ...workerEnv, WORKER_ID: 'w2' });
    procs.push(w1, w2);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const ok = await fetch(`${base}/api/health`).then((r) => r.ok, () => false);
      if (ok && /job types/.test(w1.output()) && /job types/.test(w2.output())) break;
      if (Date.now() > deadline) throw new Error(`processes did not start:\n${apiProc.output()}\n${w1.output()}\n${w2.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const tStarted = Date.now();

    // Start 1,000 instances through the API while completing user tasks as they appear.
    let startedAll = false;
    let tasksDone = 0;
    let killed = false;
    const starting = pool(Array.from({ length: INSTANCES }, (_, i) => i), 20, async (i) => {
      const r = await api(base, 'POST', '/api/process-instances', { processId: 'crashTest', businessKey: `s${i}`, variables: { a: i, delay: 'PT0.1S' } });
      if (r.status !== 201) throw new Error(`start ${i}: ${r.status} ${JSON.stringify(r.json)}`);
    }).then(() => (startedAll = true));
    const allDone = async () => startedAll && (await api(base, 'GET', '/api/process-instances?processId=crashTest&state=active&limit=1')).json.items.length === 0;
    const runEnd = Date.now() + 80_000; // about 20-30 s alone; more when the whole suite runs in parallel
    while (!(await allDone())) {
      if (Date.now() > runEnd) {
        const active = (await api(base, 'GET', '/api/process-instances?processId=crashTest&state=active&limit=5')).json.items as { id: string }[];
        const details = await Promise.all(active.map(async (i) => JSON.stringify({
          instance: (await api(base, 'GET', `/api/process-instances/${i.id}`)).json,
          history: ((await api(base, 'GET', `/api/process-instances/${i.id}/history`)).json.events as { type: string; elementId?: string; actor: string }[]).map((e) => `${e.type}:${e.elementId ?? ''}:${e.actor}`),
        })));
        throw new Error(`not done in time (${tasksDone} tasks completed)\n${details.join('\n')}\n${w1.output().slice(-2000)}\n${w2.output().slice(-2000)}\n${apiProc.output().slice(-2000)}`);
      }
      const page = await api(base, 'GET', '/api/tasks?candidateGroup=crash-testers&state=created&limit=100');
      await pool(page.json.items as { id: string }[], 20, async (task) => {
        const r = await api(base, 'POST', `/api/tasks/${encodeURIComponent(task.id)}/complete`, { variables: { reviewed: true } });
        if (r.status === 200) tasksDone++;
        else if (r.status !== 409) throw new Error(`complete ${task.id}: ${r.status} ${JSON.stringify(r.json)}`);
      });
      if (!killed && tasksDone >= INSTANCES * 0.3) {
        killed = true;
        w1.child.kill('SIGKILL');
        console.log(`killed worker w1 after ${tasksDone} tasks`);
      }
      if (!page.json.items.length) await new Promise((r) => setTimeout(r, 50));
    }
    await starting;
    const tDone = Date.now();
    expect(killed).toBe(true);
    expect((await w1.exited).signal).toBe('SIGKILL');
    const incidents = await api(base, 'GET', '/api/incidents');
    expect(incidents.json.items ?? incidents.json).toEqual([]);

    w2.child.kill('SIGTERM');
    apiProc.child.kill('SIGTERM');
    expect((await w2.exited).code).toBe(0);
    expect((await apiProc.exited).code).toBe(0);

    const store = openStore({ dataDir: common.DATA_DIR });
    await store.init();
    try {
      const jobWorkers = await expectCleanRun(store, INSTANCES);
      console.log(`scale: ${INSTANCES} instances, ${tasksDone} tasks via API; jobs completed by ${JSON.stringify(jobWorkers)}; `
        + `start-up ${tStarted - t0} ms, run ${tDone - tStarted} ms (${Math.round((INSTANCES * 2 * 1000) / (tDone - tStarted))} jobs/s)`);
    } finally {
      await store.close();
    }
  } finally {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    const queue = new Queue('timers', { connection: { url: REDIS_URL }, prefix });
    await queue.obliterate({ force: true });
    await queue.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}, 150_000);
