/**
 * Scale-out on one data directory: one API process (api/main.ts) and two engine workers
 * (api/worker.ts, `npm run worker`) share a SQLite file (WAL) and a real Redis (BullMQ timers and job
 * queues, unique prefix). 1,000 instances of test/crash/crash.bpmn (two service tasks worked by the workers, a timer,
 * a non-interrupting timer boundary, a user task completed through the API) run while one worker is
 * killed with SIGKILL. Every instance must complete, nothing may be applied twice, every history
 * chain must verify. The workers' handlers write each job's effect to a ledger outside the engine
 * (ledger.ts): every job's effect must be there once, both workers must have worked, and a job may have
 * run twice only if the killed worker had it in hand (reported, bounded by its batch), as may the
 * conflicts the surviving worker logs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expectCleanRun } from '../crash/expectCleanRun';
import { dropPrefix } from '../queue/jobQueues';
import { openStore } from '../../engine/store';
import { REPO_DIR } from '../support/paths';
import { freePort, runTs, type Proc } from '../support/processes';
import { api, callsResent, pool } from './http';
import { readLedger } from './ledger';

const INSTANCES = 1000;
const JOB_BATCH = 50;
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

test('one API and two workers on one SQLite file + Redis: SIGKILL of a worker loses and doubles nothing', async () => {
  const t0 = Date.now();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-scale-'));
  const processesDir = path.join(dataDir, 'processes');
  fs.mkdirSync(processesDir);
  fs.copyFileSync(path.join(REPO_DIR, 'test/crash/crash.bpmn'), path.join(processesDir, 'crash.bpmn'));
  const prefix = `pdscale-${process.pid}-${Date.now().toString(36)}`;
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // Sync requests a killed worker held come back after 2 s; jobs it held after their 2 s timeout (JOB_LOCK_MS).
  const jobQueues = path.join(dataDir, 'job-queues.json');
  fs.writeFileSync(jobQueues, JSON.stringify({ syncLockMs: 2000, resyncMs: 2000 }));
  const common = { DATA_DIR: path.join(dataDir, 'data'), REDIS_URL, REDIS_PREFIX: prefix, LOG_LEVEL: 'silent', DEMO_WORKERS: 'off', JOB_QUEUES: jobQueues };
  const procs: Proc[] = [];
  try {
    const apiProc = runTs(['api/main.ts'], {
      ...common,
      DEMO: 'on',
      PORT: String(port),
      HOST: '127.0.0.1',
      PROCESSES_DIR: processesDir,
      RATE_LIMIT_PER_MINUTE: '0',
      STATIC_DIR: path.join(dataDir, 'none'),
    });
    procs.push(apiProc);
    const ledgerFile = path.join(dataDir, 'ledger.sqlite');
    const workerEnv = { ...common, LEDGER_FILE: ledgerFile, WORKER_HANDLERS: 'test/scale/handlers.ts', JOB_LOCK_MS: '2000', TIMER_LOCK_MS: '2000', JOB_BATCH: String(JOB_BATCH) };
    const w1 = runTs(['api/worker.ts'], { ...workerEnv, WORKER_ID: 'w1' });
    const w2 = runTs(['api/worker.ts'], { ...workerEnv, WORKER_ID: 'w2' });
    procs.push(w1, w2);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const ok = await fetch(`${base}/api/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok && /job types/.test(w1.output()) && /job types/.test(w2.output())) break;
      if (Date.now() > deadline) throw new Error(`processes did not start:\n${apiProc.output()}\n${w1.output()}\n${w2.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const tStarted = Date.now();

    // Start 1,000 instances through the API while completing user tasks as they appear.
    let startedAll = false;
    let tasksDone = 0;
    let killed = false;
    const starting = pool(
      Array.from({ length: INSTANCES }, (_, i) => i),
      20,
      async (i) => {
        const r = await api(base, 'POST', '/api/process-instances', { processId: 'crashTest', businessKey: `s${i}`, variables: { a: i, delay: 'PT0.1S' } });
        if (r.status !== 201) throw new Error(`start ${i}: ${r.status} ${JSON.stringify(r.json)}`);
      },
    ).then(() => (startedAll = true));
    const allDone = async () => startedAll && (await api(base, 'GET', '/api/process-instances?processId=crashTest&state=active&limit=1')).json.items.length === 0;
    const runEnd = Date.now() + 150_000; // about 20-30 s alone; 70 s and more on a loaded machine
    while (!(await allDone())) {
      if (Date.now() > runEnd) {
        const active = (await api(base, 'GET', '/api/process-instances?processId=crashTest&state=active&limit=5')).json.items as { id: string }[];
        const details = await Promise.all(
          active.map(async (i) =>
            JSON.stringify({
              instance: (await api(base, 'GET', `/api/process-instances/${i.id}`)).json,
              history: ((await api(base, 'GET', `/api/process-instances/${i.id}/history`)).json.events as { type: string; elementId?: string; actor: string }[]).map(
                (e) => `${e.type}:${e.elementId ?? ''}:${e.actor}`,
              ),
            }),
          ),
        );
        throw new Error(
          `not done in time (${tasksDone} tasks completed)\n${details.join('\n')}\n${w1.output().slice(-2000)}\n${w2.output().slice(-2000)}\n${apiProc.output().slice(-2000)}`,
        );
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
      const ledger = readLedger(ledgerFile);
      const conflicts = w2
        .output()
        .split('\n')
        .filter((l) => /another worker finished it first/.test(l));
      console.log(
        `scale ledger: effects by ${JSON.stringify(ledger.byWorker)}, ${ledger.duplicates.length} jobs run twice (w1 held them when killed), ${conflicts.length} conflicts logged by w2`,
      );
      // Every job's effect happened once, for a job the engine completed, and both workers worked.
      expect(ledger.keys.size).toBe(INSTANCES * 2);
      for (const key of ledger.keys) expect({ key, state: (await store.getJob(key))?.state }).toEqual({ key, state: 'completed' });
      expect(Object.keys(ledger.byWorker).sort()).toEqual(['w1', 'w2']);
      // At least once, not more: only jobs the killed worker had in hand (at most its batch) ran twice,
      // and only those can have had a result refused.
      expect(ledger.duplicates.length).toBeLessThanOrEqual(JOB_BATCH);
      for (const d of ledger.duplicates) expect({ key: d.key, ranOnW1: d.workers.split(',').includes('w1') }).toEqual({ key: d.key, ranOnW1: true });
      expect(conflicts.length).toBeLessThanOrEqual(ledger.duplicates.length);
      // No job's activation or failure report went wrong (the timer queue's own lock renewals are not jobs).
      expect(
        w2
          .output()
          .split('\n')
          .filter((l) => /\] (activate crash-[ab]|fail \S+):/.test(l)),
      ).toEqual([]);
      console.log(
        `scale: ${INSTANCES} instances, ${tasksDone} tasks via API; jobs completed by ${JSON.stringify(jobWorkers)}; ` +
          `start-up ${tStarted - t0} ms, run ${tDone - tStarted} ms (${Math.round((INSTANCES * 2 * 1000) / (tDone - tStarted))} jobs/s); ${callsResent()} calls sent again after a reset connection`,
      );
    } finally {
      await store.close();
    }
  } finally {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    await dropPrefix(prefix);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}, 240_000);
