/**
 * Job activation with `requestTimeout` (long polling): the request is held until a job of its type is
 * committed (woken by the engine's commit, not by a poll loop), finds a job no commit here announced (a
 * retry's backoff ran out) by looking again every second, answers empty after its timeout, the
 * number of waiting requests is bounded (429 beyond it, V2_MAX_LONG_POLLS, instance creations awaiting
 * completion included), and waiting requests end at once when the server stops (endLongPolls) or when
 * their client goes away.
 */
import { brand, fixtureFile } from './clientSuite';
import { startV2Server, type V2Server } from './server';

let s: V2Server;
const auth = { authorization: `Basic ${Buffer.from('worker:demo-worker').toString('base64')}`, 'content-type': 'application/json' };
const activation = (type: string, requestTimeout: number, signal?: AbortSignal) =>
  fetch(`${s.url}/v2/jobs/activation`, { method: 'POST', headers: auth, signal, body: JSON.stringify({ type, timeout: 30_000, maxJobsToActivate: 5, requestTimeout }) });

beforeAll(async () => {
  s = await startV2Server({ camunda: { maxPageSize: 1000, scanLimit: 10_000, maxLongPolls: 2, maxLongPollMs: 60_000 } });
  await s.client('admin').createDeployment({ resources: [fixtureFile('v2-flaky.bpmn'), fixtureFile('v2-order.bpmn'), fixtureFile('v2-wait.bpmn')] });
});
afterAll(async () => {
  await s.close();
});

test('a waiting activation answers as soon as a job of its type is committed', async () => {
  const startedAt = Date.now();
  const waiting = s.client('worker').activateJobs({ type: 'v2-flaky', timeout: 30_000, maxJobsToActivate: 5, requestTimeout: 20_000, worker: 'w1' });
  await new Promise((r) => setTimeout(r, 300)); // it is waiting now
  const started = await s.client('admin').createProcessInstance({ processDefinitionId: brand('v2-flaky') });
  const { jobs } = await waiting;
  expect(jobs.map((j) => [j.processInstanceKey, j.elementId, j.worker, j.retries])).toEqual([[started.processInstanceKey, 'Sync', 'w1', 1]]);
  expect(jobs[0].deadline).toBeGreaterThan(Date.now() + 20_000);
  expect(Date.now() - startedAt).toBeLessThan(5000);
  await s.client('worker').completeJob({ jobKey: jobs[0].jobKey });
});

test('a job back from its retry backoff (no commit announces it) reaches a waiting activation long before its requestTimeout', async () => {
  const worker = s.client('worker');
  const started = await s.client('admin').createProcessInstance({ processDefinitionId: brand('v2-flaky') });
  const [job] = (await worker.activateJobs({ type: 'v2-flaky', timeout: 30_000, maxJobsToActivate: 1, requestTimeout: -1, worker: 'w1' })).jobs;
  expect(job.processInstanceKey).toBe(started.processInstanceKey);
  await worker.failJob({ jobKey: job.jobKey, retries: 1, errorMessage: 'CMDB busy', retryBackOff: 1500 });
  const t0 = Date.now();
  const { jobs } = await worker.activateJobs({ type: 'v2-flaky', timeout: 30_000, maxJobsToActivate: 1, requestTimeout: 30_000, worker: 'w2' });
  expect(jobs.map((j) => [j.jobKey, j.worker])).toEqual([[job.jobKey, 'w2']]);
  expect(Date.now() - t0).toBeLessThan(10_000); // found by the waiting activation's own look, not at its 30 s timeout
  await worker.completeJob({ jobKey: jobs[0].jobKey });
}, 20_000);

test('without a job, it answers empty after its requestTimeout; a negative one answers at once', async () => {
  const t0 = Date.now();
  const res = await activation('v2-nothing', 400);
  expect(await res.json()).toEqual({ jobs: [] });
  expect(Date.now() - t0).toBeGreaterThanOrEqual(390);
  const t1 = Date.now();
  expect(await (await activation('v2-nothing', -1)).json()).toEqual({ jobs: [] });
  expect(Date.now() - t1).toBeLessThan(300);
});

