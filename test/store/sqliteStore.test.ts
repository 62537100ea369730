import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { ConflictError, openStore, SqliteStore, type Store } from '../../engine/store';
import { migrate, MIGRATIONS, SCHEMA_VERSION, schemaVersion } from '../../engine/store/sqlite/migrations';
import { ACTIVATE_JOBS } from '../../engine/store/sqlite/writes';
import * as f from './factories';
import { T0 } from './factories';
import { storeContract } from './storeContract';
import { slaRecordsContract } from './slaRecordsContract';
import { externalKeysContract } from './externalKeysContract';
import { taskDeskContract } from './taskDeskContract';
import { ticketContract } from './ticketContract';

let tmpDirs: string[] = [];

function tmpDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-store-'));
  tmpDirs.push(dir);
  return dir;
}

function tmpFile(): string {
  return path.join(tmpDir(), 'store.sqlite');
}

async function removeTmpDirs(): Promise<void> {
  for (const dir of tmpDirs) fs.rmSync(dir, { recursive: true, force: true });
  tmpDirs = [];
}

storeContract('sqlite (temp file)', async () => new SqliteStore({ file: tmpFile() }), removeTmpDirs);
taskDeskContract('sqlite (temp file)', async () => new SqliteStore({ file: tmpFile() }), removeTmpDirs);
ticketContract(
  'sqlite (temp file)',
  async () => {
    const file = tmpFile();
    return () => new SqliteStore({ file });
  },
  removeTmpDirs,
);
slaRecordsContract('sqlite (temp file)', async () => new SqliteStore({ file: tmpFile() }), removeTmpDirs);
externalKeysContract(
  'sqlite (temp file)',
  async () => {
    const file = tmpFile();
    return { store: new SqliteStore({ file }), reopen: () => new SqliteStore({ file }) };
  },
  removeTmpDirs,
);

