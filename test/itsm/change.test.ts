/** The shipped change process end to end through the HTTP API: standard, normal (CAB), emergency, back-out. */
import request from 'supertest';
import { bearer, expectError } from '../api/helpers';
import { offsetClock, type TestClock } from '../support/clock';
import { changeSteps, RFC } from './changeHelpers';
import { completeTask, completedElements, expectValidChain, instance, start, startItsm, waitCompleted, waitTasks, type Itsm } from './helpers';

let itsm: Itsm;
let time: TestClock;
let steps: ReturnType<typeof changeSteps>;
beforeEach(async () => {
  time = offsetClock();
  itsm = await startItsm({ clock: time.clock });
  steps = changeSteps(itsm, time);
});
afterEach(async () => {
  await itsm.close();
});

describe('change enablement', () => {
  test('standard change: pre-approved, no risk assessment, no CAB, no review; the requester is whoever started it', async () => {
    const id = await steps.submit('standard');
    expect((await instance(itsm.app, id)).variables).toMatchObject({ requester: 'alice', implementer: 'dave' });
    await steps.implementAndVerify(id);
    const done = await waitCompleted(itsm.app, id);
    expect(done.variables).toMatchObject({ changeStatus: 'implemented', deploymentId: 'd-42' });
    const completed = await completedElements(itsm.app, id);
    for (const skipped of ['AssessRisk', 'CabApproval', 'EcabApproval', 'PostImplementationReview']) expect(completed).not.toContain(skipped);
    expect(itsm.notifications.filter((n) => n.instanceId === id).map((n) => n.template)).toEqual(['change-closed']);
    await expectValidChain(itsm.app, id);
  });

  test('normal change: risk from the DMN, the CAB (group cab without requester and implementer) votes in parallel, all approve', async () => {
    const id = await steps.submit('normal');
    const { approvalId, votes } = await steps.votesOf(id, 2);
    expect(votes.map((t) => t.assignee).sort()).toEqual(['bob', 'erin']);
    expect(votes.every((t) => t.subject === 'Change: Upgrade core switch firmware')).toBe(true);
    expect((await instance(itsm.app, approvalId)).variables).toMatchObject({
      approvalSubject: 'Change: Upgrade core switch firmware',
      approvalPlan: { rule: 'all', total: 2, required: 2, eligible: ['bob', 'erin'], excluded: ['alice', 'dave'] },
    });
    expect((await instance(itsm.app, id)).variables.risk).toEqual({ riskScore: 35, riskLevel: 'medium' });
    await steps.castVotes(votes);
    await steps.scheduleAndStart(id);
    await steps.deployment(id);
    await completeTask(itsm.app, id, 'VerifyChange', { verificationResult: 'success' }, 'bob');
    await completeTask(itsm.app, id, 'PostImplementationReview', { reviewNotes: 'went fine' }, 'bob');
    const done = await waitCompleted(itsm.app, id);
    expect(done.variables).toMatchObject({ changeStatus: 'implemented', cabOutcome: 'approved' });
    // each vote names the person who cast it, and when
    const cast = done.variables.cabVotes as { seat: string; voter: string; decision: string; at: string }[];
    expect(cast.map((v) => `${v.seat}:${v.voter}:${v.decision}`)).toEqual(['bob:bob:approve', 'erin:erin:approve']);
    for (const v of cast) expect(Date.parse(v.at)).toBeGreaterThan(0);
    // the approval's own variables stay in the approval
    expect(done.variables).not.toHaveProperty('approvalPlan');
  });

  test('normal change: one CAB rejection rejects (the rule "all" ends the other votes)', async () => {
    const id = await steps.submit('normal', { impact: 'high', affectedServices: 9, hasBackoutPlan: false });
    const { votes } = await steps.votesOf(id, 2);
    expect((await instance(itsm.app, id)).variables.risk).toEqual({ riskScore: 90, riskLevel: 'high' });
    const erins = votes.find((t) => t.assignee === 'erin')!;
    await request(itsm.app)
      .post(`/api/tasks/${erins.id}/complete`)
      .set(bearer('erin'))
      .send({ variables: { decision: 'reject', comment: 'no back-out plan' } })
      .expect(200);
    const done = await waitCompleted(itsm.app, id);
    expect(done.variables.changeStatus).toBe('rejected');
    const bobs = await request(itsm.app)
      .get(`/api/tasks/${votes.find((t) => t.assignee === 'bob')!.id}`)
      .set(bearer('admin'));
    expect(bobs.body.state).toBe('canceled');
    const completed = await completedElements(itsm.app, id);
    expect(completed).toEqual(expect.arrayContaining(['MarkRejected', 'ChangeRejected']));
    expect(completed).not.toContain('ScheduleChange');
    expect(itsm.notifications.filter((n) => n.instanceId === id).map((n) => n.template)).toEqual(['change-rejected']);
  });

  test('evidence pack of a change: who requested, planned, assessed, approved (in the approval), implemented and reviewed, JSON and CSV', async () => {
    const id = await steps.submit('normal');
    const { approvalId, votes } = await steps.votesOf(id, 2);
    await steps.castVotes(votes);
    await steps.scheduleAndStart(id);
    await steps.deployment(id);
    await completeTask(itsm.app, id, 'VerifyChange', { verificationResult: 'success' }, 'bob');
    await completeTask(itsm.app, id, 'PostImplementationReview', { reviewNotes: 'clean' }, 'bob');
    await waitCompleted(itsm.app, id);

    const res = await request(itsm.app).get(`/api/process-instances/${id}/evidence`).set(bearer('carol'));
    expect(res.status).toBe(200);
    expect(res.body.verification).toMatchObject({ valid: true });
    expect(res.body.instance.startedBy).toBe('alice');
    expect(res.body.instances.map((i: { id: string; processId: string; valid: boolean }) => [i.id, i.processId, i.valid])).toEqual([
      [id, 'change', true],
      [approvalId, 'approval', true],
    ]);
    const acts = res.body.steps.map((s: { actor: string; action: string; elementId: string | null; processId: string }) =>
      `${s.processId} ${s.actor} ${s.action} ${s.elementId ?? ''}`.trim(),
    );
    expect(acts).toEqual(
      expect.arrayContaining([
        'change alice instance.started',
        'change alice task.completed SubmitRfc',
        'change bob task.completed PlanChange',
        'change processdesk-decisions job.completed AssessRisk',
        'approval bob task.completed Vote',
        'approval erin task.completed Vote',
        'change admin job.completed ImplementChange',
        'change bob task.completed PostImplementationReview',
      ]),
    );
    const order = [
      'change alice task.completed SubmitRfc',
      'change bob task.completed PlanChange',
      'approval bob task.completed Vote',
      'change admin job.completed ImplementChange',
      'change bob task.completed PostImplementationReview',
    ];
    expect(order.map((a) => acts.indexOf(a))).toEqual([...order.map((a) => acts.indexOf(a))].sort((a, b) => a - b));
    const bobsVote = res.body.steps.find(
      (s: { processId: string; actor: string; action: string }) => s.processId === 'approval' && s.actor === 'bob' && s.action === 'task.completed',
    );
    expect(bobsVote).toMatchObject({ instanceId: approvalId, elementName: 'Approve or reject', data: { variables: { decision: 'approve', comment: 'from bob' } } });
    expect(res.body.participants.bob).toEqual(expect.arrayContaining(['task.completed Approve or reject', 'task.completed Post-implementation review']));

    const csv = await request(itsm.app).get(`/api/process-instances/${id}/evidence?format=csv`).set(bearer('carol'));
    expect(csv.status).toBe(200);
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe('instanceId,processId,seq,at,action,elementId,elementName,actor,data');
    expect(lines.some((l) => l.startsWith(`${approvalId},approval,`) && l.includes(',task.completed,Vote,Approve or reject,bob,'))).toBe(true);
    expect(lines.at(-1)).toMatch(/,history\.verified,,,auditor-export,"\{""valid"":true/);
  });

  test('emergency change: fast ECAB approval by the cab group, then implementation and review', async () => {
    const id = await steps.submit('emergency');
    const {
      approvalId,
      votes: [ecab],
    } = await steps.votesOf(id, 1);
    expect(ecab.candidateGroups).toEqual(['cab']);
    // bob is in the cab group (demo users) and neither requester nor implementer: he may cast it
    await completeTask(itsm.app, approvalId, 'Vote', { decision: 'approve' }, 'bob');
    await steps.implementAndVerify(id);
    await completeTask(itsm.app, id, 'PostImplementationReview', { reviewNotes: 'emergency fix held' }, 'bob');
    const done = await waitCompleted(itsm.app, id);
    expect(done.variables).toMatchObject({ changeStatus: 'implemented', ecabOutcome: 'approved' });
    expect((done.variables.ecabVotes as { seat: string; voter: string }[])[0]).toMatchObject({ seat: 'group cab', voter: 'bob' });
    expect(await completedElements(itsm.app, id)).not.toContain('CabApproval');
  });

  test('emergency change rejected by the ECAB', async () => {
    const id = await steps.submit('emergency');
    const { approvalId } = await steps.votesOf(id, 1);
    await completeTask(itsm.app, approvalId, 'Vote', { decision: 'reject' }, 'erin');
    expect((await waitCompleted(itsm.app, id)).variables.changeStatus).toBe('rejected');
  });

  test('back-out: a failed deployment (BPMN error on the implement job) backs the change out, then review', async () => {
    const id = await steps.submit('standard');
    await steps.scheduleAndStart(id);
    await steps.deployment(id, true);
    // the back-out form asks what was done: an empty completion is refused
    const [backOut] = await waitTasks(itsm.app, id, 'BackOutChange');
    expect(backOut.formId).toBe('change-backout');
    expect((await request(itsm.app).post(`/api/tasks/${backOut.id}/complete`).set(bearer('bob')).send({ variables: {} })).status).toBe(400);
    await completeTask(itsm.app, id, 'BackOutChange', { backoutResult: 'restored', backoutNotes: 'helm rollback to r41' }, 'bob');
    await completeTask(itsm.app, id, 'PostImplementationReview', { reviewNotes: 'rollout script broken' }, 'bob');
    const done = await waitCompleted(itsm.app, id);
    expect(done.variables.changeStatus).toBe('backed-out');
    const completed = await completedElements(itsm.app, id);
    expect(completed).toEqual(expect.arrayContaining(['DeploymentFailed', 'BackOutChange', 'MarkBackedOut', 'PostImplementationReview']));
    expect(completed).not.toContain('VerifyChange');
  });

  test('back-out: verification fails after a successful deployment', async () => {
    const id = await steps.submit('standard');
    await steps.implementAndVerify(id, 'failed');
    // the implementation completed: its compensation handler undoes it
    const [rollBack] = await waitTasks(itsm.app, id, 'RollBackImplementation');
    expect(rollBack.formId).toBe('change-backout');
    await completeTask(itsm.app, id, 'RollBackImplementation', { backoutResult: 'restored', backoutNotes: 'helm rollback to r41' }, 'bob');
    await completeTask(itsm.app, id, 'PostImplementationReview', { reviewNotes: 'verification failed' }, 'bob');
    expect((await waitCompleted(itsm.app, id)).variables.changeStatus).toBe('backed-out');
    const completed = await completedElements(itsm.app, id);
    expect(completed).toEqual(expect.arrayContaining(['ImplementChange', 'BackOutImplementation', 'RollBackImplementation', 'MarkBackedOut']));
    expect(completed).not.toContain('BackOutChange');
  });

  test('segregation of duties: a change manager who requested the change cannot plan it nor vote on it', async () => {
    const id = await start(itsm.app, 'change', {}, 'bob');
    await completeTask(itsm.app, id, 'SubmitRfc', { ...RFC, changeType: 'normal' }, 'bob');
    const [plan] = await waitTasks(itsm.app, id, 'PlanChange');
    expect(plan.excludedUsers).toEqual([{ user: 'bob', role: 'requester' }]);
    const refused = await request(itsm.app)
      .post(`/api/tasks/${plan.id}/complete`)
      .set(bearer('bob'))
      .send({ variables: { implementer: 'bob' } });
    expectError(refused, 403, 'FORBIDDEN');
    expect(refused.body.error.message).toMatch(/bob is the requester here/);
    // an admin plans it; the CAB then is dave (bob requested, erin implements)
    await completeTask(itsm.app, id, 'PlanChange', { implementer: 'erin' }, 'admin');
    const { votes } = await steps.votesOf(id, 1);
    expect(votes.map((t) => t.assignee)).toEqual(['dave']);
    expect(votes[0].excludedUsers).toEqual([
      { user: 'bob', role: 'requester' },
      { user: 'erin', role: 'implementer' },
    ]);
    // the ECAB group seat is open to the cab group, but not to its requester
    const emergency = await start(itsm.app, 'change', {}, 'bob');
    await completeTask(itsm.app, emergency, 'SubmitRfc', { ...RFC, changeType: 'emergency' }, 'bob');
    await completeTask(itsm.app, emergency, 'PlanChange', { implementer: 'erin' }, 'admin');
    const {
      votes: [ecab],
    } = await steps.votesOf(emergency, 1);
    expect((await request(itsm.app).post(`/api/tasks/${ecab.id}/claim`).set(bearer('bob')).send({})).status).toBe(403);
    expect(
      (
        await request(itsm.app)
          .post(`/api/tasks/${ecab.id}/complete`)
          .set(bearer('bob'))
          .send({ variables: { decision: 'approve' } })
      ).status,
    ).toBe(403);
    expect((await request(itsm.app).post(`/api/tasks/${ecab.id}/claim`).set(bearer('erin')).send({})).status).toBe(403);
  });
});
