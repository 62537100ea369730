/**
 * SQLite-specific tests of engine/store/sqlite/writes.ts, the writes behind SqliteStore: the exact
 * errors of its revision check and of duplicate rows (which ConflictError names what, which SQLite
 * errors pass through unchanged), the instance columns a commit never rewrites, and the derived rows
 * (task_candidates, message_consumption) a commit writes or leaves out.
 *
 * Why a file of its own: the shared contract suite (storeContract.ts) checks what every adapter must
 * do; these pin what this adapter says and stores, which mutation testing (Stryker) of writes.ts found
 * unchecked, and would push sqliteStore.test.ts well past 500 lines. Each test opens its own store with
 * openStore({ dataDir }) on a temp directory; tables the Store API does not show are read through a
 * separate read-only connection.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ConflictError, DEFAULT_DB_FILE, openStore, type CheckpointHead, type CheckpointRow, type MessageRow, type Store, type TaskRow } from '../../engine/store';
import * as f from './factories';
import { T0 } from './factories';

let dir: string;
let store: Store;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-writes-'));
  store = openStore({ dataDir: dir });
  await store.init();
});

afterEach(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The rows `sql` selects, read with a read-only connection of its own. */
function select(sql: string, ...params: (string | number)[]): unknown[] {
  const db = new Database(path.join(dir, DEFAULT_DB_FILE), { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...params);
  } finally {
    db.close();
  }
}

/** What `promise` rejected with; fails the test when it resolved. */
async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; cause?: unknown }> {
  const outcome = await promise.then(
    (value: unknown) => ({ resolved: value }),
    (err: unknown) => ({ err }),
  );
  if (!('err' in outcome)) throw new Error(`expected a rejection, got ${JSON.stringify(outcome.resolved)}`);
  // an Error by its shape: SQLite's errors come from a native module loaded once per jest worker, whose
  // Error is not the one of every test file's own context
  expect(typeof (outcome.err as Error)?.message).toBe('string');
  return outcome.err as Error & { code?: string; cause?: unknown };
}

describe('commit: the revision check names the instance and the revisions', () => {
  test('inserting an instance id that exists is a ConflictError naming the id', async () => {
    await store.commit(f.startBatch(f.instance('i1')));
    const err = await rejection(store.commit(f.startBatch(f.instance('i1', { state: 'terminated' }))));
    expect(err).toBeInstanceOf(ConflictError);
    expect(err.message).toBe('instance i1 already exists');
    expect(await store.getInstance('i1')).toEqual(f.instance('i1'));
  });

  test('a rev other than expectedRev + 1 is a plain Error (a bug of the caller, not a conflict) naming both', async () => {
    const inst = f.instance('i1');
    await store.commit(f.startBatch(inst));
    const same = await rejection(store.commit({ instance: { ...inst, rev: 1 }, expectedRev: 1, history: [] }));
    expect(same.constructor).toBe(Error);
    expect(same.message).toBe('commit of instance i1: rev must be expectedRev + 1 (2), got 1');
    const skipped = await rejection(store.commit({ instance: { ...inst, rev: 4 }, expectedRev: 1, history: [] }));
    expect(skipped.message).toBe('commit of instance i1: rev must be expectedRev + 1 (2), got 4');
    expect(await store.getInstance('i1')).toEqual(inst);
  });

  test('a stale rev is a ConflictError naming the stored rev and the expected one', async () => {
    const inst = f.instance('i1');
    await store.commit(f.startBatch(inst));
    await store.commit(f.nextBatch(inst, 1, [f.event('i1', 2)]));
    await store.commit(f.nextBatch(inst, 2, [f.event('i1', 3)]));
    const err = await rejection(store.commit(f.nextBatch(inst, 1, [f.event('i1', 2, { actor: 'bob' })])));
    expect(err).toBeInstanceOf(ConflictError);
    expect(err.message).toBe('instance i1 is at rev 3, expected 1');
    expect((await store.getInstance('i1'))?.rev).toBe(3);
  });

  test('updating an instance that does not exist is a ConflictError saying so', async () => {
    const err = await rejection(store.commit(f.nextBatch(f.instance('ghost'), 4, [])));
    expect(err).toBeInstanceOf(ConflictError);
    expect(err.message).toBe('instance ghost does not exist (expected rev 4)');
    expect(await store.getInstance('ghost')).toBeUndefined();
  });
});