describe('SqliteStore specifics', () => {
  const open: SqliteStore[] = [];
  async function openOn(file: string): Promise<SqliteStore> {
    const store = new SqliteStore({ file });
    open.push(store);
    await store.init();
    return store;
  }

  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
    await removeTmpDirs();
  });

  test('runs in WAL mode with synchronous FULL (NORMAL on request) and a 5 s busy timeout', async () => {
    const store = await openOn(tmpFile());
    const db = store.connection;
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    const normal = new SqliteStore({ file: tmpFile(), synchronous: 'NORMAL' });
    open.push(normal);
    expect(normal.connection.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
  });

  test('migrations are versioned by user_version and idempotent', async () => {
    const file = tmpFile();
    const store = await openOn(file);
    expect(schemaVersion(store.connection)).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
    await store.init();
    expect(migrate(store.connection)).toEqual([]);
    const tables = (store.connection.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as { name: string }[]).map((t) => t.name);
    expect(tables).toEqual(expect.arrayContaining(['definitions', 'instances', 'history', 'tasks', 'task_candidates', 'jobs', 'timers', 'outbox']));

    // a later migration applies once, on top of the existing data
    const next = [...MIGRATIONS, { version: SCHEMA_VERSION + 1, description: 'test', sql: 'ALTER TABLE tasks ADD COLUMN extra TEXT' }];
    expect(migrate(store.connection, next)).toEqual([SCHEMA_VERSION + 1]);
    expect(migrate(store.connection, next)).toEqual([]);
    expect(schemaVersion(store.connection)).toBe(SCHEMA_VERSION + 1);
    // and this build refuses the now newer database
    expect(() => migrate(store.connection)).toThrow(/newer/);
  });

  test('a database of schema 1 keeps its tasks when opened by this build; they exclude nobody', async () => {
    const file = tmpFile();
    const v1 = new Database(file);
    migrate(v1, MIGRATIONS.slice(0, 1));
    v1.prepare(
      `INSERT INTO tasks (id, instance_id, process_id, element_id, wait_id, state, candidate_groups, candidate_users, variables, created_at)
       VALUES ('old', 'i1', 'change', 'CabApproval', 'i1/w', 'created', '["cab"]', '[]', '{}', 1)`,
    ).run();
    v1.close();
    const store = await openOn(file);
    expect(schemaVersion(store.connection)).toBe(SCHEMA_VERSION);
    const old = await store.getTask('old');
    expect(old).toMatchObject({ id: 'old', candidateGroups: ['cab'] });
    expect(old?.excludedUsers).toBeUndefined();
  });

  test('a failed migration leaves the previous version and no partial schema', async () => {
    const db = new Database(tmpFile());
    try {
      const broken = [...MIGRATIONS, { version: SCHEMA_VERSION + 1, description: 'broken', sql: 'CREATE TABLE x (a); SELECT nope FROM nowhere;' }];
      expect(() => migrate(db, broken)).toThrow();
      expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
      expect(db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'x'`).get()).toBeUndefined();
    } finally {
      db.close();
    }
  });

  test('data survives close and reopen', async () => {
    const file = tmpFile();
    const first = await openOn(file);
    await first.commit(f.startBatch(f.instance('i1'), { tasks: { upsert: [f.task('t1', 'i1')] }, outbox: [f.outbox('o1')] }));
    await first.close();
    const again = await openOn(file);
    expect(await again.getInstance('i1')).toEqual(f.instance('i1'));
    expect(await again.getTask('t1')).toEqual(f.task('t1', 'i1'));
    expect(await again.getHistory('i1')).toEqual([f.event('i1', 1)]);
    expect(await again.pendingOutbox(10)).toEqual([f.outbox('o1')]);
    await again.close();
    await again.close(); // closing twice is harmless
    await expect(again.ping()).rejects.toThrow();
  });

  test('history rows cannot be updated or deleted', async () => {
    const store = await openOn(tmpFile());
    await store.commit(f.startBatch(f.instance('i1')));
    expect(() => store.connection.prepare(`UPDATE history SET actor = 'mallory'`).run()).toThrow(/append-only/);
    expect(() => store.connection.prepare('DELETE FROM history').run()).toThrow(/append-only/);
    expect(await store.getHistory('i1')).toEqual([f.event('i1', 1)]);
  });

  test('two stores on one file: jobs are never handed out twice and revs stay consistent', async () => {
    const file = tmpFile();
    const a = await openOn(file);
    const b = await openOn(file);
    const jobs = Array.from({ length: 30 }, (_, n) => f.job(`j${String(n).padStart(2, '0')}`, 'i1', { createdAt: T0 + n }));
    await a.commit(f.startBatch(f.instance('i1'), { jobs: { upsert: jobs } }));
    const got: string[] = [];
    for (let round = 0; round < 10; round++) {
      const [fromA, fromB] = await Promise.all([a.activateJobs('send-email', 'worker-a', 2, 60_000, T0 + 1000), b.activateJobs('send-email', 'worker-b', 2, 60_000, T0 + 1000)]);
      got.push(...fromA.map((j) => j.key), ...fromB.map((j) => j.key));
    }
    expect(got).toHaveLength(30);
    expect(new Set(got).size).toBe(30);

    // both load rev 1; the second commit loses
    const inst = (await b.getInstance('i1'))!;
    await a.commit(f.nextBatch(inst, 1, [f.event('i1', 2)]));
    await expect(b.commit(f.nextBatch(inst, 1, [f.event('i1', 2, { actor: 'bob' })]))).rejects.toBeInstanceOf(ConflictError);
    expect((await b.getHistory('i1')).map((e) => e.actor)).toEqual(['engine', 'engine']);

    // a start timer fires once across stores
    await a.saveStartTimers([f.startTimer('s1', 'nightly:1')], []);
    const fired = await Promise.all([a.fireStartTimer('s1', undefined, T0), b.fireStartTimer('s1', undefined, T0)]);
    expect(fired.filter(Boolean)).toHaveLength(1);
  });

  test('threads racing on one file: no job handed out twice, no lost update', async () => {
    const file = tmpFile();
    const seed = await openOn(file);
    const jobs = Array.from({ length: 300 }, (_, n) => f.job(`j${String(n).padStart(3, '0')}`, 'counter', { createdAt: T0 + n }));
    const counter = f.instance('counter', { variables: { count: 0 } });
    await seed.commit(f.startBatch(counter, { jobs: { upsert: jobs } }));

    const threads = 4;
    const perThread = 25;
    const results = await runRacers(file, threads, perThread);
    const keys = results.flatMap((r) => r.jobs);
    expect(keys).toHaveLength(300);
    expect(new Set(keys).size).toBe(300);
    expect(results.filter((r) => r.jobs.length > 0).length).toBeGreaterThan(1);

    const after = await seed.getInstance('counter');
    expect(after?.variables).toEqual({ count: threads * perThread });
    expect(after?.rev).toBe(1 + threads * perThread);
    expect((await seed.getHistory('counter')).map((e) => e.seq)).toEqual(Array.from({ length: 1 + threads * perThread }, (_, n) => n + 1));
  });

  test("listing one group's created tasks reads the candidate index, not the whole tasks table", async () => {
    const store = await openOn(tmpFile());
    const tasks = Array.from({ length: 2000 }, (_, n) =>
      f.task(`t${n}`, 'i1', {
        candidateGroups: [['service-desk', 'network', 'cab', 'change-managers'][n % 4]],
        state: n % 3 === 0 ? 'completed' : 'created',
        createdAt: T0 + n,
      }),
    );
    await store.commit(f.startBatch(f.instance('i1'), { tasks: { upsert: tasks } }));
    store.connection.exec('ANALYZE');

    const first = await store.listTasks({ candidateGroup: 'network', state: 'created' });
    const cursor = first.next;
    expect(cursor).toBeDefined();
    for (const q of [
      { candidateGroup: 'network', state: 'created' as const },
      { candidateGroup: 'network', state: 'created' as const, cursor },
      { visibleTo: { user: 'alice', groups: ['service-desk', 'network'] }, state: 'created' as const },
    ]) {
      const plans = store.explainListTasks(q);
      for (const plan of plans) {
        const text = plan.join('\n');
        expect(text).not.toMatch(/SCAN (tasks|t)\b/);
        expect(text).not.toMatch(/SCAN (task_candidates|c)\b/);
        expect(text).not.toMatch(/USE TEMP B-TREE FOR ORDER BY/);
        expect(text).toMatch(/USING (COVERING )?INDEX|USING INTEGER PRIMARY KEY|USING PRIMARY KEY/);
      }
    }
    const groupPlan = store.explainListTasks({ candidateGroup: 'network', state: 'created' })[0].join('\n');
    expect(groupPlan).toMatch(/SEARCH c USING (COVERING )?INDEX candidates_by_name/);
    // the next page seeks to the cursor inside the index instead of skipping the earlier rows
    const nextPlan = store.explainListTasks({ candidateGroup: 'network', state: 'created', cursor })[0].join('\n');
    expect(nextPlan).toMatch(/candidates_by_name \(kind=\? AND name=\? AND state=\? AND \(created_at,task_id\)>\(\?,\?\)\)/);
  });

  test('job activation reads the partial index of live jobs in order, without sorting', async () => {
    const store = await openOn(tmpFile());
    const plan = (store.connection.prepare(`EXPLAIN QUERY PLAN ${ACTIVATE_JOBS}`).all('send-email', T0, T0, 10) as { detail: string }[]).map((r) => r.detail);
    expect(plan.join('\n')).toMatch(/SEARCH jobs USING INDEX jobs_live/);
    expect(plan.join('\n')).not.toMatch(/TEMP B-TREE/);
  });

  test('openStore picks SQLite in the data directory, or an explicit file, or memory', async () => {
    const dir = path.join(tmpDir(), 'nested', 'data');
    const inDir: Store = openStore({ dataDir: dir });
    await inDir.init();
    await inDir.ping();
    await inDir.close();
    expect(fs.existsSync(path.join(dir, 'processdesk.sqlite'))).toBe(true);

    const mem = openStore({ file: ':memory:' });
    await mem.init();
    await mem.commit(f.startBatch(f.instance('i1')));
    expect((await mem.getInstance('i1'))?.id).toBe('i1');
    await mem.close();

    const file = path.join(tmpDir(), 'sub', 'x.sqlite');
    const explicit = openStore({ file, dataDir: dir });
    await explicit.init();
    await explicit.close();
    expect(fs.existsSync(file)).toBe(true);
  });
});

/**
 * Starts `threads` worker threads on one database file, each with its own SqliteStore (the TS
 * sources compiled on the fly with @swc/core), releases them at once through a shared-memory gate,
 * and lets each:
 *   1. activate jobs of type send-email, one at a time, until none are left;
 *   2. increment variables.count of instance `counter` `increments` times with optimistic commits,
 *      retrying on ConflictError.
 */
function runRacers(file: string, threads: number, increments: number): Promise<{ jobs: string[]; conflicts: number }[]> {
  const source = `
    const { workerData, parentPort } = require('node:worker_threads');
    const fs = require('node:fs');
    const swc = require(workerData.swc);
    require.extensions['.ts'] = (module, filename) => {
      const { code } = swc.transformSync(fs.readFileSync(filename, 'utf8'), {
        filename, jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' },
      });
      module._compile(code, filename);
    };
    const { SqliteStore } = require(workerData.store);
    const store = new SqliteStore({ file: workerData.file });
    const gate = new Int32Array(workerData.gate);
    // simulated work (a worker handling a job, the runtime running the machine) between store calls
    const work = () => { const end = performance.now() + 0.3; while (performance.now() < end); };
    store.init().then(async () => {
      Atomics.add(gate, 1, 1);
      Atomics.wait(gate, 0, 0); // all threads are released together
      const jobs = [];
      for (;;) {
        const got = await store.activateJobs('send-email', 'w' + workerData.n, 1, 60000, workerData.now);
        if (got.length === 0) break;
        jobs.push(...got.map((j) => j.key));
        work();
      }
      let conflicts = 0;
      for (let k = 0; k < workerData.increments; k++) {
        for (;;) {
          const inst = await store.getInstance('counter');
          const seq = inst.rev + 1;
          work();
          try {
            await store.commit({
              instance: { ...inst, rev: inst.rev + 1, variables: { count: inst.variables.count + 1 } },
              expectedRev: inst.rev,
              history: [{ instanceId: 'counter', seq, at: seq, type: 'variables.updated', actor: 'w' + workerData.n, prevHash: '', hash: String(seq) }],
            });
            break;
          } catch (err) {
            if (err.name !== 'ConflictError') throw err;
            conflicts++;
          }
        }
      }
      await store.close();
      parentPort.postMessage({ jobs, conflicts });
    });
  `;
  const gate = new Int32Array(new SharedArrayBuffer(8)); // [0] open flag, [1] threads ready
  const workers = Array.from(
    { length: threads },
    (_, n) =>
      new Worker(source, {
        eval: true,
        workerData: {
          n,
          file,
          increments,
          now: T0 + 1000,
          gate: gate.buffer,
          swc: require.resolve('@swc/core'),
          store: path.resolve(__dirname, '../../engine/store/sqlite/sqliteStore.ts'),
        },
      }),
  );
  const message = (w: Worker) =>
    new Promise<unknown>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
  return (async () => {
    try {
      const done = Promise.all(workers.map(message));
      while (Atomics.load(gate, 1) < threads) await new Promise((r) => setTimeout(r, 5));
      Atomics.store(gate, 0, 1);
      Atomics.notify(gate, 0);
      return (await done) as { jobs: string[]; conflicts: number }[];
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
    }
  })();
}
