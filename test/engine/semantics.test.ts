/**
 * BPMN 2.0 semantics checked against the spec (and Camunda 8's documentation where BPMN leaves room):
 * signals caught in the instance that throws them, which outgoing flows an activity takes, what the
 * engine refuses at deploy rather than running another way, global event definitions, and how history
 * tells a multi-instance body from its inner instances.
 */
import { DeploymentError } from '../../engine';
import {
  boundary,
  bpmn,
  chain,
  complete,
  countEvents,
  definitions,
  deployXml,
  endEvent,
  errorDef,
  esStart,
  eventSubProcess,
  expectCounts,
  expectState,
  expectValidHistory,
  flow,
  multiInstance,
  openTasks,
  processEl,
  signalDef,
  signalRef,
  startEvent,
  subProcess,
  throwEvent,
  useEngine,
  userTask,
} from './helpers';

const alarm = signalDef('Sig_alarm', 'alarm');

/** Deploys and returns the problems of a refused deployment (fails when it deploys). */
async function refusal(engine: Parameters<typeof deployXml>[0], xml: string): Promise<{ elementId?: string; message: string }[]> {
  try {
    await deployXml(engine, xml);
  } catch (err) {
    if (err instanceof DeploymentError) return err.problems;
    throw err;
  }
  throw new Error('the deployment was accepted');
}

