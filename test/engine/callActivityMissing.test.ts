/** A call activity whose process is not deployed raises an incident; deploying it and resolving retries the call. */
import { bpmn, callActivity, chain, deployXml, endEvent, eventually, openTasks, startEvent, useEngine, userTask } from './helpers';

const env = useEngine();

test('calling a process that is not deployed is an incident, and resolving it after deploying starts the child', async () => {
  const { engine } = env();
  await deployXml(engine, bpmn('caller', [startEvent('Start'), callActivity('Call', 'notYetThere'), userTask('After'), endEvent('End'), chain('Start', 'Call', 'After', 'End')]));
  const parent = await engine.startInstance({ processId: 'caller', variables: { ticket: 'T-1' } });
  await engine.idle();
  const [incident] = await eventually(async () => {
    const open = await engine.listIncidents({ instanceId: parent.id, state: 'open' });
    expect(open).toHaveLength(1);
    return open;
  });
  expect(incident).toMatchObject({ elementId: 'Call', message: expect.stringContaining('notYetThere is not deployed') });
  expect((await engine.getInstance(parent.id)).state).toBe('incident');

  await deployXml(engine, bpmn('notYetThere', [startEvent('S'), userTask('ChildWork'), endEvent('E'), chain('S', 'ChildWork', 'E')]));
  await engine.resolveIncident(incident.id);
  await engine.idle();
  const [child] = (await engine.listInstances({ processId: 'notYetThere', limit: 10 })).items;
  expect(child.parentInstanceId).toBe(parent.id);
  expect(child.variables).toMatchObject({ ticket: 'T-1' });
  const [task] = (await engine.listTasks({ instanceId: child.id, state: 'created' })).items;
  await engine.completeTask(task.id, { done: true });
  await engine.idle();
  await eventually(async () => expect(await openTasks(engine, parent.id)).toEqual(['After']));
  expect((await engine.getInstance(parent.id)).state).toBe('active');
});