test('a commit never rewrites the columns fixed at the start (process, business key, parent, start); version and definition may move (migration)', async () => {
  const started = f.instance('i1', { parentInstanceId: 'p1', parentWaitId: 'p1/call/1', startedBy: 'alice' });
  await store.commit(f.startBatch(started));
  const changed = {
    ...started,
    processId: 'change',
    businessKey: 'CHG-9',
    parentInstanceId: 'p2',
    parentWaitId: 'p2/call/2',
    startedAt: T0 + 5,
    startedBy: 'mallory',
    version: 2,
    definitionKey: 'incident:2',
    state: 'completed' as const,
    variables: { priority: 1 },
    endedAt: T0 + 9,
  };
  await store.commit(f.nextBatch(changed, 1, [f.event('i1', 2)]));
  expect(await store.getInstance('i1')).toEqual({
    ...started,
    rev: 2,
    version: 2,
    definitionKey: 'incident:2',
    state: 'completed',
    variables: { priority: 1 },
    endedAt: T0 + 9,
  });
  expect(select('SELECT process_id, business_key, parent_instance_id, parent_wait_id, started_at, started_by FROM instances')).toEqual([
    { process_id: 'incident', business_key: 'INC-i1', parent_instance_id: 'p1', parent_wait_id: 'p1/call/1', started_at: T0, started_by: 'alice' },
  ]);
});

describe('commit: history', () => {
  test('a seq that exists already is an Error naming the event, caused by the primary key violation', async () => {
    const inst = f.instance('i1');
    await store.commit(f.startBatch(inst));
    const err = await rejection(store.commit(f.nextBatch(inst, 1, [f.event('i1', 2), f.event('i1', 1, { hash: 'forged' })])));
    expect(err.constructor).toBe(Error);
    expect(err.message).toBe('history event 1 of instance i1 already exists');
    expect((err.cause as Error).name).toBe('SqliteError');
    expect((err.cause as { code?: string }).code).toBe('SQLITE_CONSTRAINT_PRIMARYKEY');
    expect(await store.getHistory('i1')).toEqual([f.event('i1', 1)]);
  });

  test('a command with more events than one INSERT carries: all of them in order, a duplicate in a later chunk named', async () => {
    const inst = f.instance('i1');
    await store.commit(f.startBatch(inst));
    // exactly one INSERT's worth first, then more than one
    const sixteen = Array.from({ length: 16 }, (_, i) => f.event('i1', i + 2));
    await store.commit(f.nextBatch(inst, 1, sixteen));
    expect(await store.getHistory('i1')).toEqual([f.event('i1', 1), ...sixteen]);
    await store.commit(f.nextBatch({ ...inst, rev: 2 }, 2, []));
    expect(await store.getHistory('i1')).toHaveLength(17);
    const events = Array.from({ length: 20 }, (_, i) => f.event('i1', i + 18));
    await store.commit(f.nextBatch({ ...inst, rev: 3 }, 3, events));
    expect(await store.getHistory('i1')).toEqual([f.event('i1', 1), ...sixteen, ...events]);
    const again = Array.from({ length: 19 }, (_, i) => f.event('i1', i + 38)).concat(f.event('i1', 37, { hash: 'forged' }));
    const err = await rejection(store.commit(f.nextBatch({ ...inst, rev: 4 }, 4, again)));
    expect(err.message).toBe('history event 37 of instance i1 already exists');
    expect((await store.getHistory('i1')).map((e) => e.seq)).toEqual(Array.from({ length: 37 }, (_, i) => i + 1));
  });

  test("any other failed history insert is SQLite's own error, not a duplicate", async () => {
    const noActor = { ...f.event('i1', 1), actor: undefined } as unknown as ReturnType<typeof f.event>;
    const err = await rejection(store.commit({ ...f.startBatch(f.instance('i1')), history: [noActor] }));
    expect(err.code).toBe('SQLITE_CONSTRAINT_NOTNULL');
    expect(err.message).toBe('NOT NULL constraint failed: history.actor');
    expect(await store.getInstance('i1')).toBeUndefined();
  });
});

