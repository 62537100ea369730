/**
 * Finding 4 of the trust review: "the chain can be cut". Someone with write access to the database
 * (not to the history key) edits, deletes, truncates, re-hashes or rolls back history, or deletes a
 * whole instance. Each must be detected and named by verification, and each test also shows what the
 * attacker changed really is in the database (so the detection is not of a no-op).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { hashEvent } from '../../engine/runtime/history';
import type { Engine } from '../../engine';
import { activateOne, bpmn, chain, deployXml, endEvent, serviceTask, startEvent, userTask, waitTask } from '../engine/helpers';
import { tempEngine } from '../support/engine';

type Env = Awaited<ReturnType<typeof tempEngine>>;
let env: Env;
beforeEach(async () => {
  env = await tempEngine({ checkpointIntervalMs: 0 });
});
afterEach(async () => {
  await env.close();
});

const diagram = bpmn('audited', [
  startEvent('Start'),
  userTask('Approve'),
  serviceTask('Apply', 'apply-change'),
  userTask('Review'),
  endEvent('End'),
  chain('Start', 'Approve', 'Apply', 'Review', 'End'),
]);

/** An instance that went through a task and a job and waits at Review. */
async function audited(engine: Engine): Promise<string> {
  await deployXml(engine, diagram);
  const inst = await engine.startInstance({ processId: 'audited', variables: { change: 'C-1' }, actor: 'alice' });
  await engine.completeTask((await waitTask(engine, inst.id, 'Approve')).id, { approved: true }, 'bob');
  await engine.completeJob((await activateOne(engine, 'apply-change')).key, { applied: true }, 'deployer');
  await waitTask(engine, inst.id, 'Review');
  return inst.id;
}

/** Opens the engine's database behind its back, with the append-only guard of the history table removed. */
function tamper<T>(work: (db: Database.Database) => T): T {
  const db = new Database(path.join(env.dir, 'processdesk.sqlite'));
  try {
    const triggers = db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'history'").all() as { name: string }[];
    for (const t of triggers) db.exec(`DROP TRIGGER "${t.name}"`);
    return work(db);
  } finally {
    db.close();
  }
}

const count = (db: Database.Database, id: string): number => (db.prepare('SELECT count(*) AS n FROM history WHERE instance_id = ?').get(id) as { n: number }).n;

test('an untouched instance verifies, sealed at its last event', async () => {
  const id = await audited(env.engine);
  const events = await env.engine.getHistory(id);
  const result = await env.engine.verifyHistory(id);
  expect(result).toMatchObject({ valid: true, problems: [], sealedHead: { seq: events.length, hash: events[events.length - 1].hash } });
});

test('an edited event is named', async () => {
  const id = await audited(env.engine);
  tamper((db) => expect(db.prepare(`UPDATE history SET actor = 'mallory' WHERE instance_id = ? AND type = 'task.completed'`).run(id).changes).toBe(1));
  const edited = (await env.engine.getHistory(id)).find((e) => e.type === 'task.completed')!;
  expect(edited.actor).toBe('mallory');
  const result = await env.engine.verifyHistory(id);
  expect(result.valid).toBe(false);
  expect(result.problems).toEqual([
    { kind: 'edited-event', seq: edited.seq, message: `event ${edited.seq} (task.completed) was changed after it was written: its content does not match its hash` },
  ]);
});

test('a deleted event in the middle is named', async () => {
  const id = await audited(env.engine);
  tamper((db) => expect(db.prepare('DELETE FROM history WHERE instance_id = ? AND seq IN (4, 5)').run(id).changes).toBe(2));
  const result = await env.engine.verifyHistory(id);
  expect(result.valid).toBe(false);
  expect(result.problems).toEqual([{ kind: 'missing-events', seq: 4, message: 'events 4-5 are missing: deleted from the history' }]);
});

test('a cut tail is named: the chain left behind is consistent, the sealed head says it was longer', async () => {
  const id = await audited(env.engine);
  const total = (await env.engine.getHistory(id)).length;
  tamper((db) => {
    db.prepare('DELETE FROM history WHERE instance_id = ? AND seq > ?').run(id, total - 3);
    expect(count(db, id)).toBe(total - 3);
  });
  const result = await env.engine.verifyHistory(id);
  expect(result.valid).toBe(false);
  expect(result.problems).toEqual([
    { kind: 'truncated', seq: total - 2, message: `the last 3 events were removed: the chain ends at event ${total - 3}, its sealed head is event ${total}` },
  ]);
});

test('a deleted history is named', async () => {
  const id = await audited(env.engine);
  tamper((db) => {
    db.prepare('DELETE FROM history WHERE instance_id = ?').run(id);
    expect(count(db, id)).toBe(0);
  });
  const result = await env.engine.verifyHistory(id);
  expect(result).toMatchObject({ valid: false, events: 0 });
  expect(result.problems.map((p) => p.kind)).toEqual(['history-deleted']);
});

/** Rewrites the actor of `task.completed` and re-hashes every event from there, as an attacker without the key can. */
function rehash(db: Database.Database, id: string): { seq: number; lastHash: string } {
  const rows = db.prepare('SELECT * FROM history WHERE instance_id = ? ORDER BY seq').all(id) as Record<string, unknown>[];
  const target = rows.find((r) => r.type === 'task.completed')!;
  let prev = rows[(target.seq as number) - 2].hash as string;
  const update = db.prepare('UPDATE history SET actor = ?, prev_hash = ?, hash = ? WHERE instance_id = ? AND seq = ?');
  for (const r of rows.slice((target.seq as number) - 1)) {
    const actor = r === target ? 'mallory' : (r.actor as string);
    const event = {
      instanceId: id,
      seq: r.seq as number,
      at: r.at as number,
      type: r.type as string,
      elementId: (r.element_id as string | null) ?? undefined,
      actor,
      data: r.data === null ? undefined : JSON.parse(r.data as string),
      prevHash: prev,
    };
    const hash = hashEvent(event);
    update.run(actor, prev, hash, id, r.seq);
    prev = hash;
  }
  return { seq: target.seq as number, lastHash: prev };
}

