/**
 * One person, one seat (engine/runtime/seats.ts): the instances of a multi-instance user task with the
 * header `onePerPerson` form a seat group; a person may hold or complete at most one seat of it. Tasks
 * outside the group (another task, the same task without the header) are not counted, nor are the
 * seats other people hold.
 */
import type { TaskRow } from '../../engine/store/types';
import { seatProblem } from '../../engine/runtime/seats';
import { bpmn, endEvent, flow, gateway, multiInstance, startEvent, useEngine } from './helpers';

const env = useEngine();

const seated = (id: string, name: string, header: boolean): string =>
  `<bpmn:userTask id="${id}" name="${name}"><bpmn:extensionElements><zeebe:userTask /><zeebe:assignmentDefinition candidateGroups="cab" />` +
  (header ? '<zeebe:taskHeaders><zeebe:header key="onePerPerson" value="true" /></zeebe:taskHeaders>' : '') +
  `</bpmn:extensionElements>${multiInstance({ inputCollection: '=voters', inputElement: 'voter' })}</bpmn:userTask>`;

// Votes (one seat each) and notes (no header) side by side
const VOTING = bpmn('voting', [
  startEvent('Start'),
  gateway('parallel', 'Split'),
  seated('Vote', 'Vote on change', true),
  seated('Note', 'Write a note', false),
  gateway('parallel', 'Join'),
  endEvent('End'),
  flow('F1', 'Start', 'Split'),
  flow('F2', 'Split', 'Vote'),
  flow('F3', 'Split', 'Note'),
  flow('F4', 'Vote', 'Join'),
  flow('F5', 'Note', 'Join'),
  flow('F6', 'Join', 'End'),
]);

async function start(): Promise<{ votes: TaskRow[]; notes: TaskRow[] }> {
  const { engine } = env();
  await engine.deploy([{ name: 'voting.bpmn', content: VOTING }]);
  const { id } = await engine.startInstance({ processId: 'voting', variables: { voters: ['a', 'b', 'c'] } });
  const tasks = (await engine.listTasks({ instanceId: id, state: 'created', limit: 100 })).items;
  return { votes: tasks.filter((t) => t.elementId === 'Vote'), notes: tasks.filter((t) => t.elementId === 'Note') };
}

test('a person holding one seat may not claim another of the same group; the refusal names the seat held and the task', async () => {
  const { engine } = env();
  const { votes } = await start();
  expect(votes).toHaveLength(3);
  await engine.assignTask(votes[0].id, 'alice', 'alice');
  await expect(engine.assignTask(votes[1].id, 'alice', 'alice')).rejects.toMatchObject({
    code: 'FORBIDDEN',
    message: `one person, one seat: alice already holds task ${votes[0].id} of the same Vote on change and may not claim task ${votes[1].id}`,
  });
  expect((await engine.getTask(votes[1].id)).assignee).toBeUndefined();
  // someone else's seat does not count against alice, nor alice's against bob
  await engine.assignTask(votes[2].id, 'bob', 'bob');
  await engine.assignTask(votes[1].id, 'carol', 'carol');
  expect((await engine.getTask(votes[1].id)).assignee).toBe('carol');
});

test('a person who completed one seat may not complete another; the refusal says it was completed', async () => {
  const { engine } = env();
  const { votes } = await start();
  await engine.completeTask(votes[0].id, {}, 'alice');
  await expect(engine.completeTask(votes[1].id, {}, 'alice')).rejects.toMatchObject({
    code: 'FORBIDDEN',
    message: `one person, one seat: alice already completed task ${votes[0].id} of the same Vote on change and may not complete task ${votes[1].id}`,
  });
  expect((await engine.getTask(votes[1].id)).state).toBe('created');
  await engine.completeTask(votes[1].id, {}, 'bob');
});

test('tasks without the header are not seats: one person may hold several, and holding them does not take a seat', async () => {
  const { engine } = env();
  const { votes, notes } = await start();
  await engine.assignTask(notes[0].id, 'alice', 'alice');
  await engine.assignTask(notes[1].id, 'alice', 'alice');
  await engine.completeTask(notes[2].id, {}, 'alice');
  expect((await engine.getTask(notes[1].id)).assignee).toBe('alice');
  // holding and completing notes does not count as holding a vote
  await engine.assignTask(votes[0].id, 'alice', 'alice');
  expect((await engine.getTask(votes[0].id)).assignee).toBe('alice');
});

test('a seat of the person that someone else completed is not held by them: they may take another', async () => {
  const { engine } = env();
  const { votes } = await start();
  await engine.assignTask(votes[0].id, 'alice', 'alice');
  // an admin closes alice's seat for her: the vote is the admin's, alice holds no seat any more
  await engine.completeTask(votes[0].id, {}, 'admin');
  expect(await engine.getTask(votes[0].id)).toMatchObject({ state: 'completed', assignee: 'alice', completedBy: 'admin' });
  await engine.assignTask(votes[1].id, 'alice', 'alice');
  expect((await engine.getTask(votes[1].id)).assignee).toBe('alice');
});

test('the seats are read page after page: a seat held beyond the first page still counts', async () => {
  const { engine, store } = env();
  const { votes } = await start();
  await engine.assignTask(votes[2].id, 'alice', 'alice');
  // the same store, answering one task a page, stands in for an instance with more than 1,000 tasks
  const onePerPage = new Proxy(store, {
    get: (target, name, receiver) =>
      name === 'listTasks' ? (q: Parameters<typeof store.listTasks>[0]) => target.listTasks({ ...q, limit: 1 }) : Reflect.get(target, name, receiver),
  });
  const first = await store.listTasks({ instanceId: votes[0].instanceId, limit: 1 });
  expect(first.next).toBeDefined();
  expect(first.items.map((t) => t.id)).not.toContain(votes[2].id);
  expect(await seatProblem(onePerPage, (await engine.getTask(votes[0].id)) as TaskRow, 'alice', 'claim')).toBe(
    `one person, one seat: alice already holds task ${votes[2].id} of the same Vote on change and may not claim task ${votes[0].id}`,
  );
  expect(await seatProblem(onePerPage, (await engine.getTask(votes[0].id)) as TaskRow, 'bob', 'claim')).toBeUndefined();
});
