/**
 * The reusable approval (processes/approval.bpmn) through the HTTP API: the rules any / all / percentage /
 * count, group votes, one person one vote, segregation of duties, delegation, repeating reminders,
 * escalation at the due date, and a misconfiguration that becomes a clear incident.
 *
 * The approval is only ever called (processdesk.startableBy none; requester and implementer are identity
 * variables nobody types): the tests call it from a small process of their own, as a process owner would.
 */
import request from 'supertest';
import { bearer, deploy, expectError } from '../api/helpers';
import { offsetClock, type TestClock } from '../support/clock';
import { APPROVAL_CALLER, childInstance, eventually, expectValidChain, history, instance, openTasks, start, startItsm, waitCompleted, waitTasks, type Itsm } from './helpers';

let itsm: Itsm;
/** The engine's clock: real time, moved forward where a test needs time to pass (test/support/clock.ts). */
let time: TestClock;
beforeEach(async () => {
  time = offsetClock();
  itsm = await startItsm({ clock: time.clock });
  await deploy(itsm.app, [{ name: 'approval-caller.bpmn', content: APPROVAL_CALLER }]);
});
afterEach(async () => {
  await itsm.close();
});

type Task = Record<string, unknown> & { id: string; assignee: string | null };
type Vote = { seat: string; voter: string; decision: string; comment: string | null; at: string } | null;

/** An approval called with `variables`; its id (the approval instance), its caller's, and its open votes. */
async function approval(variables: Record<string, unknown>, votes: number): Promise<{ id: string; callerId: string; tasks: Task[] }> {
  const callerId = await start(itsm.app, 'approvalCaller', { approvalSubject: 'Test approval', ...variables });
  const id = await childInstance(itsm.app, callerId, 'approval');
  return { id, callerId, tasks: (await waitTasks(itsm.app, id, 'Vote', votes)) as Task[] };
}

async function vote(task: Task, decision: 'approve' | 'reject', user = task.assignee ?? 'admin', comment?: string): Promise<void> {
  const res = await request(itsm.app).post(`/api/tasks/${task.id}/complete`).set(bearer(user)).send({ variables: { decision, comment } });
  if (res.status !== 200) throw new Error(`vote by ${user}: ${res.status} ${JSON.stringify(res.body)}`);
}

const byAssignee = (tasks: Task[], user: string): Task => tasks.find((t) => t.assignee === user)!;
/** The votes as `seat:voter:decision` (null where no vote was cast), each cast one dated. */
function cast(votes: unknown): (string | null)[] {
  return (votes as Vote[]).map((v) => {
    if (!v) return null;
    expect(Date.parse(v.at)).toBeGreaterThan(0);
    return `${v.seat}:${v.voter}:${v.decision}${v.comment ? `:${v.comment}` : ''}`;
  });
}

async function taskState(id: string): Promise<string> {
  return (await request(itsm.app).get(`/api/tasks/${id}`).set(bearer('admin'))).body.state;
}

