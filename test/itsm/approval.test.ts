/**
 * The reusable approval (processes/approval.bpmn) through the HTTP API: the rules any / all / percentage /
 * count, group votes, segregation of duties, delegation, repeating reminders, escalation at the due date,
 * and a misconfiguration that becomes a clear incident.
 */
import request from 'supertest';
import { bearer } from '../api/helpers';
import { eventually, expectValidChain, history, instance, openTasks, start, startItsm, waitCompleted, waitTasks, type Itsm } from './helpers';

let itsm: Itsm;
beforeEach(async () => {
  itsm = await startItsm();
});
afterEach(async () => {
  await itsm.close();
});

type Task = Record<string, unknown> & { id: string; assignee: string | null };

async function approval(variables: Record<string, unknown>, votes: number): Promise<{ id: string; tasks: Task[] }> {
  const id = await start(itsm.app, 'approval', { approvalSubject: 'Test approval', ...variables });
  return { id, tasks: (await waitTasks(itsm.app, id, 'Vote', votes)) as Task[] };
}

async function vote(task: Task, decision: 'approve' | 'reject', user = task.assignee ?? 'admin', comment?: string): Promise<void> {
  const res = await request(itsm.app).post(`/api/tasks/${task.id}/complete`).set(bearer(user)).send({ variables: { decision, comment } });
  if (res.status !== 200) throw new Error(`vote by ${user}: ${res.status} ${JSON.stringify(res.body)}`);
}

const byAssignee = (tasks: Task[], user: string): Task => tasks.find((t) => t.assignee === user)!;

async function taskState(id: string): Promise<string> {
  return (await request(itsm.app).get(`/api/tasks/${id}`).set(bearer('admin'))).body.state;
}