describe("a signal thrown in an instance reaches that instance's own catchers", () => {
  const env = useEngine();

  /**
   * Start -> SP [ SStart -> Throw(alarm) -> SEnd ] -> End; a signal boundary B on SP -> Handle -> HEnd.
   * Nothing in SP waits: the throw must be caught before SP ends in the same step.
   */
  const subprocessWithBoundary = (id: string, interrupting: boolean) =>
    bpmn(
      id,
      [
        startEvent('Start'),
        subProcess('SP', startEvent('SStart'), throwEvent('Throw', signalRef('Sig_alarm')), endEvent('SEnd'), chain('SStart', 'Throw', 'SEnd')),
        endEvent('End'),
        boundary('B', 'SP', signalRef('Sig_alarm'), interrupting),
        userTask('Handle'),
        endEvent('HEnd'),
        chain('Start', 'SP', 'End'),
        chain('B', 'Handle', 'HEnd'),
      ],
      [alarm],
    );

  test('interrupting boundary of the subprocess that throws: the subprocess ends there, its boundary path runs', async () => {
    const { engine } = env();
    await deployXml(engine, subprocessWithBoundary('sigInt', true));
    const inst = await engine.startInstance({ processId: 'sigInt' });
    await engine.idle();
    expect(await openTasks(engine, inst.id)).toEqual(['Handle']);
    expect((await countEvents(engine, inst.id, 'element.terminated')).SP).toBe(1);
    await complete(engine, inst.id, 'Handle');
    await expectState(engine, inst.id, 'completed');
    await expectCounts(engine, inst.id, { SP: 0, SEnd: 0, B: 1, Handle: 1, HEnd: 1, End: 0 });
    await expectValidHistory(engine, inst.id);
  });

  test('non-interrupting boundary: the subprocess goes on, the boundary path runs beside it, once', async () => {
    const { engine } = env();
    await deployXml(engine, subprocessWithBoundary('sigNonInt', false));
    const inst = await engine.startInstance({ processId: 'sigNonInt' });
    await engine.idle();
    expect(await openTasks(engine, inst.id)).toEqual(['Handle']);
    await expectCounts(engine, inst.id, { SP: 1, SEnd: 1, End: 1, B: 1 });
    await complete(engine, inst.id, 'Handle');
    await expectState(engine, inst.id, 'completed');
    await expectCounts(engine, inst.id, { SP: 1, B: 1, Handle: 1, End: 1, HEnd: 1 });
  });

  test('a signal event subprocess of the process catches a throw that comes right after a subprocess starts, and one right after the process starts', async () => {
    const { engine } = env();
    const events = eventSubProcess('ES', esStart('ESStart', signalRef('Sig_alarm'), false), userTask('Y'), endEvent('ESEnd'), chain('ESStart', 'Y', 'ESEnd'));
    await deployXml(
      engine,
      bpmn(
        'sigEsInner',
        [
          startEvent('Start'),
          subProcess('SP', startEvent('SStart'), throwEvent('Throw', signalRef('Sig_alarm')), endEvent('SEnd'), chain('SStart', 'Throw', 'SEnd')),
          endEvent('End'),
          events,
          chain('Start', 'SP', 'End'),
        ],
        [alarm],
      ),
      bpmn('sigEsEarly', [startEvent('Start'), throwEvent('Throw', signalRef('Sig_alarm')), endEvent('End'), events, chain('Start', 'Throw', 'End')], [alarm]),
    );
    for (const processId of ['sigEsInner', 'sigEsEarly']) {
      const inst = await engine.startInstance({ processId });
      await engine.idle();
      expect({ processId, open: await openTasks(engine, inst.id), state: (await engine.getInstance(inst.id)).state }).toEqual({ processId, open: ['Y'], state: 'active' });
      expect((await countEvents(engine, inst.id, 'signal.received')).ESStart).toBe(1);
      await complete(engine, inst.id, 'Y');
      await expectState(engine, inst.id, 'completed');
    }
  });

  test('another instance still gets the signal once, and the thrower does not get it twice', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      bpmn(
        'sigListener',
        [startEvent('Start'), `<bpmn:intermediateCatchEvent id="Wait">${signalRef('Sig_alarm')}</bpmn:intermediateCatchEvent>`, endEvent('End'), chain('Start', 'Wait', 'End')],
        [alarm],
      ),
      subprocessWithBoundary('sigThrower', false),
    );
    const listener = await engine.startInstance({ processId: 'sigListener' });
    const thrower = await engine.startInstance({ processId: 'sigThrower' });
    await engine.idle();
    await expectState(engine, listener.id, 'completed');
    expect((await countEvents(engine, thrower.id, 'signal.received')).B).toBe(1);
    expect(await openTasks(engine, thrower.id)).toEqual(['Handle']);
  });
});
describe('which outgoing flows an activity takes', () => {
  const env = useEngine();

  /** A -> X unconditionally, -> Y when x > 5, -> Z by default. */
  const split = bpmn('split', [
    startEvent('Start'),
    userTask('A').replace('<bpmn:userTask id="A"', '<bpmn:userTask id="A" default="F_A_Z"'),
    userTask('X'),
    userTask('Y'),
    userTask('Z'),
    chain('Start', 'A'),
    flow('F_A_X', 'A', 'X'),
    flow('F_A_Y', 'A', 'Y', '=x > 5'),
    flow('F_A_Z', 'A', 'Z'),
  ]);

  test('no conditional flow true: the unconditional flow and the default flow', async () => {
    const { engine } = env();
    await deployXml(engine, split);
    const inst = await engine.startInstance({ processId: 'split', variables: { x: 1 } });
    await complete(engine, inst.id, 'A');
    expect(await openTasks(engine, inst.id)).toEqual(['X', 'Z']);
  });

  test('a conditional flow true: the unconditional flow and that one, not the default', async () => {
    const { engine } = env();
    await deployXml(engine, split);
    const inst = await engine.startInstance({ processId: 'split', variables: { x: 10 } });
    await complete(engine, inst.id, 'A');
    expect(await openTasks(engine, inst.id)).toEqual(['X', 'Y']);
  });
});
describe('what the engine does not honour is refused at deploy, with the element', () => {
  const env = useEngine();
  const simple = (task: string) => bpmn('refused', [startEvent('Start'), task, endEvent('End'), chain('Start', 'T', 'End')]);

  test('startQuantity and completionQuantity other than 1', async () => {
    const { engine } = env();
    for (const attr of ['startQuantity="2"', 'completionQuantity="3"', 'startQuantity="0"']) {
      const problems = await refusal(engine, simple(`<bpmn:task id="T" ${attr} />`));
      expect(problems).toEqual([expect.objectContaining({ elementId: 'T', message: expect.stringContaining(attr.split('=')[0]) })]);
    }
  });

  test('a multi-instance behavior other than All', async () => {
    const { engine } = env();
    const mi = multiInstance({ inputCollection: '=[1,2]', inputElement: 'item' }).replace(
      '<bpmn:multiInstanceLoopCharacteristics',
      '<bpmn:multiInstanceLoopCharacteristics behavior="One"',
    );
    const problems = await refusal(engine, simple(userTask('T', { inner: mi })));
    expect(problems).toEqual([expect.objectContaining({ elementId: 'T', message: expect.stringContaining('behavior One') })]);
  });

  test('a timeCycle on an intermediate timer catch event', async () => {
    const { engine } = env();
    const problems = await refusal(
      engine,
      simple(`<bpmn:intermediateCatchEvent id="T"><bpmn:timerEventDefinition><bpmn:timeCycle>R3/PT1H</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>`),
    );
    expect(problems).toEqual([expect.objectContaining({ elementId: 'T', message: expect.stringContaining('timeCycle') })]);
  });

  test('every refusal names an element: a global script task, an older BPMN namespace', async () => {
    const { engine } = env();
    const global = definitions('<bpmn:globalScriptTask id="GlobalScript" />', processEl('withGlobal', startEvent('Start'), endEvent('End'), chain('Start', 'End')));
    const globalProblems = await refusal(engine, global);
    expect(globalProblems).toEqual([expect.objectContaining({ elementId: 'GlobalScript' })]);

    const old = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://schema.omg.org/spec/BPMN/2.0" id="OldDefs" targetNamespace="t"><process id="old" isExecutable="true"><startEvent id="S" /></process></definitions>`;
    const oldProblems = await refusal(engine, old);
    expect(oldProblems.length).toBeGreaterThan(0);
    for (const p of oldProblems) expect(p.elementId).toEqual(expect.any(String));
    expect(oldProblems[0]).toEqual(expect.objectContaining({ elementId: 'OldDefs', message: expect.stringContaining('http://schema.omg.org/spec/BPMN/2.0') }));
  });
});
describe('global event definitions (eventDefinitionRef)', () => {
  const env = useEngine();

  test('an error end event referring to a global error definition throws it; a boundary catches it', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      bpmn(
        'globalErr',
        [
          startEvent('Start'),
          subProcess(
            'SP',
            startEvent('SStart'),
            '<bpmn:endEvent id="Fail"><bpmn:eventDefinitionRef>GlobalErrDef</bpmn:eventDefinitionRef></bpmn:endEvent>',
            chain('SStart', 'Fail'),
          ),
          endEvent('End'),
          boundary('Caught', 'SP', '<bpmn:errorEventDefinition errorRef="Err_bad" />'),
          userTask('Handle'),
          endEvent('HEnd'),
          chain('Start', 'SP', 'End'),
          chain('Caught', 'Handle', 'HEnd'),
        ],
        [errorDef('Err_bad', 'BAD'), '<bpmn:errorEventDefinition id="GlobalErrDef" errorRef="Err_bad" />'],
      ),
    );
    const inst = await engine.startInstance({ processId: 'globalErr' });
    expect(await openTasks(engine, inst.id)).toEqual(['Handle']);
    await expectCounts(engine, inst.id, { Caught: 1, End: 0 });
  });

  test('a signal catch event referring to a global signal definition waits for that signal', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      bpmn(
        'globalSig',
        [
          startEvent('Start'),
          '<bpmn:intermediateCatchEvent id="Wait"><bpmn:eventDefinitionRef>GlobalSigDef</bpmn:eventDefinitionRef></bpmn:intermediateCatchEvent>',
          endEvent('End'),
          chain('Start', 'Wait', 'End'),
        ],
        [alarm, '<bpmn:signalEventDefinition id="GlobalSigDef" signalRef="Sig_alarm" />'],
      ),
    );
    const inst = await engine.startInstance({ processId: 'globalSig' });
    expect((await engine.getInstance(inst.id)).state).toBe('active');
    await engine.broadcastSignal({ name: 'alarm' }, 'tester');
    await expectState(engine, inst.id, 'completed');
  });
});
describe('history tells a multi-instance body from its inner instances', () => {
  const env = useEngine();

  test('three inner instances: three element.completed for the task, the body has events of its own', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      bpmn('miHistory', [
        startEvent('Start'),
        userTask('Review', { inner: multiInstance({ inputCollection: '=[1,2,3]', inputElement: 'item' }) }),
        endEvent('End'),
        chain('Start', 'Review', 'End'),
      ]),
    );
    const inst = await engine.startInstance({ processId: 'miHistory' });
    for (let i = 0; i < 3; i++) await complete(engine, inst.id, 'Review');
    await expectState(engine, inst.id, 'completed');
    const history = await engine.getHistory(inst.id);
    const review = history.filter((e) => e.elementId === 'Review');
    expect(review.filter((e) => e.type === 'element.completed')).toHaveLength(3);
    expect(review.filter((e) => e.type === 'element.activated')).toHaveLength(3);
    for (const e of review.filter((x) => x.type === 'element.completed')) expect(e.data).toEqual(expect.objectContaining({ loopCounter: expect.any(Number) }));
    expect(review.filter((e) => e.type === 'multiInstance.activated')).toHaveLength(1);
    expect(review.filter((e) => e.type === 'multiInstance.completed')).toHaveLength(1);
    await expectCounts(engine, inst.id, { Review: 3 });
  });
});
