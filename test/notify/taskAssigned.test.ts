/**
 * Whoever is given a task by someone else is told (Engine onTaskAssigned, api/notify taskAssignedNotifier):
 * a task.assigned outbox row is committed with the assignment or delegation and handed over after the
 * commit, again until it went out (at least once), beside the other dispatch. A claim of one's own tells
 * nobody; an engine without the hook writes no such row.
 */
import { StaticDirectory, type TaskAssignedNotice } from '../../engine';
import { bpmn, chain, endEvent, startEvent, userTask } from '../engine/helpers';
import { eventually, tempEngine } from '../support/engine';

const DIRECTORY = new StaticDirectory([
  { id: 'admin', roles: ['admin'], groups: [] },
  { id: 'alice', roles: ['agent'], groups: ['service-desk'] },
  { id: 'bob', roles: ['agent'], groups: ['service-desk'] },
]);
const PROCESS = bpmn('oneTask', [startEvent(), userTask('Review', { candidateGroups: 'service-desk' }), endEvent(), chain('Start', 'Review', 'End')]);

test("assigned by an admin, then delegated: each new assignee is told once, with who gave it; a claim of one's own tells nobody", async () => {
  const told: TaskAssignedNotice[] = [];
  const { engine, store, close } = await tempEngine({ directory: DIRECTORY, onTaskAssigned: async (n) => void told.push(n) });
  try {
    await engine.deploy([{ name: 'one.bpmn', content: PROCESS }]);
    const { id } = await engine.startInstance({ processId: 'oneTask', variables: {} });
    const [task] = (await engine.listTasks({ instanceId: id, state: 'created' })).items;
    await engine.assignTask(task.id, 'alice', 'admin', true);
    await engine.idle();
    expect(told).toEqual([expect.objectContaining({ taskId: task.id, instanceId: id, elementId: 'Review', assignee: 'alice', by: 'admin', how: 'assigned' })]);
    await engine.delegateTask(task.id, 'bob', 'alice');
    await engine.idle();
    expect(told.slice(1)).toEqual([expect.objectContaining({ assignee: 'bob', by: 'alice', how: 'delegated' })]);
    await engine.assignTask(task.id, undefined, 'bob');
    await engine.assignTask(task.id, 'bob', 'bob'); // his own claim
    await engine.idle();
    expect(told).toHaveLength(2);
    expect(await store.pendingOutbox(10)).toEqual([]);
  } finally {
    await close();
  }
});

test('a notice that fails is tried again by the outbox sweep until it goes out; nothing else waits for it', async () => {
  const told: string[] = [];
  let failures = 1;
  const { engine, store, close } = await tempEngine({
    directory: DIRECTORY,
    onError: () => undefined,
    onTaskAssigned: async (n) => {
      if (failures-- > 0) throw new Error('mail server down');
      told.push(n.assignee);
    },
  });
  try {
    await engine.deploy([{ name: 'one.bpmn', content: PROCESS }]);
    const { id } = await engine.startInstance({ processId: 'oneTask', variables: {} });
    const [task] = (await engine.listTasks({ instanceId: id, state: 'created' })).items;
    await engine.assignTask(task.id, 'alice', 'admin', true);
    await engine.idle();
    expect(told).toEqual([]);
    expect((await store.pendingOutbox(10)).map((r) => r.kind)).toEqual(['task.assigned']);
    // the instance went on meanwhile: the task is alice's and can be completed
    await engine.completeTask(task.id, {}, 'alice');
    await eventually(async () => expect(told).toEqual(['alice']), 15_000);
    await engine.idle(); // the notice went out; its row is marked done right after
    expect(await store.pendingOutbox(10)).toEqual([]);
  } finally {
    await close();
  }
}, 20_000);

test('an engine without onTaskAssigned writes no task.assigned row', async () => {
  const { engine, store, close } = await tempEngine({ directory: DIRECTORY });
  try {
    await engine.deploy([{ name: 'one.bpmn', content: PROCESS }]);
    const { id } = await engine.startInstance({ processId: 'oneTask', variables: {} });
    const [task] = (await engine.listTasks({ instanceId: id, state: 'created' })).items;
    await engine.assignTask(task.id, 'alice', 'admin', true);
    await engine.idle();
    expect(await store.pendingOutbox(10)).toEqual([]);
    expect((await engine.getHistory(id)).filter((e) => e.type === 'task.claimed')).toHaveLength(1);
  } finally {
    await close();
  }
});