test('task candidates: one row per distinct group and user; none for a task row without candidate lists', async () => {
  const bare: Partial<TaskRow> = f.task('t1', 'i1');
  delete bare.candidateGroups;
  delete bare.candidateUsers;
  const doubled = f.task('t2', 'i1', { candidateGroups: ['cab', 'cab'], candidateUsers: ['bob', 'bob'], state: 'completed', createdAt: T0 + 7 });
  await store.commit(f.startBatch(f.instance('i1'), { tasks: { upsert: [bare as TaskRow, doubled] } }));
  expect(await store.getTask('t1')).toEqual({ ...bare, candidateGroups: [], candidateUsers: [] });
  expect(select('SELECT * FROM task_candidates ORDER BY task_id, kind, name')).toEqual([
    { task_id: 't2', kind: 'g', name: 'cab', state: 'completed', created_at: T0 + 7 },
    { task_id: 't2', kind: 'u', name: 'bob', state: 'completed', created_at: T0 + 7 },
  ]);
});

test('task candidates follow every rewrite of their task: state, creation time and the candidate lists themselves', async () => {
  const inst = f.instance('i1');
  const rows = () => select('SELECT * FROM task_candidates ORDER BY task_id, kind, name');
  const created = f.task('t1', 'i1', { candidateGroups: ['cab'], candidateUsers: ['bob'], state: 'created', createdAt: T0 });
  await store.commit(f.startBatch(inst, { tasks: { upsert: [created] } }));
  // a claim changes neither the candidates nor the state: the rows stay as they are
  await store.commit(f.nextBatch(inst, 1, [f.event('i1', 2)], { tasks: { upsert: [{ ...created, assignee: 'bob' }] } }));
  expect(rows()).toEqual([
    { task_id: 't1', kind: 'g', name: 'cab', state: 'created', created_at: T0 },
    { task_id: 't1', kind: 'u', name: 'bob', state: 'created', created_at: T0 },
  ]);
  // new candidates replace the old ones
  const regrouped = { ...created, candidateGroups: ['desk', 'ops'], candidateUsers: [] };
  await store.commit(f.nextBatch(inst, 2, [f.event('i1', 3)], { tasks: { upsert: [regrouped] } }));
  expect(rows()).toEqual([
    { task_id: 't1', kind: 'g', name: 'desk', state: 'created', created_at: T0 },
    { task_id: 't1', kind: 'g', name: 'ops', state: 'created', created_at: T0 },
  ]);
  // new candidate users alone replace the old users too
  const reassigned = { ...regrouped, candidateUsers: ['erin'] };
  await store.commit(f.nextBatch(inst, 3, [f.event('i1', 4)], { tasks: { upsert: [reassigned] } }));
  expect(rows()).toEqual([
    { task_id: 't1', kind: 'g', name: 'desk', state: 'created', created_at: T0 },
    { task_id: 't1', kind: 'g', name: 'ops', state: 'created', created_at: T0 },
    { task_id: 't1', kind: 'u', name: 'erin', state: 'created', created_at: T0 },
  ]);
  // completing it (same candidates) moves their state; a new creation time moves theirs
  await store.commit(f.nextBatch(inst, 4, [f.event('i1', 5)], { tasks: { upsert: [{ ...reassigned, state: 'completed' }] } }));
  await store.commit(f.nextBatch(inst, 5, [f.event('i1', 6)], { tasks: { upsert: [{ ...reassigned, state: 'completed', createdAt: T0 + 9 }] } }));
  expect(rows()).toEqual([
    { task_id: 't1', kind: 'g', name: 'desk', state: 'completed', created_at: T0 + 9 },
    { task_id: 't1', kind: 'g', name: 'ops', state: 'completed', created_at: T0 + 9 },
    { task_id: 't1', kind: 'u', name: 'erin', state: 'completed', created_at: T0 + 9 },
  ]);
  expect((await store.listTasks({ candidateGroup: 'desk', state: 'completed' })).items.map((t) => t.id)).toEqual(['t1']);
  expect((await store.listTasks({ candidateGroup: 'cab' })).items).toEqual([]);
});

