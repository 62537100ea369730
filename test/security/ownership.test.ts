/**
 * Process owners (engine/runtime/ownership.ts), tried as a hostile designer: one designer may not take
 * over another's process by deploying its next version, nor swap a form or decision it uses, nor cancel
 * its instances or retry its incidents. Each refusal is checked together with "nothing changed".
 * Demo users: `owner` (designer, group process-owners, owns the shipped processes), `frank` (designer
 * of nothing shipped), `admin`.
 */
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { deployShipped } from '../../api/main';
import { bearer, deploy, eventually, expectError, fixture, startApi, type TestApi } from '../api/helpers';

const PROCESSES = path.resolve(__dirname, '../../processes');
const shipped = (name: string) => ({ name: path.basename(name), content: fs.readFileSync(path.join(PROCESSES, name), 'utf8') });

/** A process of its own: start -> a gateway with one condition and no default (amount > 10) -> end. */
function gate(id: string, extra = ''): { name: string; content: string } {
  return {
    name: `${id}.bpmn`,
    content: `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="D_${id}" targetNamespace="http://processdesk.example/test">
  <bpmn:process id="${id}" isExecutable="true">${extra}
    <bpmn:startEvent id="S" />
    <bpmn:exclusiveGateway id="G" />
    <bpmn:endEvent id="E" />
    <bpmn:sequenceFlow id="F1" sourceRef="S" targetRef="G" />
    <bpmn:sequenceFlow id="F2" sourceRef="G" targetRef="E"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">=amount &gt; 10</bpmn:conditionExpression></bpmn:sequenceFlow>
  </bpmn:process>
</bpmn:definitions>`,
  };
}
const owners = (value: string) =>
  `<bpmn:extensionElements><zeebe:properties><zeebe:property name="processdesk.owners" value="${value}" /></zeebe:properties></bpmn:extensionElements>`;

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
  await deployShipped(api.engine, PROCESSES); // as npm start does: deployed by the server itself
});
afterAll(() => api.close());

const get = (url: string, user = 'admin') => request(api.app).get(url).set(bearer(user));
const post = (url: string, user: string, body: object = {}) => request(api.app).post(url).set(bearer(user)).send(body);

/** An instance of `processId` held in an incident at the gateway (amount 1 matches no flow). */
async function instanceInIncident(processId: string): Promise<{ id: string; incidentId: string }> {
  const started = await post('/api/process-instances', 'admin', { processId, variables: { amount: 1 } }).expect(201);
  const incident = await eventually(async () => {
    const items = (await get(`/api/incidents?processInstanceId=${started.body.id}`)).body.items;
    if (!items.length) throw new Error('no incident yet');
    return items[0] as { id: string };
  });
  return { id: started.body.id, incidentId: incident.id };
}

