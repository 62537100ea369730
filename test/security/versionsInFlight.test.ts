/**
 * Versions in flight over HTTP, tried as a hostile user: migrating an instance to another version is
 * for its process's owners and admins, moving tokens (instance modification) for admins only. Each
 * refusal is checked together with "nothing changed" (the instance, its tasks, its history length).
 * Demo users: `frank` designs his own process, `owner` does not own it, `alice` is an agent, `admin`.
 */
import request from 'supertest';
import { bearer, deploy, expectError, startApi, type TestApi } from '../api/helpers';

/** Start -> A -> [B] -> End, `frank`'s; v2 adds B. */
function twoSteps(withB: boolean): { name: string; content: string } {
  const task = (id: string) =>
    `<bpmn:userTask id="${id}"><bpmn:extensionElements><zeebe:userTask /><zeebe:assignmentDefinition candidateGroups="service-desk" /></bpmn:extensionElements></bpmn:userTask>`;
  const flows = withB
    ? '<bpmn:sequenceFlow id="F1" sourceRef="S" targetRef="A" /><bpmn:sequenceFlow id="F2" sourceRef="A" targetRef="B" /><bpmn:sequenceFlow id="F3" sourceRef="B" targetRef="E" />'
    : '<bpmn:sequenceFlow id="F1" sourceRef="S" targetRef="A" /><bpmn:sequenceFlow id="F2" sourceRef="A" targetRef="E" />';
  return {
    name: 'franks-steps.bpmn',
    content: `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="D_steps" targetNamespace="http://processdesk.example/test">
  <bpmn:process id="franks-steps" isExecutable="true"><bpmn:extensionElements><zeebe:properties><zeebe:property name="processdesk.identityVariables" value="requester" /></zeebe:properties></bpmn:extensionElements>
    <bpmn:startEvent id="S" />${task('A')}${withB ? task('B') : ''}<bpmn:endEvent id="E" />${flows}
  </bpmn:process>
</bpmn:definitions>`,
  };
}

let api: TestApi;
let id: string;
beforeAll(async () => {
  api = await startApi();
  await deploy(api.app, [twoSteps(false)], 'frank');
  id = (await post('/api/process-instances', 'admin', { processId: 'franks-steps' }).expect(201)).body.id;
  await deploy(api.app, [twoSteps(true)], 'frank');
});
afterAll(() => api.close());

const get = (url: string, user = 'admin') => request(api.app).get(url).set(bearer(user));
const post = (url: string, user: string, body: object = {}) => request(api.app).post(url).set(bearer(user)).send(body);

async function state(): Promise<unknown> {
  const instance = (await get(`/api/process-instances/${id}`)).body;
  const tasks = (await get(`/api/tasks?processInstanceId=${id}`)).body.items;
  return { version: instance.version, active: instance.activeElements, tasks, history: (await get(`/api/process-instances/${id}/history`)).body.events.length };
}

