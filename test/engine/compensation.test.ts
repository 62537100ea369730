/**
 * Compensation (Camunda 8 semantics): a compensation throw event (intermediate or end) starts the
 * handler of every completed activity of its scope, or of its activityRef, with the activity's local
 * variables, and waits for them; completed subprocesses are compensated by their compensation event
 * subprocess or, without one, by the handlers of what completed inside them; nothing is compensated
 * twice, active activities are not compensated, a multi-instance activity counts once; what deploy
 * refuses.
 */
import { DeploymentError } from '../../engine';
import {
  bpmn,
  chain,
  complete,
  countEvents,
  deployXml,
  endEvent,
  eventSubProcess,
  esStart,
  expectCounts,
  expectState,
  expectValidHistory,
  flow,
  gateway,
  multiInstance,
  openTasks,
  startEvent,
  subProcess,
  throwEvent,
  useEngine,
  userTask,
  type UserTaskOptions,
} from './helpers';

const COMPENSATE = '<bpmn:compensateEventDefinition />';
const compensateRef = (activity: string): string => `<bpmn:compensateEventDefinition activityRef="${activity}" />`;

/** Activity `id` with a compensation boundary whose association leads to the user task `Undo<id>`. */
function compensable(id: string, activity: string, handler: UserTaskOptions = {}): string[] {
  return [
    activity,
    `<bpmn:boundaryEvent id="Comp${id}" attachedToRef="${id}">${COMPENSATE}</bpmn:boundaryEvent>`,
    userTask(`Undo${id}`, handler).replace(`id="Undo${id}"`, `id="Undo${id}" isForCompensation="true"`),
    `<bpmn:association id="As${id}" associationDirection="One" sourceRef="Comp${id}" targetRef="Undo${id}" />`,
  ];
}

async function compensationThrown(engine: Parameters<typeof openTasks>[0], instanceId: string): Promise<unknown[]> {
  return (await engine.getHistory(instanceId)).filter((e) => e.type === 'compensation.thrown').map((e) => (e.data as { activities: string[] }).activities);
}

async function refused(engine: Parameters<typeof openTasks>[0], xml: string): Promise<{ elementId?: string; message: string }[]> {
  try {
    await deployXml(engine, xml);
  } catch (err) {
    if (err instanceof DeploymentError) return err.problems;
    throw err;
  }
  throw new Error('the deployment was accepted');
}