test('waiting activations are bounded: one more is a 429 problem', async () => {
  const a = new AbortController();
  const b = new AbortController();
  const first = activation('v2-none-1', 30_000, a.signal).catch(() => undefined);
  const second = activation('v2-none-2', 30_000, b.signal).catch(() => undefined);
  await new Promise((r) => setTimeout(r, 300));
  const third = await activation('v2-none-3', 30_000);
  expect(third.status).toBe(429);
  expect(await third.json()).toMatchObject({ status: 429, title: 'RESOURCE_EXHAUSTED' });
  // clients going away end their waits: the slots are free again
  a.abort();
  b.abort();
  await Promise.all([first, second]);
  await new Promise((r) => setTimeout(r, 100));
  const again = await activation('v2-none-4', 50);
  expect(again.status).toBe(200);
});

const creation = (body: unknown) =>
  fetch(`${s.url}/v2/process-instances`, {
    method: 'POST',
    headers: { ...auth, authorization: `Basic ${Buffer.from('admin:demo-admin').toString('base64')}` },
    body: JSON.stringify(body),
  });

test('awaitCompletion of an instance that does not end in time is a 504 problem; the instance runs on', async () => {
  const t0 = Date.now();
  const res = await creation({ processDefinitionId: 'v2-wait', awaitCompletion: true, requestTimeout: 300 });
  expect(res.status).toBe(504);
  const problem = (await res.json()) as { detail: string; title: string };
  expect(problem.title).toBe('DEADLINE_EXCEEDED');
  expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
  const key = /instance (\d+) did not end/.exec(problem.detail)![1];
  expect((await s.engine.getInstance((await s.engine.resolveExternalKey(Number(key)))!.id)).state).toBe('active');
});

test('instances awaiting completion count against the waiting budget (429 beyond it)', async () => {
  const a = new AbortController();
  const first = fetch(`${s.url}/v2/process-instances`, {
    method: 'POST',
    signal: a.signal,
    headers: { ...auth, authorization: `Basic ${Buffer.from('admin:demo-admin').toString('base64')}` },
    body: JSON.stringify({ processDefinitionId: 'v2-wait', awaitCompletion: true, requestTimeout: 30_000 }),
  }).catch(() => undefined);
  const b = new AbortController();
  const second = activation('v2-none-5', 30_000, b.signal).catch(() => undefined);
  await new Promise((r) => setTimeout(r, 300));
  const before = (await s.engine.listInstances({ limit: 1000 })).items.length;
  const third = await creation({ processDefinitionId: 'v2-wait', awaitCompletion: true, requestTimeout: 30_000 });
  expect(third.status).toBe(429);
  expect((await s.engine.listInstances({ limit: 1000 })).items.length).toBe(before); // refused before starting anything
  a.abort();
  b.abort();
  await Promise.all([first, second]);
});

test('stopping the server ends waiting activations and creations at once', async () => {
  const other = await startV2Server();
  await other.client('admin').createDeployment({ resources: [fixtureFile('v2-wait.bpmn')] });
  const waiting = fetch(`${other.url}/v2/jobs/activation`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ type: 'v2-never', timeout: 1000, maxJobsToActivate: 1, requestTimeout: 30_000 }),
  });
  const awaiting = fetch(`${other.url}/v2/process-instances`, {
    method: 'POST',
    headers: { ...auth, authorization: `Basic ${Buffer.from('admin:demo-admin').toString('base64')}` },
    body: JSON.stringify({ processDefinitionId: 'v2-wait', awaitCompletion: true, requestTimeout: 30_000 }),
  });
  await new Promise((r) => setTimeout(r, 300));
  const t0 = Date.now();
  const closed = other.close();
  const res = await waiting;
  expect(Date.now() - t0).toBeLessThan(1500);
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ jobs: [] });
  expect((await awaiting).status).toBe(504);
  await closed;
  expect(Date.now() - t0).toBeLessThan(1800); // the connections closed with their answers, not by force (2 s)
});
