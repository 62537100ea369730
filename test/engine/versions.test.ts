/**
 * Versions in flight: a running instance migrated to a newer version of its process (an element-id
 * mapping checked as a whole before anything moves; tasks, jobs, timers and subscriptions follow;
 * history records it), and an administrator's instance modification (activate, terminate, move).
 * Every refusal leaves the instance, its rows and its history as they were.
 */
import type { Engine } from '../../engine';
import {
  activateOne,
  boundary,
  bpmn,
  catchEvent,
  chain,
  complete,
  deployXml,
  endEvent,
  expectEngineError,
  expectState,
  expectValidHistory,
  flow,
  gateway,
  messageDef,
  messageRef,
  openTasks,
  serviceTask,
  startEvent,
  subProcess,
  tasksOf,
  timerDuration,
  useEngine,
  userTask,
} from './helpers';
import { tempEngine } from '../support/engine';

/** What a refusal must leave untouched. */
async function snapshotOf(engine: Engine, id: string): Promise<unknown> {
  const instance = await engine.getInstance(id);
  return { instance, history: (await engine.getHistory(id)).length, tasks: await tasksOf(engine, id) };
}

async function migrated(engine: Engine, id: string): Promise<unknown> {
  return (await engine.getHistory(id)).filter((e) => e.type === 'instance.migrated').map((e) => e.data);
}