describe('compensation', () => {
  const env = useEngine();

  test('a throw event compensates every completed activity of its scope, last completed first, and waits for the handlers', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      bpmn('compAll', [
        startEvent(),
        ...compensable('A', userTask('A')),
        ...compensable('B', userTask('B')),
        userTask('C'),
        throwEvent('Undo', COMPENSATE),
        userTask('After'),
        endEvent(),
        chain('Start', 'A', 'B', 'C', 'Undo', 'After', 'End'),
      ]),
    );
    const inst = await engine.startInstance({ processId: 'compAll' });
    for (const t of ['A', 'B', 'C']) await complete(engine, inst.id, t);
    // C has no compensation boundary: nothing of it to undo
    expect(await openTasks(engine, inst.id)).toEqual(['UndoA', 'UndoB']);
    expect(await compensationThrown(engine, inst.id)).toEqual([['A', 'B']]);
    const history = await engine.getHistory(inst.id);
    const activated = history.filter((e) => e.type === 'element.activated' && String(e.elementId).startsWith('Undo') && e.elementId !== 'Undo').map((e) => e.elementId);
    expect(activated).toEqual(['UndoB', 'UndoA']);
    await complete(engine, inst.id, 'UndoB');
    // the throw event waits for every handler it started
    expect(await openTasks(engine, inst.id)).toEqual(['UndoA']);
    await complete(engine, inst.id, 'UndoA');
    expect(await openTasks(engine, inst.id)).toEqual(['After']);
    await complete(engine, inst.id, 'After');
    await expectState(engine, inst.id, 'completed');
    await expectCounts(engine, inst.id, { A: 1, B: 1, C: 1, UndoA: 1, UndoB: 1, Undo: 1, After: 1 });
    await expectValidHistory(engine, inst.id);
  });

  test('activityRef compensates that activity only; the handler sees its local variables; what was compensated is not compensated again', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      bpmn('compRef', [
        startEvent(),
        ...compensable('A', userTask('A', { inputs: [['="booking-" + ref', 'booking']] }), { outputs: [['=booking', 'cancelled']] }),
        ...compensable('B', userTask('B')),
        throwEvent('UndoA1', compensateRef('A')),
        throwEvent('UndoA2', compensateRef('A')),
        userTask('After'),
        endEvent(),
        chain('Start', 'A', 'B', 'UndoA1', 'UndoA2', 'After', 'End'),
      ]),
    );
    const inst = await engine.startInstance({ processId: 'compRef', variables: { ref: '42' } });
    await complete(engine, inst.id, 'A');
    expect((await engine.getInstance(inst.id)).variables.booking).toBeUndefined();
    await complete(engine, inst.id, 'B');
    expect(await openTasks(engine, inst.id)).toEqual(['UndoA']);
    await complete(engine, inst.id, 'UndoA');
    // the second throw finds A already compensated and goes on at once
    expect(await openTasks(engine, inst.id)).toEqual(['After']);
    expect((await engine.getInstance(inst.id)).variables.cancelled).toBe('booking-42');
    expect(await compensationThrown(engine, inst.id)).toEqual([['A'], []]);
    await expectCounts(engine, inst.id, { UndoA: 1, UndoB: 0 });
    await expectValidHistory(engine, inst.id);
  });

  test('active activities are not compensated; a throw with nothing to compensate goes on at once', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      bpmn('compActive', [
        startEvent(),
        gateway('parallel', 'Fork'),
        ...compensable('Slow', userTask('Slow')),
        throwEvent('Undo', COMPENSATE),
        userTask('After'),
        endEvent('E1'),
        endEvent('E2'),
        flow('F1', 'Start', 'Fork'),
        flow('F2', 'Fork', 'Slow'),
        flow('F3', 'Fork', 'Undo'),
        flow('F4', 'Undo', 'After'),
        flow('F5', 'After', 'E1'),
        flow('F6', 'Slow', 'E2'),
      ]),
    );
    const inst = await engine.startInstance({ processId: 'compActive' });
    expect(await openTasks(engine, inst.id)).toEqual(['After', 'Slow']);
    expect(await compensationThrown(engine, inst.id)).toEqual([[]]);
    await complete(engine, inst.id, 'Slow');
    await complete(engine, inst.id, 'After');
    await expectState(engine, inst.id, 'completed');
    await expectCounts(engine, inst.id, { UndoSlow: 0 });
  });

  test('a completed subprocess is compensated through what completed inside it, nested subprocesses included', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      bpmn('compNested', [
        startEvent(),
        subProcess(
          'Sub',
          startEvent('S1'),
          ...compensable('In', userTask('In')),
          subProcess('Deep', startEvent('S2'), ...compensable('Deeper', userTask('Deeper')), endEvent('E2'), chain('S2', 'Deeper', 'E2')),
          endEvent('E1'),
          chain('S1', 'In', 'Deep', 'E1'),
        ),
        endEvent('End', COMPENSATE),
        chain('Start', 'Sub', 'End'),
      ]),
    );
    const inst = await engine.startInstance({ processId: 'compNested' });
    await complete(engine, inst.id, 'In');
    await complete(engine, inst.id, 'Deeper');
    expect(await openTasks(engine, inst.id)).toEqual(['UndoDeeper', 'UndoIn']);
    await expectState(engine, inst.id, 'active');
    await complete(engine, inst.id, 'UndoIn');
    await complete(engine, inst.id, 'UndoDeeper');
    // a compensation end event ends its token once the handlers are done
    await expectState(engine, inst.id, 'completed');
    await expectCounts(engine, inst.id, { End: 1, UndoIn: 1, UndoDeeper: 1 });
    await expectValidHistory(engine, inst.id);
  });

  test('a subprocess with a compensation event subprocess is compensated by it, with the subprocess variables as it completed', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      bpmn('compEsp', [
        startEvent(),
        subProcess(
          'Sub',
          startEvent('S1'),
          ...compensable('In', userTask('In', { outputs: [['="order-7"', 'order']] })),
          endEvent('E1'),
          chain('S1', 'In', 'E1'),
          eventSubProcess(
            'OnCompensate',
            esStart('CompStart', COMPENSATE),
            userTask('Refund', { outputs: [['=order', 'refunded']] }),
            endEvent('CompEnd'),
            chain('CompStart', 'Refund', 'CompEnd'),
          ),
        ),
        throwEvent('Undo', compensateRef('Sub')),
        userTask('After'),
        endEvent(),
        chain('Start', 'Sub', 'Undo', 'After', 'End'),
      ]),
    );
    const inst = await engine.startInstance({ processId: 'compEsp' });
    await complete(engine, inst.id, 'In');
    // the event subprocess replaces the handlers inside: UndoIn does not run
    expect(await openTasks(engine, inst.id)).toEqual(['Refund']);
    await complete(engine, inst.id, 'Refund');
    expect(await openTasks(engine, inst.id)).toEqual(['After']);
    expect((await engine.getInstance(inst.id)).variables.refunded).toBe('order-7');
    await complete(engine, inst.id, 'After');
    await expectState(engine, inst.id, 'completed');
    await expectCounts(engine, inst.id, { Refund: 1, UndoIn: 0, OnCompensate: 1 });
    await expectValidHistory(engine, inst.id);
  });

  test('a multi-instance activity is compensated once', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      bpmn('compMi', [
        startEvent(),
        ...compensable('Each', userTask('Each', { inner: multiInstance({ inputCollection: '=[1,2,3]', inputElement: 'n' }) })),
        throwEvent('Undo', COMPENSATE),
        userTask('After'),
        endEvent(),
        chain('Start', 'Each', 'Undo', 'After', 'End'),
      ]),
    );
    const inst = await engine.startInstance({ processId: 'compMi' });
    for (let i = 0; i < 3; i++) await complete(engine, inst.id, 'Each');
    expect(await openTasks(engine, inst.id)).toEqual(['UndoEach']);
    await complete(engine, inst.id, 'UndoEach');
    expect(await openTasks(engine, inst.id)).toEqual(['After']);
    expect(await countEvents(engine, inst.id, 'element.completed')).toMatchObject({ UndoEach: 1 });
  });

  test('the statechart names each handler a throw may start', async () => {
    const { engine } = env();
    await deployXml(engine, bpmn('compChart', [startEvent(), ...compensable('A', userTask('A')), throwEvent('Undo', COMPENSATE), endEvent(), chain('Start', 'A', 'Undo', 'End')]));
    const chart = JSON.parse(JSON.stringify(await engine.getMachineConfig('compChart:1')));
    expect(Object.keys(chart.states.Undo.on).sort()).toEqual(['compensate.UndoA', 'compensation.completed']);
    expect(chart.states.Undo.on['compensate.UndoA']).toEqual([{ target: '#UndoA', actions: [{ type: 'take', params: { from: 'Undo', to: 'UndoA' } }] }]);
    // the handler stands outside the flow: no transition leads to it but the throw's
    expect(JSON.stringify(chart).match(/"#UndoA"/g)).toHaveLength(1);
    expect(JSON.stringify(chart).match(/"#CompA"/g)).toBeNull();
  });

  test('deploy refuses compensation it would not honour, naming the element', async () => {
    const { engine } = env();
    const comp = (id: string, attached: string) => `<bpmn:boundaryEvent id="${id}" attachedToRef="${attached}">${COMPENSATE}</bpmn:boundaryEvent>`;
    const handler = (id: string) => userTask(id).replace(`id="${id}"`, `id="${id}" isForCompensation="true"`);
    const cases: [string, string, string][] = [
      [bpmn('r1', [startEvent(), userTask('A'), comp('CA', 'A'), endEvent(), chain('Start', 'A', 'End')]), 'CA', 'exactly one association'],
      [bpmn('r2', [startEvent(), userTask('A'), handler('UndoA'), endEvent(), chain('Start', 'A', 'End')]), 'UndoA', 'would never run'],
      [
        bpmn('r3', [startEvent(), ...compensable('A', userTask('A')), endEvent(), userTask('X'), chain('Start', 'A', 'End'), flow('FX', 'UndoA', 'X')]),
        'UndoA',
        'no incoming or outgoing sequence flows',
      ],
      [
        bpmn('r4', [
          startEvent(),
          subProcess('Sub', startEvent('S1'), ...compensable('In', userTask('In')), endEvent('E1'), chain('S1', 'In', 'E1')),
          throwEvent('T', compensateRef('In')),
          endEvent(),
          chain('Start', 'Sub', 'T', 'End'),
        ]),
        'T',
        'not an activity of the scope',
      ],
      [
        bpmn('r5', [startEvent(), userTask('A'), throwEvent('T', '<bpmn:compensateEventDefinition waitForCompletion="false" />'), endEvent(), chain('Start', 'A', 'T', 'End')]),
        'T',
        'waitForCompletion="false"',
      ],
      [bpmn('r6', [startEvent(), userTask('A'), throwEvent('T', compensateRef('A')), endEvent(), chain('Start', 'A', 'T', 'End')]), 'T', 'nothing to compensate'],
      [
        bpmn('r7', [startEvent(), userTask('A'), endEvent(), chain('Start', 'A', 'End'), eventSubProcess('Esp', esStart('CS', COMPENSATE), endEvent('CE'), chain('CS', 'CE'))]),
        'CS',
        'belongs in an embedded subprocess',
      ],
    ];
    for (const [xml, elementId, text] of cases) {
      const problems = await refused(engine, xml);
      expect({ elementId, found: problems.some((p) => p.elementId === elementId && p.message.includes(text)), problems }).toMatchObject({ elementId, found: true });
    }
    expect((await engine.listProcesses()).filter((d) => /^r\d$/.test(d.processId))).toEqual([]);
  });
});
