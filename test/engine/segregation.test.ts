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