describe('migration: owners of the process and admins', () => {
  test('an agent and a designer who does not own the process are refused, and nothing changed', async () => {
    const before = await state();
    expectError(await post(`/api/process-instances/${id}/migration`, 'alice', { targetDefinitionKey: 'franks-steps:2' }), 403, 'FORBIDDEN');
    const notOwner = await post(`/api/process-instances/${id}/migration`, 'owner', { targetDefinitionKey: 'franks-steps:2' });
    expectError(notOwner, 403, 'FORBIDDEN');
    expect(notOwner.body.error.message).toContain('franks-steps');
    expect(await state()).toEqual(before);
  });

  test('bad requests are 400 with the reason and change nothing', async () => {
    const before = await state();
    const tooMany = Array.from({ length: 1001 }, (_, i) => ({ sourceElementId: `x${i}`, targetElementId: 'A' }));
    expectError(await post(`/api/process-instances/${id}/migration`, 'frank', { targetDefinitionKey: 'franks-steps:2', mappingInstructions: tooMany }), 400, 'BAD_REQUEST');
    expectError(await post(`/api/process-instances/${id}/migration`, 'frank', {}), 400, 'BAD_REQUEST');
    const unknown = await post(`/api/process-instances/${id}/migration`, 'frank', {
      targetDefinitionKey: 'franks-steps:2',
      mappingInstructions: [{ sourceElementId: 'A', targetElementId: 'Nope' }],
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details.problems).toEqual(['mapping: Nope is no element of the target version']);
    expectError(await post(`/api/process-instances/${id}/migration`, 'frank', { targetDefinitionKey: 'franks-steps:9' }), 404, 'NOT_FOUND');
    expect(await state()).toEqual(before);
  });

  test('the owner checks with a dry run, then migrates; the instance offers the action to him', async () => {
    expect((await get(`/api/process-instances/${id}`, 'frank')).body.allowedActions).toEqual(expect.arrayContaining(['migrate']));
    expect((await get(`/api/process-instances/${id}`, 'owner')).body.allowedActions).not.toContain('migrate');
    const dry = await post(`/api/process-instances/${id}/migration`, 'frank', { targetDefinitionKey: 'franks-steps:2', dryRun: true }).expect(200);
    expect(dry.body).toEqual({ instanceId: id, from: 'franks-steps:1', to: 'franks-steps:2', inUse: ['A'], mapping: { A: 'A' }, problems: [], migrated: false });
    expect(((await state()) as { version: number }).version).toBe(1);
    const done = await post(`/api/process-instances/${id}/migration`, 'frank', { targetDefinitionKey: 'franks-steps:2' }).expect(200);
    expect(done.body).toMatchObject({ migrated: true, instance: { version: 2, definitionKey: 'franks-steps:2' } });
    // on the newest version there is nothing to migrate to
    expect((await get(`/api/process-instances/${id}`, 'frank')).body.allowedActions).not.toContain('migrate');
    const events = (await get(`/api/process-instances/${id}/history`)).body.events;
    expect(events.filter((e: { type: string }) => e.type === 'instance.migrated').map((e: { actor: string; data: unknown }) => ({ actor: e.actor, data: e.data }))).toEqual([
      { actor: 'frank', data: { from: 'franks-steps:1', to: 'franks-steps:2', mapping: {} } },
    ]);
  });
});

describe('modification: admins only', () => {
  test('the process owner and an agent may not move tokens; nothing changed', async () => {
    const before = await state();
    const move = { activateInstructions: [{ elementId: 'B' }], terminateInstructions: [{ elementId: 'A' }] };
    expectError(await post(`/api/process-instances/${id}/modification`, 'frank', move), 403, 'FORBIDDEN');
    expectError(await post(`/api/process-instances/${id}/modification`, 'alice', move), 403, 'FORBIDDEN');
    expect(await state()).toEqual(before);
  });

  test('an activation may not set an identity variable of the process, nor nest variables too deep; nothing changed', async () => {
    const before = await state();
    const identity = await post(`/api/process-instances/${id}/modification`, 'admin', {
      activateInstructions: [{ elementId: 'B', variables: { requester: 'mallory' } }],
      terminateInstructions: [{ elementId: 'A' }],
    });
    expectError(identity, 400, 'BAD_REQUEST');
    expect(identity.body.error.message).toContain('requester is an identity variable');
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 100; i++) deep = { deep };
    expect((await post(`/api/process-instances/${id}/modification`, 'admin', { activateInstructions: [{ elementId: 'B', variables: deep }] })).status).toBe(400);
    expect(await state()).toEqual(before);
    expect((await get(`/api/process-instances/${id}`)).body.variables.requester).toBeUndefined();
  });

  test('an admin moves the token from A to B; a request naming nothing real is 400', async () => {
    const before = await state();
    const bad = await post(`/api/process-instances/${id}/modification`, 'admin', { terminateInstructions: [{ elementId: 'B' }] });
    expectError(bad, 400, 'BAD_REQUEST');
    expect(bad.body.error.details.problems).toEqual(['no token stands on B']);
    expect(await state()).toEqual(before);
    const moved = await post(`/api/process-instances/${id}/modification`, 'admin', {
      activateInstructions: [{ elementId: 'B', variables: { why: 'A done by phone' } }],
      terminateInstructions: [{ elementId: 'A' }],
    }).expect(200);
    expect(moved.body).toMatchObject({ activeElements: ['B'], variables: { why: 'A done by phone' } });
    const tasks = (await get(`/api/tasks?processInstanceId=${id}`)).body.items.map((t: { elementId: string; state: string }) => `${t.elementId}:${t.state}`).sort();
    expect(tasks).toEqual(['A:canceled', 'B:created']);
  });
});