describe('migrating running instances to a newer version', () => {
  const env = useEngine();
  const closeLater: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closeLater.splice(0)) await close();
  });

  test('an instance moves to the new version and goes on along its flows; its open task is the same task', async () => {
    const { engine } = env();
    await deployXml(engine, bpmn('mig', [startEvent(), userTask('A'), userTask('B'), endEvent(), chain('Start', 'A', 'B', 'End')]));
    const inst = await engine.startInstance({ processId: 'mig' });
    const [taskBefore] = await tasksOf(engine, inst.id);
    await deployXml(engine, bpmn('mig', [startEvent(), userTask('A'), userTask('Check'), userTask('B'), endEvent(), chain('Start', 'A', 'Check', 'B', 'End')]));
    const { report, instance } = await engine.migrateInstance(inst.id, { targetDefinitionKey: 'mig:2' });
    expect(report).toEqual({ instanceId: inst.id, from: 'mig:1', to: 'mig:2', inUse: ['A'], mapping: { A: 'A' }, problems: [], migrated: true });
    expect(instance).toMatchObject({ version: 2, definitionKey: 'mig:2', activeElements: ['A'] });
    const [taskAfter] = await tasksOf(engine, inst.id);
    expect(taskAfter).toEqual(taskBefore);
    await complete(engine, inst.id, 'A');
    // the new version's flow: Check comes before B
    expect(await openTasks(engine, inst.id)).toEqual(['Check']);
    await complete(engine, inst.id, 'Check');
    await complete(engine, inst.id, 'B');
    await expectState(engine, inst.id, 'completed');
    expect(await migrated(engine, inst.id)).toEqual([{ from: 'mig:1', to: 'mig:2', mapping: {} }]);
    await expectValidHistory(engine, inst.id);
  });

  test('renamed elements move by the mapping: the task row, the boundary timer row and the job row follow', async () => {
    let now = Date.parse('2026-12-01T09:00:00Z');
    const t = await tempEngine({ clock: () => now });
    closeLater.push(t.close);
    const { engine } = t;
    const v1 = bpmn('ren', [
      startEvent(),
      gateway('parallel', 'Fork'),
      userTask('Review', { name: 'Review' }),
      boundary('Late', 'Review', timerDuration('PT1H')),
      serviceTask('Call', 'crm'),
      endEvent('E1'),
      endEvent('E2'),
      endEvent('ELate'),
      flow('F0', 'Start', 'Fork'),
      flow('F1', 'Fork', 'Review'),
      flow('F2', 'Fork', 'Call'),
      flow('F3', 'Review', 'E1'),
      flow('F4', 'Call', 'E2'),
      flow('F5', 'Late', 'ELate'),
    ]);
    const v2 = bpmn('ren', [
      startEvent(),
      gateway('parallel', 'Fork'),
      userTask('Approve', { name: 'Approve the request' }),
      boundary('TooLate', 'Approve', timerDuration('PT1H')),
      serviceTask('CallCrm', 'crm'),
      userTask('AfterCall'),
      endEvent('E1'),
      endEvent('E2'),
      userTask('Escalated'),
      flow('F0', 'Start', 'Fork'),
      flow('F1', 'Fork', 'Approve'),
      flow('F2', 'Fork', 'CallCrm'),
      flow('F3', 'Approve', 'E1'),
      flow('F4', 'CallCrm', 'AfterCall'),
      flow('F6', 'AfterCall', 'E2'),
      flow('F5', 'TooLate', 'Escalated'),
    ]);
    await deployXml(engine, v1);
    const inst = await engine.startInstance({ processId: 'ren' });
    await deployXml(engine, v2);
    const mappingInstructions = [
      { sourceElementId: 'Review', targetElementId: 'Approve' },
      { sourceElementId: 'Late', targetElementId: 'TooLate' },
      { sourceElementId: 'Call', targetElementId: 'CallCrm' },
    ];
    const { report } = await engine.migrateInstance(inst.id, { targetDefinitionKey: 'ren:2', mappingInstructions });
    expect(report.mapping).toEqual({ Review: 'Approve', Late: 'TooLate', Call: 'CallCrm' });
    const [task] = await tasksOf(engine, inst.id);
    expect(task).toMatchObject({ elementId: 'Approve', name: 'Approve the request', state: 'created' });
    const timers = (await t.store.dueTimers(now + 2 * 3600_000, 10)).filter((row) => row.instanceId === inst.id);
    expect(timers.map((t) => t.elementId)).toEqual(['TooLate']);
    const job = await activateOne(engine, 'crm');
    expect(job.elementId).toBe('CallCrm');
    await engine.completeJob(job.key, {}, 'worker');
    // the job's completion follows v2's flow
    expect(await openTasks(engine, inst.id)).toEqual(['AfterCall', 'Approve']);
    now += 3600_000;
    await engine.fireTimer(timers[0]);
    expect(await openTasks(engine, inst.id)).toEqual(['AfterCall', 'Escalated']);
    await expectValidHistory(engine, inst.id);
  });

  test('a message subscription moves with its correlation key', async () => {
    const { engine } = env();
    const v = (catchId: string, after: string) =>
      bpmn('msg', [startEvent(), catchEvent(catchId, messageRef('M')), userTask(after), endEvent(), chain('Start', catchId, after, 'End')], [messageDef('M', 'Reply', '=ticket')]);
    await deployXml(engine, v('WaitReply', 'Old'));
    const inst = await engine.startInstance({ processId: 'msg', variables: { ticket: 'T-1' } });
    await deployXml(engine, v('AwaitReply', 'New'));
    await engine.migrateInstance(inst.id, { targetDefinitionKey: 'msg:2', mappingInstructions: [{ sourceElementId: 'WaitReply', targetElementId: 'AwaitReply' }] });
    await engine.publishMessage({ name: 'Reply', correlationKey: 'T-1', variables: {} });
    await engine.idle();
    expect(await openTasks(engine, inst.id)).toEqual(['New']);
  });

  test('elements inside a running subprocess move with it', async () => {
    const { engine } = env();
    const v = (inner: string) =>
      bpmn('sub', [
        startEvent(),
        subProcess('Sub', startEvent('S1'), userTask(inner), endEvent('E1'), chain('S1', inner, 'E1')),
        userTask('After'),
        endEvent(),
        chain('Start', 'Sub', 'After', 'End'),
      ]);
    await deployXml(engine, v('Inner'));
    const inst = await engine.startInstance({ processId: 'sub' });
    await deployXml(engine, v('Inner2'));
    await engine.migrateInstance(inst.id, { targetDefinitionKey: 'sub:2', mappingInstructions: [{ sourceElementId: 'Inner', targetElementId: 'Inner2' }] });
    await complete(engine, inst.id, 'Inner2');
    expect(await openTasks(engine, inst.id)).toEqual(['After']);
  });

  test('a dry run reports the mapping and every problem and moves nothing; the real run is refused with the same problems', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      bpmn('bad', [
        startEvent(),
        gateway('parallel', 'Fork'),
        userTask('A'),
        userTask('B'),
        subProcess('Sub', startEvent('S1'), userTask('C'), endEvent('E1'), chain('S1', 'C', 'E1')),
        endEvent('E'),
        endEvent('E2'),
        endEvent('E3'),
        flow('F0', 'Start', 'Fork'),
        flow('F1', 'Fork', 'A'),
        flow('F2', 'Fork', 'B'),
        flow('F3', 'Fork', 'Sub'),
        flow('F4', 'A', 'E'),
        flow('F5', 'B', 'E2'),
        flow('F6', 'Sub', 'E3'),
      ]),
    );
    const inst = await engine.startInstance({ processId: 'bad' });
    // v2: A gone, B a service task, C moved out of the subprocess, and Sub gained a timer boundary
    await deployXml(
      engine,
      bpmn('bad', [
        startEvent(),
        gateway('parallel', 'Fork'),
        serviceTask('B', 'x'),
        userTask('C'),
        subProcess('Sub', startEvent('S1'), userTask('C2'), endEvent('E1'), chain('S1', 'C2', 'E1')),
        boundary('SubLate', 'Sub', timerDuration('PT1H')),
        endEvent('E2'),
        endEvent('E3'),
        endEvent('E4'),
        endEvent('E5'),
        flow('F0', 'Start', 'Fork'),
        flow('F2', 'Fork', 'B'),
        flow('F3', 'Fork', 'Sub'),
        flow('F5', 'B', 'E2'),
        flow('F6', 'Sub', 'E3'),
        flow('F7', 'SubLate', 'E4'),
        flow('F8', 'Fork', 'C'),
        flow('F9', 'C', 'E5'),
      ]),
    );
    const before = await snapshotOf(engine, inst.id);
    const { report } = await engine.migrateInstance(inst.id, { targetDefinitionKey: 'bad:2', dryRun: true });
    expect(report.migrated).toBe(false);
    expect(report.problems).toEqual([
      'A is active and has no mapping: the target version has no element A',
      'B (userTask) cannot become B (serviceTask): the element types differ',
      'C lies in Sub, C in bad: Sub must map to bad (elements cannot change their scope)',
      'Sub has boundary events SubLate that no boundary event of Sub maps to',
    ]);
    await expect(engine.migrateInstance(inst.id, { targetDefinitionKey: 'bad:2' })).rejects.toMatchObject({ code: 'INVALID', details: { problems: report.problems } });
    expect(await snapshotOf(engine, inst.id)).toEqual(before);
  });

  test('refused: another process, the version it runs, an unknown version, an ended instance, mappings of unknown elements', async () => {
    const { engine } = env();
    await deployXml(engine, bpmn('one', [startEvent(), userTask('A'), endEvent(), chain('Start', 'A', 'End')]));
    await deployXml(engine, bpmn('two', [startEvent(), userTask('A'), endEvent(), chain('Start', 'A', 'End')]));
    const inst = await engine.startInstance({ processId: 'one' });
    const before = await snapshotOf(engine, inst.id);
    await expectEngineError(engine.migrateInstance(inst.id, { targetDefinitionKey: 'two:1' }), 'INVALID');
    await expectEngineError(engine.migrateInstance(inst.id, { targetDefinitionKey: 'one:1' }), 'INVALID');
    await expectEngineError(engine.migrateInstance(inst.id, { targetDefinitionKey: 'one:7' }), 'NOT_FOUND');
    await deployXml(engine, bpmn('one', [startEvent(), userTask('A'), userTask('Z'), endEvent(), chain('Start', 'A', 'Z', 'End')]));
    await expect(
      engine.migrateInstance(inst.id, {
        targetDefinitionKey: 'one:2',
        mappingInstructions: [
          { sourceElementId: 'Ghost', targetElementId: 'A' },
          { sourceElementId: 'A', targetElementId: 'Nope' },
        ],
      }),
    ).rejects.toMatchObject({ details: { problems: ['mapping: Ghost is no element of one (the source version)', 'mapping: Nope is no element of the target version'] } });
    expect(await snapshotOf(engine, inst.id)).toEqual(before);
    await engine.cancelInstance(inst.id);
    await expectEngineError(engine.migrateInstance(inst.id, { targetDefinitionKey: 'one:2' }), 'CONFLICT');
  });

  test('a token waiting at a join is not migrated', async () => {
    const { engine } = env();
    const xml = (extra: string) =>
      bpmn('join', [
        startEvent(),
        gateway('parallel', 'Fork'),
        userTask('A'),
        userTask(extra),
        gateway('parallel', 'Join'),
        endEvent(),
        flow('F0', 'Start', 'Fork'),
        flow('F1', 'Fork', 'A'),
        flow('F2', 'Fork', extra),
        flow('F3', 'A', 'Join'),
        flow('F4', extra, 'Join'),
        flow('F5', 'Join', 'End'),
      ]);
    await deployXml(engine, xml('B'));
    const inst = await engine.startInstance({ processId: 'join' });
    await complete(engine, inst.id, 'A');
    await deployXml(engine, xml('B'));
    await deployXml(engine, xml('B').replace('<bpmn:endEvent id="End">', '<bpmn:endEvent id="End" name="Done">'));
    await expect(engine.migrateInstance(inst.id, { targetDefinitionKey: 'join:2' })).rejects.toMatchObject({
      details: { problems: ['a token waits at the join Join: migrate once the join has fired'] },
    });
  });
});

