/**
 * Multi-instance activities: parallel and sequential over a collection, output collections, completion
 * conditions, empty collections, loop cardinality, subprocesses and call activities, bad input.
 */
import type { Engine } from '../../engine';
import {
  activateOne,
  boundary,
  bpmn,
  callActivity,
  chain,
  childrenOf,
  complete,
  deployXml,
  endEvent,
  eventually,
  expectCounts,
  expectState,
  expectValidHistory,
  definitions,
  multiInstance,
  openTasks,
  processEl,
  serviceTask,
  startEvent,
  subProcess,
  tasksOf,
  timerDuration,
  useEngine,
  userTask,
} from './helpers';

/** element.completed events of a multi-instance element: inner instances carry their loopCounter. */
/** The inner instances' loop counters (element.completed) and how often the body completed (multiInstance.completed). */
async function miCompletions(engine: Engine, instanceId: string, elementId: string): Promise<{ inner: number[]; body: number }> {
  const events = (await engine.getHistory(instanceId)).filter((e) => e.elementId === elementId);
  const completed = events.filter((e) => e.type === 'element.completed');
  const inner = completed.map((e) => (e.data as { loopCounter?: number } | undefined)?.loopCounter).filter((n): n is number => typeof n === 'number');
  expect(inner).toHaveLength(completed.length); // every element.completed of a multi-instance activity is an inner instance's
  return { inner, body: events.filter((e) => e.type === 'multiInstance.completed').length };
}

