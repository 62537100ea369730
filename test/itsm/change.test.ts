/** The shipped change process end to end through the HTTP API: standard, normal (CAB), emergency, back-out. */
import request from 'supertest';
import { bearer } from '../api/helpers';
import { childInstance, completeTask, completedElements, eventually, expectValidChain, history, instance, start, startItsm, waitActive, waitCompleted, waitTasks, type Itsm } from './helpers';

let itsm: Itsm;
beforeEach(async () => {
  itsm = await startItsm();
});
afterEach(async () => {
  await itsm.close();
});

const RFC = { title: 'Upgrade core switch firmware', description: 'CVE fix', impact: 'medium', affectedServices: 3, hasBackoutPlan: true, testedInStaging: true };

async function submit(changeType: string, extra: Record<string, unknown> = {}, rfc: Record<string, unknown> = {}): Promise<string> {
  const id = await start(itsm.app, 'change', { requester: 'alice', ...extra });
  const [task] = await waitTasks(itsm.app, id, 'SubmitRfc');
  expect(task).toMatchObject({ assignee: extra.requester ?? 'alice', formId: 'change-rfc' });
  await completeTask(itsm.app, id, 'SubmitRfc', { ...RFC, changeType, ...rfc });
  return id;
}

/** The deployment-hook job, worked over HTTP: complete it, or throw DEPLOYMENT_FAILED. */
async function deployment(id: string, fail = false): Promise<void> {
  const job = await eventually(async () => {
    const res = await request(itsm.app).post('/api/jobs/activate').set(bearer('admin')).send({ type: 'deployment-hook', worker: 'ci', maxJobs: 1, lockMs: 10_000 });
    const found = res.body.jobs?.[0];
    if (!found) throw new Error('no deployment-hook job');
    return found as { key: string; processInstanceId: string; customHeaders: Record<string, string> };
  });
  expect(job.processInstanceId).toBe(id);
  expect(job.customHeaders).toEqual({ action: 'deploy' });
  const res = fail
    ? await request(itsm.app).post(`/api/jobs/${encodeURIComponent(job.key)}/error`).set(bearer('admin')).send({ errorCode: 'DEPLOYMENT_FAILED', errorMessage: 'helm rollout failed' })
    : await request(itsm.app).post(`/api/jobs/${encodeURIComponent(job.key)}/complete`).set(bearer('admin')).send({ variables: { deploymentId: 'd-42' } });
  expect(res.status).toBeLessThan(300);
}

/** The open votes of the approval the change's call activity started. */
async function votesOf(id: string, count: number): Promise<{ approvalId: string; votes: Record<string, unknown>[] }> {
  const approvalId = await childInstance(itsm.app, id, 'approval');
  return { approvalId, votes: await waitTasks(itsm.app, approvalId, 'Vote', count) };
}

async function implementAndVerify(id: string, result: 'success' | 'failed' = 'success'): Promise<void> {
  await completeTask(itsm.app, id, 'ScheduleChange', { plannedStart: '2026-12-01T22:00:00Z', plannedEnd: '2026-12-01T23:00:00Z' });
  await deployment(id);
  await completeTask(itsm.app, id, 'VerifyChange', { verificationResult: result });
}