test('a rewrite of a task sets the columns that changed and no other (indexes over the rest stay untouched), and reads back whole', async () => {
  const inst = f.instance('i1');
  const created = f.task('t1', 'i1', { candidateGroups: ['cab'] });
  await store.commit(f.startBatch(inst, { tasks: { upsert: [created] } }));
  // which columns each UPDATE of tasks names, seen by triggers of another connection
  const db = new Database(path.join(dir, DEFAULT_DB_FILE));
  const watched = ['instance_id', 'created_at', 'state', 'assignee', 'due_date', 'completed_at', 'completed_by', 'candidate_groups'];
  db.exec('CREATE TABLE probe (col TEXT)');
  for (const c of watched) db.exec(`CREATE TRIGGER probe_${c} AFTER UPDATE OF ${c} ON tasks BEGIN INSERT INTO probe VALUES ('${c}'); END`);
  const setColumns = () => (db.prepare('DELETE FROM probe RETURNING col').all() as { col: string }[]).map((r) => r.col).sort();
  try {
    const claimed = { ...created, assignee: 'bob' };
    await store.commit(f.nextBatch(inst, 1, [f.event('i1', 2)], { tasks: { upsert: [claimed] } }));
    expect(setColumns()).toEqual(['assignee']);
    expect(await store.getTask('t1')).toEqual(claimed);
    // an optional field left out is cleared
    const { dueDate: _, ...undated } = claimed;
    const done = { ...undated, state: 'completed' as const, completedAt: T0 + 5, completedBy: 'bob' };
    await store.commit(f.nextBatch(inst, 2, [f.event('i1', 3)], { tasks: { upsert: [done] } }));
    expect(setColumns()).toEqual(['completed_at', 'completed_by', 'due_date', 'state']);
    expect(await store.getTask('t1')).toEqual(done);
    // the same row again: nothing to set
    await store.commit(f.nextBatch(inst, 3, [f.event('i1', 4)], { tasks: { upsert: [done] } }));
    expect(setColumns()).toEqual([]);
    const regrouped = { ...done, candidateGroups: ['desk'] };
    await store.commit(f.nextBatch(inst, 4, [f.event('i1', 5)], { tasks: { upsert: [regrouped] } }));
    expect(setColumns()).toEqual(['candidate_groups']);
    expect(await store.getTask('t1')).toEqual(regrouped);
    expect((await store.listTasks({ candidateGroup: 'desk' })).items.map((t) => t.id)).toEqual(['t1']);
  } finally {
    db.close();
  }
});

