/**
 * Embedded and nested subprocesses, event subprocesses (timer, message, error, signal, escalation
 * starts; interrupting and not), and call activities (variables, errors, cancellation).
 */
import {
  boundary,
  bpmn,
  callActivity,
  chain,
  childrenOf,
  complete,
  countEvents,
  deployXml,
  endEvent,
  errorDef,
  errorRef,
  esStart,
  escalationDef,
  escalationRef,
  eventSubProcess,
  eventually,
  expectCounts,
  expectState,
  expectValidHistory,
  gateway,
  messageDef,
  messageRef,
  openTasks,
  processEl,
  definitions,
  signalDef,
  signalRef,
  sleep,
  startEvent,
  timePasses,
  subProcess,
  tasksOf,
  throwEvent,
  timerDuration,
  useEngine,
  userTask,
  waitTask,
} from './helpers';

describe('subprocesses', () => {
  const env = useEngine();

  test('an embedded subprocess runs its inner flow, then the process continues', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      bpmn('embedded', [
        startEvent('Start'),
        subProcess('Sub', startEvent('SStart'), userTask('A'), userTask('B'), endEvent('SEnd'), chain('SStart', 'A', 'B', 'SEnd')),
        userTask('After'),
        endEvent('End'),
        chain('Start', 'Sub', 'After', 'End'),
      ]),
    );
    const inst = await engine.startInstance({ processId: 'embedded', variables: { x: 1 } });
    expect(await openTasks(engine, inst.id)).toEqual(['A']);
    expect((await engine.getInstance(inst.id)).activeElements).toContain('A');
    const a = await waitTask(engine, inst.id, 'A');
    expect(await engine.taskVariables(a)).toMatchObject({ x: 1 });
    await engine.completeTask(a.id, { y: 2 }, 'tester');
    await complete(engine, inst.id, 'B');
    expect(await openTasks(engine, inst.id)).toEqual(['After']);
    await expectCounts(engine, inst.id, { SStart: 1, A: 1, B: 1, SEnd: 1, Sub: 1, After: 0 });
    await complete(engine, inst.id, 'After');
    await expectState(engine, inst.id, 'completed');
    expect((await engine.getInstance(inst.id)).variables).toEqual({ x: 1, y: 2 });
    await expectValidHistory(engine, inst.id);
  });

  test('a subprocess output mapping that fails raises an incident on the subprocess', async () => {
    const { engine } = env();
    const sub = `<bpmn:subProcess id="Sub"><bpmn:extensionElements><zeebe:ioMapping><zeebe:output source="=unknownFunction(1)" target="y" /></zeebe:ioMapping></bpmn:extensionElements>${startEvent('SStart')}${userTask('Inner')}${endEvent('SEnd')}${chain('SStart', 'Inner', 'SEnd')}</bpmn:subProcess>`;
    await deployXml(engine, bpmn('subBadOut', [startEvent('Start'), sub, userTask('After'), chain('Start', 'Sub', 'After')]));
    const inst = await engine.startInstance({ processId: 'subBadOut' });
    await complete(engine, inst.id, 'Inner').catch(() => undefined);
    await sleep(20); // an error xstate rethrows in a timer must surface in this test, not crash the worker
    const incidents = await engine.listIncidents({ instanceId: inst.id, state: 'open' });
    expect({ incidents: incidents.map((i) => i.elementId), state: (await engine.getInstance(inst.id)).state }).toEqual({ incidents: ['Sub'], state: 'incident' });
  });

  test('nested subprocesses with a parallel split inside complete from the inside out', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      bpmn('nested', [
        startEvent('Start'),
        subProcess(
          'Outer',
          startEvent('OStart'),
          subProcess(
            'Inner',
            startEvent('IStart'),
            gateway('parallel', 'Fork'),
            userTask('I1'),
            userTask('I2'),
            endEvent('IE1'),
            endEvent('IE2'),
            chain('IStart', 'Fork', 'I1', 'IE1'),
            chain('Fork', 'I2', 'IE2'),
          ),
          userTask('O1'),
          endEvent('OEnd'),
          chain('OStart', 'Inner', 'O1', 'OEnd'),
        ),
        endEvent('End'),
        chain('Start', 'Outer', 'End'),
      ]),
    );
    const inst = await engine.startInstance({ processId: 'nested' });
    expect(await openTasks(engine, inst.id)).toEqual(['I1', 'I2']);
    await complete(engine, inst.id, 'I1');
    await expectCounts(engine, inst.id, { Inner: 0 });
    await complete(engine, inst.id, 'I2');
    expect(await openTasks(engine, inst.id)).toEqual(['O1']);
    await complete(engine, inst.id, 'O1');
    await expectState(engine, inst.id, 'completed');
    await expectCounts(engine, inst.id, { I1: 1, I2: 1, IE1: 1, IE2: 1, Inner: 1, O1: 1, Outer: 1, End: 1 });
    await expectValidHistory(engine, inst.id);
  });

  describe('event subprocesses', () => {
    /** Start -> Fork -> (Main1, Main2) -> Join -> End plus an event subprocess `Esp` (Handle inside). */
    const withEsp = (id: string, start: string, roots: string[] = []) =>
      bpmn(
        id,
        [
          startEvent('Start'),
          gateway('parallel', 'Fork'),
          userTask('Main1'),
          userTask('Main2'),
          gateway('parallel', 'Join'),
          endEvent('End'),
          chain('Start', 'Fork', 'Main1', 'Join', 'End'),
          chain('Fork', 'Main2', 'Join'),
          eventSubProcess('Esp', start, userTask('Handle'), endEvent('EspEnd'), chain('EspStart', 'Handle', 'EspEnd')),
        ],
        roots,
      );

    test('interrupting timer start cancels the main flow', async () => {
      const { engine } = env();
      await deployXml(engine, withEsp('espTimerInt', esStart('EspStart', timerDuration('PT0.2S'))));
      const inst = await engine.startInstance({ processId: 'espTimerInt' });
      expect(await openTasks(engine, inst.id)).toEqual(['Main1', 'Main2']);
      await eventually(async () => expect(await openTasks(engine, inst.id)).toEqual(['Handle']));
      const states = Object.fromEntries((await tasksOf(engine, inst.id)).map((t) => [t.elementId, t.state]));
      expect(states).toEqual({ Main1: 'canceled', Main2: 'canceled', Handle: 'created' });
      await complete(engine, inst.id, 'Handle');
      await expectState(engine, inst.id, 'completed');
      await expectCounts(engine, inst.id, { EspStart: 1, Handle: 1, EspEnd: 1, Esp: 1, Main1: 0, Main2: 0, Join: 0, End: 0 });
      await expectValidHistory(engine, inst.id);
    });

    test('non-interrupting timer start runs beside the main flow; the instance waits for both', async () => {
      const { engine } = env();
      await deployXml(engine, withEsp('espTimerNon', esStart('EspStart', timerDuration('PT0.2S'), false)));
      const inst = await engine.startInstance({ processId: 'espTimerNon' });
      await eventually(async () => expect(await openTasks(engine, inst.id)).toEqual(['Handle', 'Main1', 'Main2']));
      await complete(engine, inst.id, 'Main1');
      await complete(engine, inst.id, 'Main2');
      expect((await engine.getInstance(inst.id)).state).toBe('active');
      await complete(engine, inst.id, 'Handle');
      await expectState(engine, inst.id, 'completed');
      await expectCounts(engine, inst.id, { Esp: 1, Handle: 1, Main1: 1, Main2: 1, Join: 1, End: 1 });
      await expectValidHistory(engine, inst.id);
    });

    test('the timer of an event subprocess is withdrawn when the process completes first', async () => {
      const { engine } = env();
      await deployXml(engine, withEsp('espTimerLate', esStart('EspStart', timerDuration('PT0.3S'), false)));
      const inst = await engine.startInstance({ processId: 'espTimerLate' });
      await complete(engine, inst.id, 'Main1');
      await complete(engine, inst.id, 'Main2');
      await expectState(engine, inst.id, 'completed');
      await timePasses(env(), 500);
      await engine.idle();
      expect(await openTasks(engine, inst.id)).toEqual([]);
      await expectCounts(engine, inst.id, { Esp: 0, Handle: 0 });
      await expectValidHistory(engine, inst.id);
    });

    test('interrupting message start cancels the main flow and sets the message variables', async () => {
      const { engine } = env();
      await deployXml(engine, withEsp('espMsg', esStart('EspStart', messageRef('Msg_Cancel')), [messageDef('Msg_Cancel', 'cancel-order', '=orderId')]));
      const inst = await engine.startInstance({ processId: 'espMsg', variables: { orderId: 'o-5' } });
      await complete(engine, inst.id, 'Main1');
      const res = await engine.publishMessage({ name: 'cancel-order', correlationKey: 'o-5', variables: { reason: 'fraud' } });
      expect(res.correlated).toBe(1);
      expect(await openTasks(engine, inst.id)).toEqual(['Handle']);
      expect((await tasksOf(engine, inst.id)).find((t) => t.elementId === 'Main2')!.state).toBe('canceled');
      expect((await engine.getInstance(inst.id)).variables).toMatchObject({ orderId: 'o-5', reason: 'fraud' });
      await complete(engine, inst.id, 'Handle');
      await expectState(engine, inst.id, 'completed');
      await expectCounts(engine, inst.id, { Main1: 1, Main2: 0, Join: 0, Esp: 1, Handle: 1 });
      await expectValidHistory(engine, inst.id);
    });

    test('non-interrupting message start can fire several times', async () => {
      const { engine } = env();
      await deployXml(engine, withEsp('espMsgNon', esStart('EspStart', messageRef('Msg_Note'), false), [messageDef('Msg_Note', 'note', '=orderId')]));
      const inst = await engine.startInstance({ processId: 'espMsgNon', variables: { orderId: 'o-6' } });
      await engine.publishMessage({ name: 'note', correlationKey: 'o-6' });
      await engine.idle();
      await engine.publishMessage({ name: 'note', correlationKey: 'o-6' });
      await engine.idle();
      expect(await openTasks(engine, inst.id)).toEqual(['Handle', 'Handle', 'Main1', 'Main2']);
      await expectValidHistory(engine, inst.id);
    });

    test('error start catches an error end event of the main flow (also from inside a subprocess)', async () => {
      const { engine } = env();
      await deployXml(
        engine,
        bpmn(
          'espError',
          [
            startEvent('Start'),
            userTask('Side'),
            subProcess('Sub', startEvent('SStart'), userTask('Work'), endEvent('Fail', errorRef('Err_Fail')), chain('SStart', 'Work', 'Fail')),
            userTask('After'),
            endEvent('End'),
            endEvent('SideEnd'),
            chain('Start', 'Sub', 'After', 'End'),
            chain('Start', 'Side', 'SideEnd'),
            eventSubProcess('Esp', esStart('EspStart', errorRef('Err_Fail')), userTask('Recover'), endEvent('EspEnd'), chain('EspStart', 'Recover', 'EspEnd')),
          ],
          [errorDef('Err_Fail', 'FAIL')],
        ),
      );
      const inst = await engine.startInstance({ processId: 'espError' });
      expect(await openTasks(engine, inst.id)).toEqual(['Side', 'Work']);
      await complete(engine, inst.id, 'Work');
      expect(await openTasks(engine, inst.id)).toEqual(['Recover']);
      expect((await tasksOf(engine, inst.id)).find((t) => t.elementId === 'Side')!.state).toBe('canceled');
      expect(await engine.listIncidents({ instanceId: inst.id })).toEqual([]);
      await complete(engine, inst.id, 'Recover');
      await expectState(engine, inst.id, 'completed');
      await expectCounts(engine, inst.id, { Work: 1, Fail: 0, Sub: 0, After: 0, Esp: 1, Recover: 1, Side: 0 });
      await expectValidHistory(engine, inst.id);
    });

    test('signal start (non-interrupting)', async () => {
      const { engine } = env();
      await deployXml(engine, withEsp('espSignal', esStart('EspStart', signalRef('Sig_Audit'), false), [signalDef('Sig_Audit', 'audit')]));
      const a = await engine.startInstance({ processId: 'espSignal' });
      const b = await engine.startInstance({ processId: 'espSignal' });
      const res = await engine.broadcastSignal({ name: 'audit', variables: { audited: true } });
      expect(res.delivered).toBe(2);
      for (const inst of [a, b]) {
        expect(await openTasks(engine, inst.id)).toEqual(['Handle', 'Main1', 'Main2']);
        expect((await engine.getInstance(inst.id)).variables.audited).toBe(true);
      }
      await expectValidHistory(engine, a.id, b.id);
    });

    test('signal start (interrupting)', async () => {
      const { engine } = env();
      await deployXml(engine, withEsp('espSignalInt', esStart('EspStart', signalRef('Sig_Stop')), [signalDef('Sig_Stop', 'stop')]));
      const inst = await engine.startInstance({ processId: 'espSignalInt' });
      await engine.broadcastSignal({ name: 'stop' });
      expect(await openTasks(engine, inst.id)).toEqual(['Handle']);
      await complete(engine, inst.id, 'Handle');
      await expectState(engine, inst.id, 'completed');
      await expectCounts(engine, inst.id, { Main1: 0, Main2: 0, Esp: 1 });
      await expectValidHistory(engine, inst.id);
    });

    test('escalation start (non-interrupting) catches an escalation thrown in the main flow', async () => {
      const { engine } = env();
      await deployXml(
        engine,
        bpmn(
          'espEsc',
          [
            startEvent('Start'),
            userTask('Work'),
            throwEvent('Raise', escalationRef('Esc_Slow')),
            userTask('More'),
            endEvent('End'),
            chain('Start', 'Work', 'Raise', 'More', 'End'),
            eventSubProcess('Esp', esStart('EspStart', escalationRef('Esc_Slow'), false), userTask('Handle'), endEvent('EspEnd'), chain('EspStart', 'Handle', 'EspEnd')),
          ],
          [escalationDef('Esc_Slow', 'SLOW')],
        ),
      );
      const inst = await engine.startInstance({ processId: 'espEsc' });
      await complete(engine, inst.id, 'Work');
      expect(await openTasks(engine, inst.id)).toEqual(['Handle', 'More']);
      await complete(engine, inst.id, 'More');
      await complete(engine, inst.id, 'Handle');
      await expectState(engine, inst.id, 'completed');
      await expectCounts(engine, inst.id, { Raise: 1, More: 1, Esp: 1, Handle: 1 });
      await expectValidHistory(engine, inst.id);
    });

    test('escalation start (interrupting) ends the main flow', async () => {
      const { engine } = env();
      await deployXml(
        engine,
        bpmn(
          'espEscInt',
          [
            startEvent('Start'),
            gateway('parallel', 'Fork'),
            userTask('Work'),
            userTask('Other'),
            endEvent('EscEnd', escalationRef('Esc_Stop')),
            endEvent('OtherEnd'),
            chain('Start', 'Fork', 'Work', 'EscEnd'),
            chain('Fork', 'Other', 'OtherEnd'),
            eventSubProcess('Esp', esStart('EspStart', escalationRef()), userTask('Handle'), endEvent('EspEnd'), chain('EspStart', 'Handle', 'EspEnd')),
          ],
          [escalationDef('Esc_Stop', 'STOP')],
        ),
      );
      const inst = await engine.startInstance({ processId: 'espEscInt' });
      await complete(engine, inst.id, 'Work');
      expect(await openTasks(engine, inst.id)).toEqual(['Handle']);
      expect((await tasksOf(engine, inst.id)).find((t) => t.elementId === 'Other')!.state).toBe('canceled');
      await complete(engine, inst.id, 'Handle');
      await expectState(engine, inst.id, 'completed');
      await expectCounts(engine, inst.id, { Other: 0, OtherEnd: 0, Esp: 1, Handle: 1 });
      await expectValidHistory(engine, inst.id);
    });

    // Zeebe: a correlation key that cannot be evaluated when the scope opens its subscriptions is an
    // incident; the instance is still created.
    test('an event subprocess message start whose correlation key is missing gives an incident, not a crash', async () => {
      const { engine } = env();
      await deployXml(engine, withEsp('espNoKey', esStart('EspStart', messageRef('Msg_K')), [messageDef('Msg_K', 'k-msg', '=customerId')]));
      const outcome = await engine.startInstance({ processId: 'espNoKey' }).then(
        (inst) => inst,
        (err: unknown) => ({ failed: (err as Error).message }),
      );
      await sleep(20); // an error xstate rethrows in a timer must surface in this test, not crash the worker
      expect(outcome).toHaveProperty('id');
      const id = (outcome as { id: string }).id;
      const incidents = await engine.listIncidents({ instanceId: id, state: 'open' });
      expect({ incidents: incidents.length, state: (await engine.getInstance(id)).state }).toEqual({ incidents: 1, state: 'incident' });
    });

    // Camunda 8: an escalation thrown in a called process can be caught by a boundary on the call activity.
    test('an escalation thrown in a child process reaches the escalation boundary of the call activity', async () => {
      const { engine } = env();
      await deployXml(
        engine,
        definitions(
          escalationDef('Esc_Help', 'HELP'),
          processEl(
            'escParent',
            startEvent('Start'),
            callActivity('Call', 'escChild'),
            boundary('OnHelp', 'Call', escalationRef('Esc_Help'), false),
            userTask('Assist'),
            userTask('After'),
            chain('Start', 'Call', 'After'),
            chain('OnHelp', 'Assist'),
          ),
          processEl(
            'escChild',
            startEvent('CStart'),
            throwEvent('AskHelp', escalationRef('Esc_Help')),
            userTask('Work'),
            endEvent('CEnd'),
            chain('CStart', 'AskHelp', 'Work', 'CEnd'),
          ),
        ),
      );
      const inst = await engine.startInstance({ processId: 'escParent' });
      const [kid] = await childrenOf(engine, inst.id);
      await engine.idle();
      expect(await openTasks(engine, kid.id)).toEqual(['Work']);
      await eventually(async () => expect(await openTasks(engine, inst.id)).toEqual(['Assist']), 1000);
      await complete(engine, kid.id, 'Work');
      await engine.idle();
      await eventually(async () => expect(await openTasks(engine, inst.id)).toEqual(['After', 'Assist']));
      await expectValidHistory(engine, inst.id, kid.id);
    });

    test('an event subprocess inside an embedded subprocess interrupts only that subprocess', async () => {
      const { engine } = env();
      await deployXml(
        engine,
        bpmn('espScoped', [
          startEvent('Start'),
          gateway('parallel', 'Fork'),
          subProcess(
            'Sub',
            startEvent('SStart'),
            userTask('Inner'),
            endEvent('SEnd'),
            chain('SStart', 'Inner', 'SEnd'),
            eventSubProcess('SubEsp', esStart('SubEspStart', timerDuration('PT0.2S')), userTask('Expired'), endEvent('SubEspEnd'), chain('SubEspStart', 'Expired', 'SubEspEnd')),
          ),
          userTask('Outside'),
          userTask('After'),
          endEvent('End'),
          endEvent('OutEnd'),
          chain('Start', 'Fork', 'Sub', 'After', 'End'),
          chain('Fork', 'Outside', 'OutEnd'),
        ]),
      );
      const inst = await engine.startInstance({ processId: 'espScoped' });
      await eventually(async () => expect(await openTasks(engine, inst.id)).toEqual(['Expired', 'Outside']));
      await complete(engine, inst.id, 'Expired');
      // the event subprocess completed, so the subprocess completes normally and the flow goes on
      expect(await openTasks(engine, inst.id)).toEqual(['After', 'Outside']);
      await complete(engine, inst.id, 'After');
      await complete(engine, inst.id, 'Outside');
      await expectState(engine, inst.id, 'completed');
      await expectCounts(engine, inst.id, { Inner: 0, SubEsp: 1, Expired: 1, Sub: 1, After: 1, Outside: 1 });
      await expectValidHistory(engine, inst.id);
    });
  });

  describe('call activities', () => {
    const child = processEl('child', startEvent('CStart'), userTask('Do'), endEvent('CEnd'), chain('CStart', 'Do', 'CEnd'));
    const parent = (callXml: string, roots: string[] = []) =>
      definitions(...roots, processEl('parent', startEvent('Start'), callXml, userTask('After'), endEvent('End'), chain('Start', 'Call', 'After', 'End')), child);

    async function runChild(engine: import('../../engine').Engine, parentId: string, variables: Record<string, unknown>) {
      const [kid] = await childrenOf(engine, parentId);
      expect(kid).toBeDefined();
      expect(kid.processId).toBe('child');
      expect(kid.parentInstanceId).toBe(parentId);
      await complete(engine, kid.id, 'Do', variables);
      await engine.idle();
      return kid;
    }

    test('propagateAllChildVariables=true: the child gets the parent variables and returns all of its own', async () => {
      const { engine } = env();
      await deployXml(engine, parent(callActivity('Call', 'child', { propagateAllChildVariables: true })));
      const inst = await engine.startInstance({ processId: 'parent', variables: { ticket: 'T-1' } });
      const [kid] = await childrenOf(engine, inst.id);
      expect(kid.variables).toMatchObject({ ticket: 'T-1' });
      expect(await engine.taskVariables(await waitTask(engine, kid.id, 'Do'))).toMatchObject({ ticket: 'T-1' });
      await runChild(engine, inst.id, { result: 'fixed', childOnly: 1 });
      expect((await engine.getInstance(kid.id)).state).toBe('completed');
      expect(await openTasks(engine, inst.id)).toEqual(['After']);
      expect((await engine.getInstance(inst.id)).variables).toEqual({ ticket: 'T-1', result: 'fixed', childOnly: 1 });
      await complete(engine, inst.id, 'After');
      await expectState(engine, inst.id, 'completed');
      await expectCounts(engine, inst.id, { Call: 1, After: 1 });
      await expectCounts(engine, kid.id, { CStart: 1, Do: 1, CEnd: 1 });
      await expectValidHistory(engine, inst.id, kid.id);
    });

    test('propagateAllChildVariables=false: nothing comes back without output mappings', async () => {
      const { engine } = env();
      await deployXml(engine, parent(callActivity('Call', 'child', { propagateAllChildVariables: false })));
      const inst = await engine.startInstance({ processId: 'parent', variables: { ticket: 'T-2' } });
      await runChild(engine, inst.id, { result: 'fixed' });
      expect(await openTasks(engine, inst.id)).toEqual(['After']);
      expect((await engine.getInstance(inst.id)).variables).toEqual({ ticket: 'T-2' });
      await expectValidHistory(engine, inst.id);
    });

    test('propagateAllChildVariables=false with output mappings: only the mapped values come back', async () => {
      const { engine } = env();
      await deployXml(
        engine,
        parent(callActivity('Call', 'child', { propagateAllChildVariables: false, inputs: [['=ticket', 'childTicket']], outputs: [['=result', 'childResult']] })),
      );
      const inst = await engine.startInstance({ processId: 'parent', variables: { ticket: 'T-3' } });
      const [kid] = await childrenOf(engine, inst.id);
      expect(kid.variables).toMatchObject({ childTicket: 'T-3' });
      await runChild(engine, inst.id, { result: 'done', noise: true });
      expect(await openTasks(engine, inst.id)).toEqual(['After']);
      expect((await engine.getInstance(inst.id)).variables).toEqual({ ticket: 'T-3', childResult: 'done' });
      await expectValidHistory(engine, inst.id, kid.id);
    });

    test('propagateAllParentVariables=false: the child sees only the input mappings; processId from FEEL', async () => {
      const { engine } = env();
      const call = `<bpmn:callActivity id="Call"><bpmn:extensionElements><zeebe:calledElement processId="=&quot;chi&quot; + &quot;ld&quot;" propagateAllParentVariables="false" />${'<zeebe:ioMapping><zeebe:input source="=ticket" target="ref" /></zeebe:ioMapping>'}</bpmn:extensionElements></bpmn:callActivity>`;
      await deployXml(engine, parent(call));
      const inst = await engine.startInstance({ processId: 'parent', variables: { ticket: 'T-9', secret: 's3cr3t' } });
      const [kid] = await childrenOf(engine, inst.id);
      expect(kid.processId).toBe('child');
      expect(kid.variables).toEqual({ ref: 'T-9' });
      await runChild(engine, inst.id, { back: 1 });
      expect(await openTasks(engine, inst.id)).toEqual(['After']);
      expect((await engine.getInstance(inst.id)).variables).toEqual({ ticket: 'T-9', secret: 's3cr3t', ref: 'T-9', back: 1 });
      await expectValidHistory(engine, inst.id, kid.id);
    });

    test('an error the child does not catch goes to the error boundary of the call activity', async () => {
      const { engine } = env();
      const failingChild = processEl('failing', startEvent('FStart'), userTask('Try'), endEvent('FErr', errorRef('Err_Child')), chain('FStart', 'Try', 'FErr'));
      await deployXml(
        engine,
        definitions(
          errorDef('Err_Child', 'CHILD_FAILED'),
          processEl(
            'caller',
            startEvent('Start'),
            callActivity('Call', 'failing'),
            boundary('OnChildErr', 'Call', errorRef('Err_Child')),
            userTask('After'),
            userTask('Handle'),
            endEvent('End'),
            endEvent('HEnd'),
            chain('Start', 'Call', 'After', 'End'),
            chain('OnChildErr', 'Handle', 'HEnd'),
          ),
          failingChild,
        ),
      );
      const inst = await engine.startInstance({ processId: 'caller' });
      const [kid] = await childrenOf(engine, inst.id);
      await complete(engine, kid.id, 'Try');
      await engine.idle();
      await eventually(async () => expect(await openTasks(engine, inst.id)).toEqual(['Handle']));
      expect((await engine.getInstance(kid.id)).state).toBe('terminated');
      expect(await engine.listIncidents({ instanceId: kid.id })).toEqual([]);
      await complete(engine, inst.id, 'Handle');
      await expectState(engine, inst.id, 'completed');
      await expectCounts(engine, inst.id, { Call: 0, OnChildErr: 1, Handle: 1, After: 0 });
      await expectValidHistory(engine, inst.id, kid.id);
    });

    test('canceling the parent cancels the child and its tasks', async () => {
      const { engine } = env();
      await deployXml(engine, parent(callActivity('Call', 'child')));
      const inst = await engine.startInstance({ processId: 'parent' });
      const [kid] = await childrenOf(engine, inst.id);
      await waitTask(engine, kid.id, 'Do');
      const canceled = await engine.cancelInstance(inst.id);
      expect(canceled.state).toBe('terminated');
      await engine.idle();
      await expectState(engine, kid.id, 'terminated');
      expect((await tasksOf(engine, kid.id)).map((t) => t.state)).toEqual(['canceled']);
      expect((await engine.getHistory(kid.id)).map((e) => e.type)).toContain('instance.terminated');
      await expectValidHistory(engine, inst.id, kid.id);
    });

    test('canceling reaches grandchildren', async () => {
      const { engine } = env();
      await deployXml(
        engine,
        definitions(
          processEl('top', startEvent('Start'), callActivity('Call', 'middle'), chain('Start', 'Call')),
          processEl('middle', startEvent('MStart'), callActivity('CallLeaf', 'leaf'), chain('MStart', 'CallLeaf')),
          processEl('leaf', startEvent('LStart'), userTask('Leaf'), chain('LStart', 'Leaf')),
        ),
      );
      const inst = await engine.startInstance({ processId: 'top' });
      const [middle] = await childrenOf(engine, inst.id);
      const [leaf] = await childrenOf(engine, middle.id);
      expect(await openTasks(engine, leaf.id)).toEqual(['Leaf']);
      await engine.cancelInstance(inst.id);
      await engine.idle();
      await expectState(engine, middle.id, 'terminated');
      await expectState(engine, leaf.id, 'terminated');
      expect(await openTasks(engine, leaf.id)).toEqual([]);
      await expectValidHistory(engine, inst.id, middle.id, leaf.id);
    });

    test('a child that completes hands its variables up through two levels', async () => {
      const { engine } = env();
      await deployXml(
        engine,
        definitions(
          processEl('top2', startEvent('Start'), callActivity('Call', 'middle2'), userTask('Done'), chain('Start', 'Call', 'Done')),
          processEl('middle2', startEvent('MStart'), callActivity('CallLeaf', 'leaf2'), chain('MStart', 'CallLeaf')),
          processEl('leaf2', startEvent('LStart'), userTask('Leaf'), chain('LStart', 'Leaf')),
        ),
      );
      const inst = await engine.startInstance({ processId: 'top2', variables: { seed: 1 } });
      const [middle] = await childrenOf(engine, inst.id);
      const [leaf] = await childrenOf(engine, middle.id);
      expect(leaf.variables).toMatchObject({ seed: 1 });
      await complete(engine, leaf.id, 'Leaf', { fromLeaf: 'x' });
      await engine.idle();
      await eventually(async () => expect(await openTasks(engine, inst.id)).toEqual(['Done']));
      expect((await engine.getInstance(inst.id)).variables).toEqual({ seed: 1, fromLeaf: 'x' });
      await expectState(engine, middle.id, 'completed');
      await expectValidHistory(engine, inst.id, middle.id, leaf.id);
    });

    test('an interrupting boundary on the call activity cancels the child', async () => {
      const { engine } = env();
      await deployXml(
        engine,
        definitions(
          processEl(
            'parentT',
            startEvent('Start'),
            callActivity('Call', 'child'),
            boundary('TooLong', 'Call', timerDuration('PT0.2S')),
            userTask('After'),
            userTask('Late'),
            chain('Start', 'Call', 'After'),
            chain('TooLong', 'Late'),
          ),
          child,
        ),
      );
      const inst = await engine.startInstance({ processId: 'parentT' });
      const [kid] = await childrenOf(engine, inst.id);
      await eventually(async () => expect(await openTasks(engine, inst.id)).toEqual(['Late']));
      await engine.idle();
      await expectState(engine, kid.id, 'terminated');
      expect(await openTasks(engine, kid.id)).toEqual([]);
      await expectValidHistory(engine, inst.id, kid.id);
    });

    test('calling a process that is not deployed is an incident on the call activity', async () => {
      const { engine } = env();
      await deployXml(engine, bpmn('orphan', [startEvent('Start'), callActivity('Call', 'nowhere'), endEvent('End'), chain('Start', 'Call', 'End')]));
      const inst = await engine.startInstance({ processId: 'orphan' });
      await engine.idle();
      const incidents = await eventually(async () => {
        const list = await engine.listIncidents({ instanceId: inst.id, state: 'open' });
        expect(list).toHaveLength(1);
        return list;
      });
      expect(incidents[0].message).toContain('nowhere');
      expect((await engine.getInstance(inst.id)).state).toBe('incident');
      expect(await childrenOf(engine, inst.id)).toEqual([]);
      await expectValidHistory(engine, inst.id);
    });

    test('the child history records where it came from; the parent records the call', async () => {
      const { engine } = env();
      await deployXml(engine, parent(callActivity('Call', 'child')));
      const inst = await engine.startInstance({ processId: 'parent' });
      const kid = await runChild(engine, inst.id, {});
      const activated = await countEvents(engine, inst.id, 'element.activated');
      expect(activated.Call).toBe(1);
      expect((await engine.getHistory(kid.id))[0].type).toBe('instance.started');
      await expectValidHistory(engine, inst.id, kid.id);
    });
  });
});
