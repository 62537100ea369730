/**
 * Work notes on a task: written by those who may work it, read by those who may read it, recorded in
 * the instance's sealed history and listed in the evidence pack. Refusals (403/404/400) change nothing.
 */
import request from 'supertest';
import { DEFAULT_CONFIG } from '../../api/config';
import { bearer, deploy, expectError, fixture, openTask, startApi, startInstance, type TestApi } from './helpers';

let api: TestApi;
let instanceId: string;
let taskId: string;

beforeAll(async () => {
  api = await startApi({ taskDesk: { ...DEFAULT_CONFIG.taskDesk, maxNoteChars: 100 } });
  await deploy(api.app, [fixture('wcp01-sequence')]);
  instanceId = await startInstance(api.app, 'wcp01');
  taskId = String((await openTask(api.app, instanceId, 'A')).id);
});
afterAll(() => api.close());

const notes = (user: string, id = taskId) => request(api.app).get(`/api/tasks/${id}/notes`).set(bearer(user));
const add = (user: string, body: object, id = taskId) => request(api.app).post(`/api/tasks/${id}/notes`).set(bearer(user)).send(body);
const historyLength = async () => (await api.store.getHistory(instanceId)).length;

test('an agent of the task adds notes; readers of the task list them, oldest first', async () => {
  const first = await add('alice', { text: 'Called the user, VPN client outdated.' });
  expect(first.status).toBe(201);
  expect(first.body).toEqual({ seq: expect.any(Number), at: expect.stringMatching(/Z$/), author: 'alice', text: 'Called the user, VPN client outdated.' });
  // the answer names the history event the note is
  const recorded = (await api.store.getHistory(instanceId)).find((e) => e.seq === first.body.seq);
  expect(recorded && { type: recorded.type, at: new Date(recorded.at).toISOString(), actor: recorded.actor }).toEqual({ type: 'task.note', at: first.body.at, actor: 'alice' });
  expect((await add('admin', { text: 'Escalate if it fails again.' })).status).toBe(201);
  for (const user of ['alice', 'erin', 'carol', 'owner', 'admin']) {
    const res = await notes(user);
    expect(res.status).toBe(200);
    expect(res.body.items.map((n: { author: string; text: string }) => `${n.author}: ${n.text}`)).toEqual([
      'alice: Called the user, VPN client outdated.',
      'admin: Escalate if it fails again.',
    ]);
  }
});

test('notes are in the sealed history (the chain verifies) and in the evidence pack', async () => {
  const verify = await request(api.app).get(`/api/process-instances/${instanceId}/history/verify`).set(bearer('carol'));
  expect(verify.body).toMatchObject({ valid: true });
  const pack = await request(api.app).get(`/api/process-instances/${instanceId}/evidence`).set(bearer('carol'));
  const steps = pack.body.steps.filter((s: { action: string }) => s.action === 'task.note');
  expect(steps).toEqual([
    expect.objectContaining({ actor: 'alice', elementId: 'A', data: { taskId, text: 'Called the user, VPN client outdated.' } }),
    expect.objectContaining({ actor: 'admin', elementId: 'A', data: { taskId, text: 'Escalate if it fails again.' } }),
  ]);
});

test('refusals change nothing: not offered to the agent (403), auditor or designer (403), unknown task (404), too long or empty (400)', async () => {
  const before = await historyLength();
  expectError(await add('bob', { text: 'not mine' }), 403, 'FORBIDDEN');
  expectError(await notes('bob'), 403, 'FORBIDDEN');
  expectError(await add('carol', { text: 'auditors write nothing' }), 403, 'FORBIDDEN');
  expectError(await add('owner', { text: 'designers do not work tasks' }), 403, 'FORBIDDEN');
  expectError(await add('alice', { text: 'x' }, 'nope'), 404, 'NOT_FOUND');
  expectError(await add('alice', { text: 'x'.repeat(101) }), 400, 'BAD_REQUEST');
  expectError(await add('alice', { text: '   ' }), 400, 'BAD_REQUEST');
  expectError(await add('alice', { text: 'x', author: 'admin' }), 400, 'BAD_REQUEST');
  expectError(await add('alice', {}), 400, 'BAD_REQUEST');
  expect(await historyLength()).toBe(before);
  expect((await notes('admin')).body.items).toHaveLength(2);
});

test('delegation picks known users: a user the directory does not know is a 400 and the task stays as it was', async () => {
  expect((await request(api.app).post(`/api/tasks/${taskId}/claim`).set(bearer('alice')).send({})).status).toBe(200);
  expectError(await request(api.app).post(`/api/tasks/${taskId}/delegate`).set(bearer('alice')).send({ to: 'mallory' }), 400, 'BAD_REQUEST');
  expect((await api.store.getTask(taskId))?.assignee).toBe('alice');
});

test('a note on a task of a completed instance is still recorded (the work is discussed afterwards too)', async () => {
  const id = await startInstance(api.app, 'wcp01');
  const a = String((await openTask(api.app, id, 'A')).id);
  await request(api.app).post(`/api/tasks/${a}/complete`).set(bearer('admin')).send({ variables: {} }).expect(200);
  const b = String((await openTask(api.app, id, 'B')).id);
  await request(api.app).post(`/api/tasks/${b}/complete`).set(bearer('admin')).send({ variables: {} }).expect(200);
  const res = await add('alice', { text: 'Closed after the user confirmed.' }, a);
  expect(res.status).toBe(201);
  expect((await notes('carol', a)).body.items.map((n: { text: string }) => n.text)).toEqual(['Closed after the user confirmed.']);
  expect((await request(api.app).get(`/api/process-instances/${id}/history/verify`).set(bearer('carol'))).body).toMatchObject({ valid: true });
});
