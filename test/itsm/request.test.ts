/** The shipped service request process end to end through the HTTP API: approve, reject, reminder; its variable schema. */
import Ajv from 'ajv';
import request from 'supertest';
import { bearer, expectError } from '../api/helpers';
import { childInstance, completeTask, completedElements, eventually, instance, shippedResources, start, startItsm, waitCompleted, waitTasks, type Itsm } from './helpers';

let itsm: Itsm;
beforeEach(async () => {
  itsm = await startItsm();
});
afterEach(async () => {
  await itsm.close();
});

/** What a requester gives: the requester is whoever is signed in, the approving manager comes from the directory. */
const REQUEST = {
  catalogItem: 'onboarding-kit',
  justification: 'new hire',
  items: [
    { sku: 'LAP-14', name: 'Laptop', quantity: 1 },
    { sku: 'VPN', name: 'VPN access' },
  ],
};

/** The manager's vote in the approval the request's call activity started. */
async function managerVote(id: string): Promise<{ approvalId: string; task: Record<string, unknown> }> {
  const approvalId = await childInstance(itsm.app, id, 'approval');
  const [task] = await waitTasks(itsm.app, approvalId, 'Vote');
  return { approvalId, task };
}

async function decide(id: string, decision: 'approve' | 'reject', user = 'bob', comment?: string): Promise<void> {
  await completeTask(itsm.app, await childInstance(itsm.app, id, 'approval'), 'Vote', { decision, comment }, user);
}

