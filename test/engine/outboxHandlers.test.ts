/**
 * What each outbox row does when dispatched (engine/runtime/outbox.ts handle/startChild): every dispatch
 * acts as `engine` (history actor, FEEL currentUser()), idle() waits for the work a dispatch causes,
 * rows whose target moved on (ended, gone, no longer waiting) are done without a trace, and other
 * failures (the store's) keep the row pending for the sweep. Mutation testing found these unpinned.
 * Real SQLite; a store that fails is the real store with one method wrapped (outboxRig.ts).
 */

import { EmbeddedScheduler } from '../../engine/queue';
import type { Scheduler } from '../../engine/queue/types';
import type { Store } from '../../engine/store/types';
import type { Engine } from '../../engine';
import { bpmn, catchEvent, chain, childrenOf, deployXml, endEvent, openTasks, plainTask, scriptTask, startEvent, timerDuration, userTask, waitTask } from './helpers';
import { T0, time, freshStore, useOutboxRig, started, intercept, storeError, periodicSweep, pending, plant, actorsAt, ONE_TASK, CALLS, SIGNALS } from './outboxRig';

useOutboxRig();

// ---- idle, and who a dispatch acts as ---------------------------------------------------------------

test('a child that ends at once: idle() waits for its result to reach the caller; the engine starts it for whoever started the caller', async () => {
  const { engine, errors } = await started();
  await deployXml(engine, CALLS);
  const parent = await engine.startInstance({ processId: 'caller', variables: { callee: 'quick' }, actor: 'alice' });
  await engine.idle();
  // no waiting beyond idle(): the child.start dispatch committed a parent.complete row, dispatched too
  expect(await openTasks(engine, parent.id)).toEqual(['After']);
  expect((await engine.getInstance(parent.id)).variables).toMatchObject({ doneBy: 'engine' });
  expect(await actorsAt(engine, parent.id, 'Start')).toEqual(['alice']);
  expect(await actorsAt(engine, parent.id, 'Done')).toEqual(['engine']);
  const [child] = await childrenOf(engine, parent.id);
  expect(child).toMatchObject({ processId: 'quick', state: 'completed', startedBy: 'alice' });
  expect([...new Set((await engine.getHistory(child.id)).map((e) => e.actor))]).toEqual(['engine']);
  expect(errors).toEqual([]);
});

test('an escalation, a completion and an error of a child reach the caller as acts of the engine', async () => {
  const { engine, errors } = await started();
  await deployXml(engine, CALLS);
  const helped = await engine.startInstance({ processId: 'caller', variables: { callee: 'helpThenWork' }, actor: 'alice' });
  await engine.idle();
  expect((await engine.getInstance(helped.id)).variables).toMatchObject({ helpedBy: 'engine' });
  expect(await actorsAt(engine, helped.id, 'OnHelp')).toEqual(['engine']);
  const [helper] = await childrenOf(engine, helped.id);
  await engine.completeTask((await waitTask(engine, helper.id, 'Later')).id, {}, 'bob');
  await engine.idle();
  expect(await openTasks(engine, helped.id)).toEqual(['After']);
  expect((await engine.getInstance(helped.id)).variables).toMatchObject({ helpedBy: 'engine', doneBy: 'engine' });
  expect(await actorsAt(engine, helped.id, 'Call')).toEqual(['alice', 'engine']);

  const failed = await engine.startInstance({ processId: 'caller', variables: { callee: 'failing' }, actor: 'alice' });
  await engine.idle();
  const [failer] = await childrenOf(engine, failed.id);
  await engine.completeTask((await waitTask(engine, failer.id, 'Try')).id, {}, 'bob');
  await engine.idle();
  expect(await openTasks(engine, failed.id)).toEqual(['Handle']);
  expect((await engine.getInstance(failed.id)).variables).toMatchObject({ caughtBy: 'engine' });
  expect(await actorsAt(engine, failed.id, 'OnFail')).toEqual(['engine']);
  expect(errors).toEqual([]);
});

test('canceling a caller cancels its child as the engine', async () => {
  const { engine, errors } = await started();
  await deployXml(engine, CALLS);
  const parent = await engine.startInstance({ processId: 'caller', variables: { callee: 'work' }, actor: 'alice' });
  await engine.idle();
  const [child] = await childrenOf(engine, parent.id);
  await engine.cancelInstance(parent.id, 'alice');
  await engine.idle();
  expect((await engine.getInstance(child.id)).state).toBe('terminated');
  const terminated = (await engine.getHistory(child.id)).filter((e) => e.type === 'instance.terminated');
  expect(terminated).toEqual([expect.objectContaining({ actor: 'engine', data: { reason: 'canceled', by: 'engine' } })]);
  expect(errors).toEqual([]);
});