describe('multi-instance', () => {
  const env = useEngine();

  const reviewProcess = (id: string, loop: Parameters<typeof multiInstance>[0], assignee = '=reviewer') =>
    bpmn(id, [startEvent('Start'), userTask('Review', { assignee, inner: multiInstance(loop) }), userTask('After'), endEvent('End'), chain('Start', 'Review', 'After', 'End')]);

  test('parallel over a collection: one task per element, outputs in input order whatever the completion order', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      reviewProcess('miPar', { inputCollection: '=reviewers', inputElement: 'reviewer', outputCollection: 'results', outputElement: '={who: reviewer, ok: approved}' }),
    );
    const inst = await engine.startInstance({ processId: 'miPar', variables: { reviewers: ['ann', 'ben', 'cy'] } });
    const tasks = (await engine.listTasks({ instanceId: inst.id, state: 'created' })).items;
    expect(tasks.map((t) => t.assignee).sort()).toEqual(['ann', 'ben', 'cy']);
    const byUser = Object.fromEntries(tasks.map((t) => [t.assignee, t]));
    expect(await engine.taskVariables(byUser.ann)).toMatchObject({ reviewer: 'ann', loopCounter: 1 });
    expect(await engine.taskVariables(byUser.cy)).toMatchObject({ reviewer: 'cy', loopCounter: 3 });
    await engine.completeTask(byUser.cy.id, { approved: false }, 'cy');
    await engine.completeTask(byUser.ann.id, { approved: true }, 'ann');
    expect(await openTasks(engine, inst.id)).toEqual(['Review']);
    await engine.completeTask(byUser.ben.id, { approved: true }, 'ben');
    expect(await openTasks(engine, inst.id)).toEqual(['After']);
    const vars = (await engine.getInstance(inst.id)).variables;
    expect(vars.results).toEqual([
      { who: 'ann', ok: true },
      { who: 'ben', ok: true },
      { who: 'cy', ok: false },
    ]);
    // the input element and loop counter are local to the inner instances
    expect(vars).not.toHaveProperty('reviewer');
    expect(vars).not.toHaveProperty('loopCounter');
    const mi = await miCompletions(engine, inst.id, 'Review');
    expect(mi.inner.sort()).toEqual([1, 2, 3]);
    expect(mi.body).toBe(1);
    await complete(engine, inst.id, 'After');
    await expectState(engine, inst.id, 'completed');
    await expectCounts(engine, inst.id, { After: 1, End: 1 });
    await expectValidHistory(engine, inst.id);
  });

  test('sequential over a collection: one at a time, in order', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      reviewProcess('miSeq', {
        sequential: true,
        inputCollection: '=reviewers',
        inputElement: 'reviewer',
        outputCollection: 'order',
        outputElement: '=reviewer + ":" + string(loopCounter)',
      }),
    );
    const inst = await engine.startInstance({ processId: 'miSeq', variables: { reviewers: ['zed', 'amy', 'kim'] } });
    for (const [i, who] of ['zed', 'amy', 'kim'].entries()) {
      const open = (await engine.listTasks({ instanceId: inst.id, state: 'created' })).items;
      expect(open).toHaveLength(1);
      expect(open[0].assignee).toBe(who);
      expect(await engine.taskVariables(open[0])).toMatchObject({ reviewer: who, loopCounter: i + 1 });
      await engine.completeTask(open[0].id, {}, who);
    }
    expect(await openTasks(engine, inst.id)).toEqual(['After']);
    expect((await engine.getInstance(inst.id)).variables.order).toEqual(['zed:1', 'amy:2', 'kim:3']);
    expect((await miCompletions(engine, inst.id, 'Review')).inner).toEqual([1, 2, 3]);
    await expectValidHistory(engine, inst.id);
  });

  test('completion condition numberOfCompletedInstances >= 2 cancels the remaining instances', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      reviewProcess('miCond', {
        inputCollection: '=reviewers',
        inputElement: 'reviewer',
        outputCollection: 'answers',
        outputElement: '=answer',
        completionCondition: '=numberOfCompletedInstances >= 2',
      }),
    );
    const inst = await engine.startInstance({ processId: 'miCond', variables: { reviewers: ['a', 'b', 'c', 'd'] } });
    const tasks = (await engine.listTasks({ instanceId: inst.id, state: 'created' })).items;
    expect(tasks).toHaveLength(4);
    const byUser = Object.fromEntries(tasks.map((t) => [t.assignee, t]));
    await engine.completeTask(byUser.c.id, { answer: 'C' }, 'c');
    expect(await openTasks(engine, inst.id)).toEqual(['Review', 'Review', 'Review']);
    await engine.completeTask(byUser.a.id, { answer: 'A' }, 'a');
    expect(await openTasks(engine, inst.id)).toEqual(['After']);
    const states = Object.fromEntries((await tasksOf(engine, inst.id)).filter((t) => t.elementId === 'Review').map((t) => [t.assignee, t.state]));
    expect(states).toEqual({ a: 'completed', b: 'canceled', c: 'completed', d: 'canceled' });
    // Zeebe: the output collection has one slot per input element; unfinished slots stay null
    expect((await engine.getInstance(inst.id)).variables.answers).toEqual(['A', null, 'C', null]);
    await expect(engine.completeTask(byUser.b.id, { answer: 'B' }, 'b')).rejects.toMatchObject({ code: 'CONFLICT' });
    const mi = await miCompletions(engine, inst.id, 'Review');
    expect(mi.inner.sort()).toEqual([1, 3]);
    expect(mi.body).toBe(1);
    await complete(engine, inst.id, 'After');
    await expectState(engine, inst.id, 'completed');
    await expectValidHistory(engine, inst.id);
  });

  test('the completion condition sees the output collection so far: two approvals of four end the vote', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      reviewProcess('miVotes', {
        inputCollection: '=reviewers',
        inputElement: 'reviewer',
        outputCollection: 'votes',
        outputElement: '=vote',
        completionCondition: '=count(votes[item = "yes"]) >= 2',
      }),
    );
    const inst = await engine.startInstance({ processId: 'miVotes', variables: { reviewers: ['a', 'b', 'c', 'd'] } });
    const byUser = Object.fromEntries((await engine.listTasks({ instanceId: inst.id, state: 'created' })).items.map((t) => [t.assignee, t]));
    await engine.completeTask(byUser.b.id, { vote: 'yes' }, 'b');
    await engine.completeTask(byUser.d.id, { vote: 'no' }, 'd');
    // two completed, one yes: numberOfCompletedInstances alone could not tell
    expect(await openTasks(engine, inst.id)).toEqual(['Review', 'Review']);
    await engine.completeTask(byUser.a.id, { vote: 'yes' }, 'a');
    expect(await openTasks(engine, inst.id)).toEqual(['After']);
    expect((await engine.getInstance(inst.id)).variables.votes).toEqual(['yes', 'yes', null, 'no']);
    await expectValidHistory(engine, inst.id);
  });

  test('sequential with a completion condition stops early', async () => {
    const { engine } = env();
    await deployXml(engine, reviewProcess('miSeqCond', { sequential: true, inputCollection: '=reviewers', inputElement: 'reviewer', completionCondition: '=found = true' }));
    const inst = await engine.startInstance({ processId: 'miSeqCond', variables: { reviewers: ['x', 'y', 'z'], found: false } });
    await complete(engine, inst.id, 'Review', { found: false });
    await complete(engine, inst.id, 'Review', { found: true });
    expect(await openTasks(engine, inst.id)).toEqual(['After']);
    const assignees = (await tasksOf(engine, inst.id)).filter((t) => t.elementId === 'Review').map((t) => t.assignee);
    expect(assignees).toEqual(['x', 'y']);
    expect((await miCompletions(engine, inst.id, 'Review')).inner).toEqual([1, 2]);
    await expectValidHistory(engine, inst.id);
  });

  test('an empty collection passes straight through with an empty output collection', async () => {
    const { engine } = env();
    await deployXml(engine, reviewProcess('miEmpty', { inputCollection: '=reviewers', inputElement: 'reviewer', outputCollection: 'results', outputElement: '=1' }));
    const inst = await engine.startInstance({ processId: 'miEmpty', variables: { reviewers: [] } });
    expect(await openTasks(engine, inst.id)).toEqual(['After']);
    expect((await engine.getInstance(inst.id)).variables.results).toEqual([]);
    const mi = await miCompletions(engine, inst.id, 'Review');
    expect(mi).toEqual({ inner: [], body: 1 });
    await expectValidHistory(engine, inst.id);
  });

  test('loop cardinality creates that many instances', async () => {
    const { engine } = env();
    await deployXml(engine, reviewProcess('miCard', { cardinality: '3', outputCollection: 'counters', outputElement: '=loopCounter' }, 'someone'));
    const inst = await engine.startInstance({ processId: 'miCard' });
    const tasks = (await engine.listTasks({ instanceId: inst.id, state: 'created' })).items;
    expect((await Promise.all(tasks.map((t) => engine.taskVariables(t)))).map((v) => v.loopCounter).sort()).toEqual([1, 2, 3]);
    for (const t of tasks) await engine.completeTask(t.id, {}, 'someone');
    expect(await openTasks(engine, inst.id)).toEqual(['After']);
    expect((await engine.getInstance(inst.id)).variables.counters).toEqual([1, 2, 3]);
    await expectValidHistory(engine, inst.id);
  });

  test('loop cardinality from FEEL', async () => {
    const { engine } = env();
    await deployXml(engine, reviewProcess('miCardFeel', { cardinality: '=n + 1' }, 'someone'));
    const inst = await engine.startInstance({ processId: 'miCardFeel', variables: { n: 1 } });
    expect(await openTasks(engine, inst.id)).toEqual(['Review', 'Review']);
    await expectValidHistory(engine, inst.id);
  });

  test('a multi-instance subprocess runs its inner flow once per element, each with its own element variable', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      bpmn('miSub', [
        startEvent('Start'),
        subProcess(
          'PerItem',
          startEvent('SStart'),
          userTask('Pick', { assignee: '=item.owner' }),
          userTask('Pack', { assignee: '=item.owner' }),
          endEvent('SEnd'),
          chain('SStart', 'Pick', 'Pack', 'SEnd'),
          multiInstance({ inputCollection: '=items', inputElement: 'item', outputCollection: 'packed', outputElement: '=item.sku' }),
        ),
        userTask('Ship'),
        endEvent('End'),
        chain('Start', 'PerItem', 'Ship', 'End'),
      ]),
    );
    const items = [
      { sku: 'A1', owner: 'u1' },
      { sku: 'B2', owner: 'u2' },
    ];
    const inst = await engine.startInstance({ processId: 'miSub', variables: { items } });
    expect(await openTasks(engine, inst.id)).toEqual(['Pick', 'Pick']);
    const picks = (await engine.listTasks({ instanceId: inst.id, state: 'created' })).items;
    expect(picks.map((t) => t.assignee).sort()).toEqual(['u1', 'u2']);
    const u2 = picks.find((t) => t.assignee === 'u2')!;
    await engine.completeTask(u2.id, {}, 'u2');
    expect(await openTasks(engine, inst.id)).toEqual(['Pack', 'Pick']);
    const pack2 = (await engine.listTasks({ instanceId: inst.id, state: 'created' })).items.find((t) => t.elementId === 'Pack')!;
    expect(pack2.assignee).toBe('u2');
    expect(await engine.taskVariables(pack2)).toMatchObject({ item: { sku: 'B2' } });
    await engine.completeTask(pack2.id, {}, 'u2');
    await complete(engine, inst.id, 'Pick');
    await complete(engine, inst.id, 'Pack');
    expect(await openTasks(engine, inst.id)).toEqual(['Ship']);
    expect((await engine.getInstance(inst.id)).variables.packed).toEqual(['A1', 'B2']);
    await expectCounts(engine, inst.id, { Pick: 2, Pack: 2, SEnd: 2, Ship: 0 });
    const mi = await miCompletions(engine, inst.id, 'PerItem');
    expect(mi.inner.sort()).toEqual([1, 2]);
    expect(mi.body).toBe(1);
    await complete(engine, inst.id, 'Ship');
    await expectState(engine, inst.id, 'completed');
    await expectValidHistory(engine, inst.id);
  });

  test('a multi-instance call activity starts one child per element and collects their results', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      definitions(
        processEl(
          'miCallParent',
          startEvent('Start'),
          callActivity('CallEach', 'miCallChild', {
            inner: multiInstance({ inputCollection: '=regions', inputElement: 'region', outputCollection: 'reports', outputElement: '=report' }),
          }),
          userTask('Summarize'),
          endEvent('End'),
          chain('Start', 'CallEach', 'Summarize', 'End'),
        ),
        processEl('miCallChild', startEvent('CStart'), userTask('Check'), endEvent('CEnd'), chain('CStart', 'Check', 'CEnd')),
      ),
    );
    const inst = await engine.startInstance({ processId: 'miCallParent', variables: { regions: ['eu', 'us', 'apac'] } });
    const kids = await eventually(async () => {
      const list = await childrenOf(engine, inst.id);
      expect(list).toHaveLength(3);
      return list;
    });
    expect(kids.map((k) => k.variables.region).sort()).toEqual(['apac', 'eu', 'us']);
    for (const kid of [...kids].reverse()) {
      await complete(engine, kid.id, 'Check', { report: `ok-${kid.variables.region}` });
      await engine.idle();
    }
    await eventually(async () => expect(await openTasks(engine, inst.id)).toEqual(['Summarize']));
    expect((await engine.getInstance(inst.id)).variables.reports).toEqual(['ok-eu', 'ok-us', 'ok-apac']);
    for (const kid of kids) expect((await engine.getInstance(kid.id)).state).toBe('completed');
    const mi = await miCompletions(engine, inst.id, 'CallEach');
    expect(mi.inner.sort()).toEqual([1, 2, 3]);
    await expectValidHistory(engine, inst.id, ...kids.map((k) => k.id));
  });

  test('parallel multi-instance service task: one job per element', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      bpmn('miJobs', [
        startEvent('Start'),
        serviceTask('Notify', 'notify', { inner: multiInstance({ inputCollection: '=users', inputElement: 'user', outputCollection: 'sent', outputElement: '=messageId' }) }),
        endEvent('End'),
        chain('Start', 'Notify', 'End'),
      ]),
    );
    const inst = await engine.startInstance({ processId: 'miJobs', variables: { users: ['u1', 'u2'] } });
    const jobs = await engine.activateJobs({ type: 'notify', worker: 'w', maxJobs: 10 });
    expect(jobs.map((j) => j.variables.user).sort()).toEqual(['u1', 'u2']);
    for (const j of jobs) await engine.completeJob(j.key, { messageId: `m-${j.variables.user}` });
    await expectState(engine, inst.id, 'completed');
    expect((await engine.getInstance(inst.id)).variables.sent).toEqual(['m-u1', 'm-u2']);
    await expectValidHistory(engine, inst.id);
  });

  test('an interrupting boundary on a multi-instance activity cancels every instance', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      bpmn('miBoundary', [
        startEvent('Start'),
        userTask('Review', { inner: multiInstance({ inputCollection: '=reviewers', inputElement: 'reviewer' }) }),
        boundary('Deadline', 'Review', timerDuration('PT0.2S')),
        userTask('Late'),
        userTask('After'),
        chain('Start', 'Review', 'After'),
        chain('Deadline', 'Late'),
      ]),
    );
    const inst = await engine.startInstance({ processId: 'miBoundary', variables: { reviewers: ['a', 'b', 'c'] } });
    await complete(engine, inst.id, 'Review');
    await eventually(async () => expect(await openTasks(engine, inst.id)).toEqual(['Late']));
    expect(
      (await tasksOf(engine, inst.id))
        .filter((t) => t.elementId === 'Review')
        .map((t) => t.state)
        .sort(),
    ).toEqual(['canceled', 'canceled', 'completed']);
    await expectCounts(engine, inst.id, { Deadline: 1, After: 0 });
    await expectValidHistory(engine, inst.id);
  });

  test('an input collection that is not a list is an incident', async () => {
    const { engine } = env();
    await deployXml(engine, reviewProcess('miBad', { inputCollection: '=reviewers', inputElement: 'reviewer' }));
    const inst = await engine.startInstance({ processId: 'miBad', variables: { reviewers: 'ann,ben' } });
    const incidents = await engine.listIncidents({ instanceId: inst.id, state: 'open' });
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ elementId: 'Review', type: 'expression' });
    expect(incidents[0].message).toContain('reviewers');
    const view = await engine.getInstance(inst.id);
    expect(view.state).toBe('incident');
    expect(await openTasks(engine, inst.id)).toEqual([]);
    await expectCounts(engine, inst.id, { Review: 0, After: 0 });
    await expectValidHistory(engine, inst.id);
  });

  test('job of a multi-instance inner instance sees its element; activation is per instance', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      bpmn('miSeqJobs', [
        startEvent('Start'),
        serviceTask('Step', 'step', { inner: multiInstance({ sequential: true, inputCollection: '=steps', inputElement: 'step' }) }),
        endEvent('End'),
        chain('Start', 'Step', 'End'),
      ]),
    );
    const inst = await engine.startInstance({ processId: 'miSeqJobs', variables: { steps: ['one', 'two'] } });
    const first = await activateOne(engine, 'step');
    expect(first.variables).toMatchObject({ step: 'one', loopCounter: 1 });
    expect(await engine.activateJobs({ type: 'step', worker: 'w', maxJobs: 5 })).toEqual([]);
    await engine.completeJob(first.key);
    const second = await activateOne(engine, 'step');
    expect(second.variables).toMatchObject({ step: 'two', loopCounter: 2 });
    await engine.completeJob(second.key);
    await expectState(engine, inst.id, 'completed');
    await expectValidHistory(engine, inst.id);
  });
});
