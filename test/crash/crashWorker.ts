/**
 * Child process of crash.test.ts: runs crashFlow instances (crashFlow.ts) on a data directory, working
 * jobs and tasks as fast as it can, until every instance has ended. Argv: dataDir, `--start` or
 * `--resume`, instance count. Both modes start the instances that do not exist yet (by business key)
 * and publish each one's message (its messageId makes a second publish a no-op); `--start` deploys first.
 *
 * Environment: LEDGER_FILE, the SQLite file jobs write their effect to (one `effects` row per job
 * key, one `runs` row per run); CRASH_KILL=before|after:start|child-start|any:N, where this process
 * SIGKILLs itself (before or after the N-th commit of that kind reaches the store); CRASH_REFUSE=1: the
 * store refuses the first commit that brings a child's result to its parent, once (a failing outbox
 * dispatch, which the outbox sweep must finish). Prints `progress N` after every round, one
 * `conflict ...` line per result refused as already applied, and `finished` at the end.
 */
import Database from 'better-sqlite3';
import { Engine } from '../../engine';
import { openStore } from '../../engine/store';
import type { CommitBatch, Store } from '../../engine/store/types';
import { CRASH_FLOW, JOB_TYPES, parseKill } from './crashFlow';

const [dataDir, mode, countArg] = process.argv.slice(2);
const count = Number(countArg);

const ledger = new Database(process.env.LEDGER_FILE!);
ledger.pragma('journal_mode = WAL');
ledger.pragma('busy_timeout = 5000');
ledger.exec('CREATE TABLE IF NOT EXISTS effects (key TEXT PRIMARY KEY, pid INTEGER NOT NULL)');
ledger.exec('CREATE TABLE IF NOT EXISTS runs (key TEXT NOT NULL, pid INTEGER NOT NULL)');
const recordRun = ledger.prepare('INSERT INTO runs (key, pid) VALUES (?, ?)');
const recordEffect = ledger.prepare('INSERT OR IGNORE INTO effects (key, pid) VALUES (?, ?)');

/** The real store, with the kill point and the one refusal of CRASH_KILL / CRASH_REFUSE. */
function crashingStore(store: Store): Store {
  const kill = process.env.CRASH_KILL ? parseKill(process.env.CRASH_KILL) : undefined;
  let seen = 0;
  let refused = !process.env.CRASH_REFUSE;
  const matches = (b: CommitBatch): boolean =>
    kill?.kind === 'any' ||
    (kill?.kind === 'start' && b.expectedRev === null && b.instance.processId === 'crashFlow') ||
    (kill?.kind === 'child-start' && b.expectedRev === null && b.instance.processId === 'crashChild');
  const die = (): Promise<never> => {
    console.log(`killing myself at ${process.env.CRASH_KILL}`);
    process.kill(process.pid, 'SIGKILL');
    return new Promise(() => undefined);
  };
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'commit') {
        return async (b: CommitBatch) => {
          const hit = kill && matches(b) && ++seen === kill.nth;
          if (hit && !kill.after) return die();
          if (!refused && b.instance.processId === 'crashFlow' && b.history.some((e) => e.elementId === 'Call' && e.type === 'element.completed')) {
            refused = true;
            console.log(`refusing the commit of ${b.instance.id}'s child result once`);
            throw new Error('SQLITE_FULL: database or disk is full (refused once by the crash test)');
          }
          await target.commit(b);
          if (hit) await die();
        };
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function main(): Promise<void> {
  const errors: string[] = [];
  const store = crashingStore(openStore({ dataDir }));
  const engine = await new Engine({
    store,
    dataDir,
    checkpointIntervalMs: 0,
    onError: (err, where) => {
      const line = `${where}: ${(err as Error).message}`;
      errors.push(line);
      console.error(line);
    },
  }).start();
  if (mode === '--start') await engine.deploy([{ name: 'crashFlow.bpmn', content: CRASH_FLOW }]);
  const existing = new Set((await engine.listInstances({ processId: 'crashFlow', limit: 1000 })).items.map((i) => i.businessKey));
  for (let i = 0; i < count; i++) {
    const key = `c${i}`;
    if (!existing.has(key)) await engine.startInstance({ processId: 'crashFlow', businessKey: key, variables: { a: i, key, delay: 'PT0.1S' } });
    await engine.publishMessage({ name: 'crash-go', correlationKey: key, timeToLiveMs: 3_600_000, messageId: `go-${key}` });
  }
  console.log('started');
  const conflictOk = async (what: string, work: () => Promise<unknown>) => {
    try {
      await work();
    } catch (err) {
      if ((err as { code?: string }).code !== 'CONFLICT') throw err;
      // Reported, not swallowed: the test explains each one by the crash or fails.
      console.log(`conflict ${what}: ${(err as Error).message}`);
    }
  };
  // A run that cannot finish (work lost for good) ends with what is left, rather than never.
  const deadline = Date.now() + 40_000;
  for (;;) {
    if (Date.now() > deadline) {
      const active = (await engine.listInstances({ state: 'active', limit: 5 })).items;
      console.log(`gave up: still active ${JSON.stringify(active.map((i) => ({ process: i.processId, key: i.businessKey, at: i.activeElements })))}`);
      process.exit(3);
    }
    let worked = 0;
    for (const type of JOB_TYPES) {
      for (const job of await engine.activateJobs({ type, worker: `pid-${process.pid}`, maxJobs: 25, lockMs: 1000 })) {
        recordRun.run(job.key, process.pid);
        recordEffect.run(job.key, process.pid);
        await conflictOk(`job ${job.key}`, () => engine.completeJob(job.key, type === 'crash-b' ? { b: 1000 } : {}));
        worked++;
      }
    }
    for (const task of (await engine.listTasks({ state: 'created', candidateGroup: 'crash-testers', limit: 25 })).items) {
      await conflictOk(`task ${task.id}`, () => engine.completeTask(task.id, { reviewed: true }, 'crash-bot'));
      worked++;
    }
    const completed = await engine.listInstances({ processId: 'crashFlow', state: 'completed', limit: 1000 });
    console.log(`progress ${completed.items.length}`);
    const pending = await store.pendingOutbox(1);
    if (completed.items.length === count && !pending.length) break;
    if (!worked) await new Promise((r) => setTimeout(r, 20));
  }
  await engine.idle();
  await engine.stop();
  ledger.close();
  console.log(`errors ${JSON.stringify(errors)}`);
  console.log('finished');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