test('past 64 distinct sets of changed columns a task rewrite sets every column, and still reads back whole', async () => {
  const inst = f.instance('i1');
  let task = f.task('t1', 'i1');
  await store.commit(f.startBatch(inst, { tasks: { upsert: [task] } }));
  // every pair and triple of eight fields: 84 distinct sets, past the 64 kept UPDATE texts
  const changes: ((t: TaskRow, n: number) => Partial<TaskRow>)[] = [
    (_, n) => ({ name: `name ${n}` }),
    (_, n) => ({ subject: `subject ${n}` }),
    (_, n) => ({ assignee: `user${n}` }),
    (_, n) => ({ priority: n }),
    (_, n) => ({ dueDate: T0 + n }),
    (_, n) => ({ followUpDate: T0 + 2 * n }),
    (_, n) => ({ formId: `form-${n}` }),
    (_, n) => ({ candidateUsers: [`cu${n}`] }),
  ];
  const sets: number[][] = [];
  for (let a = 0; a < 8; a++) for (let b = a + 1; b < 8; b++) sets.push([a, b]);
  for (let a = 0; a < 8; a++) for (let b = a + 1; b < 8; b++) for (let c = b + 1; c < 8; c++) sets.push([a, b, c]);
  expect(sets).toHaveLength(84);
  let rev = 1;
  for (const [n, set] of sets.entries()) {
    task = set.reduce((t, i) => ({ ...t, ...changes[i](t, n + 1) }), task);
    await store.commit(f.nextBatch(inst, rev, [f.event('i1', rev + 1)], { tasks: { upsert: [task] } }));
    rev++;
    expect(await store.getTask('t1')).toEqual(task);
  }
});

test('message consumption: recorded once per consumed message and instance; a commit that consumes none records none', async () => {
  const inst = f.instance('i1');
  await store.commit(f.startBatch(inst));
  expect(select('SELECT * FROM message_consumption')).toEqual([]);
  await store.commit(f.nextBatch(inst, 1, [f.event('i1', 2)], { consumedMessages: ['m1', 'm1'] }));
  await store.commit(f.nextBatch(inst, 2, [f.event('i1', 3)], { consumedMessages: ['m1'] }));
  await store.commit(f.nextBatch(inst, 3, [f.event('i1', 4)]));
  expect(select('SELECT * FROM message_consumption')).toEqual([{ message_id: 'm1', instance_id: 'i1' }]);
});

test('a ticket number another commit took is a ConflictError naming the number and the prefix', async () => {
  await store.commit(f.startBatch(f.instance('a'), { ticket: { prefix: 'INC', number: 1 } }));
  const again = await rejection(store.commit(f.startBatch(f.instance('b'), { ticket: { prefix: 'INC', number: 1 } })));
  expect(again).toBeInstanceOf(ConflictError);
  expect(again.message).toBe('ticket number 1 of INC was taken by another commit');
  const ahead = await rejection(store.commit(f.startBatch(f.instance('c'), { ticket: { prefix: 'INC', number: 3 } })));
  expect(ahead.message).toBe('ticket number 3 of INC was taken by another commit');
  expect(await store.lastTicketNumber('INC')).toBe(1);
});

describe('saveDefinitions', () => {
  test('an existing process version is a ConflictError naming it', async () => {
    await store.saveDefinitions([f.definition('incident', 1)], []);
    const err = await rejection(store.saveDefinitions([f.definition('incident', 1, { key: 'incident:1b', deploymentId: 'x' })], []));
    expect(err).toBeInstanceOf(ConflictError);
    expect(err.message).toBe('definition incident version 1 already exists');
  });

  test('an existing key (primary key) is a ConflictError too', async () => {
    await store.saveDefinitions([f.definition('incident', 1)], []);
    const err = await rejection(store.saveDefinitions([f.definition('change', 2, { key: 'incident:1' })], []));
    expect(err).toBeInstanceOf(ConflictError);
    expect(err.message).toBe('definition change version 2 already exists');
    expect(await store.getDefinition('incident:1')).toEqual(f.definition('incident', 1));
  });

  test("a definition SQLite refuses for another reason fails with SQLite's error, not a conflict", async () => {
    const noXml = { ...f.definition('incident', 1), xml: undefined } as unknown as ReturnType<typeof f.definition>;
    const err = await rejection(store.saveDefinitions([noXml], []));
    expect(err).not.toBeInstanceOf(ConflictError);
    expect(err.code).toBe('SQLITE_CONSTRAINT_NOTNULL');
    expect(err.message).toBe('NOT NULL constraint failed: definitions.xml');
    expect(await store.getDefinition('incident:1')).toBeUndefined();
  });
});

