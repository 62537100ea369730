/**
 * Ad-hoc subprocesses (Camunda 8: bpmn:adHocSubProcess with zeebe:adHoc): which inner elements start
 * (activeElementsCollection, or every element no flow leads to), more started later through the
 * engine, the completion condition with and without cancelling the rest, the output collection, and
 * what is refused at deploy.
 */
import { DeploymentError } from '../../engine';
import {
  bpmn,
  chain,
  complete,
  countEvents,
  deployXml,
  endEvent,
  esc,
  expectCounts,
  expectEngineError,
  expectState,
  expectValidHistory,
  flow,
  openTasks,
  startEvent,
  useEngine,
  userTask,
} from './helpers';

interface AdHocOptions {
  activeElements?: string;
  completionCondition?: string;
  cancelRemaining?: boolean;
  outputCollection?: string;
  outputElement?: string;
}

/** Start -> AdHoc [A, B -> B2, C] -> After -> End. */
function adHocProcess(id: string, o: AdHocOptions = {}, inner: string[] = []): string {
  const zeebe = [
    o.activeElements ? ` activeElementsCollection="${esc(o.activeElements)}"` : '',
    o.outputCollection ? ` outputCollection="${o.outputCollection}"` : '',
    o.outputElement ? ` outputElement="${esc(o.outputElement)}"` : '',
  ].join('');
  const cancel = o.cancelRemaining === undefined ? '' : ` cancelRemainingInstances="${o.cancelRemaining}"`;
  return bpmn(id, [
    startEvent('Start'),
    `<bpmn:adHocSubProcess id="AdHoc"${cancel}>` +
      (zeebe ? `<bpmn:extensionElements><zeebe:adHoc${zeebe} /></bpmn:extensionElements>` : '') +
      [userTask('A'), userTask('B'), userTask('B2'), userTask('C'), flow('F_B_B2', 'B', 'B2'), ...inner].join('\n') +
      (o.completionCondition ? `<bpmn:completionCondition xsi:type="bpmn:tFormalExpression">${esc(o.completionCondition)}</bpmn:completionCondition>` : '') +
      '</bpmn:adHocSubProcess>',
    userTask('After'),
    endEvent('End'),
    chain('Start', 'AdHoc', 'After', 'End'),
  ]);
}