test('the continuation commands of a long start act as the engine', async () => {
  const TASKS = Array.from({ length: 30 }, (_, i) => `T${i + 1}`);
  const LONG = bpmn('long', [
    startEvent(),
    ...TASKS.map((id) => plainTask(id)),
    scriptTask('Who', '=currentUser()', 'who'),
    userTask('Review'),
    chain('Start', ...TASKS, 'Who', 'Review'),
  ]);
  const { engine, errors } = await started({ maxStepsPerCommand: 10 });
  await deployXml(engine, LONG);
  const { id } = await engine.startInstance({ processId: 'long', actor: 'alice' });
  await engine.idle();
  expect(await openTasks(engine, id)).toEqual(['Review']);
  expect((await engine.getInstance(id)).variables).toEqual({ who: 'engine' });
  expect(await actorsAt(engine, id, 'T1')).toEqual(['alice']);
  expect(await actorsAt(engine, id, 'T30')).toEqual(['engine']);
  expect(errors).toEqual([]);
});

test('a scheduled and a canceled timer reach the scheduler as such', async () => {
  const calls: string[] = [];
  const store = freshStore();
  const embedded = new EmbeddedScheduler(store, { clock: time.clock, pollMs: 10 });
  const scheduler: Scheduler = {
    start: (fire) => embedded.start(fire),
    stop: () => embedded.stop(),
    ping: () => embedded.ping(),
    scheduled: async (timerId, dueAt) => void calls.push(`scheduled ${timerId} at +${dueAt - T0}`),
    canceled: async (timerId) => void calls.push(`canceled ${timerId}`),
  };
  const { engine, errors } = await started({ store, scheduler });
  await deployXml(engine, bpmn('wait', [startEvent(), catchEvent('Hour', timerDuration('PT1H')), endEvent(), chain('Start', 'Hour', 'End')]));
  const { id } = await engine.startInstance({ processId: 'wait' });
  await engine.idle();
  const [timer] = (await store.dueTimers(T0 + 3_600_000, 10)).filter((t) => t.instanceId === id);
  expect(calls).toEqual([`scheduled ${timer.id} at +3600000`]);
  await engine.cancelInstance(id);
  await engine.idle();
  expect(calls).toEqual([`scheduled ${timer.id} at +3600000`, `canceled ${timer.id}`]);
  expect(errors).toEqual([]);
});

test('a thrown signal starts its signal-start processes as the engine', async () => {
  const { engine, errors } = await started();
  await deployXml(engine, SIGNALS);
  await engine.startInstance({ processId: 'shout', actor: 'alice' });
  await engine.idle();
  const [listener] = (await engine.listInstances({ processId: 'listen', limit: 10 })).items;
  expect(listener.startedBy).toBe('engine');
  expect(await actorsAt(engine, listener.id, 'Heard')).toEqual(['engine']);
  expect(errors).toEqual([]);
});

// ---- targets that moved on, and failures that are not theirs ------------------------------------------

test('a parent.complete row for a parent that is gone or no longer waits is done, and nothing is reported', async () => {
  const { engine, store, errors } = await started();
  await deployXml(engine, ONE_TASK);
  const carrier = await engine.startInstance({ processId: 'oneTask' });
  await plant(store, carrier.id, [
    { id: 'gone', kind: 'parent.complete', payload: { parentInstanceId: 'no-such-instance', waitId: 'w1', variables: {} }, createdAt: T0 - 5000 },
    { id: 'not-waiting', kind: 'parent.complete', payload: { parentInstanceId: carrier.id, waitId: 'w99', variables: {} }, createdAt: T0 - 5000 },
  ]);
  const rev = (await store.getInstance(carrier.id))!.rev;
  const history = await engine.getHistory(carrier.id);

  await periodicSweep(engine);
  expect(await pending(store)).toEqual([]);
  expect(errors).toEqual([]);
  expect((await store.getInstance(carrier.id))!.rev).toBe(rev);
  expect(await engine.getHistory(carrier.id)).toEqual(history);
  expect(await openTasks(engine, carrier.id)).toEqual(['Check']);
});

