/**
 * Saved task list views: each user's own, stored server-side; nobody reads or deletes someone
 * else's (404, and nothing changed); bad values 400; at most TASK_VIEWS_MAX per user. And the
 * assignable users of the directory, for the delegation picker.
 */
import request from 'supertest';
import { DEFAULT_CONFIG } from '../../api/config';
import { bearer, expectError, startApi, type TestApi } from './helpers';

let api: TestApi;
beforeAll(async () => {
  api = await startApi({ taskDesk: { ...DEFAULT_CONFIG.taskDesk, maxViewsPerUser: 3 } });
});
afterAll(() => api.close());

const views = (user: string) => request(api.app).get('/api/task-views').set(bearer(user));
const save = (user: string, body: object) => request(api.app).post('/api/task-views').set(bearer(user)).send(body);

test('a view is saved with its query, listed for its owner only, by name', async () => {
  const res = await save('alice', { name: 'Network, urgent first', query: { candidateGroup: 'network', sort: '-priority', due: 'day', q: 'vpn' } });
  expect(res.status).toBe(201);
  expect(res.body).toEqual({
    id: expect.any(String),
    name: 'Network, urgent first',
    query: { candidateGroup: 'network', sort: '-priority', due: 'day', q: 'vpn' },
    createdAt: expect.stringMatching(/Z$/),
  });
  await save('alice', { name: 'All open', query: { state: 'created' } });
  expect((await views('alice')).body.items.map((v: { name: string }) => v.name)).toEqual(['All open', 'Network, urgent first']);
  expect((await views('dave')).body.items).toEqual([]);
  expect((await views('admin')).body.items).toEqual([]);
});

test("nobody deletes someone else's view: 404 and the view is still there", async () => {
  const { body } = await save('erin', { name: 'Mine', query: { assignee: 'erin' } });
  for (const user of ['alice', 'admin', 'owner']) expectError(await request(api.app).delete(`/api/task-views/${body.id}`).set(bearer(user)), 404, 'NOT_FOUND');
  expect((await views('erin')).body.items).toEqual([body]);
  expect((await request(api.app).delete(`/api/task-views/${body.id}`).set(bearer('erin'))).status).toBe(204);
  expect((await views('erin')).body.items).toEqual([]);
  expectError(await request(api.app).delete(`/api/task-views/${body.id}`).set(bearer('erin')), 404, 'NOT_FOUND');
});

test('bad views are 400 and store nothing; the auditor saves none', async () => {
  const bad = [
    { name: '', query: {} },
    { name: 'x'.repeat(256), query: {} },
    { name: 'x', query: { sort: 'password' } },
    { name: 'x', query: { owner: 'alice' } },
    { name: 'x', query: { limit: 5000 } },
    { name: 'x' },
    { name: 'x', query: {}, owner: 'bob' },
  ];
  for (const body of bad) expectError(await save('bob', body), 400, 'BAD_REQUEST');
  expect((await views('bob')).body.items).toEqual([]);
  expectError(await save('carol', { name: 'x', query: {} }), 403, 'FORBIDDEN');
});

test('at most TASK_VIEWS_MAX views per user: the next is a 409 and is not stored', async () => {
  for (const name of ['a', 'b', 'c']) expect((await save('dave', { name, query: {} })).status).toBe(201);
  expectError(await save('dave', { name: 'd', query: {} }), 409, 'CONFLICT');
  expect((await views('dave')).body.items.map((v: { name: string }) => v.name)).toEqual(['a', 'b', 'c']);
});

test('the assignable users are the directory users who work tasks', async () => {
  const res = await request(api.app).get('/api/users/assignable').set(bearer('alice'));
  expect(res.status).toBe(200);
  expect(res.body.items.map((u: { id: string }) => u.id)).toEqual(['admin', 'alice', 'bob', 'dave', 'erin', 'paula']);
  expect(res.body.items.find((u: { id: string }) => u.id === 'alice').groups).toEqual(['service-desk', 'network']);
});
