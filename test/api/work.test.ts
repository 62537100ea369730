/** Jobs, messages, signals and incidents. */
import request from 'supertest';
import { activateJob, bearer, deploy, eventually, expectError, fixture, openTask, startApi, startInstance, type TestApi } from './helpers';

const SIGNAL_BPMN = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="Defs" targetNamespace="http://processdesk.test">
  <bpmn:signal id="Sig_Outage" name="MajorOutage" />
  <bpmn:process id="signalWait" isExecutable="true">
    <bpmn:startEvent id="Start" />
    <bpmn:intermediateCatchEvent id="WaitOutage"><bpmn:signalEventDefinition signalRef="Sig_Outage" /></bpmn:intermediateCatchEvent>
    <bpmn:userTask id="Notify"><bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="service-desk" /></bpmn:extensionElements></bpmn:userTask>
    <bpmn:endEvent id="End" />
    <bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="WaitOutage" />
    <bpmn:sequenceFlow id="f2" sourceRef="WaitOutage" targetRef="Notify" />
    <bpmn:sequenceFlow id="f3" sourceRef="Notify" targetRef="End" />
  </bpmn:process>
</bpmn:definitions>`;

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
  await deploy(api.app, [fixture('job-error-boundary'), fixture('message-catch'), { name: 'signal-wait.bpmn', content: SIGNAL_BPMN }]);
});
afterAll(() => api.close());

describe('jobs', () => {
  test('activate returns the API job shape; complete moves the instance on', async () => {
    const id = await startInstance(api.app, 'jobError', { ci: 'srv-42' });
    const job = await activateJob(api.app, 'cmdb-lookup');
    expect(job).toEqual(
      expect.objectContaining({
        key: expect.any(String),
        type: 'cmdb-lookup',
        processInstanceId: id,
        elementId: 'Lookup',
        variables: expect.objectContaining({ ci: 'srv-42' }),
        retries: 3,
        customHeaders: {},
      }),
    );
    const again = await request(api.app).post('/api/jobs/activate').set(bearer('admin')).send({ type: 'cmdb-lookup', worker: 'w2', maxJobs: 5, lockMs: 1000 });
    expect(again.body.jobs.find((j: { key: string }) => j.key === job.key)).toBeUndefined(); // locked
    const done = await request(api.app)
      .post(`/api/jobs/${job.key}/complete`)
      .set(bearer('admin'))
      .send({ variables: { ciOwner: 'network' } });
    expect(done.status).toBe(200);
    await openTask(api.app, id, 'Work');
    expectError(await request(api.app).post(`/api/jobs/${job.key}/complete`).set(bearer('admin')).send({}), 409, 'CONFLICT');
  });

  test('a BPMN error from a job takes the error boundary', async () => {
    const id = await startInstance(api.app, 'jobError', { ci: 'nope' });
    const job = await activateJob(api.app, 'cmdb-lookup');
    expect(job.processInstanceId).toBe(id);
    const res = await request(api.app).post(`/api/jobs/${job.key}/error`).set(bearer('admin')).send({ errorCode: 'NOT_FOUND', errorMessage: 'no such CI' });
    expect(res.status).toBe(200);
    await openTask(api.app, id, 'Manual');
  });

  test('fail with retries left comes back; with none an incident opens, resolving it gives the job back', async () => {
    const id = await startInstance(api.app, 'jobError', { ci: 'flaky' });
    const job = await activateJob(api.app, 'cmdb-lookup');
    const failed = await request(api.app).post(`/api/jobs/${job.key}/fail`).set(bearer('admin')).send({ retries: 2, errorMessage: 'timeout' });
    expect(failed.status).toBe(200);
    expect(failed.body).toEqual(expect.objectContaining({ key: job.key, retries: 2 }));
    const retried = await activateJob(api.app, 'cmdb-lookup');
    expect(retried.key).toBe(job.key);
    await request(api.app).post(`/api/jobs/${job.key}/fail`).set(bearer('admin')).send({ retries: 0, errorMessage: 'CMDB down' }).expect(200);

    const incidents = await eventually(async () => {
      const res = await request(api.app).get('/api/incidents').query({ processInstanceId: id }).set(bearer('carol'));
      expect(res.body.items).toHaveLength(1);
      return res.body.items;
    });
    expect(incidents[0]).toEqual(expect.objectContaining({ processInstanceId: id, elementId: 'Lookup', jobKey: job.key, state: 'open', createdAt: expect.stringMatching(/Z$/) }));
    const open = await request(api.app).get('/api/incidents').query({ state: 'open' }).set(bearer('owner'));
    expect(open.body.items.map((i: { id: string }) => i.id)).toContain(incidents[0].id);

    expectError(await request(api.app).post(`/api/incidents/${incidents[0].id}/resolve`).set(bearer('carol')), 403, 'FORBIDDEN');
    const resolved = await request(api.app).post(`/api/incidents/${incidents[0].id}/resolve`).set(bearer('admin')).send({});
    expect(resolved.status).toBe(200);
    expect(resolved.body).toEqual(expect.objectContaining({ state: 'resolved', resolvedAt: expect.stringMatching(/Z$/) }));
    expectError(await request(api.app).post(`/api/incidents/${incidents[0].id}/resolve`).set(bearer('admin')), 409, 'CONFLICT');
    const back = await activateJob(api.app, 'cmdb-lookup');
    expect(back.key).toBe(job.key);
    expect(back.retries).toBeGreaterThan(0);
  });

  test('400, 401, 403, 404 and 413', async () => {
    for (const body of [{}, { type: 'x' }, { type: 'x', worker: 'w', maxJobs: 0 }, { type: 'x', worker: 'w', lockMs: 'long' }]) {
      expectError(await request(api.app).post('/api/jobs/activate').set(bearer('admin')).send(body), 400, 'BAD_REQUEST');
    }
    expectError(await request(api.app).post('/api/jobs/k/fail').set(bearer('admin')).send({ errorMessage: 'no retries given' }), 400, 'BAD_REQUEST');
    expectError(await request(api.app).post('/api/jobs/k/fail').set(bearer('admin')).send({ retries: -1 }), 400, 'BAD_REQUEST');
    expectError(await request(api.app).post('/api/jobs/k/error').set(bearer('admin')).send({}), 400, 'BAD_REQUEST');
    expectError(await request(api.app).post('/api/jobs/nope/complete').set(bearer('admin')).send({}), 404, 'NOT_FOUND');
    expectError(await request(api.app).post('/api/jobs/nope/fail').set(bearer('admin')).send({ retries: 1 }), 404, 'NOT_FOUND');
    expectError(await request(api.app).post('/api/jobs/nope/error').set(bearer('admin')).send({ errorCode: 'X' }), 404, 'NOT_FOUND');
    expectError(await request(api.app).post('/api/jobs/activate').send({ type: 'x', worker: 'w' }), 401, 'UNAUTHORIZED');
    for (const user of ['alice', 'owner', 'carol']) {
      expectError(await request(api.app).post('/api/jobs/activate').set(bearer(user)).send({ type: 'x', worker: 'w' }), 403, 'FORBIDDEN');
    }
    expectError(
      await request(api.app)
        .post('/api/jobs/k/complete')
        .set(bearer('admin'))
        .send({ variables: { x: 'x'.repeat(7 * 1024 * 1024) } }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
  });
});

describe('messages', () => {
  test('correlates by name and key to the waiting instance only', async () => {
    const a = await startInstance(api.app, 'msgCatch', { vendorCase: 'V-7' });
    const b = await startInstance(api.app, 'msgCatch', { vendorCase: 'V-8' });
    for (const id of [a, b]) {
      const t = await openTask(api.app, id, 'Open');
      await request(api.app).post(`/api/tasks/${t.id}/complete`).set(bearer('alice')).send({}).expect(200);
    }
    await eventually(async () => expect((await request(api.app).get(`/api/process-instances/${a}`).set(bearer('admin'))).body.activeElements).toContain('WaitVendor'));
    // a worker's message (agents may publish only what a process opens to them: test/security/messages.test.ts)
    const res = await request(api.app)
      .post('/api/messages')
      .set(bearer('admin'))
      .send({ name: 'VendorFixed', correlationKey: 'V-7', variables: { fix: 'patch' } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(expect.objectContaining({ correlated: 1, messageKey: expect.any(String) }));
    await eventually(async () => {
      const inst = await request(api.app).get(`/api/process-instances/${a}`).set(bearer('admin'));
      expect(inst.body.variables).toEqual(expect.objectContaining({ fix: 'patch' }));
      expect(inst.body.activeElements).not.toContain('WaitVendor');
    });
    expect((await request(api.app).get(`/api/process-instances/${b}`).set(bearer('admin'))).body.activeElements).toContain('WaitVendor');
  });

  test('a message nobody waits for is buffered (correlated 0); messageId deduplicates', async () => {
    const first = await request(api.app).post('/api/messages').set(bearer('admin')).send({ name: 'Nobody', correlationKey: 'k', timeToLive: 60_000, messageId: 'm-1' });
    expect(first.status).toBe(200);
    expect(first.body.correlated).toBe(0);
    const dup = await request(api.app).post('/api/messages').set(bearer('admin')).send({ name: 'Nobody', correlationKey: 'k', timeToLive: 60_000, messageId: 'm-1' });
    expect(dup.body.duplicate).toBe(true);
  });

  test('400, 401, 403 and 413', async () => {
    for (const body of [{}, { name: '' }, { name: 'x', timeToLive: -1 }, { name: 'x', variables: 3 }, { name: 'x', correlationKey: 5 }]) {
      expectError(await request(api.app).post('/api/messages').set(bearer('admin')).send(body), 400, 'BAD_REQUEST');
    }
    expectError(await request(api.app).post('/api/messages').send({ name: 'x' }), 401, 'UNAUTHORIZED');
    expectError(await request(api.app).post('/api/messages').set(bearer('carol')).send({ name: 'x' }), 403, 'FORBIDDEN');
    expectError(await request(api.app).post('/api/messages').set(bearer('owner')).send({ name: 'x' }), 403, 'FORBIDDEN');
    expectError(
      await request(api.app)
        .post('/api/messages')
        .set(bearer('admin'))
        .send({ name: 'x', variables: { b: 'x'.repeat(7 * 1024 * 1024) } }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
  });
});

describe('signals', () => {
  test('a signal reaches every waiting instance', async () => {
    const ids = [await startInstance(api.app, 'signalWait'), await startInstance(api.app, 'signalWait')];
    for (const id of ids)
      await eventually(async () => expect((await request(api.app).get(`/api/process-instances/${id}`).set(bearer('admin'))).body.activeElements).toContain('WaitOutage'));
    const res = await request(api.app)
      .post('/api/signals')
      .set(bearer('admin'))
      .send({ name: 'MajorOutage', variables: { outage: true } });
    expect(res.status).toBe(200);
    expect(res.body.delivered).toBe(2);
    for (const id of ids) await openTask(api.app, id, 'Notify');
  });

  test('400, 401, 403 and 413', async () => {
    expectError(await request(api.app).post('/api/signals').set(bearer('admin')).send({}), 400, 'BAD_REQUEST');
    expectError(await request(api.app).post('/api/signals').set(bearer('admin')).send({ name: 'x', correlationKey: 'k' }), 400, 'BAD_REQUEST');
    expectError(await request(api.app).post('/api/signals').send({ name: 'x' }), 401, 'UNAUTHORIZED');
    for (const user of ['alice', 'carol', 'owner']) expectError(await request(api.app).post('/api/signals').set(bearer(user)).send({ name: 'x' }), 403, 'FORBIDDEN');
    expectError(
      await request(api.app)
        .post('/api/signals')
        .set(bearer('admin'))
        .send({ name: 'x', variables: { b: 'x'.repeat(7 * 1024 * 1024) } }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
  });
});

describe('incidents', () => {
  test('400, 401, 403, 404', async () => {
    expectError(await request(api.app).get('/api/incidents').query({ state: 'closed' }).set(bearer('admin')), 400, 'BAD_REQUEST');
    expectError(await request(api.app).get('/api/incidents'), 401, 'UNAUTHORIZED');
    expectError(await request(api.app).get('/api/incidents').set(bearer('alice')), 403, 'FORBIDDEN');
    expectError(await request(api.app).post('/api/incidents/nope/resolve').set(bearer('admin')), 404, 'NOT_FOUND');
    expectError(await request(api.app).post('/api/incidents/nope/resolve').set(bearer('admin')).send({ force: true }), 400, 'BAD_REQUEST');
    expectError(
      await request(api.app)
        .post('/api/incidents/nope/resolve')
        .set(bearer('admin'))
        .send({ pad: 'x'.repeat(7 * 1024 * 1024) }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
  });
});
