/** The shipped change process end to end through the HTTP API: standard, normal (CAB), emergency, back-out. */
import request from 'supertest';
import { bearer } from '../api/helpers';
import { completeTask, completedElements, eventually, expectValidChain, instance, start, startItsm, waitActive, waitCompleted, waitTasks, type Itsm } from './helpers';

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
    const votes = await waitTasks(itsm.app, id, 'CabApproval', 3);
    expect(votes.map((t) => t.assignee).sort()).toEqual(['admin', 'bob', 'carol']);
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
    expect((done.variables.cabVotes as { member: string; decision: string }[]).map((v) => `${v.member}:${v.decision}`).sort()).toEqual(['admin:approve', 'bob:approve', 'carol:approve']);
  });

  test('normal change: one CAB rejection rejects (completion condition ends the other votes)', async () => {
    const id = await submit('normal', { cabMembers: ['bob', 'carol', 'admin'] }, { impact: 'high', affectedServices: 9, hasBackoutPlan: false });
    const votes = await waitTasks(itsm.app, id, 'CabApproval', 3);
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

  test('emergency change: fast ECAB approval by the cab group, then implementation and review', async () => {
    const id = await submit('emergency');
    const [ecab] = await waitTasks(itsm.app, id, 'EcabApproval');
    expect(ecab.candidateGroups).toEqual(['cab']);
    // bob is in the cab group (demo users): he may complete it
    await completeTask(itsm.app, id, 'EcabApproval', { decision: 'approve' }, 'bob');
    await implementAndVerify(id);
    await completeTask(itsm.app, id, 'PostImplementationReview', { reviewNotes: 'emergency fix held' });
    const done = await waitCompleted(itsm.app, id);
    expect(done.variables.changeStatus).toBe('implemented');
    expect(await completedElements(itsm.app, id)).not.toContain('CabApproval');
  });

  test('emergency change rejected by the ECAB', async () => {
    const id = await submit('emergency');
    await completeTask(itsm.app, id, 'EcabApproval', { decision: 'reject' }, 'bob');
    expect((await waitCompleted(itsm.app, id)).variables.changeStatus).toBe('rejected');
  });

  test('back-out: a failed deployment (BPMN error on the implement job) backs the change out, then review', async () => {
    const id = await submit('standard');
    await completeTask(itsm.app, id, 'ScheduleChange', { plannedStart: '2026-12-01T22:00:00Z' });
    await deployment(id, true);
    await completeTask(itsm.app, id, 'BackOutChange');
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
    await completeTask(itsm.app, id, 'BackOutChange');
    await completeTask(itsm.app, id, 'PostImplementationReview', { reviewNotes: 'verification failed' });
    expect((await waitCompleted(itsm.app, id)).variables.changeStatus).toBe('backed-out');
  });

  test('segregation of duties: a CAB member who requested the change cannot vote on it', async () => {
    const id = await submit('normal', { requester: 'bob', cabMembers: ['bob', 'admin'] });
    const votes = await waitTasks(itsm.app, id, 'CabApproval', 2);
    const bobs = votes.find((t) => t.assignee === 'bob')!;
    const res = await request(itsm.app).post(`/api/tasks/${bobs.id}/complete`).set(bearer('bob')).send({ variables: { decision: 'approve' } });
    expect(res.status).toBe(403);
    // the RFC itself (not an approval) was completed by bob's side without trouble; the ECAB path checks it too
    const emergency = await submit('emergency', { requester: 'bob' });
    const [ecab] = await waitTasks(itsm.app, emergency, 'EcabApproval');
    expect((await request(itsm.app).post(`/api/tasks/${ecab.id}/complete`).set(bearer('bob')).send({ variables: { decision: 'approve' } })).status).toBe(403);
  });
});
