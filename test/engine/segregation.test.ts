/**
 * Segregation of duties is the engine's rule: a user task with the header `segregationOfDuties` keeps the
 * users named by those variables off it (complete, claim, delegate, assign), whoever calls.
 */
import { bpmn, chain, deployXml, endEvent, startEvent, useEngine, waitTask } from './helpers';

const env = useEngine();
const approval = (header = 'requester, implementer') =>
  '<bpmn:userTask id="Approve" name="Approve thing"><bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="cab" />' +
  `<zeebe:taskHeaders><zeebe:header key="segregationOfDuties" value="${header}" /></zeebe:taskHeaders></bpmn:extensionElements></bpmn:userTask>`;
const plain =
  '<bpmn:userTask id="Note"><bpmn:extensionElements><zeebe:formDefinition formId="thing-approval" /><zeebe:assignmentDefinition candidateGroups="cab" /></bpmn:extensionElements></bpmn:userTask>';
const oneTask = (id: string, task: string) => bpmn(id, [startEvent('Start'), task, endEvent('End'), chain('Start', task.match(/id="(\w+)"/)![1], 'End')]);

test('the users the header names may not complete the task; anyone else may; the task row and history say who is excluded', async () => {
  const { engine } = env();
  await deployXml(engine, oneTask('sod', approval()));
  const inst = await engine.startInstance({ processId: 'sod', variables: { requester: 'bob', implementer: ['carol', 'dave'] } });
  const task = await waitTask(engine, inst.id, 'Approve');
  expect(task.excludedUsers).toEqual([
    { user: 'bob', role: 'requester' },
    { user: 'carol', role: 'implementer' },
    { user: 'dave', role: 'implementer' },
  ]);
  await expect(engine.completeTask(task.id, { approved: true }, 'bob')).rejects.toMatchObject({
    code: 'FORBIDDEN',
    message: `segregation of duties: bob is the requester here and may not complete task ${task.id} (Approve thing)`,
  });
  await expect(engine.completeTask(task.id, { approved: true }, 'dave')).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('dave is the implementer') });
  expect((await engine.getTask(task.id)).state).toBe('created');
  await engine.completeTask(task.id, { approved: true }, 'alice');
  expect((await engine.getInstance(inst.id)).state).toBe('completed');
  const created = (await engine.getHistory(inst.id)).find((e) => e.type === 'task.created');
  expect(created?.data).toMatchObject({
    excludedUsers: [
      { user: 'bob', role: 'requester' },
      { user: 'carol', role: 'implementer' },
      { user: 'dave', role: 'implementer' },
    ],
  });
});

test('a missing variable excludes nobody; tasks without the header are not restricted, whatever their form', async () => {
  const { engine } = env();
  await deployXml(engine, oneTask('sodMissing', approval('requester')));
  const first = await engine.startInstance({ processId: 'sodMissing', variables: {} });
  const task = await waitTask(engine, first.id, 'Approve');
  expect(task.excludedUsers).toBeUndefined();
  await engine.completeTask(task.id, {}, 'bob');
  // the task's form is deployed with it (a form the deployment cannot find is refused)
  await engine.deploy([
    { name: 'noSod.bpmn', content: oneTask('noSod', plain) },
    { name: 'thing-approval.form', content: JSON.stringify({ id: 'thing-approval', type: 'default', components: [] }) },
  ]);
  const second = await engine.startInstance({ processId: 'noSod', variables: { requester: 'bob' } });
  await engine.completeTask((await waitTask(engine, second.id, 'Note')).id, {}, 'bob');
  expect((await engine.getInstance(second.id)).state).toBe('completed');
});

test('an excluded user may not claim the task nor be handed it', async () => {
  const { engine } = env();
  await deployXml(engine, oneTask('sodClaim', approval()));
  const inst = await engine.startInstance({ processId: 'sodClaim', variables: { requester: 'bob' } });
  const task = await waitTask(engine, inst.id, 'Approve');
  await expect(engine.assignTask(task.id, 'bob', 'bob')).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('may not claim') });
  await expect(engine.assignTask(task.id, 'bob', 'admin', true)).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('may not be assigned') });
  await engine.assignTask(task.id, 'alice', 'alice');
  await expect(engine.delegateTask(task.id, 'bob', 'alice')).rejects.toMatchObject({ code: 'FORBIDDEN' });
  expect((await engine.getTask(task.id)).assignee).toBe('alice');
});

test('a variable that holds something other than user ids raises an incident at the task, not a crash', async () => {
  const { engine } = env();
  await deployXml(engine, oneTask('sodBad', approval()));
  const inst = await engine.startInstance({ processId: 'sodBad', variables: { requester: { name: 'bob' } } });
  expect(inst.state).toBe('incident');
  const [incident] = await engine.listIncidents({ instanceId: inst.id });
  expect(incident).toMatchObject({ elementId: 'Approve', message: expect.stringContaining('variable requester must hold a user id') });
});

test('a header that names no variables is refused at deployment, with the element id', async () => {
  const { engine } = env();
  await expect(deployXml(engine, oneTask('sodHeader', approval('requester, not a name')))).rejects.toMatchObject({
    problems: [expect.objectContaining({ elementId: 'Approve', message: expect.stringContaining('segregationOfDuties must list process variable names') })],
  });
});

test('an approver hands the task to a substitute; only the assignee (or a forced admin) may, and history says who to whom', async () => {
  const { engine } = env();
  await deployXml(engine, oneTask('delegation', approval()));
  const inst = await engine.startInstance({ processId: 'delegation', variables: { requester: 'bob' } });
  const task = await waitTask(engine, inst.id, 'Approve');
  await engine.assignTask(task.id, 'alice', 'alice');
  await expect(engine.delegateTask(task.id, 'dave', 'erin')).rejects.toMatchObject({ code: 'FORBIDDEN' });
  await expect(engine.delegateTask(task.id, 'alice', 'alice')).rejects.toMatchObject({ code: 'INVALID' });
  expect(await engine.delegateTask(task.id, 'dave', 'alice')).toMatchObject({ assignee: 'dave' });
  await engine.delegateTask(task.id, 'erin', 'admin', true);
  await engine.completeTask(task.id, { approved: true }, 'erin');
  const delegated = (await engine.getHistory(inst.id))
    .filter((e) => e.type === 'task.delegated')
    .map((e) => `${e.actor}: ${(e.data as { from: string }).from} -> ${(e.data as { assignee: string }).assignee}`);
  expect(delegated).toEqual(['alice: alice -> dave', 'admin: dave -> erin']);
  expect((await engine.verifyHistory(inst.id)).valid).toBe(true);
});
