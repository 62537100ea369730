/**
 * The outbox dispatcher's own rules (engine/runtime/outbox.ts), beside the journeys of outbox.test.ts:
 * when it dispatches (not before start, not after stop; at start everything, later only rows older than
 * a second), what a sweep leaves alone (rows this process still has in hand: a signal is not thrown
 * twice, a notice not sent twice), when idle() is idle for task notices, and how failing task notices
 * are retried and given up. Mutation testing found these unpinned. Real SQLite; a store that fails or
 * waits is the real store with one method wrapped (outboxRig.ts). The clock is frozen (exact row ages);
 * only setInterval is faked, so the periodic sweep runs when a test says so.
 */

import type { OutboxRow } from '../../engine/store/types';
import { childrenOf, deployXml, eventually, waitTask } from './helpers';
import {
  T0,
  SWEEP_MS,
  time,
  freshStore,
  useOutboxRig,
  rig,
  started,
  intercept,
  storeError,
  gate,
  periodicSweep,
  pending,
  plant,
  unknownRow,
  ONE_TASK,
  CALLS,
  SIGNALS,
} from './outboxRig';

useOutboxRig();

// ---- when the dispatcher dispatches ---------------------------------------------------------------

test('rows committed before the engine starts are left to the sweep of its start', async () => {
  const store = freshStore();
  await store.init();
  const { engine, errors } = rig({ store });
  await deployXml(engine, CALLS);
  const parent = await engine.startInstance({ processId: 'caller', variables: { callee: 'work' } });
  await engine.idle();
  expect(await pending(store)).toEqual(['child.start']);
  expect(await childrenOf(engine, parent.id)).toEqual([]);

  await engine.start();
  await engine.idle();
  expect(await pending(store)).toEqual([]);
  expect((await childrenOf(engine, parent.id)).map((c) => c.processId)).toEqual(['work']);
  expect(errors).toEqual([]);
});

test('a periodic sweep takes the rows older than a second and leaves younger ones to the process that committed them', async () => {
  const { engine, store, errors } = await started();
  await deployXml(engine, ONE_TASK);
  const carrier = await engine.startInstance({ processId: 'oneTask' });
  await plant(store, carrier.id, [unknownRow('old', T0 - 1001), unknownRow('young', T0 - 1000)]);

  await periodicSweep(engine);
  expect((await store.pendingOutbox(10)).map((r) => r.id)).toEqual(['young']);
  time.advance(1);
  await periodicSweep(engine);
  expect(await pending(store)).toEqual([]);
  expect(errors).toEqual([]);
});

test('stop sweeps the orphaned rows and waits for their dispatch before it goes, then neither sweeps nor dispatches any more', async () => {
  // the orphaned signal takes a while: nobody catches it, but the store answers late
  const store = intercept(freshStore(), 'findSubscriptions', async (_kind, name) => {
    if (name === 'late') await new Promise((resolve) => setTimeout(resolve, 20));
  });
  const { engine, errors } = await started({ store });
  await deployXml(engine, ONE_TASK);
  const carrier = await engine.startInstance({ processId: 'oneTask' });
  const young = unknownRow('young', T0 - 1000);
  await plant(store, carrier.id, [{ id: 'old', kind: 'signal.throw', payload: { name: 'late', variables: {}, thrownBy: carrier.id }, createdAt: T0 - 1001 }, young]);

  await engine.stop();
  jest.advanceTimersByTime(3 * SWEEP_MS); // a sweep left running would read the closed store
  // a commit that still reached the dispatcher (the engine's API cannot make one after stop) is left too
  const outbox = (engine as unknown as { outbox: { enqueue(rows: OutboxRow[]): void; idle(): Promise<void> } }).outbox;
  outbox.enqueue([young as OutboxRow]);
  await outbox.idle();
  await new Promise((resolve) => setImmediate(resolve));
  expect(errors).toEqual([]);

  const direct = freshStore();
  expect((await direct.pendingOutbox(10)).map((r) => r.id)).toEqual(['young']);
  await direct.close();
  const again = await started();
  await again.engine.idle();
  expect(await pending(again.store)).toEqual([]); // everything pending is the starting process's to finish
  expect(again.errors).toEqual([]);
});

// ---- what a sweep leaves alone ----------------------------------------------------------------------

test('a sweep leaves a row this process still has in hand: the signal is not thrown twice', async () => {
  const held = gate();
  let holds = 0;
  const store = intercept(freshStore(), 'findSubscriptions', async (_kind, name) => {
    if (name === 'go' && holds++ === 0) await held.opened;
  });
  const { engine, errors } = await started({ store });
  await deployXml(engine, SIGNALS);
  await engine.startInstance({ processId: 'shout' });
  await eventually(async () => expect(holds).toBe(1)); // the signal.throw row is in hand, still pending
  time.advance(1001); // and old enough for a sweep to take it for orphaned
  jest.advanceTimersByTime(SWEEP_MS);
  await new Promise((resolve) => setImmediate(resolve));
  held.open();
  await engine.idle();
  expect((await engine.listInstances({ processId: 'listen', limit: 10 })).items).toHaveLength(1);
  expect(holds).toBe(1);
  expect(await pending(store)).toEqual([]);
  expect(errors).toEqual([]);
});