describe('service requests', () => {
  test('the catalog variable schema is deployed with the processes and accepts the example request, nothing else', async () => {
    const res = await request(itsm.app).post('/api/deployments').set(bearer('admin')).send({ resources: shippedResources() });
    expect(res.status).toBe(201);
    expect(res.body.resources).toEqual(expect.arrayContaining([{ id: 'schema:request', kind: 'schema', name: 'request.schema.json' }]));
    const schema = JSON.parse(shippedResources().find((r) => r.name === 'request.schema.json')!.content);
    const validate = new Ajv({ strict: false }).compile(schema);
    expect(validate(REQUEST)).toBe(true);
    expect(validate({ ...REQUEST, items: [] })).toBe(false);
    expect(validate({ ...REQUEST, manager: 'alice' })).toBe(false);
  });

  test("start variables are checked against the deployed request.schema.json: 400 naming what is wrong, 403 for the owner's settings", async () => {
    const bad = await request(itsm.app)
      .post('/api/process-instances')
      .set(bearer('alice'))
      .send({ processId: 'request', variables: { ...REQUEST, items: [{ sku: 'X' }], catalogItem: 'yacht' } });
    expectError(bad, 400, 'BAD_REQUEST');
    expect(bad.body.error.message).toMatch(/variables do not match the schema request.schema.json of process request/);
    expect(bad.body.error.details.map((d: { instancePath: string }) => d.instancePath)).toEqual(expect.arrayContaining(['/variables/catalogItem', '/variables/items/0']));
    expectError(await request(itsm.app).post('/api/process-instances').set(bearer('alice')).send({ processId: 'request' }), 400, 'BAD_REQUEST');
    // the requester does not choose who approves: manager is no start variable
    const manager = await request(itsm.app)
      .post('/api/process-instances')
      .set(bearer('alice'))
      .send({ processId: 'request', variables: { ...REQUEST, manager: 'alice' } });
    expectError(manager, 400, 'BAD_REQUEST');
    expect(manager.body.error.message).toContain('/variables/manager is not allowed here');
    const due = await request(itsm.app)
      .post('/api/process-instances')
      .set(bearer('alice'))
      .send({ processId: 'request', variables: { ...REQUEST, approvalDueIn: 'PT1S' } });
    expectError(due, 403, 'FORBIDDEN');
    expect(due.body.error.message).toMatch(/approvalDueIn is a setting of the process owner/);
    expect((await request(itsm.app).get('/api/process-instances').query({ processId: 'request' }).set(bearer('admin'))).body.items).toEqual([]);
  });

  test("approved by the requester's manager from the directory: one fulfilment task per item, in parallel", async () => {
    const id = await start(itsm.app, 'request', REQUEST, 'alice');
    expect((await instance(itsm.app, id)).variables).toMatchObject({ requester: 'alice', manager: 'bob' });
    const { task: approval } = await managerVote(id);
    expect(approval).toMatchObject({ assignee: 'bob', formId: 'approval-vote', excludedUsers: [{ user: 'alice', role: 'requester' }] });
    await decide(id, 'approve');
    const items = await waitTasks(itsm.app, id, 'FulfilItem', 2);
    expect(items.every((t) => t.formId === 'request-fulfil')).toBe(true);
    for (const t of items) {
      await request(itsm.app)
        .post(`/api/tasks/${t.id}/complete`)
        .set(bearer('admin'))
        .send({ variables: { fulfilmentNotes: 'done' } })
        .expect(200);
    }
    const done = await waitCompleted(itsm.app, id);
    expect(done.variables.requestStatus).toBe('fulfilled');
    expect(done.variables.fulfilledItems).toHaveLength(2);
    expect(itsm.notifications.filter((n) => n.instanceId === id).map((n) => n.template)).toEqual(['request-fulfilled']);
  });

  // Object variables cloned between commands must keep their fields (a realm bug once lost them under jest).
  test('fulfilment tasks go to the group the catalog names for the item, and collect per-item outputs', async () => {
    const id = await start(itsm.app, 'request', REQUEST, 'alice');
    await decide(id, 'approve');
    const items = await waitTasks(itsm.app, id, 'FulfilItem', 2);
    // onboarding-kit: the service desk fulfils it (processes/decisions/request-catalog.dmn)
    expect(items.map((t) => t.candidateGroups)).toEqual([['service-desk'], ['service-desk']]);
    expect(items.map((t) => t.subject).sort()).toEqual(['Laptop for alice (onboarding-kit)', 'VPN access for alice (onboarding-kit)']);
    for (const t of items)
      await request(itsm.app)
        .post(`/api/tasks/${t.id}/complete`)
        .set(bearer('admin'))
        .send({ variables: { fulfilmentNotes: 'done' } })
        .expect(200);
    const done = await waitCompleted(itsm.app, id);
    expect((done.variables.fulfilledItems as { sku: string }[]).map((i) => i.sku)).toEqual(['LAP-14', 'VPN']);
    expect(done.variables.catalog).toEqual({ fulfilmentGroup: 'service-desk', fulfilmentTime: 'PT80H' });
  });

  test('the requester does not choose who fulfils: a fulfilment group in the request is refused and nothing starts', async () => {
    const before = (await request(itsm.app).get('/api/process-instances?processId=request&limit=100').set(bearer('admin')).expect(200)).body.items.length;
    const res = await request(itsm.app)
      .post('/api/process-instances')
      .set(bearer('alice'))
      .send({ processId: 'request', variables: { ...REQUEST, items: [{ sku: 'VPN', name: 'VPN access', fulfilmentGroup: 'cab' }] } });
    expectError(res, 400, 'BAD_REQUEST');
    expect(res.body.error.details.map((d: { instancePath: string }) => d.instancePath)).toContain('/variables/items/0');
    expect((await request(itsm.app).get('/api/process-instances?processId=request&limit=100').set(bearer('admin')).expect(200)).body.items.length).toBe(before);
  });

  test('only the manager (or an admin) may decide: another agent gets 403', async () => {
    const id = await start(itsm.app, 'request', REQUEST, 'alice');
    const { task: approval } = await managerVote(id);
    expectError(
      await request(itsm.app)
        .post(`/api/tasks/${approval.id}/complete`)
        .set(bearer('erin'))
        .send({ variables: { decision: 'approve' } }),
      403,
      'FORBIDDEN',
    );
  });

  test('rejected by the manager: no fulfilment, requester notified; the vote names who cast it', async () => {
    const id = await start(itsm.app, 'request', REQUEST, 'alice');
    await decide(id, 'reject', 'bob', 'not in budget');
    const done = await waitCompleted(itsm.app, id);
    expect(done.variables).toMatchObject({
      requestStatus: 'rejected',
      approvalOutcome: 'rejected',
      approvalVotes: [{ seat: 'bob', voter: 'bob', decision: 'reject', comment: 'not in budget' }],
    });
    expect(await completedElements(itsm.app, id)).not.toContain('FulfilItem');
    expect(itsm.notifications.filter((n) => n.instanceId === id).map((n) => n.template)).toEqual(['request-rejected']);
  });

  test('an open approval reminds the manager every approvalReminderAfter (a setting the process owner gives; non-interrupting)', async () => {
    // owner (a designer, whose manager is admin) may give the setting
    const id = await start(itsm.app, 'request', { ...REQUEST, approvalReminderAfter: 'PT1S' }, 'owner');
    const { approvalId, task } = await managerVote(id);
    expect(task.assignee).toBe('admin');
    const reminders = () => itsm.notifications.filter((n) => n.instanceId === approvalId && n.template === 'approval-reminder');
    await eventually(async () => expect(reminders().length).toBeGreaterThanOrEqual(2), 5000);
    expect(reminders()[0].to).toBe('approvalPlan.eligible, approvalPlan.groups');
    expect((await instance(itsm.app, id)).state).toBe('active');
    await decide(id, 'reject', 'admin');
    await waitCompleted(itsm.app, id);
    expect(await completedElements(itsm.app, approvalId)).toEqual(expect.arrayContaining(['ReminderDue', 'RemindApprovers', 'ApproversReminded', 'Vote', 'CountVotes']));
  });

  test('an approval left undecided past approvalDueIn goes to the service desk, who decide; the request records the escalation', async () => {
    const id = await start(itsm.app, 'request', { ...REQUEST, approvalDueIn: 'PT1S' }, 'owner');
    const approvalId = await childInstance(itsm.app, id, 'approval');
    const [decideTask] = await waitTasks(itsm.app, approvalId, 'DecideOverdue', 1, 5000);
    expect(decideTask.candidateGroups).toEqual(['service-desk']);
    await completeTask(itsm.app, approvalId, 'DecideOverdue', { decision: 'approve', comment: 'manager away, approved per policy' }, 'alice');
    await waitTasks(itsm.app, id, 'FulfilItem', 2);
    expect((await instance(itsm.app, id)).variables).toMatchObject({ approvalOutcome: 'approved', approvalEscalated: true, approvalVotes: null });
    expect(itsm.notifications.filter((n) => n.instanceId === approvalId).map((n) => n.template)).toContain('approval-escalated');
  });

  test('segregation of duties: the requester never approves their own request, not even when the vote is handed to them', async () => {
    const id = await start(itsm.app, 'request', REQUEST, 'dave');
    const { task: approval } = await managerVote(id);
    expect(approval.assignee).toBe('bob');
    const handed = await request(itsm.app).post(`/api/tasks/${approval.id}/delegate`).set(bearer('bob')).send({ to: 'dave' });
    expectError(handed, 403, 'FORBIDDEN');
    expect(handed.body.error.message).toMatch(/segregation of duties: dave is the requester here/);
    const forced = await request(itsm.app).post(`/api/tasks/${approval.id}/claim`).set(bearer('admin')).send({ assignee: 'dave' });
    expectError(forced, 403, 'FORBIDDEN');
    expect((await request(itsm.app).get(`/api/tasks/${approval.id}`).set(bearer('admin'))).body.assignee).toBe('bob');
  });

  test('a requester without a manager in the directory gets an incident that says what to give', async () => {
    const id = await start(itsm.app, 'request', REQUEST, 'admin');
    const incident = await eventually(async () => {
      const res = await request(itsm.app).get('/api/incidents').query({ processInstanceId: id, state: 'open' }).set(bearer('admin'));
      if (!res.body.items?.length) throw new Error('no incident yet');
      return res.body.items[0] as { elementId: string; message: string };
    });
    expect(incident).toMatchObject({ elementId: 'ManagerApproval', message: expect.stringContaining('APPROVAL_INVALID') });
    expect((await instance(itsm.app, id)).variables.manager).toBeNull();
  });
});