describe('approval rules', () => {
  test('all: every approver must approve; the outcome and the votes come back in order, each naming who cast it', async () => {
    const { id, tasks } = await approval({ approvers: ['bob', 'alice', 'dave'], approvalRule: 'all' }, 3);
    expect(tasks.map((t) => t.assignee).sort()).toEqual(['alice', 'bob', 'dave']);
    expect(tasks.every((t) => t.formId === 'approval-vote')).toBe(true);
    // due in approvalDueIn (default P3D) from the start
    const dueIn = Date.parse(String(tasks[0].dueDate)) - Date.now();
    expect(dueIn).toBeGreaterThan(3 * 86_400_000 - 60_000);
    expect(dueIn).toBeLessThanOrEqual(3 * 86_400_000);
    await vote(byAssignee(tasks, 'dave'), 'approve', 'dave', 'fine');
    await vote(byAssignee(tasks, 'bob'), 'approve');
    expect((await openTasks(itsm.app, id)).length).toBe(1);
    await vote(byAssignee(tasks, 'alice'), 'approve');
    const done = await waitCompleted(itsm.app, id);
    expect(done.variables.approvalOutcome).toBe('approved');
    expect(cast(done.variables.votes)).toEqual(['bob:bob:approve', 'alice:alice:approve', 'dave:dave:approve:fine']);
    await expectValidChain(itsm.app, id);
  });

  test('an approver or group named twice gets one seat', async () => {
    const { id, tasks } = await approval({ approvers: ['bob', 'alice', 'bob'], approverGroups: ['cab', 'cab'] }, 3);
    expect(tasks.map((t) => t.assignee ?? 'cab').sort()).toEqual(['alice', 'bob', 'cab']);
    expect((await instance(itsm.app, id)).variables.approvalPlan).toMatchObject({ total: 3, required: 3, eligible: ['bob', 'alice'], groups: ['cab'] });
  });

  test('all: the first rejection rejects and cancels the open votes', async () => {
    const { id, tasks } = await approval({ approvers: ['bob', 'alice', 'dave'] }, 3);
    await vote(byAssignee(tasks, 'alice'), 'reject', 'alice', 'not now');
    const done = await waitCompleted(itsm.app, id);
    expect(done.variables.approvalOutcome).toBe('rejected');
    expect(await taskState(byAssignee(tasks, 'bob').id)).toBe('canceled');
    expect(cast(done.variables.votes)).toEqual([null, 'alice:alice:reject:not now', null]);
  });

  test('any: one approval is enough; only when everyone rejects is it rejected', async () => {
    const first = await approval({ approvers: ['bob', 'alice', 'dave'], approvalRule: 'any' }, 3);
    await vote(byAssignee(first.tasks, 'bob'), 'reject');
    await vote(byAssignee(first.tasks, 'alice'), 'approve');
    expect((await waitCompleted(itsm.app, first.id)).variables.approvalOutcome).toBe('approved');
    expect(await taskState(byAssignee(first.tasks, 'dave').id)).toBe('canceled');

    const second = await approval({ approvers: ['bob', 'alice'], approvalRule: 'any' }, 2);
    await vote(byAssignee(second.tasks, 'bob'), 'reject');
    expect((await instance(itsm.app, second.id)).state).toBe('active');
    await vote(byAssignee(second.tasks, 'alice'), 'reject');
    expect((await waitCompleted(itsm.app, second.id)).variables.approvalOutcome).toBe('rejected');
  });

  test('percentage: 50 % of four is two approvals; the vote ends as soon as that is reached', async () => {
    const { id, tasks } = await approval({ approvers: ['bob', 'alice', 'erin', 'dave'], approvalRule: 'percentage', approvalThreshold: 50 }, 4);
    await vote(byAssignee(tasks, 'bob'), 'approve');
    await vote(byAssignee(tasks, 'alice'), 'reject');
    expect((await instance(itsm.app, id)).state).toBe('active');
    await vote(byAssignee(tasks, 'dave'), 'approve');
    const done = await waitCompleted(itsm.app, id);
    expect(done.variables.approvalOutcome).toBe('approved');
    expect(done.variables.approvalPlan).toMatchObject({ rule: 'percentage', total: 4, required: 2 });
    expect(await taskState(byAssignee(tasks, 'erin').id)).toBe('canceled');
  });

  test('percentage: 75 % of four needs three; two rejections make it unreachable and reject at once', async () => {
    const { id, tasks } = await approval({ approvers: ['bob', 'alice', 'erin', 'dave'], approvalRule: 'percentage', approvalThreshold: 75 }, 4);
    await vote(byAssignee(tasks, 'bob'), 'approve');
    await vote(byAssignee(tasks, 'alice'), 'reject');
    expect((await instance(itsm.app, id)).state).toBe('active');
    await vote(byAssignee(tasks, 'dave'), 'reject');
    expect((await waitCompleted(itsm.app, id)).variables.approvalOutcome).toBe('rejected');
  });

  test('count: two approvals of three votes, one of them a group vote any member may claim and cast', async () => {
    const { id, tasks } = await approval({ approvers: ['alice', 'dave'], approverGroups: ['cab'], approvalRule: 'count', approvalThreshold: 2 }, 3);
    const groupVote = tasks.find((t) => t.assignee === null)!;
    expect(groupVote.candidateGroups).toEqual(['cab']);
    // alice is not in the cab group: the group's vote is not hers
    expect(
      (
        await request(itsm.app)
          .post(`/api/tasks/${groupVote.id}/complete`)
          .set(bearer('alice'))
          .send({ variables: { decision: 'approve' } })
      ).status,
    ).toBe(403);
    await request(itsm.app).post(`/api/tasks/${groupVote.id}/claim`).set(bearer('bob')).send({}).expect(200);
    await vote({ ...groupVote, assignee: 'bob' }, 'approve', 'bob');
    await vote(byAssignee(tasks, 'alice'), 'approve');
    const done = await waitCompleted(itsm.app, id);
    expect(done.variables.approvalOutcome).toBe('approved');
    expect(cast(done.variables.votes)).toEqual(['alice:alice:approve', null, 'group cab:bob:approve']);
    const completions = (await history(itsm.app, id)).filter((e) => e.type === 'task.completed').map((e) => e.actor);
    expect(completions.sort()).toEqual(['alice', 'bob']);
  });
});

