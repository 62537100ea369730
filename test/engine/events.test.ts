/**
 * Events: none start/end, terminate, error and escalation throw/catch, links, none throw, signals
 * between instances, intermediate timers.
 */
import {
  boundary,
  bpmn,
  catchEvent,
  chain,
  complete,
  completedCounts,
  countEvents,
  deployXml,
  endEvent,
  errorDef,
  errorRef,
  escalationDef,
  escalationRef,
  eventually,
  expectCounts,
  expectState,
  expectValidHistory,
  flow,
  gateway,
  link,
  openTasks,
  signalDef,
  signalRef,
  startEvent,
  subProcess,
  tasksOf,
  terminate,
  throwEvent,
  timerDate,
  timerDuration,
  useEngine,
  userTask,
} from './helpers';

describe('events', () => {
  const env = useEngine();

  test('none start and none end: a sequence runs and completes with the variables', async () => {
    const { engine } = env();
    await deployXml(engine, bpmn('seq', [startEvent('Start'), userTask('A'), endEvent('End'), chain('Start', 'A', 'End')]));
    const inst = await engine.startInstance({ processId: 'seq', variables: { ticket: 42 } });
    expect(inst.state).toBe('active');
    expect(await openTasks(engine, inst.id)).toEqual(['A']);
    expect((await engine.getInstance(inst.id)).activeElements).toEqual(['A']);
    await complete(engine, inst.id, 'A', { done: true });
    const after = await engine.getInstance(inst.id);
    expect(after.state).toBe('completed');
    expect(after.variables).toEqual({ ticket: 42, done: true });
    expect(after.activeElements).toEqual([]);
    expect(after.endedAt).toBeDefined();
    await expectCounts(engine, inst.id, { Start: 1, A: 1, End: 1 });
    const types = (await engine.getHistory(inst.id)).map((e) => e.type);
    expect(types[0]).toBe('instance.started');
    expect(types).toContain('instance.completed');
    await expectValidHistory(engine, inst.id);
  });

  test('terminate end inside a subprocess ends only the subprocess; the process continues', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      bpmn('termSub', [
        startEvent('Start'),
        subProcess(
          'Sub',
          startEvent('SStart'),
          gateway('parallel', 'Fork'),
          userTask('Slow'),
          endEvent('SlowEnd'),
          userTask('Fast'),
          endEvent('Kill', terminate),
          chain('SStart', 'Fork', 'Slow', 'SlowEnd'),
          chain('Fork', 'Fast', 'Kill'),
        ),
        userTask('After'),
        endEvent('End'),
        chain('Start', 'Sub', 'After', 'End'),
      ]),
    );
    const inst = await engine.startInstance({ processId: 'termSub' });
    expect(await openTasks(engine, inst.id)).toEqual(['Fast', 'Slow']);
    await complete(engine, inst.id, 'Fast');
    expect(await openTasks(engine, inst.id)).toEqual(['After']);
    const slow = (await tasksOf(engine, inst.id)).find((t) => t.elementId === 'Slow')!;
    expect(slow.state).toBe('canceled');
    expect((await engine.getInstance(inst.id)).state).toBe('active');
    expect((await countEvents(engine, inst.id, 'element.terminated')).Slow).toBe(1);
    await complete(engine, inst.id, 'After');
    expect((await engine.getInstance(inst.id)).state).toBe('completed');
    await expectCounts(engine, inst.id, { Sub: 1, Fast: 1, Kill: 1, Slow: 0, SlowEnd: 0, After: 1, End: 1 });
    await expectValidHistory(engine, inst.id);
  });

  test('terminate end at the top level ends every other token and completes the instance', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      bpmn('termTop', [
        startEvent('Start'),
        gateway('parallel', 'Fork'),
        userTask('A'),
        endEvent('EA'),
        userTask('B'),
        endEvent('Kill', terminate),
        chain('Start', 'Fork', 'A', 'EA'),
        chain('Fork', 'B', 'Kill'),
      ]),
    );
    const inst = await engine.startInstance({ processId: 'termTop' });
    expect(await openTasks(engine, inst.id)).toEqual(['A', 'B']);
    await complete(engine, inst.id, 'B');
    const after = await engine.getInstance(inst.id);
    // Camunda 8: a terminate end event at process level completes the process instance.
    expect(after.state).toBe('completed');
    expect(after.activeElements).toEqual([]);
    expect(await openTasks(engine, inst.id)).toEqual([]);
    expect((await tasksOf(engine, inst.id)).find((t) => t.elementId === 'A')!.state).toBe('canceled');
    await expectCounts(engine, inst.id, { B: 1, Kill: 1, A: 0, EA: 0 });
    await expectValidHistory(engine, inst.id);
  });

  describe('error end event caught by an error boundary on the enclosing subprocess', () => {
    const diagram = () =>
      bpmn(
        'errSub',
        [
          startEvent('Start'),
          subProcess(
            'Sub',
            startEvent('SStart'),
            userTask('Work'),
            gateway('exclusive', 'Which'),
            endEvent('FailA', errorRef('Err_A')),
            endEvent('FailB', errorRef('Err_B')),
            endEvent('SOk'),
            chain('SStart', 'Work', 'Which'),
            flow('F_Which_A', 'Which', 'FailA', '=code = "A"'),
            flow('F_Which_B', 'Which', 'FailB', '=code = "B"'),
            flow('F_Which_Ok', 'Which', 'SOk', '=code = "none"'),
          ),
          // the catch-all comes first in the document: the specific one must still win for A
          boundary('CatchAll', 'Sub', errorRef()),
          boundary('CatchA', 'Sub', errorRef('Err_A')),
          userTask('HandleAny'),
          userTask('HandleA'),
          userTask('After'),
          endEvent('End'),
          endEvent('EAny'),
          endEvent('EA'),
          chain('Start', 'Sub', 'After', 'End'),
          chain('CatchAll', 'HandleAny', 'EAny'),
          chain('CatchA', 'HandleA', 'EA'),
        ],
        [errorDef('Err_A', 'A'), errorDef('Err_B', 'B')],
      );

    test('the specific error code wins over the catch-all', async () => {
      const { engine } = env();
      await deployXml(engine, diagram());
      const inst = await engine.startInstance({ processId: 'errSub' });
      await complete(engine, inst.id, 'Work', { code: 'A' });
      expect(await openTasks(engine, inst.id)).toEqual(['HandleA']);
      await complete(engine, inst.id, 'HandleA');
      await expectState(engine, inst.id, 'completed');
      await expectCounts(engine, inst.id, { Work: 1, FailA: 0, CatchA: 1, CatchAll: 0, HandleA: 1, HandleAny: 0, Sub: 0, After: 0 });
      expect((await countEvents(engine, inst.id, 'error.thrown')).FailA).toBe(1);
      await expectValidHistory(engine, inst.id);
    });

    test('another code is caught by the catch-all boundary', async () => {
      const { engine } = env();
      await deployXml(engine, diagram());
      const inst = await engine.startInstance({ processId: 'errSub' });
      await complete(engine, inst.id, 'Work', { code: 'B' });
      expect(await openTasks(engine, inst.id)).toEqual(['HandleAny']);
      await complete(engine, inst.id, 'HandleAny');
      await expectState(engine, inst.id, 'completed');
      await expectCounts(engine, inst.id, { CatchA: 0, CatchAll: 1, HandleA: 0, HandleAny: 1, Sub: 0, After: 0 });
      await expectValidHistory(engine, inst.id);
    });

    test('no error: the subprocess completes and the boundaries do not fire', async () => {
      const { engine } = env();
      await deployXml(engine, diagram());
      const inst = await engine.startInstance({ processId: 'errSub' });
      await complete(engine, inst.id, 'Work', { code: 'none' });
      expect(await openTasks(engine, inst.id)).toEqual(['After']);
      await complete(engine, inst.id, 'After');
      await expectState(engine, inst.id, 'completed');
      await expectCounts(engine, inst.id, { Sub: 1, SOk: 1, CatchA: 0, CatchAll: 0, After: 1 });
      await expectValidHistory(engine, inst.id);
    });
  });

  test('an uncaught error end event raises an incident', async () => {
    const { engine } = env();
    await deployXml(engine, bpmn('errUncaught', [startEvent('Start'), userTask('A'), endEvent('Boom', errorRef('Err_X')), chain('Start', 'A', 'Boom')], [errorDef('Err_X', 'X')]));
    const inst = await engine.startInstance({ processId: 'errUncaught' });
    await complete(engine, inst.id, 'A');
    const incidents = await engine.listIncidents({ instanceId: inst.id, state: 'open' });
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ elementId: 'Boom', type: 'unhandled-error', state: 'open' });
    expect(incidents[0].message).toContain('X');
    expect((await engine.getInstance(inst.id)).state).toBe('incident');
    await expectCounts(engine, inst.id, { A: 1, Boom: 0 });
    await expectValidHistory(engine, inst.id);
  });

  test('escalation intermediate throw caught by a non-interrupting boundary: the subprocess continues', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      bpmn(
        'escNonInt',
        [
          startEvent('Start'),
          subProcess(
            'Sub',
            startEvent('SStart'),
            userTask('Prepare'),
            throwEvent('Escalate', escalationRef('Esc_Late')),
            userTask('Continue'),
            endEvent('SEnd'),
            chain('SStart', 'Prepare', 'Escalate', 'Continue', 'SEnd'),
          ),
          boundary('OnLate', 'Sub', escalationRef('Esc_Late'), false),
          userTask('Notify'),
          endEvent('NEnd'),
          userTask('After'),
          endEvent('End'),
          chain('Start', 'Sub', 'After', 'End'),
          chain('OnLate', 'Notify', 'NEnd'),
        ],
        [escalationDef('Esc_Late', 'LATE')],
      ),
    );
    const inst = await engine.startInstance({ processId: 'escNonInt' });
    await complete(engine, inst.id, 'Prepare');
    expect(await openTasks(engine, inst.id)).toEqual(['Continue', 'Notify']);
    await complete(engine, inst.id, 'Continue');
    expect(await openTasks(engine, inst.id)).toEqual(['After', 'Notify']);
    await complete(engine, inst.id, 'Notify');
    await complete(engine, inst.id, 'After');
    await expectState(engine, inst.id, 'completed');
    await expectCounts(engine, inst.id, { Escalate: 1, OnLate: 1, Notify: 1, Continue: 1, Sub: 1, After: 1, End: 1, NEnd: 1 });
    await expectValidHistory(engine, inst.id);
  });

  test('escalation end event caught by an interrupting boundary cancels the subprocess', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      bpmn(
        'escInt',
        [
          startEvent('Start'),
          subProcess(
            'Sub',
            startEvent('SStart'),
            gateway('parallel', 'Fork'),
            userTask('Other'),
            endEvent('OtherEnd'),
            userTask('Check'),
            endEvent('EscEnd', escalationRef('Esc_Big')),
            chain('SStart', 'Fork', 'Other', 'OtherEnd'),
            chain('Fork', 'Check', 'EscEnd'),
          ),
          boundary('OnBig', 'Sub', escalationRef('Esc_Big')),
          userTask('Handle'),
          endEvent('HEnd'),
          userTask('After'),
          endEvent('End'),
          chain('Start', 'Sub', 'After', 'End'),
          chain('OnBig', 'Handle', 'HEnd'),
        ],
        [escalationDef('Esc_Big', 'BIG')],
      ),
    );
    const inst = await engine.startInstance({ processId: 'escInt' });
    expect(await openTasks(engine, inst.id)).toEqual(['Check', 'Other']);
    await complete(engine, inst.id, 'Check');
    expect(await openTasks(engine, inst.id)).toEqual(['Handle']);
    expect((await tasksOf(engine, inst.id)).find((t) => t.elementId === 'Other')!.state).toBe('canceled');
    await complete(engine, inst.id, 'Handle');
    await expectState(engine, inst.id, 'completed');
    await expectCounts(engine, inst.id, { OnBig: 1, Handle: 1, Other: 0, Sub: 0, After: 0 });
    await expectValidHistory(engine, inst.id);
  });

  test('escalation end event caught by a non-interrupting boundary: the subprocess still completes', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      bpmn(
        'escEndNonInt',
        [
          startEvent('Start'),
          subProcess('Sub', startEvent('SStart'), userTask('Work'), endEvent('EscEnd', escalationRef('Esc_Info')), chain('SStart', 'Work', 'EscEnd')),
          boundary('OnInfo', 'Sub', escalationRef(), false),
          userTask('Notify'),
          endEvent('NEnd'),
          userTask('After'),
          endEvent('End'),
          chain('Start', 'Sub', 'After', 'End'),
          chain('OnInfo', 'Notify', 'NEnd'),
        ],
        [escalationDef('Esc_Info', 'INFO')],
      ),
    );
    const inst = await engine.startInstance({ processId: 'escEndNonInt' });
    await complete(engine, inst.id, 'Work');
    expect(await openTasks(engine, inst.id)).toEqual(['After', 'Notify']);
    await complete(engine, inst.id, 'After');
    await complete(engine, inst.id, 'Notify');
    await expectState(engine, inst.id, 'completed');
    await expectCounts(engine, inst.id, { EscEnd: 1, OnInfo: 1, Sub: 1, After: 1, Notify: 1 });
    await expectValidHistory(engine, inst.id);
  });

  test('an uncaught escalation is ignored: no incident, the flow goes on', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      bpmn(
        'escIgnored',
        [startEvent('Start'), throwEvent('Esc', escalationRef('Esc_X')), userTask('A'), endEvent('EscEnd', escalationRef('Esc_X')), chain('Start', 'Esc', 'A', 'EscEnd')],
        [escalationDef('Esc_X', 'X')],
      ),
    );
    const inst = await engine.startInstance({ processId: 'escIgnored' });
    expect(await openTasks(engine, inst.id)).toEqual(['A']);
    expect(await engine.listIncidents({ instanceId: inst.id })).toEqual([]);
    await complete(engine, inst.id, 'A');
    await expectState(engine, inst.id, 'completed');
    expect(await engine.listIncidents({ instanceId: inst.id })).toEqual([]);
    await expectCounts(engine, inst.id, { Esc: 1, A: 1, EscEnd: 1 });
    await expectValidHistory(engine, inst.id);
  });

  test('link throw continues at the link catch event with the same name', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      bpmn('links', [
        startEvent('Start'),
        userTask('A'),
        throwEvent('GoTo', link('Part2')),
        catchEvent('Part2Catch', link('Part2')),
        userTask('B'),
        endEvent('End'),
        chain('Start', 'A', 'GoTo'),
        chain('Part2Catch', 'B', 'End'),
      ]),
    );
    const inst = await engine.startInstance({ processId: 'links' });
    await complete(engine, inst.id, 'A');
    expect(await openTasks(engine, inst.id)).toEqual(['B']);
    await complete(engine, inst.id, 'B');
    await expectState(engine, inst.id, 'completed');
    await expectCounts(engine, inst.id, { A: 1, GoTo: 1, Part2Catch: 1, B: 1, End: 1 });
    await expectValidHistory(engine, inst.id);
  });

  test('an intermediate none throw event just passes', async () => {
    const { engine } = env();
    await deployXml(engine, bpmn('noneThrow', [startEvent('Start'), throwEvent('Milestone'), userTask('A'), endEvent('End'), chain('Start', 'Milestone', 'A', 'End')]));
    const inst = await engine.startInstance({ processId: 'noneThrow' });
    expect(await openTasks(engine, inst.id)).toEqual(['A']);
    await expectCounts(engine, inst.id, { Start: 1, Milestone: 1, A: 0 });
    await complete(engine, inst.id, 'A');
    await expectState(engine, inst.id, 'completed');
    await expectValidHistory(engine, inst.id);
  });

  test('a signal thrown by one instance reaches the signal catch of another (not a later one)', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      bpmn(
        'catcher',
        [startEvent('Start'), catchEvent('WaitGo', signalRef('Sig_Go')), userTask('Go'), endEvent('End'), chain('Start', 'WaitGo', 'Go', 'End')],
        [signalDef('Sig_Go', 'go-live')],
      ),
      bpmn('thrower', [startEvent('TStart'), throwEvent('Shout', signalRef('Sig_Go2')), endEvent('TEnd'), chain('TStart', 'Shout', 'TEnd')], [signalDef('Sig_Go2', 'go-live')]),
    );
    const c1 = await engine.startInstance({ processId: 'catcher' });
    const c2 = await engine.startInstance({ processId: 'catcher' });
    expect((await engine.getInstance(c1.id)).activeElements).toEqual(['WaitGo']);
    const t = await engine.startInstance({ processId: 'thrower' });
    expect((await engine.getInstance(t.id)).state).toBe('completed');
    await engine.idle();
    expect(await openTasks(engine, c1.id)).toEqual(['Go']);
    expect(await openTasks(engine, c2.id)).toEqual(['Go']);
    await expectCounts(engine, c1.id, { WaitGo: 1 });
    // a signal is not buffered: an instance that waits afterwards does not get it
    const late = await engine.startInstance({ processId: 'catcher' });
    await engine.idle();
    expect((await engine.getInstance(late.id)).activeElements).toEqual(['WaitGo']);
    expect(await openTasks(engine, late.id)).toEqual([]);
    await complete(engine, c1.id, 'Go');
    await expectState(engine, c1.id, 'completed');
    await expectCounts(engine, t.id, { TStart: 1, Shout: 1, TEnd: 1 });
    await expectValidHistory(engine, c1.id, c2.id, t.id, late.id);
  });

  test('a signal end event reaches the signal catch of another instance', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      bpmn(
        'sigCatcher',
        [startEvent('Start'), catchEvent('WaitDone', signalRef('Sig_Done')), userTask('Next'), chain('Start', 'WaitDone', 'Next')],
        [signalDef('Sig_Done', 'batch-done')],
      ),
      bpmn(
        'sigEnder',
        [startEvent('SStart'), userTask('Work'), endEvent('Announce', signalRef('Sig_Done2')), chain('SStart', 'Work', 'Announce')],
        [signalDef('Sig_Done2', 'batch-done')],
      ),
    );
    const catcher = await engine.startInstance({ processId: 'sigCatcher' });
    const ender = await engine.startInstance({ processId: 'sigEnder' });
    await complete(engine, ender.id, 'Work');
    expect((await engine.getInstance(ender.id)).state).toBe('completed');
    await engine.idle();
    expect(await openTasks(engine, catcher.id)).toEqual(['Next']);
    await expectCounts(engine, ender.id, { Work: 1, Announce: 1 });
    await expectCounts(engine, catcher.id, { WaitDone: 1 });
    await expectValidHistory(engine, catcher.id, ender.id);
  });

  // Camunda 8 implements message throw events (intermediate and end) like service tasks: with a
  // zeebe:taskDefinition they create a job and wait for a worker to complete it.
  test('an intermediate message throw event with a job type waits for its job', async () => {
    const { engine } = env();
    const throwWithJob = `<bpmn:intermediateThrowEvent id="Notify"><bpmn:extensionElements><zeebe:taskDefinition type="send-notice" /></bpmn:extensionElements><bpmn:messageEventDefinition /></bpmn:intermediateThrowEvent>`;
    await deployXml(engine, bpmn('msgThrow', [startEvent('Start'), throwWithJob, userTask('After'), endEvent('End'), chain('Start', 'Notify', 'After', 'End')]));
    const inst = await engine.startInstance({ processId: 'msgThrow', variables: { to: 'ops' } });
    expect(await openTasks(engine, inst.id)).toEqual([]);
    expect((await engine.getInstance(inst.id)).activeElements).toEqual(['Notify']);
    const [job] = await engine.activateJobs({ type: 'send-notice', worker: 'w', maxJobs: 1 });
    expect(job).toMatchObject({ elementId: 'Notify', variables: { to: 'ops' } });
    await engine.completeJob(job.key, { noticeId: 'n-1' });
    expect(await openTasks(engine, inst.id)).toEqual(['After']);
    expect((await engine.getInstance(inst.id)).variables.noticeId).toBe('n-1');
    await expectCounts(engine, inst.id, { Notify: 1 });
    await expectValidHistory(engine, inst.id);
  });

  test('a message end event with a job type completes the instance only after its job', async () => {
    const { engine } = env();
    const endWithJob = `<bpmn:endEvent id="Reply"><bpmn:extensionElements><zeebe:taskDefinition type="send-reply" /></bpmn:extensionElements><bpmn:messageEventDefinition /></bpmn:endEvent>`;
    await deployXml(engine, bpmn('msgEnd', [startEvent('Start'), endWithJob, chain('Start', 'Reply')]));
    const inst = await engine.startInstance({ processId: 'msgEnd' });
    expect(inst.state).toBe('active');
    const [job] = await engine.activateJobs({ type: 'send-reply', worker: 'w', maxJobs: 1 });
    expect(job?.elementId).toBe('Reply');
    await engine.completeJob(job.key);
    await expectState(engine, inst.id, 'completed');
    await expectCounts(engine, inst.id, { Reply: 1 });
    await expectValidHistory(engine, inst.id);
  });

  test.each([
    ['a FEEL variable', '=delay', { delay: 'PT0.2S' }],
    ['duration(x)', '=duration(x)', { x: 'PT0.2S' }],
    ['a literal', 'PT0.2S', {}],
  ])('intermediate timer catch with a duration from %s', async (_label, expression, variables) => {
    const { engine } = env();
    await deployXml(
      engine,
      bpmn('timerCatch', [startEvent('Start'), catchEvent('Wait', timerDuration(expression)), userTask('A'), endEvent('End'), chain('Start', 'Wait', 'A', 'End')]),
    );
    const inst = await engine.startInstance({ processId: 'timerCatch', variables });
    expect((await engine.getInstance(inst.id)).activeElements).toEqual(['Wait']);
    expect(await openTasks(engine, inst.id)).toEqual([]);
    await eventually(async () => expect(await openTasks(engine, inst.id)).toEqual(['A']), 3000);
    const history = await engine.getHistory(inst.id);
    const at = (type: string) => history.find((e) => e.type === type)!.at;
    // On the engine's clock: fired no sooner than the duration after it was scheduled.
    expect(at('timer.fired') - at('timer.scheduled')).toBeGreaterThanOrEqual(200);
    await complete(engine, inst.id, 'A');
    await expectState(engine, inst.id, 'completed');
    await expectCounts(engine, inst.id, { Wait: 1, A: 1 });
    await expectValidHistory(engine, inst.id);
  });

  test.each([
    ['a literal ISO date', '2020-01-01T00:00:00Z', {}],
    ['a FEEL date and time', '=date and time("2020-01-01T00:00:00Z")', {}],
    ['a variable', '=when', { when: '2021-06-01T12:00:00Z' }],
  ])('timer date in the past (%s) fires at once', async (_label, expression, variables) => {
    const { engine } = env();
    await deployXml(
      engine,
      bpmn('timerPast', [startEvent('Start'), catchEvent('Wait', timerDate(expression)), userTask('A'), endEvent('End'), chain('Start', 'Wait', 'A', 'End')]),
    );
    const inst = await engine.startInstance({ processId: 'timerPast', variables });
    await eventually(async () => expect(await openTasks(engine, inst.id)).toEqual(['A']), 1000);
    await expectCounts(engine, inst.id, { Wait: 1 });
    await expectValidHistory(engine, inst.id);
  });

  test('element.completed counts: a done instance has no activity left', async () => {
    const { engine } = env();
    await deployXml(engine, bpmn('empty', [startEvent('Start'), endEvent('End'), chain('Start', 'End')]));
    const inst = await engine.startInstance({ processId: 'empty' });
    expect(inst.state).toBe('completed');
    expect(await completedCounts(engine, inst.id)).toEqual({ Start: 1, End: 1 });
    await expectValidHistory(engine, inst.id);
  });
});
