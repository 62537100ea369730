/**
 * The multi-machine topology on PostgreSQL under faults: one API process (api/main.ts) and two engine
 * workers (api/worker.ts) share a PostgreSQL server of this test's own (initdb + pg_ctl in a temporary
 * directory on a free port, never the machine's shared server) and a real Redis (BullMQ timers and job
 * queues, unique prefix). 1,000 instances of test/crash/crash.bpmn (two service tasks, a timer, a
 * non-interrupting timer boundary, a user task completed through the API) run while
 *   - one worker is killed with SIGKILL (30% of the user tasks done), and
 *   - the PostgreSQL server is stopped like a crash (`pg_ctl stop -m immediate`, no checkpoint) and
 *     started again 3 s later (50% done): every process loses its connections mid-run.
 * Afterwards every instance completed exactly once, every element ran once, every chain verifies, and
 * nothing is left in the outbox or due.
 *
 * The client behaves as a careful one would: a start that fails (the database was down) is retried
 * only when no instance with its business key exists, so a start whose answer was lost is not doubled.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expectCleanRun } from '../crash/expectCleanRun';
import { dropPrefix } from '../queue/jobQueues';
import { openStore } from '../../engine/store';
import { REPO_DIR } from '../support/paths';
import { createTestDatabase, startPrivatePostgres, type PrivatePostgres } from '../support/postgres';
import { api, pool } from './http';

const INSTANCES = 1000;
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

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
    cwd: REPO_DIR,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, output: () => out, exited };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('one API and two workers on PostgreSQL + Redis: a SIGKILLed worker and a crashed, restarted PostgreSQL lose and double nothing', async () => {
  const t0 = Date.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-pgfault-'));
  const processesDir = path.join(dir, 'processes');
  fs.mkdirSync(processesDir);
  fs.copyFileSync(path.join(REPO_DIR, 'test/crash/crash.bpmn'), path.join(processesDir, 'crash.bpmn'));
  const prefix = `pdpgfault-${process.pid}-${Date.now().toString(36)}`;
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const jobQueues = path.join(dir, 'job-queues.json');
  fs.writeFileSync(jobQueues, JSON.stringify({ syncLockMs: 2000, resyncMs: 2000 }));
  const procs: Proc[] = [];
  let server: PrivatePostgres | undefined;
  let restart: Promise<void> | undefined;
  try {
    server = await startPrivatePostgres();
    const database = await createTestDatabase(server.url);
    const common = {
      DATABASE_URL: database.url,
      PG_POOL_MAX: '8',
      DATA_DIR: path.join(dir, 'data'),
      REDIS_URL,
      REDIS_PREFIX: prefix,
      LOG_LEVEL: 'silent',
      DEMO_WORKERS: 'off',
      JOB_QUEUES: jobQueues,
    };
    const apiProc = run('api/main.ts', {
      ...common,
      DEMO: 'on',
      PORT: String(port),
      HOST: '127.0.0.1',
      PROCESSES_DIR: processesDir,
      RATE_LIMIT_PER_MINUTE: '0',
      STATIC_DIR: path.join(dir, 'none'),
    });
    procs.push(apiProc);
    // the history key is made by the API at its first start; the workers must use the same one
    const deadlineApi = Date.now() + 30_000;
    const storeLine = /data in PostgreSQL postgres:\/\/postgres@127\.0\.0\.1:\d+\/processdesk_test_\w+ \(schema public, pool 8\)/;
    while (!(
      storeLine.test(apiProc.output()) &&
      (await fetch(`${base}/api/health`).then(
        (r) => r.ok,
        () => false,
      ))
    )) {
      if (Date.now() > deadlineApi) throw new Error(`the API did not start on PostgreSQL:\n${apiProc.output()}`);
      await sleep(100);
    }
    const workerEnv = { ...common, WORKER_HANDLERS: 'test/scale/handlers.ts', JOB_LOCK_MS: '2000', TIMER_LOCK_MS: '2000', JOB_BATCH: '50' };
    const w1 = run('api/worker.ts', { ...workerEnv, WORKER_ID: 'w1' });
    const w2 = run('api/worker.ts', { ...workerEnv, WORKER_ID: 'w2' });
    procs.push(w1, w2);
    const deadline = Date.now() + 30_000;
    while (!(/job types/.test(w1.output()) && /job types/.test(w2.output()))) {
      if (Date.now() > deadline) throw new Error(`workers did not start:\n${w1.output()}\n${w2.output()}`);
      await sleep(100);
    }
    const tStarted = Date.now();

    let startedAll = false;
    let tasksDone = 0;
    let killed = false;
    let startRetries = 0;
    let failedCalls = 0;
    const starting = pool(
      Array.from({ length: INSTANCES }, (_, i) => i),
      20,
      async (i) => {
        for (;;) {
          const r = await api(base, 'POST', '/api/process-instances', { processId: 'crashTest', businessKey: `s${i}`, variables: { a: i, delay: 'PT0.1S' } }).catch(() => ({
            status: 0,
            json: undefined,
          }));
          if (r.status === 201) return;
          if (r.status === 0) throw new Error(`start ${i}: the API did not answer (it must stay up while the database is down):\n${apiProc.output().slice(-3000)}`);
          if (r.status < 500) throw new Error(`start ${i}: ${r.status} ${JSON.stringify(r.json)}`);
          startRetries++;
          await sleep(250);
          const found = await api(base, 'GET', `/api/process-instances?businessKey=s${i}&limit=1`).catch(() => undefined);
          if (found?.status === 200 && found.json.items.length) return; // it was started; only the answer was lost
        }
      },
    ).then(() => (startedAll = true));
    const allDone = async () =>
      startedAll &&
      (await api(base, 'GET', '/api/process-instances?processId=crashTest&state=active&limit=1').then(
        (r) => r.status === 200 && r.json.items.length === 0,
        () => false,
      ));
    const runEnd = Date.now() + 200_000; // about 130 s on a loaded 2-core machine
    while (!(await allDone())) {
      if (Date.now() > runEnd) {
        throw new Error(`not done in time (${tasksDone} tasks completed)\n${w1.output().slice(-3000)}\n${w2.output().slice(-3000)}\n${apiProc.output().slice(-3000)}`);
      }
      const page = await api(base, 'GET', '/api/tasks?candidateGroup=crash-testers&state=created&limit=100').catch(() => ({ status: 0, json: undefined }));
      const items = page.status === 200 ? (page.json.items as { id: string }[]) : [];
      if (page.status !== 200) failedCalls++;
      await pool(items, 20, async (task) => {
        const r = await api(base, 'POST', `/api/tasks/${encodeURIComponent(task.id)}/complete`, { variables: { reviewed: true } }).catch(() => ({ status: 0, json: undefined }));
        if (r.status === 200) tasksDone++;
        else if (r.status >= 500 || r.status === 0)
          failedCalls++; // the database is down: the task shows again on a later page
        else if (r.status !== 409) throw new Error(`complete ${task.id}: ${r.status} ${JSON.stringify(r.json)}`);
      });
      if (!killed && tasksDone >= INSTANCES * 0.3) {
        killed = true;
        w1.child.kill('SIGKILL');
        console.log(`killed worker w1 after ${tasksDone} tasks, ${Date.now() - tStarted} ms into the run`);
      }
      if (!restart && tasksDone >= INSTANCES * 0.5) {
        const s = server;
        console.log(`crashing PostgreSQL after ${tasksDone} tasks, ${Date.now() - tStarted} ms into the run`);
        restart = (async () => {
          await s.stop('immediate');
          await sleep(3000);
          await s.start();
          console.log(`PostgreSQL is back, ${Date.now() - tStarted} ms into the run`);
        })();
      }
      if (!items.length) await sleep(50);
    }
    await starting;
    await restart;
    const tDone = Date.now();
    expect(killed).toBe(true);
    expect(restart).toBeDefined();
    expect((await w1.exited).signal).toBe('SIGKILL');
    expect(server.log()).toMatch(/database system was interrupted|redo starts|automatic recovery/);
    // the outbox drains in the background after the last commit
    const outboxEnd = Date.now() + 30_000;
    const check = openStore({ databaseUrl: database.url });
    await check.init();
    try {
      while ((await check.pendingOutbox(1)).length && Date.now() < outboxEnd) await sleep(200);
    } finally {
      await check.close();
    }
    const incidents = await api(base, 'GET', '/api/incidents');
    expect(incidents.json.items ?? incidents.json).toEqual([]);

    w2.child.kill('SIGTERM');
    apiProc.child.kill('SIGTERM');
    expect((await w2.exited).code).toBe(0);
    expect((await apiProc.exited).code).toBe(0);

    const store = openStore({ databaseUrl: database.url });
    await store.init();
    try {
      const jobWorkers = await expectCleanRun(store, INSTANCES);
      console.log(
        `postgres faults: ${INSTANCES} instances, ${tasksDone} tasks via API, ${startRetries} start retries, ${failedCalls} calls failed while the database was down; ` +
          `jobs completed by ${JSON.stringify(jobWorkers)}; start-up ${tStarted - t0} ms, run ${tDone - tStarted} ms`,
      );
    } finally {
      await store.close();
    }
  } finally {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    await dropPrefix(prefix);
    await restart?.catch(() => undefined);
    await server?.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 300_000);