describe('bufferMessage', () => {
  test('messages without a messageId (absent or null) are never deduplicated against each other', async () => {
    const nullId = { ...f.message('m2'), messageId: null } as unknown as MessageRow;
    expect(await store.bufferMessage(f.message('m1'))).toBe(true);
    expect(await store.bufferMessage(nullId)).toBe(true);
    expect(await store.bufferMessage(f.message('m3'))).toBe(true);
    expect((await store.findBufferedMessages('customer-replied', 'INC-1', 'i1', T0)).map((m) => m.id)).toEqual(['m1', 'm2', 'm3']);
  });

  test('a message id that exists is a ConflictError naming it; the first message stays', async () => {
    expect(await store.bufferMessage(f.message('m1'))).toBe(true);
    const err = await rejection(store.bufferMessage(f.message('m1', { variables: { reply: 'second' }, messageId: 'client-2' })));
    expect(err).toBeInstanceOf(ConflictError);
    expect(err.message).toBe('message m1 already exists');
    expect(await store.findBufferedMessages('customer-replied', 'INC-1', 'i1', T0)).toEqual([f.message('m1')]);
  });

  test("a message SQLite refuses for another reason fails with SQLite's error, not a conflict", async () => {
    const noName = { ...f.message('m1'), name: undefined } as unknown as MessageRow;
    const err = await rejection(store.bufferMessage(noName));
    expect(err).not.toBeInstanceOf(ConflictError);
    expect(err.code).toBe('SQLITE_CONSTRAINT_NOTNULL');
    expect(err.message).toBe('NOT NULL constraint failed: messages.name');
    expect(select('SELECT id FROM messages')).toEqual([]);
  });
});

describe('writeCheckpoint', () => {
  const build = (heads: CheckpointHead[], previous: CheckpointRow | undefined): CheckpointRow | undefined =>
    heads.length
      ? { seq: (previous?.seq ?? 0) + 1, at: T0, heads, prevHash: previous?.hash ?? 'genesis', hash: `cp-${(previous?.seq ?? 0) + 1}`, signature: 'sig', keyId: 'k1' }
      : undefined;
  const sealed = (id: string) => f.instance(id, { head: { seq: 1, hash: `hash-${id}`, seal: 'seal', keyId: 'k1' } });

  test('a checkpoint number that exists is a ConflictError naming it', async () => {
    await store.commit(f.startBatch(sealed('i1')));
    await store.writeCheckpoint(build, 10);
    await store.commit(f.startBatch(sealed('i2')));
    const err = await rejection(store.writeCheckpoint((heads) => ({ ...build(heads, undefined)!, seq: 1 }), 10));
    expect(err).toBeInstanceOf(ConflictError);
    expect(err.message).toBe('checkpoint 1 already exists');
  });

  test("a checkpoint SQLite refuses for another reason fails with SQLite's error; nothing is marked checkpointed", async () => {
    await store.commit(f.startBatch(sealed('i1')));
    const err = await rejection(store.writeCheckpoint((heads) => ({ ...build(heads, undefined)!, signature: undefined }) as unknown as CheckpointRow, 10));
    expect(err).not.toBeInstanceOf(ConflictError);
    expect(err.code).toBe('SQLITE_CONSTRAINT_NOTNULL');
    expect(err.message).toBe('NOT NULL constraint failed: checkpoints.signature');
    expect(await store.listCheckpoints(0, 10)).toEqual([]);
    expect((await store.writeCheckpoint(build, 10))?.heads).toEqual([{ instanceId: 'i1', seq: 1, hash: 'hash-i1' }]);
  });
});