describe('change enablement', () => {
  test('standard change: pre-approved, no risk assessment, no CAB, no review', async () => {
    const id = await submit('standard');
    await implementAndVerify(id);
    const done = await waitCompleted(itsm.app, id);
    expect(done.variables).toMatchObject({ changeStatus: 'implemented', deploymentId: 'd-42' });
    const completed = await completedElements(itsm.app, id);
    for (const skipped of ['AssessRisk', 'CabApproval', 'EcabApproval', 'PostImplementationReview']) expect(completed).not.toContain(skipped);
    expect(itsm.notifications.filter((n) => n.instanceId === id).map((n) => n.template)).toEqual(['change-closed']);
    await expectValidChain(itsm.app, id);
  });

  test('normal change: risk from the DMN, CAB members vote in parallel, all approve', async () => {
    const id = await submit('normal', { cabMembers: ['bob', 'carol', 'admin'] });
    const { approvalId, votes } = await votesOf(id, 3);
    expect(votes.map((t) => t.assignee).sort()).toEqual(['admin', 'bob', 'carol']);
    expect(votes.every((t) => t.subject === 'Change: Upgrade core switch firmware')).toBe(true);
    expect((await instance(itsm.app, approvalId)).variables).toMatchObject({ approvalSubject: 'Change: Upgrade core switch firmware', approvalPlan: { rule: 'all', total: 3, required: 3 } });
    expect((await instance(itsm.app, id)).variables.risk).toEqual({ riskScore: 35, riskLevel: 'medium' });
    for (const t of votes) {
      const res = await request(itsm.app).post(`/api/tasks/${t.id}/complete`).set(bearer('admin')).send({ variables: { decision: 'approve', comment: `ok from ${String(t.assignee)}` } });
      expect(res.status).toBe(200);
    }
    await completeTask(itsm.app, id, 'ScheduleChange', { plannedStart: '2026-12-01T22:00:00Z' });
    await deployment(id);
    await completeTask(itsm.app, id, 'VerifyChange', { verificationResult: 'success' });
    await completeTask(itsm.app, id, 'PostImplementationReview', { reviewNotes: 'went fine' });
    const done = await waitCompleted(itsm.app, id);
    expect(done.variables.changeStatus).toBe('implemented');
    expect(done.variables.cabOutcome).toBe('approved');
    expect((done.variables.cabVotes as { voter: string; decision: string }[]).map((v) => `${v.voter}:${v.decision}`)).toEqual(['bob:approve', 'carol:approve', 'admin:approve']);
    // the approval's own variables stay in the approval
    expect(done.variables).not.toHaveProperty('approvalPlan');
  });

  test('normal change: one CAB rejection rejects (the rule "all" ends the other votes)', async () => {
    const id = await submit('normal', { cabMembers: ['bob', 'carol', 'admin'] }, { impact: 'high', affectedServices: 9, hasBackoutPlan: false });
    const { votes } = await votesOf(id, 3);
    expect((await instance(itsm.app, id)).variables.risk).toEqual({ riskScore: 90, riskLevel: 'high' });
    const first = votes.find((t) => t.assignee === 'bob')!;
    await request(itsm.app).post(`/api/tasks/${first.id}/complete`).set(bearer('admin')).send({ variables: { decision: 'approve' } }).expect(200);
    const second = votes.find((t) => t.assignee === 'carol')!;
    await request(itsm.app).post(`/api/tasks/${second.id}/complete`).set(bearer('admin')).send({ variables: { decision: 'reject', comment: 'no back-out plan' } }).expect(200);
    const done = await waitCompleted(itsm.app, id);
    expect(done.variables.changeStatus).toBe('rejected');
    const third = await request(itsm.app).get(`/api/tasks/${votes.find((t) => t.assignee === 'admin')!.id}`).set(bearer('admin'));
    expect(third.body.state).toBe('canceled');
    const completed = await completedElements(itsm.app, id);
    expect(completed).toEqual(expect.arrayContaining(['MarkRejected', 'ChangeRejected']));
    expect(completed).not.toContain('ScheduleChange');
    expect(itsm.notifications.filter((n) => n.instanceId === id).map((n) => n.template)).toEqual(['change-rejected']);
  });

  test('normal change with a percentage rule: the process owner sets the CAB rule per change', async () => {
    const id = await submit('normal', { cabMembers: ['bob', 'carol', 'admin'], cabApprovalRule: 'percentage', cabApprovalThreshold: 60 });
    const { votes } = await votesOf(id, 3);
    await request(itsm.app).post(`/api/tasks/${votes.find((t) => t.assignee === 'carol')!.id}/complete`).set(bearer('admin')).send({ variables: { decision: 'reject' } }).expect(200);
    await request(itsm.app).post(`/api/tasks/${votes.find((t) => t.assignee === 'bob')!.id}/complete`).set(bearer('bob')).send({ variables: { decision: 'approve' } }).expect(200);
    await request(itsm.app).post(`/api/tasks/${votes.find((t) => t.assignee === 'admin')!.id}/complete`).set(bearer('admin')).send({ variables: { decision: 'approve' } }).expect(200);
    await waitTasks(itsm.app, id, 'ScheduleChange');
    expect((await instance(itsm.app, id)).variables.cabOutcome).toBe('approved');
  });

  test('evidence pack of a change: who requested, assessed, approved (in the approval), implemented and reviewed, JSON and CSV', async () => {
    const id = await submit('normal', { requester: 'alice', cabMembers: ['bob', 'admin'] });
    const { approvalId, votes } = await votesOf(id, 2);
    for (const t of votes) {
      await request(itsm.app).post(`/api/tasks/${t.id}/complete`).set(bearer(String(t.assignee))).send({ variables: { decision: 'approve', comment: 'ok' } }).expect(200);
    }
    await completeTask(itsm.app, id, 'ScheduleChange', { plannedStart: '2026-12-01T22:00:00Z' }, 'bob');
    await deployment(id);
    await completeTask(itsm.app, id, 'VerifyChange', { verificationResult: 'success' }, 'bob');
    await completeTask(itsm.app, id, 'PostImplementationReview', { reviewNotes: 'clean' }, 'bob');
    await waitCompleted(itsm.app, id);

    const res = await request(itsm.app).get(`/api/process-instances/${id}/evidence`).set(bearer('carol'));
    expect(res.status).toBe(200);
    expect(res.body.verification).toMatchObject({ valid: true });
    expect(res.body.instances.map((i: { id: string; processId: string; valid: boolean }) => [i.id, i.processId, i.valid])).toEqual([[id, 'change', true], [approvalId, 'approval', true]]);
    const acts = res.body.steps.map((s: { actor: string; action: string; elementId: string | null; processId: string }) => `${s.processId} ${s.actor} ${s.action} ${s.elementId ?? ''}`.trim());
    expect(acts).toEqual(expect.arrayContaining([
      'change admin task.completed SubmitRfc',
      'change processdesk-decisions job.completed AssessRisk',
      'approval bob task.completed Vote',
      'approval admin task.completed Vote',
      'change admin job.completed ImplementChange',
      'change bob task.completed PostImplementationReview',
    ]));
    const order = ['change admin task.completed SubmitRfc', 'approval bob task.completed Vote', 'change admin job.completed ImplementChange', 'change bob task.completed PostImplementationReview'];
    expect(order.map((a) => acts.indexOf(a))).toEqual([...order.map((a) => acts.indexOf(a))].sort((a, b) => a - b));
    const bobsVote = res.body.steps.find((s: { processId: string; actor: string; action: string }) => s.processId === 'approval' && s.actor === 'bob' && s.action === 'task.completed');
    expect(bobsVote).toMatchObject({ instanceId: approvalId, elementName: 'Approve or reject', data: { variables: { decision: 'approve', comment: 'ok' } } });
    expect(res.body.participants.bob).toEqual(expect.arrayContaining(['task.completed Approve or reject', 'task.completed Post-implementation review']));

    const csv = await request(itsm.app).get(`/api/process-instances/${id}/evidence?format=csv`).set(bearer('carol'));
    expect(csv.status).toBe(200);
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe('instanceId,processId,seq,at,action,elementId,elementName,actor,data');
    expect(lines.some((l) => l.startsWith(`${approvalId},approval,`) && l.includes(',task.completed,Vote,Approve or reject,bob,'))).toBe(true);
    expect(lines.at(-1)).toMatch(/,history\.verified,,,auditor-export,"\{""valid"":true/);
  });

  test('an empty CAB is an incident that says what to give; an admin sets the members and retries', async () => {
    const id = await submit('normal', { cabMembers: [] });
    const incident = await eventually(async () => {
      const res = await request(itsm.app).get('/api/incidents').query({ processInstanceId: id, state: 'open' }).set(bearer('admin'));
      if (!res.body.items?.length) throw new Error('no incident yet');
      return res.body.items[0] as { id: string; elementId: string; message: string };
    });
    expect(incident).toMatchObject({ elementId: 'CabApproval', message: expect.stringContaining('APPROVAL_INVALID: approval misconfigured: give approvers') });
    // only admins change an instance's data; the change is recorded with who made it
    expect((await request(itsm.app).post(`/api/process-instances/${id}/variables`).set(bearer('bob')).send({ variables: { cabMembers: ['bob'] } })).status).toBe(403);
    expect((await request(itsm.app).post(`/api/process-instances/${id}/variables`).set(bearer('admin')).send({ variables: {} })).status).toBe(400);
    const fixed = await request(itsm.app).post(`/api/process-instances/${id}/variables`).set(bearer('admin')).send({ variables: { cabMembers: ['bob', 'admin'] } });
    expect(fixed.status).toBe(200);
    expect(fixed.body.variables.cabMembers).toEqual(['bob', 'admin']);
    await request(itsm.app).post(`/api/incidents/${encodeURIComponent(incident.id)}/resolve`).set(bearer('admin')).send({}).expect(200);
    const { votes } = await votesOf(id, 2);
    expect(votes.map((t) => t.assignee).sort()).toEqual(['admin', 'bob']);
    const set = (await history(itsm.app, id)).find((e) => e.type === 'variables.set');
    expect(set).toMatchObject({ actor: 'admin', data: { variables: { cabMembers: ['bob', 'admin'] } } });
    const evidence = await request(itsm.app).get(`/api/process-instances/${id}/evidence`).set(bearer('carol'));
    expect(evidence.body.participants.admin).toEqual(expect.arrayContaining(['variables.set']));
  });

  test('emergency change: fast ECAB approval by the cab group, then implementation and review', async () => {
    const id = await submit('emergency');
    const { approvalId, votes: [ecab] } = await votesOf(id, 1);
    expect(ecab.candidateGroups).toEqual(['cab']);
    // bob is in the cab group (demo users): he may complete it
    await completeTask(itsm.app, approvalId, 'Vote', { decision: 'approve' }, 'bob');
    await implementAndVerify(id);
    await completeTask(itsm.app, id, 'PostImplementationReview', { reviewNotes: 'emergency fix held' });
    const done = await waitCompleted(itsm.app, id);
    expect(done.variables).toMatchObject({ changeStatus: 'implemented', ecabOutcome: 'approved' });
    expect(await completedElements(itsm.app, id)).not.toContain('CabApproval');
  });

  test('emergency change rejected by the ECAB', async () => {
    const id = await submit('emergency');
    const { approvalId } = await votesOf(id, 1);
    await completeTask(itsm.app, approvalId, 'Vote', { decision: 'reject' }, 'bob');
    expect((await waitCompleted(itsm.app, id)).variables.changeStatus).toBe('rejected');
  });

  test('back-out: a failed deployment (BPMN error on the implement job) backs the change out, then review', async () => {
    const id = await submit('standard');
    await completeTask(itsm.app, id, 'ScheduleChange', { plannedStart: '2026-12-01T22:00:00Z' });
    await deployment(id, true);
    // the back-out form asks what was done: an empty completion is refused
    const [backOut] = await waitTasks(itsm.app, id, 'BackOutChange');
    expect(backOut.formId).toBe('change-backout');
    expect((await request(itsm.app).post(`/api/tasks/${backOut.id}/complete`).set(bearer('admin')).send({ variables: {} })).status).toBe(400);
    await completeTask(itsm.app, id, 'BackOutChange', { backoutResult: 'restored', backoutNotes: 'helm rollback to r41' });
    await completeTask(itsm.app, id, 'PostImplementationReview', { reviewNotes: 'rollout script broken' });
    const done = await waitCompleted(itsm.app, id);
    expect(done.variables.changeStatus).toBe('backed-out');
    const completed = await completedElements(itsm.app, id);
    expect(completed).toEqual(expect.arrayContaining(['DeploymentFailed', 'BackOutChange', 'MarkBackedOut', 'PostImplementationReview']));
    expect(completed).not.toContain('VerifyChange');
  });

  test('back-out: verification fails after a successful deployment', async () => {
    const id = await submit('standard');
    await implementAndVerify(id, 'failed');
    await waitActive(itsm.app, id, 'BackOutChange');
    await completeTask(itsm.app, id, 'BackOutChange', { backoutResult: 'restored', backoutNotes: 'helm rollback to r41' });
    await completeTask(itsm.app, id, 'PostImplementationReview', { reviewNotes: 'verification failed' });
    expect((await waitCompleted(itsm.app, id)).variables.changeStatus).toBe('backed-out');
  });

  test('segregation of duties: the implementer named on the RFC cannot vote in the CAB either', async () => {
    const id = await submit('normal', { cabMembers: ['bob', 'admin'] }, { implementer: 'bob' });
    const { votes } = await votesOf(id, 2);
    const bobs = votes.find((t) => t.assignee === 'bob')!;
    expect(bobs.excludedUsers).toEqual([{ user: 'alice', role: 'requester' }, { user: 'bob', role: 'implementer' }]);
    const refused = await request(itsm.app).post(`/api/tasks/${bobs.id}/complete`).set(bearer('bob')).send({ variables: { decision: 'approve' } });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/bob is the implementer here/);
  });

  test('segregation of duties: a CAB member who requested the change cannot vote on it', async () => {
    const id = await submit('normal', { requester: 'bob', cabMembers: ['bob', 'admin'] });
    const { votes } = await votesOf(id, 2);
    const bobs = votes.find((t) => t.assignee === 'bob')!;
    const res = await request(itsm.app).post(`/api/tasks/${bobs.id}/complete`).set(bearer('bob')).send({ variables: { decision: 'approve' } });
    expect(res.status).toBe(403);
    // the RFC itself (not an approval) was completed by bob's side without trouble; the ECAB path checks it too
    const emergency = await submit('emergency', { requester: 'bob' });
    const { votes: [ecab] } = await votesOf(emergency, 1);
    expect((await request(itsm.app).post(`/api/tasks/${ecab.id}/claim`).set(bearer('bob')).send({})).status).toBe(403);
    expect((await request(itsm.app).post(`/api/tasks/${ecab.id}/complete`).set(bearer('bob')).send({ variables: { decision: 'approve' } })).status).toBe(403);
  });
});