describe('approval rules', () => {
  test('all: every approver must approve; the outcome and the votes come back in order', async () => {
    const { id, tasks } = await approval({ approvers: ['bob', 'alice', 'admin'], approvalRule: 'all' }, 3);
    expect(tasks.map((t) => t.assignee).sort()).toEqual(['admin', 'alice', 'bob']);
    expect(tasks.every((t) => t.formId === 'approval-vote')).toBe(true);
    // due in approvalDueIn (default P3D) from the start
    const dueIn = Date.parse(String(tasks[0].dueDate)) - Date.now();
    expect(dueIn).toBeGreaterThan(3 * 86_400_000 - 60_000);
    expect(dueIn).toBeLessThanOrEqual(3 * 86_400_000);
    await vote(byAssignee(tasks, 'admin'), 'approve', 'admin', 'fine');
    await vote(byAssignee(tasks, 'bob'), 'approve');
    expect((await openTasks(itsm.app, id)).length).toBe(1);
    await vote(byAssignee(tasks, 'alice'), 'approve');
    const done = await waitCompleted(itsm.app, id);
    expect(done.variables.approvalOutcome).toBe('approved');
    expect(done.variables.votes).toEqual([
      { voter: 'bob', decision: 'approve', comment: null },
      { voter: 'alice', decision: 'approve', comment: null },
      { voter: 'admin', decision: 'approve', comment: 'fine' },
    ]);
    await expectValidChain(itsm.app, id);
  });

  test('an approver or group named twice gets one vote', async () => {
    const { id, tasks } = await approval({ approvers: ['bob', 'alice', 'bob'], approverGroups: ['cab', 'cab'] }, 3);
    expect(tasks.map((t) => t.assignee ?? 'cab').sort()).toEqual(['alice', 'bob', 'cab']);
    expect((await instance(itsm.app, id)).variables.approvalPlan).toMatchObject({ total: 3, required: 3 });
  });

  test('all: the first rejection rejects and cancels the open votes', async () => {
    const { id, tasks } = await approval({ approvers: ['bob', 'alice', 'admin'] }, 3);
    await vote(byAssignee(tasks, 'alice'), 'reject', 'alice', 'not now');
    const done = await waitCompleted(itsm.app, id);
    expect(done.variables.approvalOutcome).toBe('rejected');
    expect(await taskState(byAssignee(tasks, 'bob').id)).toBe('canceled');
    expect(done.variables.votes).toEqual([null, { voter: 'alice', decision: 'reject', comment: 'not now' }, null]);
  });

  test('any: one approval is enough; only when everyone rejects is it rejected', async () => {
    const first = await approval({ approvers: ['bob', 'alice', 'admin'], approvalRule: 'any' }, 3);
    await vote(byAssignee(first.tasks, 'bob'), 'reject');
    await vote(byAssignee(first.tasks, 'alice'), 'approve');
    expect((await waitCompleted(itsm.app, first.id)).variables.approvalOutcome).toBe('approved');
    expect(await taskState(byAssignee(first.tasks, 'admin').id)).toBe('canceled');

    const second = await approval({ approvers: ['bob', 'alice'], approvalRule: 'any' }, 2);
    await vote(byAssignee(second.tasks, 'bob'), 'reject');
    expect((await instance(itsm.app, second.id)).state).toBe('active');
    await vote(byAssignee(second.tasks, 'alice'), 'reject');
    expect((await waitCompleted(itsm.app, second.id)).variables.approvalOutcome).toBe('rejected');
  });

  test('percentage: 50 % of four is two approvals; the vote ends as soon as that is reached', async () => {
    const { id, tasks } = await approval({ approvers: ['bob', 'alice', 'admin', 'dave'], approvalRule: 'percentage', approvalThreshold: 50 }, 4);
    await vote(byAssignee(tasks, 'bob'), 'approve');
    await vote(byAssignee(tasks, 'alice'), 'reject');
    expect((await instance(itsm.app, id)).state).toBe('active');
    await vote(byAssignee(tasks, 'dave'), 'approve', 'admin'); // dave is no demo user: an admin completes his vote
    const done = await waitCompleted(itsm.app, id);
    expect(done.variables.approvalOutcome).toBe('approved');
    expect(done.variables.approvalPlan).toMatchObject({ rule: 'percentage', total: 4, required: 2 });
    expect(await taskState(byAssignee(tasks, 'admin').id)).toBe('canceled');
  });

  test('percentage: 75 % of four needs three; two rejections make it unreachable and reject at once', async () => {
    const { id, tasks } = await approval({ approvers: ['bob', 'alice', 'admin', 'dave'], approvalRule: 'percentage', approvalThreshold: 75 }, 4);
    await vote(byAssignee(tasks, 'bob'), 'approve');
    await vote(byAssignee(tasks, 'alice'), 'reject');
    expect((await instance(itsm.app, id)).state).toBe('active');
    await vote(byAssignee(tasks, 'dave'), 'reject', 'admin');
    expect((await waitCompleted(itsm.app, id)).variables.approvalOutcome).toBe('rejected');
  });

  test('count: two approvals of three votes, one of them a group vote any member may claim and cast', async () => {
    const { id, tasks } = await approval({ approvers: ['alice', 'admin'], approverGroups: ['cab'], approvalRule: 'count', approvalThreshold: 2 }, 3);
    const groupVote = tasks.find((t) => t.assignee === null)!;
    expect(groupVote.candidateGroups).toEqual(['cab']);
    // alice is not in the cab group: the group's vote is not hers
    expect((await request(itsm.app).post(`/api/tasks/${groupVote.id}/complete`).set(bearer('alice')).send({ variables: { decision: 'approve' } })).status).toBe(403);
    await request(itsm.app).post(`/api/tasks/${groupVote.id}/claim`).set(bearer('bob')).send({}).expect(200);
    await vote({ ...groupVote, assignee: 'bob' }, 'approve', 'bob');
    await vote(byAssignee(tasks, 'alice'), 'approve');
    const done = await waitCompleted(itsm.app, id);
    expect(done.variables.approvalOutcome).toBe('approved');
    expect(done.variables.votes).toEqual([{ voter: 'alice', decision: 'approve', comment: null }, null, { voter: 'cab', decision: 'approve', comment: null }]);
    const cast = (await history(itsm.app, id)).filter((e) => e.type === 'task.completed').map((e) => e.actor);
    expect(cast.sort()).toEqual(['alice', 'bob']);
  });
});

