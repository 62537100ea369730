/**
 * Finding 2 of the trust review: "the requester chooses who approves him". The RFC form took properties
 * it does not declare (a forged `requester` moved the segregation of duties); the starter chose the CAB
 * and its rule and approved his own change; a request's requester named his manager; an admin could cast
 * every seat of one vote; votes named seats, not people; the evidence pack left out delegations and
 * exclusions; a task could be delegated to someone who does not exist. Each refusal is checked to
 * leave the instance as it was.
 */
import request from 'supertest';
import { bearer, expectError } from '../api/helpers';
import { childInstance, completeTask, instance, openTasks, start, startItsm, waitCompleted, waitTasks, type Itsm } from '../itsm/helpers';

let itsm: Itsm;
beforeEach(async () => {
  itsm = await startItsm();
});
afterEach(async () => {
  await itsm.close();
});

// impact medium 20 + three services 15 = 35: a medium risk, so the CAB votes (a low one would go to a peer review)
const RFC = { title: 'Open port 443', description: 'vendor access', impact: 'medium', affectedServices: 3, hasBackoutPlan: true, testedInStaging: true, changeType: 'normal' };

/** Variables and open tasks: what a refused call must leave as it was. */
async function snapshot(id: string): Promise<unknown> {
  const [inst, tasks] = await Promise.all([instance(itsm.app, id), openTasks(itsm.app, id)]);
  return { variables: inst.variables, tasks: tasks.map((t) => [t.id, t.assignee, t.state]) };
}

test('the RFC form refuses what it does not declare: a forged requester, approvers or rule is a 400 naming it, nothing changes', async () => {
  const id = await start(itsm.app, 'change', {}, 'alice');
  const [rfc] = await waitTasks(itsm.app, id, 'SubmitRfc');
  const before = await snapshot(id);
  for (const forged of [{ requester: 'somebody-else' }, { cabMembers: ['bob'] }, { implementer: 'alice' }, { approvalRule: 'any' }]) {
    const res = await request(itsm.app)
      .post(`/api/tasks/${rfc.id}/complete`)
      .set(bearer('alice'))
      .send({ variables: { ...RFC, ...forged } });
    expectError(res, 400, 'BAD_REQUEST');
    expect(res.body.error.message).toContain(`/variables/${Object.keys(forged)[0]} is not allowed here`);
  }
  expect(await snapshot(id)).toEqual(before);
  expect((await instance(itsm.app, id)).variables.requester).toBe('alice');
});

test('the starter is the requester: it cannot be given, nor the CAB, its rule or the implementer (400 naming them); nothing starts', async () => {
  const tries: [Record<string, unknown>, string][] = [
    [{ requester: 'bob' }, '/variables/requester is not allowed here'],
    [{ cabMembers: ['bob'] }, '/variables/cabMembers is not allowed here'],
    [{ cabApprovalRule: 'any' }, '/variables/cabApprovalRule is not allowed here'],
    [{ implementer: 'alice' }, '/variables/implementer is not allowed here'],
  ];
  for (const [variables, message] of tries) {
    const res = await request(itsm.app).post('/api/process-instances').set(bearer('alice')).send({ processId: 'change', variables });
    expectError(res, 400, 'BAD_REQUEST');
    expect(res.body.error.message).toContain(message);
  }
  // even an admin, whom the schema lets give owner settings, cannot type an identity
  const admin = await request(itsm.app)
    .post('/api/process-instances')
    .set(bearer('admin'))
    .send({ processId: 'request', variables: { catalogItem: 'laptop', items: [{ sku: 'L', name: 'Laptop' }], requester: 'alice' } });
  expectError(admin, 400, 'BAD_REQUEST');
  expect((await request(itsm.app).get('/api/process-instances').set(bearer('admin'))).body.items).toEqual([]);
});