describe('one person, one vote', () => {
  test('an admin who may act on any vote casts one; someone with a seat of their own cannot take a group seat too', async () => {
    const { id, tasks } = await approval({ approvers: ['bob', 'alice', 'erin'], approverGroups: ['cab'] }, 4);
    const groupVote = tasks.find((t) => t.assignee === null)!;
    await vote(byAssignee(tasks, 'bob'), 'approve', 'admin');
    const second = await request(itsm.app)
      .post(`/api/tasks/${byAssignee(tasks, 'alice').id}/complete`)
      .set(bearer('admin'))
      .send({ variables: { decision: 'approve' } });
    expectError(second, 403, 'FORBIDDEN');
    expect(second.body.error.message).toMatch(/one person, one seat: admin already completed task/);
    // erin has a seat of her own and is in cab: she may not claim the cab seat as well
    const claim = await request(itsm.app).post(`/api/tasks/${groupVote.id}/claim`).set(bearer('erin')).send({});
    expectError(claim, 403, 'FORBIDDEN');
    expect(claim.body.error.message).toMatch(/one person, one seat: erin already holds task/);
    // nothing changed: alice's seat is open and unassigned to admin, the group seat unclaimed
    expect(await taskState(byAssignee(tasks, 'alice').id)).toBe('created');
    expect((await request(itsm.app).get(`/api/tasks/${groupVote.id}`).set(bearer('admin'))).body.assignee).toBeNull();
    const votes = (await instance(itsm.app, id)).variables.votes;
    expect(votes).toBeUndefined(); // the output collection is written when the vote ends
  });
});

describe('segregation of duties and delegation', () => {
  test('the requester gets no seat and may not claim a group vote nor be delegated one; approvers delegate to known people who work tasks', async () => {
    const { id, tasks } = await approval({ approvers: ['bob', 'alice'], approverGroups: ['cab'], requester: 'bob', approvalRule: 'all' }, 2);
    expect(tasks.map((t) => t.assignee ?? 'cab').sort()).toEqual(['alice', 'cab']);
    expect((await instance(itsm.app, id)).variables.approvalPlan).toMatchObject({ excluded: ['bob'], eligible: ['alice'] });
    const groupVote = tasks.find((t) => t.assignee === null)!;
    expect(groupVote.excludedUsers).toEqual([{ user: 'bob', role: 'requester' }]);
    const claim = await request(itsm.app).post(`/api/tasks/${groupVote.id}/claim`).set(bearer('bob')).send({});
    expectError(claim, 403, 'FORBIDDEN');
    expect(claim.body.error.message).toMatch(/segregation of duties: bob is the requester here and may not claim/);
    const alices = byAssignee(tasks, 'alice');
    expectError(await request(itsm.app).post(`/api/tasks/${alices.id}/delegate`).set(bearer('alice')).send({ to: 'bob' }), 403, 'FORBIDDEN');
    // nobody of that name, and an auditor who works no tasks: 400, nothing changes
    const unknown = await request(itsm.app).post(`/api/tasks/${alices.id}/delegate`).set(bearer('alice')).send({ to: 'mallory' });
    expectError(unknown, 400, 'BAD_REQUEST');
    expect(unknown.body.error.message).toBe('mallory is no known user');
    expectError(await request(itsm.app).post(`/api/tasks/${alices.id}/delegate`).set(bearer('alice')).send({ to: 'carol' }), 400, 'BAD_REQUEST');
    expect((await request(itsm.app).get(`/api/tasks/${alices.id}`).set(bearer('admin'))).body.assignee).toBe('alice');
    // alice hands her vote to erin, who casts it; dave casts the cab seat
    await request(itsm.app).post(`/api/tasks/${alices.id}/delegate`).set(bearer('alice')).send({ to: 'erin' }).expect(200);
    await vote(alices, 'approve', 'erin');
    await request(itsm.app).post(`/api/tasks/${groupVote.id}/claim`).set(bearer('dave')).send({}).expect(200);
    await vote(groupVote, 'approve', 'dave');
    const done = await waitCompleted(itsm.app, id);
    expect(done.variables.approvalOutcome).toBe('approved');
    expect(cast(done.variables.votes)).toEqual(['alice:erin:approve', 'group cab:dave:approve']);
    const delegated = (await history(itsm.app, id)).filter((e) => e.type === 'task.delegated');
    expect(delegated.map((e) => `${e.actor}: ${String(e.data.from)} -> ${String(e.data.assignee)}`)).toEqual(['alice: alice -> erin']);
  });
});

