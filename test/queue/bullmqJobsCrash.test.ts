/**
 * 1,000 jobs on BullMQ over two workers: a plain BullMQ worker (its own process, no engine) and
 * `npm run worker` (api/worker.ts, an engine process with a handler), both writing a ledger in Redis
 * (one field per job key). The engine that starts the instances runs in this test and queues all
 * 1,000 jobs before the workers start. Once 30 % are recorded, `npm run worker` keeps the jobs it does in
 * hand (a flag in Redis, crash/ledgerHandlers.ts) and is SIGKILLed while it holds some and the plain worker
 * works (sync requests and commits in flight). Every job's effect must be
 * in the ledger once, every instance complete with its job completed once, every history chain valid,
 * the queues empty; a job re-run is only one the killed worker was holding (at-least-once delivery:
 * the ledger's write is idempotent, as a worker's side effect should be).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Engine, openStore, verifyChain } from '../../engine';
import { jobQueueName, type JobQueueSettings } from '../../engine/queue/jobs';
import { bpmn, chain, endEvent, serviceTask, startEvent } from '../engine/helpers';
import { runTs, type Proc } from '../support/processes';
import { holdKey, ledgerKey, runsKey, startedKey } from './crash/ledger';
import { dropPrefix, REDIS_URL, testPrefix, until } from './jobQueues';

const JOBS = 1000;
const KILLED_WORKER_CONCURRENCY = 8;

const LEDGER = bpmn('ledgerRun', [startEvent(), serviceTask('Record', 'ledger', { retries: '3' }), endEvent(), chain('Start', 'Record', 'End')]);

test('1,000 jobs over a plain BullMQ worker and npm run worker, one SIGKILLed: every effect once, every instance complete', async () => {
  const prefix = testPrefix('crash');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-jobcrash-'));
  // Short locks and sync periods so that what the killed worker held comes back within seconds.
  const settings: JobQueueSettings = { syncLockMs: 2000, resyncMs: 1000, sweepMs: 500, types: { ledger: { concurrency: KILLED_WORKER_CONCURRENCY, timeoutMs: 2000 } } };
  const settingsFile = path.join(dir, 'job-queues.json');
  fs.writeFileSync(settingsFile, JSON.stringify(settings));
  const redis = new Redis(REDIS_URL);
  const procs: Proc[] = [];
  const refused: string[] = [];
  const store = openStore({ dataDir: dir });
  const engine = new Engine({ store, dataDir: dir, redisUrl: REDIS_URL, redisPrefix: prefix, jobQueues: settings, jobLog: (line) => refused.push(line) });
  try {
    await engine.start();
    await engine.deploy([{ name: 'ledger.bpmn', content: LEDGER }]);
    // A backlog first, so that both workers are busy when one is killed.
    const ids: string[] = [];
    for (let i = 0; i < JOBS; i++) ids.push((await engine.startInstance({ processId: 'ledgerRun', variables: { i } })).id);
    await engine.idle();
    // npm run worker alone records the first third; then the plain worker joins, and npm run worker is
    // killed while both work and it holds jobs. (The plain worker, no engine in it, is much faster: started
    // together, on a loaded machine it would do nearly everything before the engine worker had begun.)
    const npm = runTs(['api/worker.ts'], {
      DATA_DIR: dir,
      REDIS_URL,
      REDIS_PREFIX: prefix,
      WORKER_ID: 'w-npm',
      WORKER_HANDLERS: 'test/queue/crash/ledgerHandlers.ts',
      JOB_QUEUES: settingsFile,
      DEMO_WORKERS: 'off',
      TIMER_LOCK_MS: '2000',
    });
    procs.push(npm);
    await until(async () => (await redis.hlen(ledgerKey(prefix))) >= JOBS * 0.3, 90_000, 'npm run worker to record a third of the jobs');
    // From here npm run worker keeps what it has done in hand: when it is killed it holds jobs whose
    // effect is written and whose result the engine has not seen.
    await redis.set(holdKey(prefix), '1');
    const plain = runTs(['test/queue/crash/plainLedgerWorker.ts', REDIS_URL, prefix], {});
    procs.push(plain);
    await until(() => /ready/.test(plain.output()), 20_000, 'the plain worker to start');

    // Killed mid-run, while it holds jobs it did and the engine has not seen completed, and the plain worker works.
    const holding = async (): Promise<boolean> => {
      for (const key of await redis.smembers(startedKey(prefix, 'w-npm'))) if ((await store.getJob(key))?.state !== 'completed') return true;
      return false;
    };
    await until(holding, 30_000, 'npm run worker to hold jobs');
    await until(async () => Object.values(await redis.hgetall(ledgerKey(prefix))).includes('plain'), 30_000, 'the plain worker to record a job');
    npm.child.kill('SIGKILL');
    expect((await npm.exited).signal).toBe('SIGKILL');
    const recordedAtKill = await redis.hlen(ledgerKey(prefix));

    await until(async () => (await engine.listInstances({ processId: 'ledgerRun', state: 'active', limit: 1 })).items.length === 0, 60_000, 'every instance to complete');

    // Every instance completed, its one job completed once, its history chain intact.
    const keys: string[] = [];
    const completedBy: Record<string, string> = {};
    for (const id of ids) {
      const instance = await engine.getInstance(id);
      expect({ id, state: instance.state }).toEqual({ id, state: 'completed' });
      const history = await engine.getHistory(id);
      expect(verifyChain(history)).toEqual({ valid: true, events: history.length, problems: [] });
      expect(history.filter((e) => e.type === 'job.completed')).toHaveLength(1);
      const created = history.find((e) => e.type === 'job.created')!;
      const key = `${id}.${(created.data as { waitId: string }).waitId}`;
      keys.push(key);
      completedBy[key] = history.find((e) => e.type === 'job.completed')!.actor;
      expect(instance.variables.recordedBy).toEqual(expect.stringMatching(/^(plain|w-npm)$/));
    }
    // The ledger: one entry per job key, nothing else; both workers did part of the work.
    const ledger = await redis.hgetall(ledgerKey(prefix));
    expect(Object.keys(ledger).sort()).toEqual([...keys].sort());
    const byWorker = Object.values(ledger).reduce<Record<string, number>>((acc, w) => ({ ...acc, [w]: (acc[w] ?? 0) + 1 }), {});
    expect(byWorker.plain).toBeGreaterThan(0);
    expect(byWorker['w-npm']).toBeGreaterThan(0);
    // The killed worker had jobs in hand; the plain worker finished them once their locks ran out.
    const startedByKilled = new Set(await redis.smembers(startedKey(prefix, 'w-npm')));
    const heldAtKill = [...startedByKilled].filter((key) => completedBy[key] !== 'w-npm');
    expect(heldAtKill.length).toBeGreaterThan(0);
    expect(heldAtKill.length).toBeLessThanOrEqual(KILLED_WORKER_CONCURRENCY);
    for (const key of heldAtKill) expect({ key, by: completedBy[key] }).toEqual({ key, by: 'plain' });
    // A job run twice is one the killed worker had in hand with its effect done (its ledger entry is
    // the killed worker's), not yet reported or not yet acknowledged to BullMQ: at-least-once delivery.
    const runs = await redis.hgetall(runsKey(prefix));
    const rerun = Object.entries(runs)
      .filter(([, n]) => Number(n) > 1)
      .map(([key]) => key);
    expect(rerun.length).toBeLessThanOrEqual(KILLED_WORKER_CONCURRENCY);
    for (const key of rerun) expect({ key, started: startedByKilled.has(key), first: ledger[key], runs: runs[key] }).toEqual({ key, started: true, first: 'w-npm', runs: '2' });
    // The second result of such a job is the only one the engine refused.
    for (const line of refused) expect(rerun.some((key) => line.startsWith(`job ${key} (ledger): the result reported by plain is refused: it is completed`))).toBe(true);
    // Nothing left: no incident, no job in any queue.
    expect(await engine.listIncidents({})).toEqual([]);
    await engine.idle();
    const queue = new Queue(jobQueueName('ledger'), { connection: { url: REDIS_URL }, prefix });
    await until(
      async () => {
        const counts = await queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed');
        return Object.values(counts).every((n) => n === 0);
      },
      10_000,
      'the queue to empty',
    );
    await queue.close();
    console.log(
      `job crash: ${JOBS} jobs, ${recordedAtKill} recorded when npm run worker was killed; recorded by ${JSON.stringify(byWorker)}; ` +
        `${heldAtKill.length} held by the killed worker and finished by the plain one, ${rerun.length} of them run twice`,
    );

    plain.child.kill('SIGTERM');
    expect((await plain.exited).code).toBe(0);
  } finally {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    await engine.stop();
    redis.disconnect();
    await dropPrefix(prefix);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