test('a sweep leaves a task notice that is being sent, even when the chain is busy until the notice went out', async () => {
  const sent = gate();
  const held = gate();
  const told: string[] = [];
  let asked = 0;
  let holding = false;
  const store = intercept(freshStore(), 'findSubscriptions', async (_kind, name) => {
    if (name !== 'hold') return;
    holding = true;
    await held.opened;
  });
  const { engine, errors } = await started({
    store,
    onTaskAssigned: async (n) => {
      asked++;
      await sent.opened;
      told.push(n.assignee);
    },
  });
  await deployXml(engine, ONE_TASK);
  const { id } = await engine.startInstance({ processId: 'oneTask' });
  await engine.assignTask((await waitTask(engine, id, 'Check')).id, 'alice', 'admin', true);
  await eventually(async () => expect(asked).toBe(1)); // the notice is being sent
  // an older row whose dispatch waits (a signal nobody catches) keeps the chain busy
  await plant(store, id, [{ id: 'hold-1', kind: 'signal.throw', payload: { name: 'hold', variables: {}, thrownBy: id }, createdAt: T0 - 5000 }]);
  time.advance(1001);
  jest.advanceTimersByTime(SWEEP_MS); // finds both rows pending and old
  await eventually(async () => expect(holding).toBe(true));
  sent.open();
  await eventually(async () => expect(await pending(store)).toEqual(['signal.throw'])); // the notice went out
  held.open();
  await engine.idle();
  expect(told).toEqual(['alice']);
  expect(asked).toBe(1);
  expect(await pending(store)).toEqual([]);
  expect(errors).toEqual([]);
});

// ---- task notices -----------------------------------------------------------------------------------

test('idle() waits for a slow task notice; only its row is marked done, once it went out', async () => {
  const told: string[] = [];
  const marked: string[][] = [];
  const store = intercept(freshStore(), 'markOutboxDone', (ids) => void marked.push(ids));
  const { engine, errors } = await started({
    store,
    onTaskAssigned: async (n) => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      told.push(n.assignee);
    },
  });
  await deployXml(engine, ONE_TASK);
  const { id } = await engine.startInstance({ processId: 'oneTask' });
  const rows: string[] = [];
  engine.onCommit((batch) => rows.push(...(batch.outbox ?? []).map((r) => r.id)));
  await engine.assignTask((await waitTask(engine, id, 'Check')).id, 'alice', 'admin', true);
  await engine.idle();
  expect(told).toEqual(['alice']);
  expect(rows).toHaveLength(1);
  expect(marked).toEqual([rows]);
  expect(await pending(store)).toEqual([]);
  expect(errors).toEqual([]);
});

test.each([
  ['marked done', false],
  ['left pending when the store cannot mark it done', true],
])('a task notice that keeps failing is tried at every sweep and given up after 20 tries: %s', async (_what, refuseMark) => {
  let tries = 0;
  let refusing = false;
  const store = intercept(freshStore(), 'markOutboxDone', () => {
    if (refusing) throw storeError('markOutboxDone', 'UNAVAILABLE');
  });
  const { engine, errors } = await started({
    store,
    onTaskAssigned: async () => {
      tries++;
      throw new Error('mail server down');
    },
  });
  await deployXml(engine, ONE_TASK);
  const { id } = await engine.startInstance({ processId: 'oneTask' });
  await engine.assignTask((await waitTask(engine, id, 'Check')).id, 'alice', 'admin', true);
  await engine.idle();
  time.advance(1001);
  for (let i = 2; i < 20; i++) await periodicSweep(engine);
  const again = (n: number) => `task notice to alice (try ${n}; again at the next sweep): mail server down`;
  expect(errors).toEqual(Array.from({ length: 19 }, (_, i) => again(i + 1)));
  expect(await pending(store)).toEqual(['task.assigned']);

  refusing = refuseMark;
  await periodicSweep(engine);
  refusing = false;
  expect(tries).toBe(20);
  const givenUp = 'task notice to alice: given up after 20 tries: mail server down';
  if (!refuseMark) {
    expect(errors.slice(19)).toEqual([givenUp]);
    expect(await pending(store)).toEqual([]);
    await periodicSweep(engine);
    expect(tries).toBe(20);
    expect(errors).toHaveLength(20);
  } else {
    expect(errors.slice(19)).toEqual([givenUp, 'outbox: markOutboxDone refused by the test']);
    expect(await pending(store)).toEqual(['task.assigned']);
    await periodicSweep(engine); // still pending: tried again, counted from the start
    expect(errors.slice(21)).toEqual([again(1)]);
  }
});
