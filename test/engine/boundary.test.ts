/**
 * Boundary events: timer, message, signal, error (from a job) and escalation, interrupting and not.
 */
import {
  activateOne,
  boundary,
  bpmn,
  chain,
  complete,
  countEvents,
  deployXml,
  endEvent,
  errorDef,
  errorRef,
  escalationDef,
  escalationRef,
  eventually,
  expectCounts,
  expectEngineError,
  expectState,
  expectValidHistory,
  gateway,
  messageDef,
  messageRef,
  multiInstance,
  openTasks,
  serviceTask,
  signalDef,
  signalRef,
  startEvent,
  timePasses,
  subProcess,
  tasksOf,
  throwEvent,
  timerCycle,
  timerDuration,
  useEngine,
  userTask,
} from './helpers';

describe('boundary events', () => {
  const env = useEngine();

  /** Start -> A (user task) -> End, with one boundary on A leading to Handle -> HEnd. */
  const onTask = (id: string, definition: string, interrupting: boolean, roots: string[] = []) =>
    bpmn(
      id,
      [
        startEvent('Start'),
        userTask('A'),
        endEvent('End'),
        boundary('B', 'A', definition, interrupting),
        userTask('Handle'),
        endEvent('HEnd'),
        chain('Start', 'A', 'End'),
        chain('B', 'Handle', 'HEnd'),
      ],
      roots,
    );

  describe('timer', () => {
    test('interrupting: cancels the task and takes the boundary path', async () => {
      const { engine } = env();
      await deployXml(engine, onTask('tInt', timerDuration('PT0.2S'), true));
      const inst = await engine.startInstance({ processId: 'tInt' });
      expect(await openTasks(engine, inst.id)).toEqual(['A']);
      await eventually(async () => expect(await openTasks(engine, inst.id)).toEqual(['Handle']));
      expect((await tasksOf(engine, inst.id)).find((t) => t.elementId === 'A')!.state).toBe('canceled');
      expect((await countEvents(engine, inst.id, 'element.terminated')).A).toBe(1);
      await complete(engine, inst.id, 'Handle');
      await expectState(engine, inst.id, 'completed');
      await expectCounts(engine, inst.id, { A: 0, B: 1, Handle: 1, End: 0, HEnd: 1 });
      await expectValidHistory(engine, inst.id);
    });

    test('interrupting: does not fire when the task completes first', async () => {
      const { engine } = env();
      await deployXml(engine, onTask('tIntLate', timerDuration('PT0.2S'), true));
      const inst = await engine.startInstance({ processId: 'tIntLate' });
      await complete(engine, inst.id, 'A');
      await expectState(engine, inst.id, 'completed');
      await timePasses(env(), 400);
      await engine.idle();
      expect(await openTasks(engine, inst.id)).toEqual([]);
      expect((await engine.getInstance(inst.id)).state).toBe('completed');
      await expectCounts(engine, inst.id, { A: 1, B: 0, Handle: 0, End: 1 });
      await expectValidHistory(engine, inst.id);
    });

    test('non-interrupting duration: the task stays, one extra token', async () => {
      const { engine } = env();
      await deployXml(engine, onTask('tNon', timerDuration('PT0.2S'), false));
      const inst = await engine.startInstance({ processId: 'tNon' });
      await eventually(async () => expect(await openTasks(engine, inst.id)).toEqual(['A', 'Handle']));
      await timePasses(env(), 300);
      expect(await openTasks(engine, inst.id)).toEqual(['A', 'Handle']);
      await complete(engine, inst.id, 'Handle');
      expect((await engine.getInstance(inst.id)).state).toBe('active');
      await complete(engine, inst.id, 'A');
      await expectState(engine, inst.id, 'completed');
      await expectCounts(engine, inst.id, { A: 1, B: 1, Handle: 1, End: 1, HEnd: 1 });
      await expectValidHistory(engine, inst.id);
    });

    test('an interrupting boundary without outgoing flow just ends the activity (implicit end)', async () => {
      const { engine } = env();
      await deployXml(engine, bpmn('tNoFlow', [startEvent('Start'), userTask('A'), endEvent('End'), boundary('B', 'A', timerDuration('PT0.2S')), chain('Start', 'A', 'End')]));
      const inst = await engine.startInstance({ processId: 'tNoFlow' });
      await expectState(engine, inst.id, 'completed');
      expect((await tasksOf(engine, inst.id)).map((t) => t.state)).toEqual(['canceled']);
      await expectCounts(engine, inst.id, { A: 0, B: 1, End: 0 });
      await expectValidHistory(engine, inst.id);
    });

    test('non-interrupting cycle R2/PT0.2S fires exactly twice', async () => {
      const { engine } = env();
      await deployXml(engine, onTask('tCycle', timerCycle('R2/PT0.2S'), false));
      const inst = await engine.startInstance({ processId: 'tCycle' });
      await eventually(async () => expect(await openTasks(engine, inst.id)).toEqual(['A', 'Handle', 'Handle']));
      await timePasses(env(), 700); // three more intervals: no third firing
      await engine.idle();
      expect(await openTasks(engine, inst.id)).toEqual(['A', 'Handle', 'Handle']);
      expect((await countEvents(engine, inst.id, 'timer.fired')).B ?? 0).toBe(2);
      for (const t of (await engine.listTasks({ instanceId: inst.id, state: 'created' })).items.filter((x) => x.elementId === 'Handle')) {
        await engine.completeTask(t.id, {}, 'tester');
      }
      await complete(engine, inst.id, 'A');
      await expectState(engine, inst.id, 'completed');
      await expectCounts(engine, inst.id, { A: 1, B: 2, Handle: 2, HEnd: 2, End: 1 });
      await expectValidHistory(engine, inst.id);
    });

    test('non-interrupting cycle stops when the task completes', async () => {
      const { engine } = env();
      await deployXml(engine, onTask('tCycleStop', timerCycle('R5/PT0.2S'), false));
      const inst = await engine.startInstance({ processId: 'tCycleStop' });
      await eventually(async () => expect(await openTasks(engine, inst.id)).toEqual(['A', 'Handle']));
      await complete(engine, inst.id, 'A');
      await timePasses(env(), 500);
      await engine.idle();
      expect(await openTasks(engine, inst.id)).toEqual(['Handle']);
      await expectCounts(engine, inst.id, { B: 1 });
      await complete(engine, inst.id, 'Handle');
      await expectState(engine, inst.id, 'completed');
      await expectValidHistory(engine, inst.id);
    });
  });

  describe('message', () => {
    const roots = [messageDef('Msg_Cancel', 'order-canceled', '=orderId')];

    test('interrupting: the message cancels the task and its variables are set', async () => {
      const { engine } = env();
      await deployXml(engine, onTask('mInt', messageRef('Msg_Cancel'), true, roots));
      const inst = await engine.startInstance({ processId: 'mInt', variables: { orderId: 'o-1' } });
      const other = await engine.startInstance({ processId: 'mInt', variables: { orderId: 'o-2' } });
      const res = await engine.publishMessage({ name: 'order-canceled', correlationKey: 'o-1', variables: { reason: 'customer' } });
      expect(res.correlated).toBe(1);
      expect(await openTasks(engine, inst.id)).toEqual(['Handle']);
      expect((await engine.getInstance(inst.id)).variables).toMatchObject({ orderId: 'o-1', reason: 'customer' });
      expect(await openTasks(engine, other.id)).toEqual(['A']);
      expect((await tasksOf(engine, inst.id)).find((t) => t.elementId === 'A')!.state).toBe('canceled');
      await complete(engine, inst.id, 'Handle');
      await expectState(engine, inst.id, 'completed');
      await expectCounts(engine, inst.id, { A: 0, B: 1, Handle: 1 });
      await expectValidHistory(engine, inst.id, other.id);
    });

    test('non-interrupting: every message adds a token, the task stays', async () => {
      const { engine } = env();
      await deployXml(engine, onTask('mNon', messageRef('Msg_Cancel'), false, roots));
      const inst = await engine.startInstance({ processId: 'mNon', variables: { orderId: 'o-9' } });
      await engine.publishMessage({ name: 'order-canceled', correlationKey: 'o-9', variables: { n: 1 } });
      await engine.idle();
      await engine.publishMessage({ name: 'order-canceled', correlationKey: 'o-9', variables: { n: 2 } });
      await engine.idle();
      expect(await openTasks(engine, inst.id)).toEqual(['A', 'Handle', 'Handle']);
      expect((await engine.getInstance(inst.id)).variables.n).toBe(2);
      await complete(engine, inst.id, 'A');
      for (const t of (await engine.listTasks({ instanceId: inst.id, state: 'created' })).items) await engine.completeTask(t.id, {}, 'tester');
      await expectState(engine, inst.id, 'completed');
      await expectCounts(engine, inst.id, { A: 1, B: 2, Handle: 2, End: 1, HEnd: 2 });
      await expectValidHistory(engine, inst.id);
    });
  });

  describe('signal', () => {
    const roots = [signalDef('Sig_Stop', 'stop-all')];

    test('interrupting', async () => {
      const { engine } = env();
      await deployXml(engine, onTask('sInt', signalRef('Sig_Stop'), true, roots));
      const a = await engine.startInstance({ processId: 'sInt' });
      const b = await engine.startInstance({ processId: 'sInt' });
      const res = await engine.broadcastSignal({ name: 'stop-all', variables: { stopped: true } });
      expect(res.delivered).toBe(2);
      for (const inst of [a, b]) {
        expect(await openTasks(engine, inst.id)).toEqual(['Handle']);
        expect((await engine.getInstance(inst.id)).variables).toMatchObject({ stopped: true });
        await expectCounts(engine, inst.id, { A: 0, B: 1 });
      }
      await expectValidHistory(engine, a.id, b.id);
    });

    test('non-interrupting: each broadcast adds a token', async () => {
      const { engine } = env();
      await deployXml(engine, onTask('sNon', signalRef('Sig_Stop'), false, roots));
      const inst = await engine.startInstance({ processId: 'sNon' });
      await engine.broadcastSignal({ name: 'stop-all' });
      await engine.broadcastSignal({ name: 'stop-all' });
      expect(await openTasks(engine, inst.id)).toEqual(['A', 'Handle', 'Handle']);
      await complete(engine, inst.id, 'A');
      // the subscription is gone with the task
      await engine.broadcastSignal({ name: 'stop-all' });
      expect(await openTasks(engine, inst.id)).toEqual(['Handle', 'Handle']);
      await expectCounts(engine, inst.id, { A: 1, B: 2 });
      await expectValidHistory(engine, inst.id);
    });
  });

  describe('error from a job', () => {
    const diagram = bpmn(
      'jobErr',
      [
        startEvent('Start'),
        serviceTask('Call', 'call-api'),
        endEvent('End'),
        boundary('OnTimeout', 'Call', errorRef('Err_Timeout')),
        boundary('OnAny', 'Call', errorRef()),
        userTask('Retry'),
        userTask('Manual'),
        endEvent('E2'),
        endEvent('E3'),
        chain('Start', 'Call', 'End'),
        chain('OnTimeout', 'Retry', 'E2'),
        chain('OnAny', 'Manual', 'E3'),
      ],
      [errorDef('Err_Timeout', 'TIMEOUT')],
    );

    test('the matching code takes its boundary; the job is done', async () => {
      const { engine } = env();
      await deployXml(engine, diagram);
      const inst = await engine.startInstance({ processId: 'jobErr' });
      const job = await activateOne(engine, 'call-api');
      await engine.throwJobError(job.key, 'TIMEOUT', 'took too long');
      expect(await openTasks(engine, inst.id)).toEqual(['Retry']);
      await expectEngineError(engine.completeJob(job.key), 'CONFLICT');
      await complete(engine, inst.id, 'Retry');
      await expectState(engine, inst.id, 'completed');
      await expectCounts(engine, inst.id, { Call: 0, OnTimeout: 1, OnAny: 0, Retry: 1, End: 0 });
      await expectValidHistory(engine, inst.id);
    });

    test('another code takes the catch-all boundary', async () => {
      const { engine } = env();
      await deployXml(engine, diagram);
      const inst = await engine.startInstance({ processId: 'jobErr' });
      const job = await activateOne(engine, 'call-api');
      await engine.throwJobError(job.key, 'NOPE');
      expect(await openTasks(engine, inst.id)).toEqual(['Manual']);
      await expectCounts(engine, inst.id, { OnTimeout: 0, OnAny: 1 });
      await expectValidHistory(engine, inst.id);
    });

    test('a job error nobody catches is an incident', async () => {
      const { engine } = env();
      await deployXml(engine, bpmn('jobErrUncaught', [startEvent('Start'), serviceTask('Call', 'call-api'), endEvent('End'), chain('Start', 'Call', 'End')]));
      const inst = await engine.startInstance({ processId: 'jobErrUncaught' });
      const job = await activateOne(engine, 'call-api');
      await engine.throwJobError(job.key, 'NOPE', 'no such thing');
      const incidents = await engine.listIncidents({ instanceId: inst.id, state: 'open' });
      expect(incidents).toHaveLength(1);
      expect(incidents[0]).toMatchObject({ elementId: 'Call', type: 'unhandled-error' });
      expect(incidents[0].message).toContain('NOPE');
      expect((await engine.getInstance(inst.id)).state).toBe('incident');
      await expectValidHistory(engine, inst.id);
    });

    test('a job error inside a subprocess is caught by the boundary of the subprocess', async () => {
      const { engine } = env();
      await deployXml(
        engine,
        bpmn(
          'jobErrSub',
          [
            startEvent('Start'),
            subProcess(
              'Sub',
              startEvent('SStart'),
              gateway('parallel', 'Fork'),
              serviceTask('Call', 'sub-call'),
              userTask('Side'),
              endEvent('SE1'),
              endEvent('SE2'),
              chain('SStart', 'Fork', 'Call', 'SE1'),
              chain('Fork', 'Side', 'SE2'),
            ),
            boundary('OnErr', 'Sub', errorRef('Err_Timeout')),
            userTask('Handle'),
            endEvent('End'),
            endEvent('HEnd'),
            chain('Start', 'Sub', 'End'),
            chain('OnErr', 'Handle', 'HEnd'),
          ],
          [errorDef('Err_Timeout', 'TIMEOUT')],
        ),
      );
      const inst = await engine.startInstance({ processId: 'jobErrSub' });
      const job = await activateOne(engine, 'sub-call');
      await engine.throwJobError(job.key, 'TIMEOUT');
      expect(await openTasks(engine, inst.id)).toEqual(['Handle']);
      expect((await tasksOf(engine, inst.id)).find((t) => t.elementId === 'Side')!.state).toBe('canceled');
      await expectCounts(engine, inst.id, { Sub: 0, OnErr: 1, Side: 0, Call: 0 });
      await expectValidHistory(engine, inst.id);
    });
  });

  describe('escalation', () => {
    const diagram = (interrupting: boolean) =>
      bpmn(
        'escB',
        [
          startEvent('Start'),
          subProcess(
            'Outer',
            startEvent('OStart'),
            subProcess(
              'Inner',
              startEvent('IStart'),
              userTask('Work'),
              throwEvent('Raise', escalationRef('Esc_Up')),
              userTask('More'),
              endEvent('IEnd'),
              chain('IStart', 'Work', 'Raise', 'More', 'IEnd'),
            ),
            endEvent('OEnd'),
            chain('OStart', 'Inner', 'OEnd'),
          ),
          boundary('OnEsc', 'Outer', escalationRef('Esc_Up'), interrupting),
          userTask('Handle'),
          endEvent('HEnd'),
          userTask('After'),
          endEvent('End'),
          chain('Start', 'Outer', 'After', 'End'),
          chain('OnEsc', 'Handle', 'HEnd'),
        ],
        [escalationDef('Esc_Up', 'UP')],
      );

    test('non-interrupting boundary on an outer subprocess catches an escalation from a nested one', async () => {
      const { engine } = env();
      await deployXml(engine, diagram(false));
      const inst = await engine.startInstance({ processId: 'escB' });
      await complete(engine, inst.id, 'Work');
      expect(await openTasks(engine, inst.id)).toEqual(['Handle', 'More']);
      await complete(engine, inst.id, 'More');
      await complete(engine, inst.id, 'Handle');
      await complete(engine, inst.id, 'After');
      await expectState(engine, inst.id, 'completed');
      await expectCounts(engine, inst.id, { Raise: 1, OnEsc: 1, More: 1, Inner: 1, Outer: 1, After: 1, Handle: 1 });
      await expectValidHistory(engine, inst.id);
    });

    test('interrupting boundary on an outer subprocess terminates both subprocesses', async () => {
      const { engine } = env();
      await deployXml(engine, diagram(true));
      const inst = await engine.startInstance({ processId: 'escB' });
      await complete(engine, inst.id, 'Work');
      expect(await openTasks(engine, inst.id)).toEqual(['Handle']);
      await complete(engine, inst.id, 'Handle');
      await expectState(engine, inst.id, 'completed');
      await expectCounts(engine, inst.id, { Raise: 0, OnEsc: 1, More: 0, Inner: 0, Outer: 0, After: 0, Handle: 1 });
      await expectValidHistory(engine, inst.id);
    });
  });

  test('an interrupting boundary ends an activity that is stuck in a job incident and closes the incident', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      bpmn('incidentTimeout', [
        startEvent('Start'),
        serviceTask('Call', 'flaky'),
        boundary('GiveUp', 'Call', timerDuration('PT0.3S')),
        userTask('Manual'),
        endEvent('End'),
        chain('Start', 'Call', 'End'),
        chain('GiveUp', 'Manual'),
      ]),
    );
    const inst = await engine.startInstance({ processId: 'incidentTimeout' });
    const job = await activateOne(engine, 'flaky');
    await engine.failJob(job.key, { retries: 0, errorMessage: 'down' });
    expect((await engine.getInstance(inst.id)).state).toBe('incident');
    await eventually(async () => expect(await openTasks(engine, inst.id)).toEqual(['Manual']));
    // the element the incident was about is gone: the incident must not keep the instance in 'incident'
    const open = await engine.listIncidents({ instanceId: inst.id, state: 'open' });
    expect({ open: open.map((i) => i.elementId), state: (await engine.getInstance(inst.id)).state }).toEqual({ open: [], state: 'active' });
    await complete(engine, inst.id, 'Manual');
    await expectState(engine, inst.id, 'completed');
    await expectCounts(engine, inst.id, { Call: 0, GiveUp: 1, Manual: 1 });
    await expectValidHistory(engine, inst.id);
  });

  test('a job error in one instance of a multi-instance task is caught by the boundary of the whole activity', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      bpmn(
        'miErr',
        [
          startEvent('Start'),
          serviceTask('Each', 'each', { inner: multiInstance({ inputCollection: '=items', inputElement: 'item' }) }),
          boundary('OnErr', 'Each', errorRef('Err_Bad')),
          userTask('Fix'),
          userTask('After'),
          chain('Start', 'Each', 'After'),
          chain('OnErr', 'Fix'),
        ],
        [errorDef('Err_Bad', 'BAD_ITEM')],
      ),
    );
    const inst = await engine.startInstance({ processId: 'miErr', variables: { items: [1, 2, 3] } });
    const jobs = await engine.activateJobs({ type: 'each', worker: 'w', maxJobs: 10 });
    expect(jobs).toHaveLength(3);
    await engine.completeJob(jobs[0].key);
    await engine.throwJobError(jobs[1].key, 'BAD_ITEM');
    expect(await openTasks(engine, inst.id)).toEqual(['Fix']);
    await expectEngineError(engine.completeJob(jobs[2].key), 'CONFLICT');
    await expectCounts(engine, inst.id, { OnErr: 1, After: 0 });
    await expectValidHistory(engine, inst.id);
  });

  test('an interrupting boundary on a subprocess cancels the inner tasks and jobs', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      bpmn('subCancel', [
        startEvent('Start'),
        subProcess(
          'Sub',
          startEvent('SStart'),
          gateway('parallel', 'Fork'),
          userTask('T1'),
          userTask('T2'),
          serviceTask('Job', 'sub-job'),
          gateway('parallel', 'Join'),
          endEvent('SEnd'),
          chain('SStart', 'Fork', 'T1', 'Join'),
          chain('Fork', 'T2', 'Join'),
          chain('Fork', 'Job', 'Join'),
          chain('Join', 'SEnd'),
        ),
        boundary('Deadline', 'Sub', timerDuration('PT0.3S')),
        userTask('Late'),
        endEvent('LEnd'),
        endEvent('End'),
        chain('Start', 'Sub', 'End'),
        chain('Deadline', 'Late', 'LEnd'),
      ]),
    );
    const inst = await engine.startInstance({ processId: 'subCancel' });
    await complete(engine, inst.id, 'T1');
    const job = await activateOne(engine, 'sub-job');
    expect(await openTasks(engine, inst.id)).toEqual(['T2']);
    await eventually(async () => expect(await openTasks(engine, inst.id)).toEqual(['Late']));
    const states = Object.fromEntries((await tasksOf(engine, inst.id)).map((t) => [t.elementId, t.state]));
    expect(states).toEqual({ T1: 'completed', T2: 'canceled', Late: 'created' });
    await expectEngineError(engine.completeJob(job.key), 'CONFLICT');
    expect((await engine.activateJobs({ type: 'sub-job', worker: 'w', maxJobs: 5, lockMs: 1 })).length).toBe(0);
    const terminated = await countEvents(engine, inst.id, 'element.terminated');
    expect(terminated).toMatchObject({ T2: 1, Job: 1, Sub: 1 });
    await complete(engine, inst.id, 'Late');
    await expectState(engine, inst.id, 'completed');
    await expectCounts(engine, inst.id, { T1: 1, T2: 0, Job: 0, Join: 0, Sub: 0, Deadline: 1, Late: 1, End: 0 });
    await expectValidHistory(engine, inst.id);
  });
});
