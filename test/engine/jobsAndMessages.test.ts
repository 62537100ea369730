/**
 * Jobs (locks, failures, retries, backoff, incidents) and messages and signals (buffering, TTL,
 * deduplication, cardinality, start events).
 */
import {
  activateOne,
  bpmn,
  catchEvent,
  chain,
  complete,
  countEvents,
  deployXml,
  endEvent,
  eventually,
  expectCounts,
  expectEngineError,
  expectState,
  expectValidHistory,
  gateway,
  messageDef,
  messageRef,
  openTasks,
  serviceTask,
  signalDef,
  signalRef,
  sleep,
  startEvent,
  timePasses,
  timerCycle,
  timerDuration,
  useEngine,
  userTask,
} from './helpers';

describe('jobs', () => {
  const env = useEngine();
  const svc = bpmn('job', [startEvent('Start'), serviceTask('Work', 'work', { retries: '3' }), userTask('After'), endEvent('End'), chain('Start', 'Work', 'After', 'End')]);

  test('an expired lock makes the job activatable again', async () => {
    const { engine } = env();
    await deployXml(engine, svc);
    const inst = await engine.startInstance({ processId: 'job', variables: { n: 1 } });
    const [first] = await engine.activateJobs({ type: 'work', worker: 'w1', maxJobs: 1, lockMs: 100 });
    expect(first).toMatchObject({ worker: 'w1', state: 'activated' });
    expect(await engine.activateJobs({ type: 'work', worker: 'w2', maxJobs: 1, lockMs: 100 })).toEqual([]);
    await sleep(150);
    const [again] = await engine.activateJobs({ type: 'work', worker: 'w2', maxJobs: 1, lockMs: 10_000 });
    expect(again).toBeDefined();
    expect(again.key).toBe(first.key);
    expect(again.worker).toBe('w2');
    expect(again.variables).toMatchObject({ n: 1 });
    await engine.completeJob(again.key, { done: true }, 'w2');
    expect(await openTasks(engine, inst.id)).toEqual(['After']);
    await expectCounts(engine, inst.id, { Work: 1 });
    await expectValidHistory(engine, inst.id);
  });

  test('fail with retries left: the job comes back after the backoff, not before', async () => {
    const { engine } = env();
    await deployXml(engine, svc);
    const inst = await engine.startInstance({ processId: 'job' });
    const job = await activateOne(engine, 'work');
    const failed = await engine.failJob(job.key, { retries: 2, errorMessage: 'db down', backoffMs: 300 });
    expect(failed).toMatchObject({ retries: 2, errorMessage: 'db down', state: 'activatable' });
    expect(await engine.activateJobs({ type: 'work', worker: 'w', maxJobs: 1 })).toEqual([]);
    await sleep(150);
    expect(await engine.activateJobs({ type: 'work', worker: 'w', maxJobs: 1 })).toEqual([]);
    const retry = await eventually(async () => {
      const [j] = await engine.activateJobs({ type: 'work', worker: 'w', maxJobs: 1 });
      if (!j) throw new Error('not yet');
      return j;
    }, 2000);
    expect(retry.key).toBe(job.key);
    expect(retry.retries).toBe(2);
    expect((await engine.getInstance(inst.id)).state).toBe('active');
    expect(await engine.listIncidents({ instanceId: inst.id })).toEqual([]);
    await engine.completeJob(retry.key);
    expect(await openTasks(engine, inst.id)).toEqual(['After']);
    expect((await countEvents(engine, inst.id, 'job.failed')).Work).toBe(1);
    await expectValidHistory(engine, inst.id);
  });

  test('fail without backoff: activatable at once', async () => {
    const { engine } = env();
    await deployXml(engine, svc);
    await engine.startInstance({ processId: 'job' });
    const job = await activateOne(engine, 'work');
    await engine.failJob(job.key, { retries: 1 });
    const [again] = await engine.activateJobs({ type: 'work', worker: 'w', maxJobs: 1 });
    expect(again?.key).toBe(job.key);
    expect(again.retries).toBe(1);
  });

  test('fail to 0 retries: incident; resolving gives the retries back and the job can be worked', async () => {
    const { engine } = env();
    await deployXml(engine, svc);
    const inst = await engine.startInstance({ processId: 'job' });
    const job = await activateOne(engine, 'work');
    await engine.failJob(job.key, { retries: 0, errorMessage: 'boom' });
    const [incident] = await engine.listIncidents({ instanceId: inst.id, state: 'open' });
    expect(incident).toMatchObject({ elementId: 'Work', jobKey: job.key, type: 'job-no-retries', state: 'open' });
    expect(incident.message).toContain('boom');
    expect((await engine.getInstance(inst.id)).state).toBe('incident');
    expect(await engine.activateJobs({ type: 'work', worker: 'w', maxJobs: 1 })).toEqual([]);

    const resolved = await engine.resolveIncident(incident.id);
    expect(resolved.state).toBe('resolved');
    expect((await engine.getInstance(inst.id)).state).toBe('active');
    expect(await engine.listIncidents({ instanceId: inst.id, state: 'open' })).toEqual([]);
    await expectEngineError(engine.resolveIncident(incident.id), 'CONFLICT');
    const again = await activateOne(engine, 'work');
    expect(again.key).toBe(job.key);
    expect(again.retries).toBe(3);
    await engine.completeJob(again.key);
    expect(await openTasks(engine, inst.id)).toEqual(['After']);
    await complete(engine, inst.id, 'After');
    await expectState(engine, inst.id, 'completed');
    const types = (await engine.getHistory(inst.id)).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['job.failed', 'incident.created', 'incident.resolved']));
    await expectCounts(engine, inst.id, { Work: 1, After: 1 });
    await expectValidHistory(engine, inst.id);
  });

  test('completing, failing or erroring a canceled job is a CONFLICT; an unknown job is NOT_FOUND', async () => {
    const { engine } = env();
    await deployXml(engine, svc);
    const inst = await engine.startInstance({ processId: 'job' });
    const job = await activateOne(engine, 'work');
    await engine.cancelInstance(inst.id);
    await expectEngineError(engine.completeJob(job.key), 'CONFLICT');
    await expectEngineError(engine.failJob(job.key, { retries: 1 }), 'CONFLICT');
    await expectEngineError(engine.throwJobError(job.key, 'X'), 'CONFLICT');
    await expectEngineError(engine.completeJob('no-such-job'), 'NOT_FOUND');
    expect(await engine.activateJobs({ type: 'work', worker: 'w', maxJobs: 5, lockMs: 1 })).toEqual([]);
    expect((await engine.getInstance(inst.id)).state).toBe('terminated');
    await expectValidHistory(engine, inst.id);
  });

  test('completing a job twice: the second is a CONFLICT', async () => {
    const { engine } = env();
    await deployXml(engine, svc);
    const inst = await engine.startInstance({ processId: 'job' });
    const job = await activateOne(engine, 'work');
    await engine.completeJob(job.key, { first: true });
    await expectEngineError(engine.completeJob(job.key, { second: true }), 'CONFLICT');
    expect((await engine.getInstance(inst.id)).variables).toEqual({ first: true });
    await expectCounts(engine, inst.id, { Work: 1 });
  });

  // Zeebe collects a job's variables when it is activated, so a worker sees the current values.
  test('job variables are read at activation: a change made after the job was created is visible', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      bpmn('jobVars', [startEvent('Start'), gateway('parallel', 'Fork'), serviceTask('Use', 'use-vars'), userTask('Edit'), chain('Start', 'Fork', 'Use'), chain('Fork', 'Edit')]),
    );
    const inst = await engine.startInstance({ processId: 'jobVars', variables: { limit: 1 } });
    await complete(engine, inst.id, 'Edit', { limit: 5, note: 'raised' });
    const job = await activateOne(engine, 'use-vars');
    expect(job.variables).toMatchObject({ limit: 5, note: 'raised' });
  });

  test('canceling an instance with a job incident closes the incident', async () => {
    const { engine } = env();
    await deployXml(engine, svc);
    const inst = await engine.startInstance({ processId: 'job' });
    const job = await activateOne(engine, 'work');
    await engine.failJob(job.key, { retries: 0 });
    expect(await engine.listIncidents({ instanceId: inst.id, state: 'open' })).toHaveLength(1);
    await engine.cancelInstance(inst.id);
    const open = await engine.listIncidents({ instanceId: inst.id, state: 'open' });
    expect({ open: open.map((i) => i.elementId), state: (await engine.getInstance(inst.id)).state }).toEqual({ open: [], state: 'terminated' });
    await expectValidHistory(engine, inst.id);
  });

  test('maxJobs limits one activation; each job goes to one worker', async () => {
    const { engine } = env();
    await deployXml(engine, svc);
    for (let i = 0; i < 5; i++) await engine.startInstance({ processId: 'job', variables: { i } });
    const a = await engine.activateJobs({ type: 'work', worker: 'a', maxJobs: 3 });
    const b = await engine.activateJobs({ type: 'work', worker: 'b', maxJobs: 3 });
    expect(a).toHaveLength(3);
    expect(b).toHaveLength(2);
    const keys = new Set([...a, ...b].map((j) => j.key));
    expect(keys.size).toBe(5);
  });
});

