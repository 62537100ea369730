/**
 * A process owner's reads about a process: its versions (deployer, time, instances by state), the heatmap
 * of one version (passed / waiting / failed per element), the deployed forms; each bounded by a
 * configurable scan limit that says when it stopped short.
 */
import request from 'supertest';
import { activateJob, bearer, deploy, eventually, expectError, fixture, openTask, startApi, startInstance, TICKET_FORM, type TestApi } from './helpers';

let api: TestApi;
beforeAll(async () => {
  api = await startApi({ versionsScanLimit: 100, heatmapScanLimit: 100 });
});
afterAll(() => api.close());

const sequence = (name: string): { name: string; content: string } => {
  const { content } = fixture('wcp01-sequence');
  return { name: 'pv.bpmn', content: content.replace(/id="wcp01" name="Sequence"/, `id="pv" name="${name}"`) };
};

const jobProcess = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  <bpmn:process id="pvJob" isExecutable="true">
    <bpmn:startEvent id="s" />
    <bpmn:serviceTask id="work"><bpmn:extensionElements><zeebe:taskDefinition type="pv-work" retries="1" /></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:endEvent id="e" />
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="work" />
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="e" />
  </bpmn:process>
</bpmn:definitions>`;

async function complete(instanceId: string, elementId: string): Promise<void> {
  const task = await openTask(api.app, instanceId, elementId);
  expect((await request(api.app).post(`/api/tasks/${task.id}/complete`).set(bearer('admin')).send({ variables: {} })).status).toBe(200);
}

test('versions newest first with who deployed them, when, and their instances by state', async () => {
  await deploy(api.app, [sequence('First')], 'owner');
  const done = await startInstance(api.app, 'pv');
  await complete(done, 'A');
  await complete(done, 'B');
  await startInstance(api.app, 'pv');
  await deploy(api.app, [sequence('Second')], 'owner');
  const waiting = await startInstance(api.app, 'pv');
  await openTask(api.app, waiting, 'A');

  const res = await request(api.app).get('/api/processes/pv/versions').set(bearer('frank'));
  expect(res.status).toBe(200);
  expect(res.body).toEqual({
    processId: 'pv',
    scanned: 3,
    truncated: false,
    versions: [
      { key: 'pv:2', version: 2, name: 'Second', deployedAt: expect.any(String), deployedBy: 'owner', instances: { active: 1, completed: 0, terminated: 0, incident: 0 } },
      { key: 'pv:1', version: 1, name: 'First', deployedAt: expect.any(String), deployedBy: 'owner', instances: { active: 1, completed: 1, terminated: 0, incident: 0 } },
    ],
  });
  // a version's key names the same process
  expect((await request(api.app).get('/api/processes/pv:1/versions').set(bearer('owner'))).body.versions).toHaveLength(2);
});

test('the heatmap of a version: instances that passed each element and that wait in it; another version is counted apart', async () => {
  const v1 = await request(api.app).get('/api/processes/pv:1/heatmap').set(bearer('owner'));
  expect(v1.status).toBe(200);
  expect(v1.body).toEqual({
    key: 'pv:1',
    instances: 2,
    truncated: false,
    elements: {
      Start: { passed: 2, waiting: 0, failed: 0 },
      A: { passed: 1, waiting: 1, failed: 0 },
      B: { passed: 1, waiting: 0, failed: 0 },
      End: { passed: 1, waiting: 0, failed: 0 },
    },
  });
  const v2 = await request(api.app).get('/api/processes/pv/heatmap').set(bearer('owner'));
  expect(v2.body).toEqual({ key: 'pv:2', instances: 1, truncated: false, elements: { Start: { passed: 1, waiting: 0, failed: 0 }, A: { passed: 0, waiting: 1, failed: 0 } } });
});

test('an element whose job ran out of retries counts as failed there, not as waiting', async () => {
  await deploy(api.app, [{ name: 'pvJob.bpmn', content: jobProcess }], 'owner');
  const id = await startInstance(api.app, 'pvJob');
  const job = await activateJob(api.app, 'pv-work');
  expect((await request(api.app).post(`/api/jobs/${job.key}/fail`).set(bearer('admin')).send({ retries: 0, errorMessage: 'CMDB down' })).status).toBe(200);
  await eventually(async () => {
    const res = await request(api.app).get(`/api/process-instances/${id}`).set(bearer('admin'));
    if (res.body.state !== 'incident') throw new Error(`state ${res.body.state}`);
  });
  const res = await request(api.app).get('/api/processes/pvJob/heatmap').set(bearer('owner'));
  expect(res.body.elements.work).toEqual({ passed: 0, waiting: 0, failed: 1 });
  const versions = await request(api.app).get('/api/processes/pvJob/versions').set(bearer('owner'));
  expect(versions.body.versions[0].instances).toEqual({ active: 0, completed: 0, terminated: 0, incident: 1 });
});

test('the scan limits bound the work and say so: counts of the oldest instances, truncated', async () => {
  const small = await startApi({ versionsScanLimit: 2, heatmapScanLimit: 1 });
  try {
    await deploy(small.app, [sequence('First')], 'owner');
    for (let i = 0; i < 3; i++) await startInstance(small.app, 'pv');
    const versions = await request(small.app).get('/api/processes/pv/versions').set(bearer('owner'));
    expect(versions.body).toMatchObject({ scanned: 2, truncated: true });
    expect(versions.body.versions[0].instances.active).toBe(2);
    const heatmap = await request(small.app).get('/api/processes/pv/heatmap').set(bearer('owner'));
    expect(heatmap.body).toMatchObject({ instances: 1, truncated: true });
  } finally {
    await small.close();
  }
});

test('404 for an unknown process or version; workers may not read versions', async () => {
  expectError(await request(api.app).get('/api/processes/nope/versions').set(bearer('owner')), 404, 'NOT_FOUND');
  expectError(await request(api.app).get('/api/processes/pv:9/heatmap').set(bearer('owner')), 404, 'NOT_FOUND');
  expectError(await request(api.app).get('/api/processes/pv/versions').set(bearer('worker')), 403, 'FORBIDDEN');
});

test('the deployed forms by id, and one form as deployed; an unknown form is 404', async () => {
  await deploy(api.app, [{ name: 'ticket.form', content: JSON.stringify(TICKET_FORM) }], 'owner');
  const list = await request(api.app).get('/api/forms').set(bearer('owner'));
  expect(list.status).toBe(200);
  expect(list.body.items).toContainEqual({ id: 'ticket-form', name: 'ticket.form', deployedAt: expect.any(String), deployedBy: 'owner' });
  const form = await request(api.app).get('/api/forms/ticket-form').set(bearer('owner'));
  expect(form.status).toBe(200);
  expect(JSON.parse(form.text)).toEqual(TICKET_FORM);
  expectError(await request(api.app).get('/api/forms/no-such-form').set(bearer('owner')), 404, 'NOT_FOUND');
});
