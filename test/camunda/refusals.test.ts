/**
 * What /v2 refuses, each answered with an RFC 9457 problem detail and each leaving nothing changed:
 * wrong credentials (401 with a Basic challenge), an agent acting on another group's task, an auditor
 * starting an instance (403), malformed and foreign keys (400, 404), an oversized body (413), unknown
 * paths (404), and the rate limit (429) before the /v2 router.
 */
import type { Engine } from '../../engine';
import { brand, fixtureFile, NOW } from './clientSuite';
import { startV2Server, type V2Server } from './server';

let s: V2Server;

beforeAll(async () => {
  s = await startV2Server({ bodyLimit: '20kb' });
  await s.client('admin').createDeployment({ resources: [fixtureFile('v2-order.bpmn')] });
});
afterAll(async () => {
  await s.close();
});

const basic = (user: string, password: string): Record<string, string> => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
const json = { 'content-type': 'application/json' };

async function call(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<{ status: number; headers: Headers; problem: Record<string, unknown> }> {
  const res = await fetch(`${s.url}/v2${path}`, {
    method,
    headers: { ...json, ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  return { status: res.status, headers: res.headers, problem: (await res.json()) as Record<string, unknown> };
}

const instanceCount = async (engine: Engine): Promise<number> => (await engine.listInstances({ limit: 1000 })).items.length;

test('a wrong password is a 401 problem with a Basic challenge; nothing is started', async () => {
  const before = await instanceCount(s.engine);
  const r = await call('POST', '/process-instances', basic('admin', 'not-the-password'), { processDefinitionId: 'v2-order', variables: { amount: 1 } });
  expect(r.status).toBe(401);
  expect(r.headers.get('www-authenticate')).toBe('Basic realm="ProcessDesk"');
  expect(r.problem).toEqual({ type: 'about:blank', title: 'UNAUTHENTICATED', status: 401, detail: 'wrong credentials', instance: '/v2/process-instances' });
  await expect(s.client('admin', 'nope').createProcessInstance({ processDefinitionId: brand('v2-order') })).rejects.toMatchObject({ status: 401 });
  const none = await call('GET', '/topology', {});
  expect(none.status).toBe(401);
  expect(await instanceCount(s.engine)).toBe(before);
});

test('an auditor may not start an instance (403); nothing is started', async () => {
  const before = await instanceCount(s.engine);
  await expect(s.client('carol').createProcessInstance({ processDefinitionId: brand('v2-order'), variables: { amount: 1 } })).rejects.toMatchObject({ status: 403 });
  const r = await call('POST', '/process-instances', basic('carol', 'demo-carol'), { processDefinitionId: 'v2-order' });
  expect(r.problem).toMatchObject({ status: 403, title: 'FORBIDDEN', detail: 'carol (auditor) may not instances.start' });
  expect(await instanceCount(s.engine)).toBe(before);
});

test("an agent may neither see nor work another group's task (403); the task stays as it was", async () => {
  const alice = s.client('alice');
  const worker = s.client('worker');
  const started = await alice.createProcessInstance({ processDefinitionId: brand('v2-order'), variables: { amount: 5, orderId: 'r-1' } });
  const [job] = (await worker.activateJobs({ type: 'v2-charge', timeout: 30_000, maxJobsToActivate: 1, requestTimeout: 5000 })).jobs;
  await worker.completeJob({ jobKey: job.jobKey });
  const [task] = (await alice.searchUserTasks({ filter: { processInstanceKey: started.processInstanceKey } }, NOW)).items!;
  // dave is in network and cab, the task is offered to service-desk
  const dave = s.client('dave');
  expect((await dave.searchUserTasks({ filter: { processInstanceKey: started.processInstanceKey } }, NOW)).items).toEqual([]);
  await expect(dave.getUserTask({ userTaskKey: task.userTaskKey }, NOW)).rejects.toMatchObject({ status: 403 });
  await expect(dave.assignUserTask({ userTaskKey: task.userTaskKey, assignee: 'dave' })).rejects.toMatchObject({ status: 403 });
  const r = await call('POST', `/user-tasks/${task.userTaskKey}/completion`, basic('dave', 'demo-dave'), { variables: { packed: true } });
  expect(r.problem).toMatchObject({ status: 403, title: 'FORBIDDEN' });
  // alice may not claim it for someone else either
  await expect(alice.assignUserTask({ userTaskKey: task.userTaskKey, assignee: 'erin' })).rejects.toMatchObject({ status: 403 });
  const after = await alice.getUserTask({ userTaskKey: task.userTaskKey }, NOW);
  expect(after.state).toBe('CREATED');
  expect(after.assignee).toBeUndefined();
});

test('a malformed key is a 400, a key of another kind or of nothing a 404; nothing is canceled', async () => {
  const admin = basic('admin', 'demo-admin');
  const started = await s.client('admin').createProcessInstance({ processDefinitionId: brand('v2-order'), variables: { amount: 1 } });
  expect((await call('GET', '/process-instances/12ab', admin)).problem).toMatchObject({ status: 400, title: 'INVALID_ARGUMENT' });
  expect((await call('POST', '/process-instances/99999999/cancellation', admin)).problem).toMatchObject({
    status: 404,
    title: 'NOT_FOUND',
    detail: 'no process instance with key 99999999',
  });
  // the definition's key is no instance key
  expect((await call('POST', `/process-instances/${started.processDefinitionKey}/cancellation`, admin)).problem).toMatchObject({ status: 404 });
  expect((await s.client('admin').getProcessInstance({ processInstanceKey: started.processInstanceKey }, NOW)).state).toBe('ACTIVE');
});

test('a body over the limit is a 413 problem, a malformed one a 400; nothing is started', async () => {
  const before = await instanceCount(s.engine);
  const big = { processDefinitionId: 'v2-order', variables: { blob: 'x'.repeat(30 * 1024) } };
  expect((await call('POST', '/process-instances', basic('admin', 'demo-admin'), big)).problem).toMatchObject({ status: 413, title: 'PAYLOAD_TOO_LARGE' });
  expect((await call('POST', '/process-instances', basic('admin', 'demo-admin'), '{"processDefinitionId":')).problem).toMatchObject({ status: 400 });
  expect(
    (await call('POST', '/process-instances', basic('admin', 'demo-admin'), { processDefinitionId: 'v2-order', startInstructions: [{ elementId: 'Pack' }] })).problem,
  ).toMatchObject({
    status: 400,
    detail: 'startInstructions is not supported by ProcessDesk',
  });
  expect(await instanceCount(s.engine)).toBe(before);
});

test('unknown /v2 paths and unsupported operations answer problems (404, 501)', async () => {
  const r = await call('GET', '/no-such-thing', basic('admin', 'demo-admin'));
  expect(r.problem).toEqual({ type: 'about:blank', title: 'NOT_FOUND', status: 404, detail: 'no operation GET /no-such-thing in the /v2 API', instance: '/v2/no-such-thing' });
  const operators = await call('POST', '/user-tasks/search', basic('admin', 'demo-admin'), { filter: { candidateGroup: { $in: ['cab'] } } });
  expect(operators.problem).toMatchObject({ status: 501, title: 'NOT_IMPLEMENTED' });
});

test("the API's rate limit covers /v2 (shared with /api) and answers a 429 problem", async () => {
  const limited = await startV2Server({ rateLimitPerMinute: 3 });
  try {
    const auth = basic('worker', 'demo-worker');
    for (let i = 0; i < 2; i++) expect((await fetch(`${limited.url}/v2/topology`, { headers: auth })).status).toBe(200);
    expect((await fetch(`${limited.url}/api/me`, { headers: auth })).status).toBe(200);
    const res = await fetch(`${limited.url}/v2/topology`, { headers: auth });
    expect(res.status).toBe(429);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ status: 429, title: 'RESOURCE_EXHAUSTED', instance: '/v2/topology' });
  } finally {
    await limited.close();
  }
});