describe('messages and signals', () => {
  const env = useEngine();
  const roots = [messageDef('Msg_Paid', 'paid', '=orderId')];
  /** Start -> Prepare (user task) -> WaitPaid (message catch) -> Ship */
  const waiting = bpmn(
    'pay',
    [
      startEvent('Start'),
      userTask('Prepare'),
      catchEvent('WaitPaid', messageRef('Msg_Paid')),
      userTask('Ship'),
      endEvent('End'),
      chain('Start', 'Prepare', 'WaitPaid', 'Ship', 'End'),
    ],
    roots,
  );

  test('a message published before the instance waits is buffered and correlates when the instance arrives', async () => {
    const { engine } = env();
    await deployXml(engine, waiting);
    const inst = await engine.startInstance({ processId: 'pay', variables: { orderId: 'o-1' } });
    const res = await engine.publishMessage({ name: 'paid', correlationKey: 'o-1', variables: { amount: 10 }, timeToLiveMs: 10_000 });
    expect(res.correlated).toBe(0);
    await complete(engine, inst.id, 'Prepare');
    await engine.idle();
    await eventually(async () => expect(await openTasks(engine, inst.id)).toEqual(['Ship']));
    expect((await engine.getInstance(inst.id)).variables).toEqual({ orderId: 'o-1', amount: 10 });
    await expectCounts(engine, inst.id, { WaitPaid: 1 });
    expect((await countEvents(engine, inst.id, 'message.correlated')).WaitPaid).toBe(1);
    await expectValidHistory(engine, inst.id);
  });

  test('a buffered message also reaches an instance started after it was published', async () => {
    const { engine } = env();
    await deployXml(engine, waiting);
    await engine.publishMessage({ name: 'paid', correlationKey: 'o-early', timeToLiveMs: 10_000 });
    const inst = await engine.startInstance({ processId: 'pay', variables: { orderId: 'o-early' } });
    await complete(engine, inst.id, 'Prepare');
    await engine.idle();
    await eventually(async () => expect(await openTasks(engine, inst.id)).toEqual(['Ship']));
  });

  test('a message whose time to live has passed does not correlate', async () => {
    const { engine } = env();
    await deployXml(engine, waiting);
    const inst = await engine.startInstance({ processId: 'pay', variables: { orderId: 'o-2' } });
    await engine.publishMessage({ name: 'paid', correlationKey: 'o-2', timeToLiveMs: 100 });
    await engine.publishMessage({ name: 'paid', correlationKey: 'o-2', timeToLiveMs: 0 });
    await sleep(200);
    await complete(engine, inst.id, 'Prepare');
    await engine.idle();
    await sleep(100);
    expect(await openTasks(engine, inst.id)).toEqual([]);
    expect((await engine.getInstance(inst.id)).activeElements).toEqual(['WaitPaid']);
    // a fresh message still works
    expect((await engine.publishMessage({ name: 'paid', correlationKey: 'o-2' })).correlated).toBe(1);
    expect(await openTasks(engine, inst.id)).toEqual(['Ship']);
    await expectValidHistory(engine, inst.id);
  });

  test('a numeric correlation key variable matches the same key published as a string', async () => {
    const { engine } = env();
    await deployXml(engine, waiting);
    const inst = await engine.startInstance({ processId: 'pay', variables: { orderId: 4711 } });
    await complete(engine, inst.id, 'Prepare');
    expect((await engine.publishMessage({ name: 'paid', correlationKey: '4711' })).correlated).toBe(1);
    expect(await openTasks(engine, inst.id)).toEqual(['Ship']);
  });

  test('a message with another correlation key or name does not correlate', async () => {
    const { engine } = env();
    await deployXml(engine, waiting);
    const inst = await engine.startInstance({ processId: 'pay', variables: { orderId: 'o-3' } });
    await complete(engine, inst.id, 'Prepare');
    expect((await engine.publishMessage({ name: 'paid', correlationKey: 'o-4', timeToLiveMs: 0 })).correlated).toBe(0);
    expect((await engine.publishMessage({ name: 'refunded', correlationKey: 'o-3', timeToLiveMs: 0 })).correlated).toBe(0);
    expect(await openTasks(engine, inst.id)).toEqual([]);
  });

  test('messageId deduplicates publications; a message correlates only once per instance', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      bpmn(
        'twice',
        [
          startEvent('Start'),
          catchEvent('First', messageRef('Msg_Paid')),
          catchEvent('Second', messageRef('Msg_Paid')),
          userTask('Done'),
          chain('Start', 'First', 'Second', 'Done'),
        ],
        roots,
      ),
    );
    const inst = await engine.startInstance({ processId: 'twice', variables: { orderId: 'o-9' } });
    const one = await engine.publishMessage({ name: 'paid', correlationKey: 'o-9', messageId: 'pay-1', variables: { seq: 1 } });
    expect(one.correlated).toBe(1);
    expect(one.duplicate).toBeFalsy();
    await engine.idle();
    // the same (still buffered) message is not handed to Second
    expect((await engine.getInstance(inst.id)).activeElements).toEqual(['Second']);
    const dup = await engine.publishMessage({ name: 'paid', correlationKey: 'o-9', messageId: 'pay-1', variables: { seq: 99 } });
    expect(dup.duplicate).toBe(true);
    expect(dup.correlated).toBe(0);
    await engine.idle();
    expect((await engine.getInstance(inst.id)).activeElements).toEqual(['Second']);
    expect((await engine.getInstance(inst.id)).variables.seq).toBe(1);
    const two = await engine.publishMessage({ name: 'paid', correlationKey: 'o-9', messageId: 'pay-2', variables: { seq: 2 } });
    expect(two.correlated).toBe(1);
    expect(await openTasks(engine, inst.id)).toEqual(['Done']);
    expect((await engine.getInstance(inst.id)).variables.seq).toBe(2);
    await expectCounts(engine, inst.id, { First: 1, Second: 1 });
    await expectValidHistory(engine, inst.id);
  });

  test('one message correlates to every instance waiting with that key', async () => {
    // Project rule (engine/runtime/messaging.ts): once per instance, to all waiting instances. Note: Zeebe's
    // documented cardinality is once per BPMN process id, i.e. only one of these instances.
    const { engine } = env();
    await deployXml(engine, waiting);
    const a = await engine.startInstance({ processId: 'pay', variables: { orderId: 'shared' } });
    const b = await engine.startInstance({ processId: 'pay', variables: { orderId: 'shared' } });
    const c = await engine.startInstance({ processId: 'pay', variables: { orderId: 'other' } });
    for (const inst of [a, b, c]) await complete(engine, inst.id, 'Prepare');
    await engine.idle();
    const res = await engine.publishMessage({ name: 'paid', correlationKey: 'shared', timeToLiveMs: 0 });
    expect(res.correlated).toBe(2);
    expect(await openTasks(engine, a.id)).toEqual(['Ship']);
    expect(await openTasks(engine, b.id)).toEqual(['Ship']);
    expect(await openTasks(engine, c.id)).toEqual([]);
    await expectValidHistory(engine, a.id, b.id, c.id);
  });

  test('an event-based gateway takes a message that was buffered before it was reached', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      bpmn(
        'ebgBuffered',
        [
          startEvent('Start'),
          userTask('Prepare'),
          gateway('eventBased', 'Wait'),
          catchEvent('Paid', messageRef('Msg_Paid')),
          catchEvent('Timeout', timerDuration('PT1S')),
          userTask('Ship'),
          userTask('Remind'),
          chain('Start', 'Prepare', 'Wait'),
          chain('Wait', 'Paid', 'Ship'),
          chain('Wait', 'Timeout', 'Remind'),
        ],
        roots,
      ),
    );
    const inst = await engine.startInstance({ processId: 'ebgBuffered', variables: { orderId: 'o-b' } });
    await engine.publishMessage({ name: 'paid', correlationKey: 'o-b', timeToLiveMs: 10_000 });
    await complete(engine, inst.id, 'Prepare');
    await engine.idle();
    await eventually(async () => expect(await openTasks(engine, inst.id)).toEqual(['Ship']));
    await timePasses(env(), 1200);
    expect(await openTasks(engine, inst.id)).toEqual(['Ship']);
    await expectCounts(engine, inst.id, { Paid: 1, Timeout: 0 });
    await expectValidHistory(engine, inst.id);
  });

  test('a message start event starts a new instance with the message variables', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      bpmn(
        'byMessage',
        [startEvent('MsgStart', messageRef('Msg_New')), userTask('Handle'), endEvent('End'), chain('MsgStart', 'Handle', 'End')],
        [messageDef('Msg_New', 'new-ticket')],
      ),
    );
    await expectEngineError(engine.startInstance({ processId: 'byMessage' }), 'INVALID');
    const res = await engine.publishMessage({ name: 'new-ticket', correlationKey: 'k1', variables: { subject: 'printer' } });
    expect(res.startedInstances).toHaveLength(1);
    const inst = await engine.getInstance(res.startedInstances[0]);
    expect(inst.processId).toBe('byMessage');
    expect(inst.variables).toEqual({ subject: 'printer' });
    expect(await openTasks(engine, inst.id)).toEqual(['Handle']);
    const second = await engine.publishMessage({ name: 'new-ticket', correlationKey: 'k2', variables: { subject: 'mouse' } });
    expect(second.startedInstances).toHaveLength(1);
    expect(second.startedInstances[0]).not.toBe(inst.id);
    await expectCounts(engine, inst.id, { MsgStart: 1 });
    await complete(engine, inst.id, 'Handle');
    await expectState(engine, inst.id, 'completed');
    await expectValidHistory(engine, inst.id, second.startedInstances[0]);
  });

  // Camunda 8 (message events, "Message correlation"): while an instance started by a message with a
  // correlation key is active, another message with the same key does not start a second instance.
  test('a message start with the same correlation key does not start a second instance while the first is active', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      bpmn(
        'byMessageKey',
        [startEvent('MsgStart', messageRef('Msg_New')), userTask('Handle'), endEvent('End'), chain('MsgStart', 'Handle', 'End')],
        [messageDef('Msg_New', 'new-case')],
      ),
    );
    const first = await engine.publishMessage({ name: 'new-case', correlationKey: 'case-1', timeToLiveMs: 0 });
    expect(first.startedInstances).toHaveLength(1);
    const again = await engine.publishMessage({ name: 'new-case', correlationKey: 'case-1', timeToLiveMs: 0 });
    expect(again.startedInstances).toHaveLength(0);
    const other = await engine.publishMessage({ name: 'new-case', correlationKey: 'case-2', timeToLiveMs: 0 });
    expect(other.startedInstances).toHaveLength(1);
    expect((await engine.listInstances({ processId: 'byMessageKey', limit: 100 })).items).toHaveLength(2);
  });

  test('a signal broadcast reaches every waiting instance and starts instances at signal start events', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      bpmn(
        'sigWait',
        [startEvent('Start'), catchEvent('Wait', signalRef('Sig_Outage')), userTask('React'), endEvent('End'), chain('Start', 'Wait', 'React', 'End')],
        [signalDef('Sig_Outage', 'outage')],
      ),
      bpmn(
        'sigStart',
        [startEvent('SigStart', signalRef('Sig_Outage2')), userTask('Triage'), endEvent('End2'), chain('SigStart', 'Triage', 'End2')],
        [signalDef('Sig_Outage2', 'outage')],
      ),
    );
    const waiters = [
      await engine.startInstance({ processId: 'sigWait' }),
      await engine.startInstance({ processId: 'sigWait' }),
      await engine.startInstance({ processId: 'sigWait' }),
    ];
    const res = await engine.broadcastSignal({ name: 'outage', variables: { region: 'eu' } });
    expect(res.delivered).toBe(3);
    expect(res.startedInstances).toHaveLength(1);
    for (const w of waiters) {
      expect(await openTasks(engine, w.id)).toEqual(['React']);
      expect((await engine.getInstance(w.id)).variables).toEqual({ region: 'eu' });
      await expectCounts(engine, w.id, { Wait: 1 });
    }
    const started = await engine.getInstance(res.startedInstances[0]);
    expect(started.processId).toBe('sigStart');
    expect(started.variables).toEqual({ region: 'eu' });
    expect(await openTasks(engine, started.id)).toEqual(['Triage']);
    // signals are not buffered: a second broadcast starts another instance but has no waiter left
    const second = await engine.broadcastSignal({ name: 'outage' });
    expect(second.delivered).toBe(0);
    expect(second.startedInstances).toHaveLength(1);
    await expectValidHistory(engine, ...waiters.map((w) => w.id), started.id);
  });

  test('a timer start event with a cycle R2/PT0.2S starts exactly two instances', async () => {
    const { engine } = env();
    await deployXml(engine, bpmn('byTimer', [startEvent('TimerStart', timerCycle('R2/PT0.2S')), userTask('Tick'), chain('TimerStart', 'Tick')]));
    await eventually(async () => expect((await engine.listInstances({ processId: 'byTimer', limit: 10 })).items).toHaveLength(2), 3000);
    await timePasses(env(), 600);
    const items = (await engine.listInstances({ processId: 'byTimer', limit: 10 })).items;
    expect(items).toHaveLength(2);
    for (const inst of items) {
      expect(await openTasks(engine, inst.id)).toEqual(['Tick']);
      await expectCounts(engine, inst.id, { TimerStart: 1 });
    }
  });
});