describe('deploying: only the owners of a process deploy its next version', () => {
  test('a process declares no owners: its deployer owns it, another designer is refused and nothing is stored', async () => {
    const v1 = gate('franks-gate');
    await deploy(api.app, [v1], 'frank');
    expect((await get('/api/processes/franks-gate')).body).toEqual(expect.objectContaining({ version: 1, deployedBy: 'frank', owners: ['frank'] }));

    const v2 = { ...v1, content: v1.content.replace('&gt; 10', '&gt; 20') };
    const refused = await post('/api/deployments', 'owner', { resources: [v2] });
    expectError(refused, 403, 'FORBIDDEN');
    expect(refused.body.error.message).toContain('process franks-gate (owners: frank)');
    expect((await get('/api/processes/franks-gate')).body).toEqual(expect.objectContaining({ version: 1, deployedBy: 'frank' }));
    expect((await get('/api/processes/franks-gate/xml')).text).toContain('&gt; 10');

    const taken = await post('/api/deployments', 'frank', { resources: [v2] }).expect(201);
    expect(taken.body.processes[0]).toEqual(expect.objectContaining({ processId: 'franks-gate', version: 2 }));
    // the same XML again changes nothing, so anyone with the role may send it
    expect((await post('/api/deployments', 'owner', { resources: [v2] }).expect(201)).body.processes[0]).toEqual(expect.objectContaining({ version: 2, duplicate: true }));
  });

  test('a shipped process is owned by its declared group: frank may not deploy a version of it, owner (in the group) may', async () => {
    const incident = shipped('incident.bpmn');
    const changed = { ...incident, content: incident.content.replace('name="Incident management"', 'name="Incident management (frank\'s)"') };
    const before = (await get('/api/processes/incident')).body;
    expect(before).toEqual(expect.objectContaining({ deployedBy: 'system', owners: ['group:process-owners'] }));
    const refused = await post('/api/deployments', 'frank', { resources: [changed] });
    expectError(refused, 403, 'FORBIDDEN');
    expect(refused.body.error.message).toContain('process incident (owners: group:process-owners)');
    expect((await get('/api/processes/incident')).body).toEqual(before);

    const ok = await post('/api/deployments', 'owner', { resources: [changed] }).expect(201);
    expect(ok.body.processes[0]).toEqual(expect.objectContaining({ processId: 'incident', version: before.version + 1 }));
    expect((await get('/api/processes/incident')).body).toEqual(expect.objectContaining({ deployedBy: 'owner', owners: ['group:process-owners'] }));
  });

  test('forms and decisions belong to the owners of their processes: frank may not swap the incident priority matrix; an unchanged copy passes', async () => {
    const dmnFile = `decisions/${fs.readdirSync(path.join(PROCESSES, 'decisions')).find((f) => f.endsWith('.dmn'))}`;
    const dmn = shipped(dmnFile);
    const decisionId = /<decision id="([^"]+)"/.exec(dmn.content)![1];
    const before = await api.store.getResource(`dmn:${decisionId}`);
    expect(before).toEqual(expect.objectContaining({ deployedBy: 'system', owners: ['group:process-owners'] }));

    const swapped = { ...dmn, content: dmn.content.replace(/<\/decision>/, '<!-- frank was here --></decision>') };
    const refused = await post('/api/deployments', 'frank', { resources: [swapped, gate('franks-other')] });
    expectError(refused, 403, 'FORBIDDEN');
    expect(refused.body.error.message).toContain(`dmn:${decisionId} (owners: group:process-owners)`);
    expect(await api.store.getResource(`dmn:${decisionId}`)).toEqual(before);
    expectError(await get('/api/processes/franks-other'), 404, 'NOT_FOUND'); // all or nothing: his own process was not deployed either

    await post('/api/deployments', 'frank', { resources: [dmn] }).expect(201);
    expect(await api.store.getResource(`dmn:${decisionId}`)).toEqual(before); // still the system's, still theirs
  });

  test("a form deployed alone is its deployer's; processdesk.owners must name users or groups", async () => {
    const form = { name: 'franks.form', content: JSON.stringify({ id: 'franks-form', type: 'default', components: [{ type: 'textfield', key: 'a' }] }) };
    await deploy(api.app, [form], 'frank');
    expect(await api.store.getResource('form:franks-form')).toEqual(expect.objectContaining({ deployedBy: 'frank', owners: ['frank'] }));
    const other = { ...form, content: form.content.replace('"a"', '"b"') };
    expectError(await post('/api/deployments', 'owner', { resources: [other] }), 403, 'FORBIDDEN');
    expect(JSON.parse((await api.store.getResource('form:franks-form'))!.content).components[0].key).toBe('a');

    const bad = await post('/api/deployments', 'frank', { resources: [gate('bad-owners', owners('group:, x y'))] });
    expectError(bad, 400, 'BAD_REQUEST');
    expect(JSON.stringify(bad.body)).toContain('processdesk.owners must be user ids and group:<id>');
  });
});