test('a requester who is a CAB member gets no seat in the vote on his own change; the implementer cannot change after it is named', async () => {
  const id = await start(itsm.app, 'change', {}, 'bob');
  await completeTask(itsm.app, id, 'SubmitRfc', RFC, 'bob');
  await completeTask(itsm.app, id, 'PlanChange', { implementer: 'erin' }, 'admin');
  const approvalId = await childInstance(itsm.app, id, 'approval');
  const votes = await waitTasks(itsm.app, approvalId, 'Vote', 1);
  expect(votes.map((t) => t.assignee)).toEqual(['dave']);
  // an operator cannot put someone else in as implementer either (identity variables are set once, by a form)
  const before = await snapshot(id);
  const edit = await request(itsm.app)
    .post(`/api/process-instances/${id}/variables`)
    .set(bearer('admin'))
    .send({ variables: { implementer: 'bob' } });
  expectError(edit, 400, 'BAD_REQUEST');
  expect(edit.body.error.message).toBe('implementer is an identity variable of this process and cannot be set by an operator');
  expect(await snapshot(id)).toEqual(before);
});

test('an admin casts one vote of an approval, not every seat; the vote names who cast it', async () => {
  const id = await start(itsm.app, 'change', {}, 'alice');
  await completeTask(itsm.app, id, 'SubmitRfc', RFC, 'alice');
  await completeTask(itsm.app, id, 'PlanChange', { implementer: 'dave' }, 'bob');
  const approvalId = await childInstance(itsm.app, id, 'approval');
  const votes = await waitTasks(itsm.app, approvalId, 'Vote', 2);
  await request(itsm.app)
    .post(`/api/tasks/${votes[0].id}/complete`)
    .set(bearer('admin'))
    .send({ variables: { decision: 'approve' } })
    .expect(200);
  const before = await snapshot(approvalId);
  const second = await request(itsm.app)
    .post(`/api/tasks/${votes[1].id}/complete`)
    .set(bearer('admin'))
    .send({ variables: { decision: 'approve' } });
  expectError(second, 403, 'FORBIDDEN');
  expect(second.body.error.message).toMatch(/^one person, one seat: admin already completed task/);
  expect(await snapshot(approvalId)).toEqual(before);
  await request(itsm.app)
    .post(`/api/tasks/${votes[1].id}/complete`)
    .set(bearer(String(votes[1].assignee)))
    .send({ variables: { decision: 'approve' } })
    .expect(200);
  await waitTasks(itsm.app, id, 'ScheduleChange');
  const cabVotes = (await instance(itsm.app, id)).variables.cabVotes as { seat: string; voter: string }[];
  expect(cabVotes.map((v) => `${v.seat}:${v.voter}`)).toEqual([`${String(votes[0].assignee)}:admin`, `${String(votes[1].assignee)}:${String(votes[1].assignee)}`]);
});

test('delegation only to an existing user who works tasks (400 otherwise), never to an excluded one (403); nothing changes', async () => {
  const id = await start(itsm.app, 'request', { catalogItem: 'laptop', items: [{ sku: 'L', name: 'Laptop' }] }, 'dave');
  const approvalId = await childInstance(itsm.app, id, 'approval');
  const [vote] = await waitTasks(itsm.app, approvalId, 'Vote');
  expect(vote.assignee).toBe('bob');
  const before = await snapshot(approvalId);
  const cases: [string, number, string][] = [
    ['ghost', 400, 'ghost is no known user'],
    ['carol', 400, 'carol cannot work tasks (roles: auditor)'],
    ['dave', 403, 'segregation of duties: dave is the requester here'],
  ];
  for (const [to, status, message] of cases) {
    const res = await request(itsm.app).post(`/api/tasks/${vote.id}/delegate`).set(bearer('bob')).send({ to });
    expect(res.status).toBe(status);
    expect(res.body.error.message).toContain(message);
  }
  expect(await snapshot(approvalId)).toEqual(before);
});