test('continue and cancel rows of an instance that ended are done without touching it, not even its definition', async () => {
  const first = await started();
  await deployXml(first.engine, ONE_TASK);
  const carrier = await first.engine.startInstance({ processId: 'oneTask' });
  const completed = await first.engine.startInstance({ processId: 'oneTask' });
  await first.engine.completeTask((await waitTask(first.engine, completed.id, 'Check')).id, {}, 'alice');
  const canceled = await first.engine.startInstance({ processId: 'oneTask' });
  await first.engine.cancelInstance(canceled.id, 'alice');
  await plant(
    first.store,
    carrier.id,
    [completed.id, canceled.id].flatMap((instanceId) => [
      { id: `continue-${instanceId}`, kind: 'instance.continue' as const, payload: { instanceId }, createdAt: T0 },
      { id: `cancel-${instanceId}`, kind: 'child.cancel' as const, payload: { childId: instanceId }, createdAt: T0 },
    ]),
  );
  const ended = [completed.id, canceled.id];
  const snapshot = async (engine: Engine, store: Store) => Promise.all(ended.map(async (id) => ({ ...(await store.getInstance(id))!, events: await engine.getHistory(id) })));
  const before = await snapshot(first.engine, first.store);
  await first.engine.stop(); // the rows are young: left for the next start

  // the next process has loaded no definition yet, and its store could not read one
  const store = intercept(freshStore(), 'getDefinition', () => {
    throw storeError('getDefinition', 'UNAVAILABLE');
  });
  const { engine, errors } = await started({ store });
  await engine.idle();
  expect(await pending(store)).toEqual([]);
  expect(errors).toEqual([]);
  expect(await snapshot(engine, store)).toEqual(before);
  expect(before.map((i) => i.state)).toEqual(['completed', 'terminated']);
});

test('a store failure while the result of a child is reported is no moved-on target: the row stays for the sweep', async () => {
  let refuse = '';
  // the parent's row is read whole (getInstance) or, kept in memory since its last commit, by its revision
  const read = (method: string) => (id: string) => {
    if (id !== refuse) return;
    refuse = '';
    throw storeError(method, 'NOT_FOUND'); // a driver's code, not an EngineError's
  };
  const store = intercept(intercept(freshStore(), 'getInstance', read('getInstance')), 'instanceRev', read('instanceRev'));
  const { engine, errors } = await started({ store });
  await deployXml(engine, CALLS);
  const parent = await engine.startInstance({ processId: 'caller', variables: { callee: 'work' } });
  await engine.idle();
  const [child] = await childrenOf(engine, parent.id);
  refuse = parent.id;
  await engine.completeTask((await waitTask(engine, child.id, 'Work')).id, {}, 'bob');
  await engine.idle();
  expect(errors).toEqual([expect.stringMatching(/^outbox parent\.complete: (getInstance|instanceRev) refused by the test$/)]);
  expect(await pending(store)).toEqual(['parent.complete']);
  expect(await openTasks(engine, parent.id)).toEqual([]);

  time.advance(1001);
  await periodicSweep(engine);
  expect(await openTasks(engine, parent.id)).toEqual(['After']);
  expect(await pending(store)).toEqual([]);
  expect(errors).toHaveLength(1);
});

test('a called process that is not deployed is an incident on the call activity, raised by the engine', async () => {
  const { engine, store, errors } = await started();
  await deployXml(engine, CALLS);
  const parent = await engine.startInstance({ processId: 'caller', variables: { callee: 'nowhere' }, actor: 'alice' });
  await engine.idle();
  const incidents = await engine.listIncidents({ instanceId: parent.id });
  expect(incidents).toEqual([expect.objectContaining({ elementId: 'Call', type: 'other', message: 'called process nowhere is not deployed', state: 'open' })]);
  const raised = (await engine.getHistory(parent.id)).filter((e) => e.type === 'incident.created');
  expect(raised).toEqual([expect.objectContaining({ elementId: 'Call', actor: 'engine' })]);
  expect((await engine.getInstance(parent.id)).state).toBe('incident');
  expect(await pending(store)).toEqual([]);
  expect(errors).toEqual([]);
});

test('a store failure while the called process is looked up is no "not deployed": the row stays for the sweep', async () => {
  let refuse = '';
  const store = intercept(freshStore(), 'getLatestDefinition', (processId) => {
    if (processId !== refuse) return;
    refuse = '';
    throw storeError('getLatestDefinition', 'NOT_FOUND'); // a driver's code, not an EngineError's
  });
  const { engine, errors } = await started({ store });
  await deployXml(engine, CALLS);
  refuse = 'work';
  const parent = await engine.startInstance({ processId: 'caller', variables: { callee: 'work' } });
  await engine.idle();
  expect(errors).toEqual(['outbox child.start: getLatestDefinition refused by the test']);
  expect(await pending(store)).toEqual(['child.start']);
  expect(await engine.listIncidents({ instanceId: parent.id })).toEqual([]);
  expect(await childrenOf(engine, parent.id)).toEqual([]);

  time.advance(1001);
  await periodicSweep(engine);
  expect((await childrenOf(engine, parent.id)).map((c) => c.processId)).toEqual(['work']);
  expect(await pending(store)).toEqual([]);
  expect(errors).toHaveLength(1);
});
