/** The shipped service request process end to end through the HTTP API: approve, reject, reminder; its variable schema. */
import Ajv from 'ajv';
import request from 'supertest';
import { bearer } from '../api/helpers';
import { childInstance, completeTask, completedElements, eventually, instance, shippedResources, start, startItsm, waitCompleted, waitTasks, type Itsm } from './helpers';

let itsm: Itsm;
beforeEach(async () => {
  itsm = await startItsm();
});
afterEach(async () => {
  await itsm.close();
});

const REQUEST = {
  requester: 'carol',
  manager: 'bob',
  catalogItem: 'onboarding-kit',
  justification: 'new hire',
  items: [
    { sku: 'LAP-14', name: 'Laptop', quantity: 1 },
    { sku: 'VPN', name: 'VPN access', fulfilmentGroup: 'network' },
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
  test('the catalog variable schema is deployed with the processes and accepts the example request', async () => {
    const res = await request(itsm.app).post('/api/deployments').set(bearer('admin')).send({ resources: shippedResources() });
    expect(res.status).toBe(201);
    expect(res.body.resources).toEqual(expect.arrayContaining([{ id: 'schema:request', kind: 'schema', name: 'request.schema.json' }]));
    const schema = JSON.parse(shippedResources().find((r) => r.name === 'request.schema.json')!.content);
    const validate = new Ajv({ strict: false }).compile(schema);
    expect(validate(REQUEST)).toBe(true);
    expect(validate({ ...REQUEST, items: [] })).toBe(false);
  });

  test('start variables are checked against the deployed request.schema.json (400 with details)', async () => {
    const bad = await request(itsm.app).post('/api/process-instances').set(bearer('admin')).send({ processId: 'request', variables: { ...REQUEST, items: [{ sku: 'X' }], catalogItem: 'yacht' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('BAD_REQUEST');
    expect(bad.body.error.message).toMatch(/variables do not match the schema request.schema.json of process request/);
    expect(bad.body.error.details.map((d: { instancePath: string }) => d.instancePath)).toEqual(expect.arrayContaining(['/variables/catalogItem', '/variables/items/0']));
    const missing = await request(itsm.app).post('/api/process-instances').set(bearer('admin')).send({ processId: 'request' });
    expect(missing.status).toBe(400);
    // processes without a schema start with any variables
    expect((await request(itsm.app).post('/api/process-instances').set(bearer('admin')).send({ processId: 'change', variables: { anything: 1 } })).status).toBe(201);
  });

  test('approved by the manager (assignee from a variable): one fulfilment task per item, in parallel', async () => {
    const id = await start(itsm.app, 'request', REQUEST);
    const { task: approval } = await managerVote(id);
    expect(approval).toMatchObject({ assignee: 'bob', formId: 'approval-vote', excludedUsers: [{ user: 'carol', role: 'requester' }] });
    await decide(id, 'approve');
    const items = await waitTasks(itsm.app, id, 'FulfilItem', 2);
    expect(items.every((t) => t.formId === 'request-fulfil')).toBe(true);
    for (const t of items) {
      await request(itsm.app).post(`/api/tasks/${t.id}/complete`).set(bearer('admin')).send({ variables: { fulfilmentNotes: 'done' } }).expect(200);
    }
    const done = await waitCompleted(itsm.app, id);
    expect(done.variables.requestStatus).toBe('fulfilled');
    expect(done.variables.fulfilledItems).toHaveLength(2);
    expect(itsm.notifications.filter((n) => n.instanceId === id).map((n) => n.template)).toEqual(['request-fulfilled']);
  });

  // Object variables cloned between commands must keep their fields (a realm bug once lost them under jest).
  test('fulfilment tasks route by item.fulfilmentGroup and collect per-item outputs', async () => {
    const id = await start(itsm.app, 'request', REQUEST);
    await decide(id, 'approve');
    const items = await waitTasks(itsm.app, id, 'FulfilItem', 2);
    expect(items.map((t) => t.candidateGroups).sort()).toEqual([['network'], ['service-desk']]);
    expect(items.map((t) => t.subject).sort()).toEqual(['Laptop for carol (onboarding-kit)', 'VPN access for carol (onboarding-kit)']);
    for (const t of items) await request(itsm.app).post(`/api/tasks/${t.id}/complete`).set(bearer('admin')).send({ variables: { fulfilmentNotes: 'done' } }).expect(200);
    const done = await waitCompleted(itsm.app, id);
    expect((done.variables.fulfilledItems as { sku: string }[]).map((i) => i.sku)).toEqual(['LAP-14', 'VPN']);
  });

  test('only the manager (or an admin) may decide: another agent gets 403', async () => {
    const id = await start(itsm.app, 'request', REQUEST);
    const { task: approval } = await managerVote(id);
    const res = await request(itsm.app).post(`/api/tasks/${approval.id}/complete`).set(bearer('alice')).send({ variables: { decision: 'approve' } });
    expect(res.status).toBe(403);
  });

  test('rejected by the manager: no fulfilment, requester notified', async () => {
    const id = await start(itsm.app, 'request', REQUEST);
    await decide(id, 'reject', 'bob', 'not in budget');
    const done = await waitCompleted(itsm.app, id);
    expect(done.variables).toMatchObject({ requestStatus: 'rejected', approvalOutcome: 'rejected', approvalVotes: [{ voter: 'bob', decision: 'reject', comment: 'not in budget' }] });
    expect(await completedElements(itsm.app, id)).not.toContain('FulfilItem');
    expect(itsm.notifications.filter((n) => n.instanceId === id).map((n) => n.template)).toEqual(['request-rejected']);
  });

  test('an open approval reminds the manager every approvalReminderAfter (non-interrupting: the vote stays open)', async () => {
    const id = await start(itsm.app, 'request', { ...REQUEST, approvalReminderAfter: 'PT1S' });
    const { approvalId } = await managerVote(id);
    const reminders = () => itsm.notifications.filter((n) => n.instanceId === approvalId && n.template === 'approval-reminder');
    await eventually(async () => expect(reminders().length).toBeGreaterThanOrEqual(2), 5000);
    expect(reminders()[0].to).toBe('approvers');
    expect((await instance(itsm.app, id)).state).toBe('active');
    await decide(id, 'reject');
    await waitCompleted(itsm.app, id);
    expect(await completedElements(itsm.app, approvalId)).toEqual(expect.arrayContaining(['ReminderDue', 'RemindApprovers', 'ApproversReminded', 'Vote', 'CountVotes']));
  });

  test('an approval left undecided past approvalDueIn goes to the service desk, who decide; the request records the escalation', async () => {
    const id = await start(itsm.app, 'request', { ...REQUEST, approvalDueIn: 'PT1S' });
    const approvalId = await childInstance(itsm.app, id, 'approval');
    const [decideTask] = await waitTasks(itsm.app, approvalId, 'DecideOverdue', 1, 5000);
    expect(decideTask.candidateGroups).toEqual(['service-desk']);
    await completeTask(itsm.app, approvalId, 'DecideOverdue', { decision: 'approve', comment: 'manager away, approved per policy' }, 'alice');
    await waitTasks(itsm.app, id, 'FulfilItem', 2);
    expect((await instance(itsm.app, id)).variables).toMatchObject({ approvalOutcome: 'approved', approvalEscalated: true, approvalVotes: null });
    expect(itsm.notifications.filter((n) => n.instanceId === approvalId).map((n) => n.template)).toContain('approval-escalated');
  });

  test('segregation of duties: the requester may never approve their own request, not even as admin', async () => {
    const own = await start(itsm.app, 'request', { ...REQUEST, requester: 'bob', manager: 'bob' });
    const { task: approval } = await managerVote(own);
    const res = await request(itsm.app).post(`/api/tasks/${approval.id}/complete`).set(bearer('bob')).send({ variables: { decision: 'approve' } });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(/segregation of duties: bob is the requester here and may not complete/);
    const byAdmin = await start(itsm.app, 'request', { ...REQUEST, requester: 'admin', manager: 'admin' });
    const { task: adminApproval } = await managerVote(byAdmin);
    expect((await request(itsm.app).post(`/api/tasks/${adminApproval.id}/complete`).set(bearer('admin')).send({ variables: { decision: 'approve' } })).status).toBe(403);
    // someone else (an admin acting for the manager) may decide
    await request(itsm.app).post(`/api/tasks/${approval.id}/complete`).set(bearer('admin')).send({ variables: { decision: 'reject' } }).expect(200);
    expect((await waitCompleted(itsm.app, own)).variables.requestStatus).toBe('rejected');
    // tasks that are not approvals are not affected: the requester may fulfil
    expect((await instance(itsm.app, byAdmin)).state).toBe('active');
  });
});
