/**
 * The outbox dispatcher (engine/runtime/outbox.ts) where the engine's journeys do not reach it: a start
 * larger than one command's step budget carried on by `instance.continue` rows, a row of a kind this
 * version does not know, a store that fails while the outbox is read or marked done, and rows left
 * pending by a stopped engine. Real SQLite; a store that fails is the real store with one call refused.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../../engine';
import { openStore } from '../../engine/store';
import type { OutboxRow, Store } from '../../engine/store/types';
import { bpmn, callActivity, chain, deployXml, endEvent, plainTask, startEvent, userTask, waitTask } from './helpers';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-outbox-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The real store, except that `method` fails the first `times` calls. */
function failing(store: Store, method: 'pendingOutbox' | 'markOutboxDone', times = 1): { store: Store; calls: () => number } {
  let calls = 0;
  const wrapped = new Proxy(store, {
    get(target, prop) {
      if (prop === method) {
        return async (...args: unknown[]) => {
          calls++;
          if (calls <= times) throw new Error(`${method} refused by the test`);
          return (target[method] as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: wrapped, calls: () => calls };
}

const engineOn = (store: Store, errors: string[], maxStepsPerCommand?: number) =>
  new Engine({
    store,
    dataDir: dir,
    checkpointIntervalMs: 0,
    limits: maxStepsPerCommand ? { maxStepsPerCommand } : {},
    onError: (err, where) => errors.push(`${where}: ${(err as Error).message}`),
  }).start();

const pendingKinds = async (store: Store) => (await store.pendingOutbox(100)).map((r) => r.kind);

/** Forty tasks that do nothing, then a user task: far more steps than a budget of 10. */
const TASKS = Array.from({ length: 40 }, (_, i) => `T${i + 1}`);
const LONG = bpmn('long', [startEvent(), ...TASKS.map((id) => plainTask(id)), userTask('Review'), endEvent(), chain('Start', ...TASKS, 'Review', 'End')]);

test('a start larger than the step budget goes on in continuation commands until the instance waits', async () => {
  const errors: string[] = [];
  const store = openStore({ dataDir: dir });
  const engine = await engineOn(store, errors, 10);
  try {
    await deployXml(engine, LONG);
    const { id } = await engine.startInstance({ processId: 'long' });
    await engine.idle();
    await waitTask(engine, id, 'Review');
    const completed = (await engine.getHistory(id)).filter((e) => e.type === 'element.completed').map((e) => e.elementId);
    expect(completed).toEqual(['Start', ...TASKS]);
    // The start stopped at its budget: later commands (one per continuation row) did the rest.
    expect((await store.getInstance(id))!.rev).toBeGreaterThan(3);
    expect(await pendingKinds(store)).toEqual([]);
    expect(await engine.verifyHistory(id)).toMatchObject({ valid: true });
    expect(errors).toEqual([]);
  } finally {
    await engine.stop();
  }
});

test('a row of a kind this version does not know (written by a newer one) is marked done, nothing else happens', async () => {
  const errors: string[] = [];
  const store = openStore({ dataDir: dir });
  const engine = await engineOn(store, errors);
  await deployXml(engine, bpmn('wait', [startEvent(), userTask('Check'), endEvent(), chain('Start', 'Check', 'End')]));
  const { id } = await engine.startInstance({ processId: 'wait' });
  await engine.idle();
  await engine.stop();
  const direct = openStore({ dataDir: dir });
  const row = (await direct.getInstance(id))!;
  const future = { id: 'future-1', kind: 'ticket.archived', payload: { instanceId: id }, createdAt: Date.now() } as unknown as OutboxRow;
  await direct.commit({ instance: { ...row, rev: row.rev + 1 }, expectedRev: row.rev, history: [], outbox: [future] });
  expect(await pendingKinds(direct)).toEqual(['ticket.archived']);
  await direct.close();

  const reopened = openStore({ dataDir: dir });
  const again = await engineOn(reopened, errors);
  try {
    await again.idle();
    expect(await pendingKinds(reopened)).toEqual([]);
    expect((await reopened.getInstance(id))!.rev).toBe(row.rev + 1);
    expect((await again.getInstance(id)).state).toBe('active');
    expect(errors).toEqual([]);
  } finally {
    await again.stop();
  }
});

test('an outbox the store cannot read at start is reported, and the engine works on', async () => {
  const errors: string[] = [];
  const refusing = failing(openStore({ dataDir: dir }), 'pendingOutbox');
  const engine = await engineOn(refusing.store, errors);
  try {
    expect(refusing.calls()).toBe(1);
    expect(errors).toEqual(['outbox sweep: pendingOutbox refused by the test']);
    await deployXml(engine, bpmn('wait', [startEvent(), userTask('Check'), endEvent(), chain('Start', 'Check', 'End')]));
    const { id } = await engine.startInstance({ processId: 'wait' });
    await engine.completeTask((await waitTask(engine, id, 'Check')).id, {}, 'alice');
    expect((await engine.getInstance(id)).state).toBe('completed');
  } finally {
    await engine.stop();
  }
});

test('rows the store fails to mark done are reported and stay pending; later dispatches still run, and the sweep at the next start finishes them', async () => {
  const errors: string[] = [];
  const PARENT = bpmn('parent', [startEvent(), callActivity('Call', 'child'), endEvent(), chain('Start', 'Call', 'End')]);
  const CHILD = bpmn('child', [startEvent(), userTask('Check'), endEvent(), chain('Start', 'Check', 'End')]);
  const refusing = failing(openStore({ dataDir: dir }), 'markOutboxDone');
  const engine = await engineOn(refusing.store, errors);
  let parentId: string;
  try {
    await deployXml(engine, PARENT, CHILD);
    parentId = (await engine.startInstance({ processId: 'parent' })).id;
    await engine.idle();
    expect(errors).toEqual(['outbox: markOutboxDone refused by the test']);
    expect(await pendingKinds(refusing.store)).toEqual(['child.start']);
    // The failure did not leave the dispatch chain broken: the next command's rows are dispatched.
    const [child] = (await engine.listInstances({ parentInstanceId: parentId, limit: 10 })).items;
    await engine.completeTask((await waitTask(engine, child.id, 'Check')).id, {}, 'alice');
    await engine.idle();
    expect((await engine.getInstance(parentId)).state).toBe('completed');
    expect(await pendingKinds(refusing.store)).toEqual(['child.start']);
  } finally {
    await engine.stop();
  }
  // The row that was dispatched but not marked done is dispatched again: idempotent, no second child.
  const store = openStore({ dataDir: dir });
  const again = await engineOn(store, errors);
  try {
    await again.idle();
    expect(await pendingKinds(store)).toEqual([]);
    expect((await again.listInstances({ parentInstanceId: parentId, limit: 10 })).items).toHaveLength(1);
    expect(errors).toHaveLength(1);
  } finally {
    await again.stop();
  }
});