describe('ad-hoc subprocesses', () => {
  const env = useEngine();

  test('activeElementsCollection starts the elements it lists; the subprocess completes when they are done', async () => {
    const { engine } = env();
    await deployXml(engine, adHocProcess('adhocList', { activeElements: '=chosen' }));
    const inst = await engine.startInstance({ processId: 'adhocList', variables: { chosen: ['A', 'C'] } });
    expect(await openTasks(engine, inst.id)).toEqual(['A', 'C']);
    await complete(engine, inst.id, 'A');
    expect(await openTasks(engine, inst.id)).toEqual(['C']);
    await complete(engine, inst.id, 'C');
    await complete(engine, inst.id, 'After');
    await expectState(engine, inst.id, 'completed');
    await expectCounts(engine, inst.id, { A: 1, B: 0, C: 1, AdHoc: 1, After: 1 });
    await expectValidHistory(engine, inst.id);
  });

  test('without a collection every element no flow leads to starts; inner flows run as usual', async () => {
    const { engine } = env();
    await deployXml(engine, adHocProcess('adhocAll'));
    const inst = await engine.startInstance({ processId: 'adhocAll' });
    expect(await openTasks(engine, inst.id)).toEqual(['A', 'B', 'C']);
    for (const t of ['A', 'B', 'C']) await complete(engine, inst.id, t);
    expect(await openTasks(engine, inst.id)).toEqual(['B2']); // B's flow leads on inside
    await complete(engine, inst.id, 'B2');
    expect(await openTasks(engine, inst.id)).toEqual(['After']);
  });

  test('the completion condition met cancels the elements still running (the default)', async () => {
    const { engine } = env();
    await deployXml(engine, adHocProcess('adhocCancel', { activeElements: '=["A", "C"]', completionCondition: '=done = true' }));
    const inst = await engine.startInstance({ processId: 'adhocCancel' });
    await complete(engine, inst.id, 'A', { done: true });
    expect(await openTasks(engine, inst.id)).toEqual(['After']);
    expect((await countEvents(engine, inst.id, 'element.terminated')).C).toBe(1);
  });

  test('cancelRemainingInstances false: the condition met, the rest finishes first', async () => {
    const { engine } = env();
    await deployXml(engine, adHocProcess('adhocWait', { activeElements: '=["A", "C"]', completionCondition: '=done = true', cancelRemaining: false }));
    const inst = await engine.startInstance({ processId: 'adhocWait' });
    await complete(engine, inst.id, 'A', { done: true });
    expect(await openTasks(engine, inst.id)).toEqual(['C']);
    await complete(engine, inst.id, 'C');
    expect(await openTasks(engine, inst.id)).toEqual(['After']);
  });

  test('outputCollection gathers outputElement of each completed element into the enclosing scope', async () => {
    const { engine } = env();
    await deployXml(engine, adHocProcess('adhocOut', { activeElements: '=["A", "C"]', outputCollection: 'results', outputElement: '=result' }));
    const inst = await engine.startInstance({ processId: 'adhocOut' });
    await complete(engine, inst.id, 'C', { result: 'c' });
    await complete(engine, inst.id, 'A', { result: 'a' });
    expect((await engine.getInstance(inst.id)).variables.results).toEqual(['c', 'a']);
  });

  test('elements started later through the engine; a condition not met keeps it waiting for more', async () => {
    const { engine } = env();
    await deployXml(engine, adHocProcess('adhocApi', { activeElements: '=[]', completionCondition: '=closed = true' }));
    const inst = await engine.startInstance({ processId: 'adhocApi' });
    expect(await openTasks(engine, inst.id)).toEqual([]);
    expect((await engine.getInstance(inst.id)).state).toBe('active');
    await engine.activateElements(inst.id, 'AdHoc', ['B'], 'owner');
    await complete(engine, inst.id, 'B');
    await complete(engine, inst.id, 'B2', { closed: false });
    expect(await openTasks(engine, inst.id)).toEqual([]);
    expect((await engine.getInstance(inst.id)).activeElements).toEqual(['AdHoc']);
    await engine.activateElements(inst.id, 'AdHoc', ['C'], 'owner');
    await complete(engine, inst.id, 'C', { closed: true });
    expect(await openTasks(engine, inst.id)).toEqual(['After']);
    const activated = (await engine.getHistory(inst.id)).filter((e) => e.type === 'adHoc.activated');
    expect(activated.map((e) => [e.actor, e.data])).toEqual([
      ['owner', { elements: ['B'] }],
      ['owner', { elements: ['C'] }],
    ]);
    await expectEngineError(engine.activateElements(inst.id, 'AdHoc', ['Nope']), 'INVALID');
    await expectEngineError(engine.activateElements(inst.id, 'After', ['A']), 'INVALID');
  });

  test('a collection naming what is not inside is an incident on the subprocess', async () => {
    const { engine } = env();
    await deployXml(engine, adHocProcess('adhocBad', { activeElements: '=["A", "After"]' }));
    const inst = await engine.startInstance({ processId: 'adhocBad' });
    const [incident] = await engine.listIncidents({ instanceId: inst.id });
    expect(incident).toEqual(expect.objectContaining({ elementId: 'AdHoc', message: expect.stringContaining('["After"] is no inner element of ad-hoc subprocess AdHoc') }));
    expect(await openTasks(engine, inst.id)).toEqual([]);
  });

  test('refused at deploy: start or end events inside, sequential ordering, no activity', async () => {
    const { engine } = env();
    const refused = async (xml: string) => {
      try {
        await deployXml(engine, xml);
      } catch (err) {
        if (err instanceof DeploymentError) return err.problems;
        throw err;
      }
      throw new Error('accepted');
    };
    expect(await refused(adHocProcess('adhocStart', {}, [startEvent('Inner')]))).toEqual([
      expect.objectContaining({ elementId: 'Inner', message: expect.stringContaining('no start events') }),
    ]);
    expect(await refused(adHocProcess('adhocSeq').replace('<bpmn:adHocSubProcess id="AdHoc"', '<bpmn:adHocSubProcess id="AdHoc" ordering="Sequential"'))).toEqual([
      expect.objectContaining({ elementId: 'AdHoc', message: expect.stringContaining('Sequential') }),
    ]);
  });

  test('the statechart: the subprocess state starts its inner elements by activate transitions', async () => {
    const { engine } = env();
    await deployXml(engine, adHocProcess('adhocChart'));
    const config = (await engine.getMachineConfig('adhocChart:1')) as Record<string, any>;
    expect(config.states.AdHoc.meta.kind).toBe('adHocSubProcess');
    expect(Object.keys(config.states.AdHoc.on).sort()).toEqual(['activate.A', 'activate.B', 'activate.B2', 'activate.C', 'adHoc.completed']);
    expect(config.states.AdHoc.onDone).toBeUndefined();
  });
});