describe('segregation of duties and delegation', () => {
  test('the requester may not vote, claim a group vote nor be delegated one; the approver delegates to a substitute', async () => {
    const { id, tasks } = await approval({ approvers: ['bob', 'alice'], approverGroups: ['cab'], requester: 'bob', approvalRule: 'all' }, 3);
    const bobs = byAssignee(tasks, 'bob');
    expect(bobs.excludedUsers).toEqual([{ user: 'bob', role: 'requester' }]);
    const refused = await request(itsm.app).post(`/api/tasks/${bobs.id}/complete`).set(bearer('bob')).send({ variables: { decision: 'approve' } });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/segregation of duties: bob is the requester here and may not complete/);
    // not even an admin acting as bob's substitute can hand it back to him
    const groupVote = tasks.find((t) => t.assignee === null)!;
    expect((await request(itsm.app).post(`/api/tasks/${groupVote.id}/claim`).set(bearer('bob')).send({})).status).toBe(403);
    const alices = byAssignee(tasks, 'alice');
    expect((await request(itsm.app).post(`/api/tasks/${alices.id}/delegate`).set(bearer('alice')).send({ to: 'bob' })).status).toBe(403);
    // bob hands his vote to a substitute, who casts it
    await request(itsm.app).post(`/api/tasks/${bobs.id}/delegate`).set(bearer('bob')).send({ to: 'admin' }).expect(200);
    await vote(bobs, 'approve', 'admin');
    await vote(alices, 'approve', 'alice');
    await request(itsm.app).post(`/api/tasks/${groupVote.id}/complete`).set(bearer('admin')).send({ variables: { decision: 'approve' } }).expect(200);
    expect((await waitCompleted(itsm.app, id)).variables.approvalOutcome).toBe('approved');
    const delegated = (await history(itsm.app, id)).filter((e) => e.type === 'task.delegated');
    expect(delegated.map((e) => `${e.actor}: ${String(e.data.from)} -> ${String(e.data.assignee)}`)).toEqual(['bob: bob -> admin']);
  });
});

describe('reminders and escalation', () => {
  test('reminders repeat while votes are open; at the due date the open votes end and the escalation group decides', async () => {
    const { id, tasks } = await approval({ approvers: ['bob', 'alice'], approvalReminderAfter: 'PT1S', approvalDueIn: 'PT3S', escalationGroup: 'change-managers' }, 2);
    await vote(byAssignee(tasks, 'alice'), 'approve');
    const [decide] = await waitTasks(itsm.app, id, 'DecideOverdue', 1, 8000);
    expect(decide).toMatchObject({ candidateGroups: ['change-managers'], formId: 'approval-escalation' });
    const templates = itsm.notifications.filter((n) => n.instanceId === id).map((n) => n.template);
    expect(templates.filter((t) => t === 'approval-reminder').length).toBeGreaterThanOrEqual(2);
    expect(templates).toContain('approval-escalated');
    expect(await taskState(byAssignee(tasks, 'bob').id)).toBe('canceled');
    const reminders = templates.filter((t) => t === 'approval-reminder').length;
    // bob (change-managers) decides on behalf of the approvers
    await request(itsm.app).post(`/api/tasks/${decide.id}/complete`).set(bearer('bob')).send({ variables: { decision: 'reject', comment: 'no answer in time' } }).expect(200);
    const done = await waitCompleted(itsm.app, id);
    expect(done.variables).toMatchObject({ approvalOutcome: 'rejected', approvalEscalated: true, escalationComment: 'no answer in time' });
    await new Promise((r) => setTimeout(r, 1500));
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
    ['a due date that is no duration', { approvers: ['bob'], approvalDueIn: 'friday' }],
  ])('%s raises an incident that says what is wrong; no task is created', async (_what, variables) => {
    const id = await start(itsm.app, 'approval', variables);
    const incidents = await eventually(async () => {
      const res = await request(itsm.app).get('/api/incidents').query({ processInstanceId: id }).set(bearer('admin'));
      if (!res.body.items?.length) throw new Error('no incident yet');
      return res.body.items as { elementId: string; message: string }[];
    });
    expect(incidents[0].message).toMatch(/APPROVAL_INVALID: approval misconfigured: give approvers/);
    expect(await openTasks(itsm.app, id)).toEqual([]);
  });
});
