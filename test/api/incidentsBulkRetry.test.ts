/**
 * POST /api/incidents/retry: several incidents at once, each checked as the single resolve (admins, the
 * owners of the process), answered per id (retried / failedAgain with the new error / refused), at most
 * MAX_BULK_RETRY ids a request. Refusals change nothing.
 */
import request from 'supertest';
import { activateJob, bearer, deploy, eventually, expectError, fixture, openTask, startApi, startInstance, type TestApi } from './helpers';

let api: TestApi;
const MAX = 3;

beforeAll(async () => {
  api = await startApi({ maxBulkRetry: MAX });
  await deploy(api.app, [fixture('stuck-gateway')], 'owner'); // owner owns stuckGateway
  await deploy(api.app, [fixture('job-error-boundary')], 'admin');
});
afterAll(() => api.close());

/** An instance of stuckGateway held by an open incident on its gateway (approved is neither true nor false). */
async function stuck(): Promise<{ instanceId: string; incidentId: string }> {
  const instanceId = await startInstance(api.app, 'stuckGateway', { approved: 'maybe' }, 'owner');
  const incident = await eventually(async () => {
    const res = await request(api.app).get('/api/incidents').query({ processInstanceId: instanceId, state: 'open' }).set(bearer('admin'));
    if (res.body.items.length !== 1) throw new Error('no incident yet');
    return res.body.items[0];
  });
  return { instanceId, incidentId: incident.id };
}

/** What a refusal must leave alone: the instance's incidents and its history. */
async function snapshot(instanceId: string): Promise<unknown> {
  const [incidents, history] = await Promise.all([
    request(api.app).get('/api/incidents').query({ processInstanceId: instanceId }).set(bearer('admin')),
    request(api.app).get(`/api/process-instances/${instanceId}/history`).set(bearer('admin')),
  ]);
  return { incidents: incidents.body.items, events: history.body.events.length };
}

const retry = (user: string, ids: unknown): request.Test => request(api.app).post('/api/incidents/retry').set(bearer(user)).send({ ids });

test('an admin retries several: fixed data goes on, unchanged data fails again with the new error, unknown and closed ids are refused', async () => {
  const fixed = await stuck();
  const unchanged = await stuck();
  await request(api.app)
    .post(`/api/process-instances/${fixed.instanceId}/variables`)
    .set(bearer('admin'))
    .send({ variables: { approved: true } })
    .expect(200);

  const res = await retry('admin', [fixed.incidentId, unchanged.incidentId, 'no-such-incident']);
  expect(res.status).toBe(200);
  const [ok, again, unknown] = res.body.results;
  expect(ok).toEqual(expect.objectContaining({ id: fixed.incidentId, outcome: 'retried', incident: expect.objectContaining({ state: 'resolved' }) }));
  expect(again).toEqual(expect.objectContaining({ id: unchanged.incidentId, outcome: 'failedAgain', message: expect.stringContaining('Route') }));
  expect(again.newIncident).toEqual(expect.objectContaining({ state: 'open', elementId: 'Route', processInstanceId: unchanged.instanceId }));
  expect(again.newIncident.id).not.toBe(unchanged.incidentId);
  expect(unknown).toEqual({ id: 'no-such-incident', outcome: 'refused', message: expect.stringContaining('no-such-incident') });

  await openTask(api.app, fixed.instanceId, 'Yes'); // the retried instance went on
  const stillStuck = await request(api.app).get(`/api/process-instances/${unchanged.instanceId}`).set(bearer('admin'));
  expect(stillStuck.body.state).toBe('incident');

  // the incident already retried is no longer open: refused, not retried twice
  const twice = await retry('admin', [fixed.incidentId]);
  expect(twice.body.results).toEqual([{ id: fixed.incidentId, outcome: 'refused', message: expect.stringContaining('resolved') }]);
});

test('the owner of the process retries its incidents; another designer is refused per id and nothing changes', async () => {
  const a = await stuck();
  const before = await snapshot(a.instanceId);
  const refused = await retry('frank', [a.incidentId]);
  expect(refused.status).toBe(200);
  expect(refused.body.results).toEqual([{ id: a.incidentId, outcome: 'refused', message: expect.stringMatching(/owner|may not/i) }]);
  expect(await snapshot(a.instanceId)).toEqual(before);

  const own = await retry('owner', [a.incidentId]);
  expect(own.body.results[0]).toEqual(expect.objectContaining({ id: a.incidentId, outcome: 'failedAgain' }));
});

test('auditors, agents and callers without a token are refused and nothing changes', async () => {
  const a = await stuck();
  const before = await snapshot(a.instanceId);
  expectError(await retry('carol', [a.incidentId]), 403, 'FORBIDDEN');
  expectError(await retry('alice', [a.incidentId]), 403, 'FORBIDDEN');
  expectError(
    await request(api.app)
      .post('/api/incidents/retry')
      .send({ ids: [a.incidentId] }),
    401,
    'UNAUTHORIZED',
  );
  expect(await snapshot(a.instanceId)).toEqual(before);
});

test('more ids than MAX_BULK_RETRY is a 413 and retries none of them; malformed lists are 400', async () => {
  const all = [await stuck(), await stuck(), await stuck(), await stuck()];
  const before = await Promise.all(all.map((s) => snapshot(s.instanceId)));
  const tooMany = await retry(
    'admin',
    all.map((s) => s.incidentId),
  );
  expectError(tooMany, 413, 'PAYLOAD_TOO_LARGE');
  expect(tooMany.body.error.message).toContain(`at most ${MAX}`);
  expect(tooMany.body.error.details).toEqual([{ max: MAX }]);
  expect(await Promise.all(all.map((s) => snapshot(s.instanceId)))).toEqual(before);

  for (const ids of [[], [all[0].incidentId, all[0].incidentId], 'x', [42], ['x'.repeat(1001)]]) expectError(await retry('admin', ids), 400, 'BAD_REQUEST');
  expectError(
    await request(api.app)
      .post('/api/incidents/retry')
      .set(bearer('admin'))
      .send({ ids: ['x'], force: true }),
    400,
    'BAD_REQUEST',
  );
  expect(await Promise.all(all.map((s) => snapshot(s.instanceId)))).toEqual(before);

  const exactly = await retry(
    'admin',
    all.slice(0, MAX).map((s) => s.incidentId),
  );
  expect(exactly.body.results.map((r: { outcome: string }) => r.outcome)).toEqual(['failedAgain', 'failedAgain', 'failedAgain']);
});

test('a job incident is retried: the job goes back to its workers with retries', async () => {
  const instanceId = await startInstance(api.app, 'jobError', { ci: 'flaky' });
  const job = await activateJob(api.app, 'cmdb-lookup');
  await request(api.app).post(`/api/jobs/${job.key}/fail`).set(bearer('admin')).send({ retries: 0, errorMessage: 'CMDB down' }).expect(200);
  const incident = await eventually(async () => {
    const res = await request(api.app).get('/api/incidents').query({ processInstanceId: instanceId, state: 'open' }).set(bearer('admin'));
    if (res.body.items.length !== 1) throw new Error('no incident yet');
    return res.body.items[0];
  });
  const res = await retry('admin', [incident.id]);
  expect(res.body.results).toEqual([expect.objectContaining({ id: incident.id, outcome: 'retried' })]);
  const back = await activateJob(api.app, 'cmdb-lookup');
  expect(back.key).toBe(job.key);
  expect(back.retries).toBeGreaterThan(0);
});