test('a rewritten and re-hashed chain is named: it is consistent, but not the chain that was sealed', async () => {
  const id = await audited(env.engine);
  tamper((db) => rehash(db, id));
  const events = await env.engine.getHistory(id);
  expect(events.find((e) => e.type === 'task.completed')!.actor).toBe('mallory');
  const result = await env.engine.verifyHistory(id);
  expect(result.valid).toBe(false);
  expect(result.problems.map((p) => p.kind)).toEqual(['rehashed']);
  expect(result.problems[0].message).toBe('the history was rewritten and re-hashed: its last hash differs from the sealed head');
});

test('re-hashing and moving the head on the instance row too breaks the seal', async () => {
  const id = await audited(env.engine);
  tamper((db) => {
    const { lastHash } = rehash(db, id);
    expect(db.prepare('UPDATE instances SET head_hash = ? WHERE id = ?').run(lastHash, id).changes).toBe(1);
  });
  const result = await env.engine.verifyHistory(id);
  expect(result.valid).toBe(false);
  expect(result.problems.map((p) => p.kind)).toEqual(['bad-seal']);
});

test('a forged starter on the instance row breaks the seal', async () => {
  const id = await audited(env.engine);
  tamper((db) => expect(db.prepare(`UPDATE instances SET started_by = 'mallory' WHERE id = ?`).run(id).changes).toBe(1));
  expect((await env.engine.getInstance(id)).startedBy).toBe('mallory');
  const result = await env.engine.verifyHistory(id);
  expect(result.problems.map((p) => p.kind)).toEqual(['bad-seal']);
});

test('an instance deleted whole is named, by its id and by the store-wide check of checkpoints', async () => {
  const id = await audited(env.engine);
  const [checkpoint] = await env.engine.checkpoint();
  expect(checkpoint.heads.map((h) => h.instanceId)).toEqual([id]);
  tamper((db) => {
    db.prepare('DELETE FROM history WHERE instance_id = ?').run(id);
    expect(db.prepare('DELETE FROM instances WHERE id = ?').run(id).changes).toBe(1);
  });
  await expect(env.engine.getInstance(id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  const result = await env.engine.verifyHistory(id);
  expect(result).toMatchObject({ valid: false, events: 0 });
  expect(result.problems).toEqual([
    { kind: 'instance-deleted', seq: checkpoint.heads[0].seq, message: `instance ${id} was deleted: checkpoint 1 sealed its history at event ${checkpoint.heads[0].seq}` },
  ]);
  const store = await env.engine.verifyCheckpoints();
  expect(store).toMatchObject({ valid: false, checkpoints: 1, instances: 1 });
  expect(store.problems.map((p) => p.kind)).toEqual(['instance-deleted']);
});

test('an instance put back to an older sealed state (row and history restored from a copy) is named', async () => {
  const { engine } = env;
  await deployXml(engine, diagram);
  const inst = await engine.startInstance({ processId: 'audited', actor: 'alice' });
  await waitTask(engine, inst.id, 'Approve');
  // The attacker's copy of the row while the change was not approved yet: a validly sealed state.
  const old = tamper((db) => db.prepare('SELECT * FROM instances WHERE id = ?').get(inst.id) as Record<string, unknown>);
  const oldSeq = old.head_seq as number;
  await engine.completeTask((await waitTask(engine, inst.id, 'Approve')).id, { approved: true }, 'bob');
  await engine.checkpoint();
  tamper((db) => {
    db.prepare('DELETE FROM history WHERE instance_id = ? AND seq > ?').run(inst.id, oldSeq);
    const columns = Object.keys(old).filter((c) => c !== 'id' && c !== 'checkpointed_seq');
    db.prepare(`UPDATE instances SET ${columns.map((c) => `${c} = @${c}`).join(', ')} WHERE id = @id`).run(old);
  });
  expect((await engine.getHistory(inst.id)).length).toBe(oldSeq);
  const result = await engine.verifyHistory(inst.id);
  expect(result.valid).toBe(false);
  expect(result.problems.map((p) => p.kind)).toEqual(['rolled-back']);
  expect((await engine.verifyCheckpoints()).problems.map((p) => p.kind)).toEqual(['rolled-back']);
});

test('an edited checkpoint is named; the key file is private and survives a restart', async () => {
  const id = await audited(env.engine);
  await env.engine.checkpoint();
  tamper((db) => {
    const row = db.prepare('SELECT heads FROM checkpoints WHERE seq = 1').get() as { heads: string };
    const heads = JSON.parse(row.heads) as { instanceId: string; seq: number }[];
    heads[0].seq = 1;
    db.prepare('UPDATE checkpoints SET heads = ? WHERE seq = 1').run(JSON.stringify(heads));
  });
  const report = await env.engine.verifyCheckpoints();
  expect(report.problems).toEqual([{ kind: 'bad-checkpoint', seq: 1, message: 'checkpoint 1: its content does not match its hash' }]);

  const keyFile = path.join(env.dir, 'history-key.pem');
  expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
  const keyId = env.engine.historyPublicKey.keyId;
  await env.engine.stop();
  const { Engine } = await import('../../engine');
  const again = await new Engine({ dataDir: env.dir, checkpointIntervalMs: 0 }).start();
  try {
    expect(again.historyPublicKey.keyId).toBe(keyId);
    expect((await again.verifyHistory(id)).valid).toBe(true);
  } finally {
    await again.stop();
  }
});