describe('operating: only the owners of a process cancel its instances and retry its incidents', () => {
  test('frank, no owner of incident, may neither cancel nor retry; nothing changes; owner may both', async () => {
    await deploy(api.app, [gate('owned-gate', owners('group:process-owners'))], 'owner');
    const { id, incidentId } = await instanceInIncident('owned-gate');
    const history = (await get(`/api/process-instances/${id}/history`)).body.events.length;

    const cancel = await post(`/api/process-instances/${id}/cancel`, 'frank');
    expectError(cancel, 403, 'FORBIDDEN');
    expect(cancel.body.error.message).toContain('process owned-gate is owned by group:process-owners');
    const retry = await post(`/api/incidents/${incidentId}/resolve`, 'frank');
    expectError(retry, 403, 'FORBIDDEN');
    expect((await get(`/api/process-instances/${id}`)).body.state).toBe('incident');
    expect((await get(`/api/incidents?processInstanceId=${id}`)).body.items[0].state).toBe('open');
    expect((await get(`/api/process-instances/${id}/history`)).body.events.length).toBe(history);

    expect((await get(`/api/process-instances/${id}`, 'frank')).body.allowedActions).toEqual([]);
    expect((await get(`/api/process-instances/${id}`, 'owner')).body.allowedActions).toEqual(['cancel', 'resolveIncidents']);
    expect((await get(`/api/process-instances/${id}`, 'admin')).body.allowedActions).toEqual(['cancel', 'resolveIncidents', 'setVariables', 'modify']);

    // the owner fixes nothing here, so the retry meets the same gateway and opens a new incident
    const resolved = await post(`/api/incidents/${incidentId}/resolve`, 'owner').expect(200);
    expect(resolved.body.state).toBe('resolved');
    const canceled = await post(`/api/process-instances/${id}/cancel`, 'owner').expect(200);
    expect(canceled.body.state).toBe('terminated');
    const events = (await get(`/api/process-instances/${id}/history`)).body.events as { type: string; actor: string }[];
    expect(events.filter((e) => e.actor === 'owner').map((e) => e.type)).toEqual(expect.arrayContaining(['incident.resolved', 'instance.terminated']));
    expect((await get(`/api/process-instances/${id}`, 'owner')).body.allowedActions).toEqual([]);
  });

  test('a job incident of a process frank deployed: frank retries it, owner may not', async () => {
    await deploy(api.app, [fixture('job-error-boundary')], 'frank');
    const started = await post('/api/process-instances', 'admin', { processId: 'jobError' }).expect(201);
    const job = await eventually(async () => {
      const jobs = (await post('/api/jobs/activate', 'worker', { type: 'cmdb-lookup', worker: 'w', maxJobs: 1 })).body.jobs;
      if (!jobs.length) throw new Error('no job yet');
      return jobs[0] as { key: string };
    });
    await post(`/api/jobs/${job.key}/fail`, 'worker', { retries: 0, errorMessage: 'CMDB down' }).expect(200);
    const incident = await eventually(async () => {
      const items = (await get(`/api/incidents?processInstanceId=${started.body.id}`)).body.items;
      if (!items.length) throw new Error('no incident yet');
      return items[0] as { id: string };
    });
    expectError(await post(`/api/incidents/${incident.id}/resolve`, 'owner'), 403, 'FORBIDDEN');
    expect((await get(`/api/incidents?processInstanceId=${started.body.id}`)).body.items[0].state).toBe('open');
    await post(`/api/incidents/${incident.id}/resolve`, 'frank').expect(200);
    const again = (await post('/api/jobs/activate', 'worker', { type: 'cmdb-lookup', worker: 'w', maxJobs: 1 })).body.jobs;
    expect(again.map((j: { key: string }) => j.key)).toEqual([job.key]);
  });

  test("a process deployed at start without declared owners is the admins' alone", async () => {
    await api.engine.deploy([gate('ownerless')]);
    expect((await get('/api/processes/ownerless')).body).toEqual(expect.objectContaining({ deployedBy: 'system', owners: [] }));
    const { id } = await instanceInIncident('ownerless');
    for (const user of ['owner', 'frank']) expectError(await post(`/api/process-instances/${id}/cancel`, user), 403, 'FORBIDDEN');
    expectError(
      await post('/api/deployments', 'owner', { resources: [{ ...gate('ownerless'), content: gate('ownerless').content.replace('&gt; 10', '&gt; 11') }] }),
      403,
      'FORBIDDEN',
    );
    expect((await get(`/api/process-instances/${id}`)).body.state).toBe('incident');
    await post(`/api/process-instances/${id}/cancel`, 'admin').expect(200);
  });

  test('agents and auditors still may not cancel or retry at all', async () => {
    const { id, incidentId } = await instanceInIncident('owned-gate');
    for (const user of ['alice', 'carol']) {
      expectError(await post(`/api/process-instances/${id}/cancel`, user), 403, 'FORBIDDEN');
      expectError(await post(`/api/incidents/${incidentId}/resolve`, user), 403, 'FORBIDDEN');
    }
    expect((await get(`/api/process-instances/${id}`)).body.state).toBe('incident');
  });
});
