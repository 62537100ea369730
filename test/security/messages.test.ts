/**
 * Finding 1 of the trust review: "messages write anywhere". Bob (groups change-managers, cab) published
 * PriorityChanged with {impact: 3, urgency: 3, assignmentGroup: "cab"} to an incident of the network
 * team: P1 became P5 and the task moved to bob's group. Messages are now authorized per target: agents
 * publish only what a process opens to them (processdesk.publishers), to instances they may act on,
 * carrying only what the catching event maps; identity variables never come by message. Every refusal
 * is checked to leave the instances exactly as they were.
 */
import request from 'supertest';
import { bearer, deploy, expectError, fixture } from '../api/helpers';
import { completeTask, instance, openTasks, start, startItsm, waitFor, waitTasks, type Itsm } from '../itsm/helpers';

let itsm: Itsm;
beforeEach(async () => {
  itsm = await startItsm();
});
afterEach(async () => {
  await itsm.close();
});

let seq = 0;
/** A P2 incident on a network item: the CMDB routes it to the network team (alice, dave), Acknowledge waits. */
async function networkIncident(): Promise<{ id: string; incidentId: string }> {
  const incidentId = `INC-SEC-${++seq}`;
  const id = await start(itsm.app, 'incident', { incidentId });
  await completeTask(itsm.app, id, 'LogIncident', { summary: 'core switch down', category: 'network', configurationItem: 'net-core-1', impact: 1, urgency: 2 });
  const [ack] = await waitTasks(itsm.app, id, 'AcknowledgeIncident');
  expect(ack.candidateGroups).toEqual(['network']);
  return { id, incidentId };
}

/** What a refused publication must not change: the variables, the open tasks and the history. */
async function snapshot(id: string): Promise<unknown> {
  const [inst, tasks, history] = await Promise.all([
    instance(itsm.app, id),
    openTasks(itsm.app, id),
    request(itsm.app).get(`/api/process-instances/${id}/history`).set(bearer('admin')),
  ]);
  return { variables: inst.variables, active: inst.activeElements, tasks: tasks.map((t) => [t.id, t.candidateGroups, t.assignee]), events: history.body.events.length };
}

const publishAs = (user: string, body: Record<string, unknown>) => request(itsm.app).post('/api/messages').set(bearer(user)).send(body);

test('an agent of another team may not message an incident: 403, nothing changed (the reported attack)', async () => {
  const { id, incidentId } = await networkIncident();
  const before = await snapshot(id);
  const res = await publishAs('bob', { name: 'PriorityChanged', correlationKey: incidentId, variables: { impact: 3, urgency: 3, assignmentGroup: 'cab' } });
  expectError(res, 403, 'FORBIDDEN');
  expect(res.body.error.message).toBe(`bob may not act on instance ${id}`);
  expect(await snapshot(id)).toEqual(before);
  expect((await instance(itsm.app, id)).variables).toMatchObject({ priority: 2, assignmentGroup: 'network' });
});

test('an agent of the team may change the priority, but not smuggle other variables in: 400 naming them, nothing changed', async () => {
  const { id, incidentId } = await networkIncident();
  const before = await snapshot(id);
  const smuggled = await publishAs('dave', { name: 'PriorityChanged', correlationKey: incidentId, variables: { impact: 1, urgency: 1, assignmentGroup: 'cab' } });
  expectError(smuggled, 400, 'BAD_REQUEST');
  expect(smuggled.body.error.message).toBe('PriorityChangedEarly does not take assignmentGroup from a message (it maps impact, urgency)');
  expect(smuggled.body.error.details).toEqual({ properties: ['assignmentGroup'] });
  expect(await snapshot(id)).toEqual(before);

  const ok = await publishAs('dave', { name: 'PriorityChanged', correlationKey: incidentId, variables: { impact: 1, urgency: 1 } });
  expect(ok.status).toBe(200);
  expect(ok.body.correlated).toBe(1);
  // the new priority comes from the decision job the message started: wait for it, not for the answer
  const after = await waitFor(itsm.app, id, (i) => i.variables.priority === 1, 'the new priority', 3000);
  expect(after.variables).toMatchObject({ priority: 1, impact: 1, urgency: 1, assignmentGroup: 'network' });
  const event = (await request(itsm.app).get(`/api/process-instances/${id}/history`).set(bearer('admin'))).body.events.find(
    (e: { type: string }) => e.type === 'message.correlated',
  );
  expect(event.actor).toBe('dave');
});

test('identity variables never come by message, whoever publishes: 400, nothing changed', async () => {
  const { id, incidentId } = await networkIncident();
  const before = await snapshot(id);
  for (const user of ['admin', 'worker']) {
    const res = await publishAs(user, { name: 'PriorityChanged', correlationKey: incidentId, variables: { impact: 1, urgency: 1, reportedBy: 'mallory' } });
    expectError(res, 400, 'BAD_REQUEST');
    expect(res.body.error.message).toBe('reportedBy is an identity variable of this process and cannot be set by a message');
  }
  expect(await snapshot(id)).toEqual(before);
});