describe('instance modification', () => {
  const env = useEngine();
  const linear = bpmn(
    'mod',
    [
      startEvent(),
      userTask('A'),
      catchEvent('Wait', messageRef('M')),
      userTask('C'),
      endEvent(),
      chain('Start', 'A', 'Wait', 'C', 'End'),
      subProcess('Side', startEvent('S1'), userTask('Inner'), endEvent('E1'), chain('S1', 'Inner', 'E1')),
    ],
    [messageDef('M', 'Never', '=key')],
  );

  test('moving a token: the stuck catch event is terminated, the next task is active, the history says who did it', async () => {
    const { engine } = env();
    await deployXml(engine, linear);
    const inst = await engine.startInstance({ processId: 'mod', variables: { key: 'k1' } });
    await complete(engine, inst.id, 'A');
    expect((await engine.getInstance(inst.id)).activeElements).toEqual(['Wait']);
    const after = await engine.modifyInstance(inst.id, { activate: [{ elementId: 'C', variables: { skipped: true } }], terminate: ['Wait'] }, 'root');
    expect(after.activeElements).toEqual(['C']);
    expect(after.variables.skipped).toBe(true);
    const history = await engine.getHistory(inst.id);
    expect(history.filter((e) => e.type === 'instance.modified').map((e) => ({ actor: e.actor, data: e.data }))).toEqual([
      { actor: 'root', data: { activated: ['C'], terminated: ['Wait'], tokensTerminated: 1 } },
    ]);
    expect(history.some((e) => e.type === 'element.terminated' && e.elementId === 'Wait')).toBe(true);
    await complete(engine, inst.id, 'C');
    await expectState(engine, inst.id, 'completed');
    await expectValidHistory(engine, inst.id);
  });

  test('activating inside a subprocess needs that subprocess running; other refusals name the reason and change nothing', async () => {
    const { engine } = env();
    await deployXml(engine, linear);
    const inst = await engine.startInstance({ processId: 'mod', variables: { key: 'k2' } });
    const before = await snapshotOf(engine, inst.id);
    const refusal = async (m: { activate?: { elementId: string }[]; terminate?: string[] }, text: string) => {
      const err = await engine.modifyInstance(inst.id, { activate: m.activate ?? [], terminate: m.terminate ?? [] }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toMatchObject({ code: 'INVALID' });
      expect((err as Error).message).toContain(text);
    };
    await refusal({ activate: [{ elementId: 'Inner' }] }, 'Inner lies in Side, which is not running: activate Side instead');
    await refusal({ activate: [{ elementId: 'Ghost' }] }, 'Ghost is no element of mod');
    await refusal({ activate: [{ elementId: 'Start' }] }, 'Start is a startEvent');
    await refusal({ terminate: ['C'] }, 'no token stands on C');
    await refusal({}, 'nothing to activate or terminate');
    expect(await snapshotOf(engine, inst.id)).toEqual(before);
    // with Side running, its inner task can be activated
    await engine.modifyInstance(inst.id, { activate: [{ elementId: 'Side' }], terminate: [] });
    await engine.modifyInstance(inst.id, { activate: [{ elementId: 'Inner' }], terminate: [] });
    expect(await openTasks(engine, inst.id)).toEqual(['A', 'Inner', 'Inner']);
  });

  test('terminating the last token ends the instance, as a terminate end event would', async () => {
    const { engine } = env();
    await deployXml(engine, linear);
    const inst = await engine.startInstance({ processId: 'mod', variables: { key: 'k3' } });
    await engine.modifyInstance(inst.id, { activate: [], terminate: ['A'] });
    await expectState(engine, inst.id, 'completed');
    expect((await tasksOf(engine, inst.id)).map((t) => t.state)).toEqual(['canceled']);
  });
});
