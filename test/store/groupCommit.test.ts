/**
 * Group commit of the embedded store: concurrent writes share one transaction, a write that fails
 * (revision conflict) fails alone, a group never exceeds its size, no write is acknowledged before its
 * transaction committed, and a process that dies inside a group transaction leaves none of it behind.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConflictError, SqliteStore } from '../../engine/store';
import { REPO_DIR } from '../support/paths';
import { event, instance, job, nextBatch, startBatch, T0 } from './factories';

let dir: string;
const open: SqliteStore[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-group-'));
});

afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function openStore(options: { groupCommitMax?: number } = {}): Promise<SqliteStore> {
  const store = new SqliteStore({ file: path.join(dir, 'store.sqlite'), ...options });
  open.push(store);
  await store.init();
  return store;
}

test('writes issued in one turn of the event loop share one transaction', async () => {
  const store = await openStore();
  const before = store.commitStats;
  await Promise.all(Array.from({ length: 20 }, (_, i) => store.commit(startBatch(instance(`i${i}`)))));
  const after = store.commitStats;
  expect(after.transactions - before.transactions).toBe(1);
  expect(after.writes - before.writes).toBe(20);
  expect((await store.listInstances({ limit: 100 })).items).toHaveLength(20);
  // a lone write is not held back for company: it commits on its own in the next turn
  await store.commit(startBatch(instance('alone')));
  expect(store.commitStats.transactions).toBe(after.transactions + 1);
});

test('a write whose revision check fails is rejected alone; the rest of its group commits', async () => {
  const store = await openStore();
  await Promise.all(['a', 'b', 'c'].map((id) => store.commit(startBatch(instance(id)))));
  const groupsBefore = store.commitStats.transactions;
  const results = await Promise.allSettled([
    store.commit(nextBatch(instance('a'), 1, [event('a', 2)])),
    store.commit(nextBatch(instance('b'), 7, [event('b', 2)])), // stale: b is at rev 1
    store.commit(nextBatch(instance('c'), 1, [event('c', 2)], { jobs: { upsert: [job('c.job', 'c')] } })),
  ]);
  expect(store.commitStats.transactions).toBe(groupsBefore + 1);
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
  expect((await store.getInstance('a'))?.rev).toBe(2);
  expect((await store.getInstance('b'))?.rev).toBe(1);
  expect((await store.getHistory('b')).map((e) => e.seq)).toEqual([1]);
  expect((await store.getInstance('c'))?.rev).toBe(2);
  expect(await store.getJob('c.job')).toMatchObject({ key: 'c.job', instanceId: 'c' });
});

test('a lone write that fails half way leaves nothing of itself, is not counted, and the next one commits', async () => {
  const store = await openStore();
  await store.commit(startBatch(instance('l')));
  const before = store.commitStats;
  // the instance row is updated first, then its history fails: seq 1 exists already
  const err = await store.commit(nextBatch(instance('l'), 1, [event('l', 2), event('l', 1, { hash: 'forged' })])).catch((e: Error) => e);
  expect((err as Error).message).toBe('history event 1 of instance l already exists');
  expect(store.commitStats).toEqual(before);
  expect((await store.getInstance('l'))?.rev).toBe(1);
  expect((await store.getHistory('l')).map((e) => e.seq)).toEqual([1]);
  await store.commit(nextBatch(instance('l'), 1, [event('l', 2)]));
  expect((await store.getInstance('l'))?.rev).toBe(2);
  expect(store.commitStats).toEqual({ transactions: before.transactions + 1, writes: before.writes + 1, largest: before.largest });
});

test('a group carries at most groupCommitMax writes', async () => {
  const store = await openStore({ groupCommitMax: 4 });
  const before = store.commitStats;
  await Promise.all(Array.from({ length: 10 }, (_, i) => store.commit(startBatch(instance(`m${i}`)))));
  expect(store.commitStats.transactions - before.transactions).toBe(3); // 4 + 4 + 2
  expect(store.commitStats.largest).toBe(4);
  expect((await store.listInstances({ limit: 100 })).items).toHaveLength(10);
  expect(() => new SqliteStore({ file: ':memory:', groupCommitMax: 0 })).toThrow(/group commit size/);
});

test('a write is acknowledged only after its transaction committed, and then it is readable', async () => {
  const store = await openStore();
  let acknowledged = false;
  const pending = store.commit(startBatch(instance('late'))).then(() => {
    acknowledged = true;
  });
  await Promise.resolve();
  expect(acknowledged).toBe(false);
  expect(await store.getInstance('late')).toBeUndefined(); // not committed yet, so not acknowledged either
  await pending;
  expect(await store.getInstance('late')).toMatchObject({ id: 'late', rev: 1 });
});

test('other writes (job activation, outbox) ride in the same group as commits', async () => {
  const store = await openStore();
  await store.commit(startBatch(instance('w'), { jobs: { upsert: [job('w.1', 'w', { type: 'mail' })] } }));
  const before = store.commitStats.transactions;
  const [jobs] = await Promise.all([store.activateJobs('mail', 'worker-1', 5, 60_000, T0 + 1000), store.commit(startBatch(instance('x'))), store.markOutboxDone(['none'])]);
  expect(store.commitStats.transactions).toBe(before + 1);
  expect(jobs.map((j) => j.key)).toEqual(['w.1']);
  expect(await store.getJob('w.1')).toMatchObject({ state: 'activated', worker: 'worker-1' });
});

test('writes after close are refused; writes queued before close are committed by it', async () => {
  const file = path.join(dir, 'store.sqlite');
  const store = new SqliteStore({ file });
  await store.init();
  const queued = store.commit(startBatch(instance('q')));
  await store.close();
  await queued;
  await expect(store.commit(startBatch(instance('r')))).rejects.toThrow(/closed/);
  const again = await openStore();
  expect(await again.getInstance('q')).toMatchObject({ id: 'q' });
});

test('a process killed inside a group transaction acknowledged none of it and left none of it', async () => {
  const file = path.join(dir, 'store.sqlite');
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', path.join(__dirname, 'groupCommitDeath.ts'), file], { cwd: REPO_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const { signal } = await new Promise<{ signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (_code, s) => resolve({ signal: s })));
  expect(signal).toBe('SIGKILL');
  expect(output.trim().split('\n')).toEqual(['acked acked', 'queued']);
  const store = await openStore();
  expect(await store.getInstance('acked')).toMatchObject({ id: 'acked' });
  // `applied` had been written into the group's transaction before the fatal write killed the process
  expect(await store.getInstance('applied')).toBeUndefined();
  expect(await store.getInstance('fatal')).toBeUndefined();
  expect(await store.getHistory('applied')).toEqual([]);
}, 30_000);
