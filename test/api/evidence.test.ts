/** The evidence pack of an instance: who did what and when, with data, and the verified chain, as JSON and CSV. */
import request from 'supertest';
import { bearer, deploy, expectError, fixture, openTask, startApi, startInstance, type TestApi } from './helpers';

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
  await deploy(api.app, [fixture('wcp01-sequence')]);
});
afterAll(async () => {
  await api.close();
});

async function finishedInstance(): Promise<string> {
  const id = await startInstance(api.app, 'wcp01', { ticket: 'INC-9' }, 'alice');
  const a = await openTask(api.app, id, 'A');
  await request(api.app).post(`/api/tasks/${a.id}/claim`).set(bearer('alice')).send({}).expect(200);
  await request(api.app)
    .post(`/api/tasks/${a.id}/complete`)
    .set(bearer('alice'))
    .send({ variables: { category: 'network' } })
    .expect(200);
  const b = await openTask(api.app, id, 'B');
  await request(api.app)
    .post(`/api/tasks/${b.id}/complete`)
    .set(bearer('admin'))
    .send({ variables: { resolution: 'rebooted' } })
    .expect(200);
  return id;
}

test('JSON: requester, claims, completions with names, data and times, and a valid chain', async () => {
  const id = await finishedInstance();
  const res = await request(api.app).get(`/api/process-instances/${id}/evidence`).set(bearer('carol'));
  expect(res.status).toBe(200);
  expect(res.body.instance).toMatchObject({ id, processId: 'wcp01', state: 'completed' });
  expect(res.body.verification).toMatchObject({ valid: true });
  const acts = res.body.steps.map((s: { action: string; elementId: string | null; actor: string }) => `${s.actor} ${s.action} ${s.elementId ?? ''}`.trim());
  expect(acts).toEqual(expect.arrayContaining(['alice instance.started', 'alice task.claimed A', 'alice task.completed A', 'admin task.completed B']));
  expect(acts.indexOf('alice task.completed A')).toBeLessThan(acts.indexOf('admin task.completed B'));
  const completedA = res.body.steps.find((s: { action: string; elementId: string }) => s.action === 'task.completed' && s.elementId === 'A');
  expect(completedA).toMatchObject({ elementName: 'Log ticket', data: { variables: { category: 'network' } } });
  expect(Date.parse(completedA.at)).toBeGreaterThan(0);
  expect(res.body.participants.alice).toEqual(expect.arrayContaining(['task.completed Log ticket']));
  expect(res.body.participants.admin).toEqual(['task.completed Resolve', 'instance.completed']);
});

test('CSV: a row a step and a last row with the verification', async () => {
  const id = await finishedInstance();
  const res = await request(api.app).get(`/api/process-instances/${id}/evidence?format=csv`).set(bearer('admin'));
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/csv/);
  const lines = res.text.trim().split('\r\n');
  expect(lines[0]).toBe('instanceId,processId,seq,at,action,elementId,elementName,actor,data');
  expect(lines.some((l) => /,task\.completed,B,Resolve,admin,/.test(l))).toBe(true);
  expect(lines.at(-1)).toMatch(new RegExp(`^${id},wcp01,,,history\\.verified,,,auditor-export,"\\{""valid"":true`));
});

test('agents may not export evidence; unknown instances are 404', async () => {
  const id = await finishedInstance();
  expectError(await request(api.app).get(`/api/process-instances/${id}/evidence`).set(bearer('alice')), 403, 'FORBIDDEN');
  expectError(await request(api.app).get('/api/process-instances/nope/evidence').set(bearer('carol')), 404, 'NOT_FOUND');
});