test('a message the process does not open to agents: 403 even where the agent has a task; workers may', async () => {
  await deploy(itsm.app, [fixture('message-catch')]);
  const id = await start(itsm.app, 'msgCatch', { vendorCase: 'V-1' });
  const [open] = await waitTasks(itsm.app, id, 'Open');
  await request(itsm.app).post(`/api/tasks/${open.id}/complete`).set(bearer('alice')).send({}).expect(200);
  await waitTasks(itsm.app, id, 'Open', 0);
  const before = await snapshot(id);
  const res = await publishAs('alice', { name: 'VendorFixed', correlationKey: 'V-1', variables: { fix: 'patch' } });
  expectError(res, 403, 'FORBIDDEN');
  expect(res.body.error.message).toBe('agents may not publish VendorFixed to msgCatch (WaitVendor takes it from workers and admins only)');
  expect(await snapshot(id)).toEqual(before);
  expect((await publishAs('worker', { name: 'VendorFixed', correlationKey: 'V-1', variables: { fix: 'patch' } })).body.correlated).toBe(1);
});

test('one target the agent may not act on refuses the whole publication: neither instance changes', async () => {
  const mine = await networkIncident();
  // an admin imports a second ticket under the same key, for a team alice is not in
  const theirs = await start(itsm.app, 'incident', { incidentId: mine.incidentId });
  await completeTask(itsm.app, theirs, 'LogIncident', { summary: 'HR portal slow', category: 'software', configurationItem: 'hr-portal', impact: 2, urgency: 2 });
  await waitTasks(itsm.app, theirs, 'AcknowledgeIncident');
  const before = [await snapshot(mine.id), await snapshot(theirs)];
  const res = await publishAs('dave', { name: 'PriorityChanged', correlationKey: mine.incidentId, variables: { impact: 1, urgency: 1 } });
  expectError(res, 403, 'FORBIDDEN');
  expect(res.body.error.message).toBe(`dave may not act on instance ${theirs}`);
  expect([await snapshot(mine.id), await snapshot(theirs)]).toEqual(before);
});

test("agents' messages correlate now or not at all: no time to live, no buffering", async () => {
  const { id, incidentId } = await networkIncident();
  const ttl = await publishAs('dave', { name: 'CustomerReplied', correlationKey: incidentId, timeToLive: 3_600_000, variables: { customerAnswer: 'later' } });
  expectError(ttl, 400, 'BAD_REQUEST');
  expect(ttl.body.error.message).toBe('messages of agents correlate at once or not at all: no timeToLive');
  // nothing waits for CustomerReplied yet (the incident is not pending): a conflict, and nothing is kept
  const early = await publishAs('dave', { name: 'CustomerReplied', correlationKey: incidentId, variables: { customerAnswer: 'early' } });
  expectError(early, 409, 'CONFLICT');
  expect(early.body.error.message).toBe(`no instance dave may act on waits for message CustomerReplied with key "${incidentId}"`);
  await completeTask(itsm.app, id, 'AcknowledgeIncident', {}, 'dave');
  await completeTask(itsm.app, id, 'InvestigateAndResolve', { outcome: 'pending-customer', resolutionNotes: 'which laptop?' }, 'dave');
  await waitTasks(itsm.app, id, 'InvestigateAndResolve', 0);
  await new Promise((r) => setTimeout(r, 300));
  expect((await instance(itsm.app, id)).variables.customerAnswer).toBeUndefined();
  expect((await instance(itsm.app, id)).activeElements).toContain('AwaitCustomer');
});

test('agents may not start processes by message; the message-start path is for workers and admins', async () => {
  await deploy(itsm.app, [
    {
      name: 'order.bpmn',
      content: `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="Defs_order" targetNamespace="http://processdesk.test">
  <bpmn:message id="Msg_order" name="OrderPlaced" />
  <bpmn:process id="order" isExecutable="true">
    <bpmn:startEvent id="Placed"><bpmn:messageEventDefinition messageRef="Msg_order" /></bpmn:startEvent>
    <bpmn:userTask id="Pack" />
    <bpmn:sequenceFlow id="F1" sourceRef="Placed" targetRef="Pack" />
  </bpmn:process>
</bpmn:definitions>`,
    },
  ]);
  const res = await publishAs('alice', { name: 'OrderPlaced', correlationKey: 'O-1', variables: {} });
  expectError(res, 403, 'FORBIDDEN');
  expect(res.body.error.message).toBe('agents may not start processes by message (OrderPlaced)');
  expect((await request(itsm.app).get('/api/process-instances').query({ processId: 'order' }).set(bearer('admin'))).body.items).toEqual([]);
  expect((await publishAs('worker', { name: 'OrderPlaced', correlationKey: 'O-1', variables: {} })).body.startedInstances).toHaveLength(1);
});