test('the evidence pack lists the seats, who was excluded and why, delegations, and who voted what and when', async () => {
  const id = await start(itsm.app, 'change', {}, 'alice');
  await completeTask(itsm.app, id, 'SubmitRfc', RFC, 'alice');
  await completeTask(itsm.app, id, 'PlanChange', { implementer: 'dave' }, 'bob');
  const approvalId = await childInstance(itsm.app, id, 'approval');
  const votes = await waitTasks(itsm.app, approvalId, 'Vote', 2);
  const bobs = votes.find((t) => t.assignee === 'bob')!;
  const erins = votes.find((t) => t.assignee === 'erin')!;
  await request(itsm.app)
    .post(`/api/tasks/${bobs.id}/delegate`)
    .set(bearer('bob'))
    .send({ to: 'alice' })
    .then((r) => expect(r.status).toBe(403)); // alice requested it
  await request(itsm.app)
    .post(`/api/tasks/${erins.id}/delegate`)
    .set(bearer('erin'))
    .send({ to: 'owner' })
    .then((r) => expect(r.status).toBe(400)); // a designer works no tasks
  await request(itsm.app)
    .post(`/api/tasks/${bobs.id}/complete`)
    .set(bearer('bob'))
    .send({ variables: { decision: 'approve', comment: 'ok' } })
    .expect(200);
  await request(itsm.app)
    .post(`/api/tasks/${erins.id}/complete`)
    .set(bearer('erin'))
    .send({ variables: { decision: 'approve' } })
    .expect(200);
  await waitTasks(itsm.app, id, 'ScheduleChange');
  // a delegation of an approval: a request of dave's, whose manager bob hands it to erin
  const pack = (await request(itsm.app).get(`/api/process-instances/${id}/evidence`).set(bearer('carol'))).body;
  expect(pack.approvals).toHaveLength(1);
  const [cab] = pack.approvals;
  expect(cab).toMatchObject({ instanceId: approvalId, processId: 'approval', elementId: 'Vote' });
  expect(cab.seats.map((s: { seat: string }) => s.seat).sort()).toEqual(['bob', 'erin']);
  expect(cab.excluded).toEqual([
    { user: 'alice', role: 'requester' },
    { user: 'dave', role: 'implementer' },
  ]);
  expect(cab.votes.map((v: { seat: string; voter: string; decision: string; comment: string | null }) => [v.seat, v.voter, v.decision, v.comment])).toEqual([
    ['bob', 'bob', 'approve', 'ok'],
    ['erin', 'erin', 'approve', null],
  ]);
  for (const v of cab.votes) expect(Date.parse(v.at)).toBeGreaterThan(0);

  const requestId = await start(itsm.app, 'request', { catalogItem: 'laptop', items: [{ sku: 'L', name: 'Laptop' }] }, 'dave');
  const requestApproval = await childInstance(itsm.app, requestId, 'approval');
  const [vote] = await waitTasks(itsm.app, requestApproval, 'Vote');
  await request(itsm.app).post(`/api/tasks/${vote.id}/delegate`).set(bearer('bob')).send({ to: 'erin' }).expect(200);
  await request(itsm.app)
    .post(`/api/tasks/${vote.id}/complete`)
    .set(bearer('erin'))
    .send({ variables: { decision: 'reject', comment: 'not budgeted' } })
    .expect(200);
  await waitCompleted(itsm.app, requestId);
  const [managerVote] = (await request(itsm.app).get(`/api/process-instances/${requestId}/evidence`).set(bearer('carol'))).body.approvals;
  expect(managerVote.delegations).toEqual([{ taskId: vote.id, seat: 'bob', from: 'bob', to: 'erin', by: 'bob', at: expect.any(String) }]);
  expect(managerVote.votes).toEqual([{ taskId: vote.id, seat: 'bob', voter: 'erin', decision: 'reject', comment: 'not budgeted', at: expect.any(String) }]);
  expect(managerVote.excluded).toEqual([{ user: 'dave', role: 'requester' }]);
});