describe('reminders and escalation', () => {
  test('reminders repeat while votes are open; at the due date the open votes end and the escalation group decides', async () => {
    const { id, tasks } = await approval({ approvers: ['bob', 'alice'], approvalReminderAfter: 'PT1S', approvalDueIn: 'PT3S', escalationGroup: 'change-managers' }, 2);
    await vote(byAssignee(tasks, 'alice'), 'approve');
    const sent = (template: string) => itsm.notifications.filter((n) => n.instanceId === id && n.template === template).length;
    for (const n of [1, 2]) {
      time.advance(1000); // a reminder each second
      await eventually(async () => expect(sent('approval-reminder')).toBe(n));
    }
    time.advance(1000); // the due date
    const [decide] = await waitTasks(itsm.app, id, 'DecideOverdue', 1, 8000);
    expect(decide).toMatchObject({ candidateGroups: ['change-managers'], formId: 'approval-escalation' });
    const templates = itsm.notifications.filter((n) => n.instanceId === id).map((n) => n.template);
    expect(templates.filter((t) => t === 'approval-reminder').length).toBeGreaterThanOrEqual(2);
    expect(templates).toContain('approval-escalated');
    expect(await taskState(byAssignee(tasks, 'bob').id)).toBe('canceled');
    const reminders = templates.filter((t) => t === 'approval-reminder').length;
    // bob (change-managers) decides on behalf of the approvers
    await request(itsm.app)
      .post(`/api/tasks/${decide.id}/complete`)
      .set(bearer('bob'))
      .send({ variables: { decision: 'reject', comment: 'no answer in time' } })
      .expect(200);
    const done = await waitCompleted(itsm.app, id);
    expect(done.variables).toMatchObject({ approvalOutcome: 'rejected', approvalEscalated: true, escalationComment: 'no answer in time', escalationDecidedBy: 'bob' });
    time.advance(3000); // three more reminder periods: a few polls of the scheduler must fire nothing
    await new Promise((r) => setTimeout(r, 100));
    await itsm.engine.idle();
    // the reminder cycle ended with the votes
    expect(itsm.notifications.filter((n) => n.instanceId === id && n.template === 'approval-reminder').length).toBe(reminders);
    await expectValidChain(itsm.app, id);
  });
});

describe('misconfiguration', () => {
  test.each([
    ['an unknown rule', { approvers: ['bob'], approvalRule: 'majority' }],
    ['a count above the number of votes', { approvers: ['bob', 'alice'], approvalRule: 'count', approvalThreshold: 3 }],
    ['a percentage without a threshold', { approvers: ['bob'], approvalRule: 'percentage' }],
    ['nobody to ask', { approvers: [] }],
    ['nobody but the requester to ask', { approvers: ['bob', 'bob'], requester: 'bob' }],
    ['a due date that is no duration', { approvers: ['bob'], approvalDueIn: 'friday' }],
  ])('%s raises an incident on the caller that says what is wrong; no task is created', async (_what, variables) => {
    const callerId = await start(itsm.app, 'approvalCaller', { approvalSubject: 'Test approval', ...variables });
    const incidents = await eventually(async () => {
      const res = await request(itsm.app).get('/api/incidents').query({ processInstanceId: callerId }).set(bearer('admin'));
      if (!res.body.items?.length) throw new Error('no incident yet');
      return res.body.items as { elementId: string; message: string }[];
    });
    expect(incidents[0]).toMatchObject({ elementId: 'CallApproval', message: expect.stringMatching(/APPROVAL_INVALID: approval misconfigured: give approvers/) });
    const called = await request(itsm.app).get('/api/process-instances').query({ parentInstanceId: callerId }).set(bearer('admin'));
    for (const child of called.body.items as { id: string }[]) expect(await openTasks(itsm.app, child.id)).toEqual([]);
  });

  test('the approval is never started directly, whoever asks, and nobody types the requester', async () => {
    for (const user of ['alice', 'owner']) {
      const res = await request(itsm.app)
        .post('/api/process-instances')
        .set(bearer(user))
        .send({ processId: 'approval', variables: { approvers: [user] } });
      expectError(res, 403, 'FORBIDDEN');
      expect(res.body.error.message).toBe('process approval is started by the processes that call it, not directly');
    }
    const typed = await request(itsm.app)
      .post('/api/process-instances')
      .set(bearer('admin'))
      .send({ processId: 'approval', variables: { approvers: ['bob'], requester: 'alice' } });
    expectError(typed, 400, 'BAD_REQUEST');
    expect(typed.body.error.message).toMatch(/requester is an identity variable of this process and cannot be set at start/);
    const listed = await request(itsm.app).get('/api/process-instances').query({ processId: 'approval' }).set(bearer('admin'));
    expect(listed.body.items).toEqual([]);
  });
});
