/** Segregation of duties is the engine's rule: the requester or implementer never completes an approval. */
import { bpmn, chain, deployXml, endEvent, startEvent, useEngine, waitTask } from './helpers';

const env = useEngine();
const approval = '<bpmn:userTask id="Approve"><bpmn:extensionElements><zeebe:formDefinition formId="thing-approval" /><zeebe:assignmentDefinition candidateGroups="cab" /></bpmn:extensionElements></bpmn:userTask>';
const plain = '<bpmn:userTask id="Note"><bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="cab" /></bpmn:extensionElements></bpmn:userTask>';

test('the requester and the implementer may not complete an approval task; anyone else may', async () => {
  const { engine } = env();
  await deployXml(engine, bpmn('sod', [startEvent('Start'), approval, endEvent('End'), chain('Start', 'Approve', 'End')]));
  const inst = await engine.startInstance({ processId: 'sod', variables: { requester: 'bob', implementer: 'carol' } });
  const task = await waitTask(engine, inst.id, 'Approve');
  await expect(engine.completeTask(task.id, { approved: true }, 'bob')).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('bob requested this') });
  await expect(engine.completeTask(task.id, { approved: true }, 'carol')).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('carol implements this') });
  expect((await engine.getTask(task.id)).state).toBe('created');
  await engine.completeTask(task.id, { approved: true }, 'alice');
  expect((await engine.getInstance(inst.id)).state).toBe('completed');
});

test('tasks that are not approvals are not restricted', async () => {
  const { engine } = env();
  await deployXml(engine, bpmn('noSod', [startEvent('Start'), plain, endEvent('End'), chain('Start', 'Note', 'End')]));
  const inst = await engine.startInstance({ processId: 'noSod', variables: { requester: 'bob' } });
  const task = await waitTask(engine, inst.id, 'Note');
  await engine.completeTask(task.id, {}, 'bob');
  expect((await engine.getInstance(inst.id)).state).toBe('completed');
});

test('an approver hands the task to a substitute; only the assignee (or a forced admin) may, and history says who to whom', async () => {
  const { engine } = env();
  await deployXml(engine, bpmn('delegation', [startEvent('Start'), approval, endEvent('End'), chain('Start', 'Approve', 'End')]));
  const inst = await engine.startInstance({ processId: 'delegation', variables: { requester: 'bob' } });
  const task = await waitTask(engine, inst.id, 'Approve');
  await engine.assignTask(task.id, 'alice', 'alice');
  await expect(engine.delegateTask(task.id, 'dave', 'erin')).rejects.toMatchObject({ code: 'FORBIDDEN' });
  await expect(engine.delegateTask(task.id, 'alice', 'alice')).rejects.toMatchObject({ code: 'INVALID' });
  expect(await engine.delegateTask(task.id, 'dave', 'alice')).toMatchObject({ assignee: 'dave' });
  // the requester stays excluded even when the task is delegated to them
  expect(await engine.delegateTask(task.id, 'bob', 'admin', true)).toMatchObject({ assignee: 'bob' });
  await expect(engine.completeTask(task.id, {}, 'bob')).rejects.toMatchObject({ code: 'FORBIDDEN' });
  await engine.delegateTask(task.id, 'dave', 'admin', true);
  await engine.completeTask(task.id, { approved: true }, 'dave');
  const delegated = (await engine.getHistory(inst.id)).filter((e) => e.type === 'task.delegated').map((e) => `${e.actor}: ${(e.data as { from: string }).from} -> ${(e.data as { assignee: string }).assignee}`);
  expect(delegated).toEqual(['alice: alice -> dave', 'admin: dave -> bob', 'admin: bob -> dave']);
  expect((await engine.verifyHistory(inst.id)).valid).toBe(true);
});
