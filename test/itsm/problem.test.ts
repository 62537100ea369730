/** The shipped problem process end to end over HTTP: known error published, a change raised and linked, closure. */
import request from 'supertest';
import { bearer } from '../api/helpers';
import { offsetClock, type TestClock } from '../support/clock';
import { HOUR, inFuture } from './changeHelpers';
import { childInstance, completeTask, completedElements, eventually, expectValidChain, instance, start, startItsm, waitCompleted, waitTasks, type Itsm } from './helpers';

let itsm: Itsm;
/** The engine's clock: the change the problem raises waits for its planned start (test/support/clock.ts). */
let time: TestClock;
beforeEach(async () => {
  time = offsetClock();
  itsm = await startItsm({ clock: time.clock });
});
afterEach(async () => {
  await itsm.close();
});

const PROBLEM = { summary: 'VPN concentrator drops sessions', category: 'network', impact: 'high' };

/** The change's deployment-hook job, completed by the test's CI. */
async function deploy(changeId: string): Promise<void> {
  const job = await eventually(async () => {
    const res = await request(itsm.app).post('/api/jobs/activate').set(bearer('admin')).send({ type: 'deployment-hook', worker: 'ci', maxJobs: 1, lockMs: 10_000 });
    if (!res.body.jobs?.[0]) throw new Error('no deployment-hook job');
    return res.body.jobs[0] as { key: string; processInstanceId: string };
  });
  expect(job.processInstanceId).toBe(changeId);
  await request(itsm.app)
    .post(`/api/jobs/${encodeURIComponent(job.key)}/complete`)
    .set(bearer('admin'))
    .send({ variables: {} })
    .expect(200);
}

test('root cause, a known error the service desk reads, a linked change that fixes it, closure', async () => {
  const prb = await start(itsm.app, 'problem', PROBLEM, 'paula');
  const [rca] = await waitTasks(itsm.app, prb, 'AnalyseRootCause');
  expect(rca).toMatchObject({ candidateGroups: ['problem-managers'], formId: 'problem-rca', businessKey: 'PRB0000001' });
  await completeTask(itsm.app, prb, 'AnalyseRootCause', { rootCause: 'firmware leaks sessions', workaround: 'reconnect with the backup profile', fixNeedsChange: true }, 'paula');

  // the known error is published: a service-desk agent reads it on the problem, and was told
  const known = await eventually(async () => {
    const res = await request(itsm.app).get(`/api/process-instances/${prb}`).set(bearer('alice'));
    expect(res.status).toBe(200);
    if (!res.body.variables.knownError) throw new Error('no known error yet');
    return res.body.variables.knownError;
  });
  expect(known).toMatchObject({ summary: PROBLEM.summary, rootCause: 'firmware leaks sessions', workaround: 'reconnect with the backup profile' });
  await eventually(async () => expect(itsm.notifications).toContainEqual({ template: 'known-error-published', to: 'service-desk', instanceId: prb }));

  // the change to fix it: numbered, raised by the problem's reporter, linked both ways
  const chg = await childInstance(itsm.app, prb, 'change');
  expect((await request(itsm.app).get(`/api/process-instances/${chg}`).set(bearer('admin'))).body.businessKey).toBe('CHG0000001');
  const fromProblem = await request(itsm.app).get(`/api/process-instances/${prb}/links`).set(bearer('paula'));
  expect(fromProblem.body.items).toEqual([expect.objectContaining({ kind: 'raised', direction: 'to', instanceId: chg, businessKey: 'CHG0000001', processId: 'change' })]);
  const fromChange = await request(itsm.app).get(`/api/process-instances/${chg}/links`).set(bearer('admin'));
  expect(fromChange.body.items).toEqual([expect.objectContaining({ kind: 'raised', direction: 'from', instanceId: prb, businessKey: 'PRB0000001' })]);

  const [rfc] = await waitTasks(itsm.app, chg, 'SubmitRfc');
  expect(rfc).toMatchObject({ assignee: 'paula' });
  expect((await instance(itsm.app, chg)).variables).toMatchObject({ title: `Fix: ${PROBLEM.summary}`, description: 'firmware leaks sessions', requester: 'paula' });
  await completeTask(
    itsm.app,
    chg,
    'SubmitRfc',
    { title: 'VPN firmware', description: 'fix', changeType: 'standard', impact: 'low', affectedServices: 1, hasBackoutPlan: true, testedInStaging: true },
    'paula',
  );
  await completeTask(itsm.app, chg, 'PlanChange', { implementer: 'dave', implementationPlan: 'upgrade firmware' }, 'bob');
  await completeTask(itsm.app, chg, 'ScheduleChange', { plannedStart: inFuture(time, HOUR), plannedEnd: inFuture(time, 2 * HOUR) });
  time.advance(HOUR); // the implementation waits for the planned start
  await deploy(chg);
  await completeTask(itsm.app, chg, 'VerifyChange', { verificationResult: 'success' });
  await waitCompleted(itsm.app, chg);

  await completeTask(itsm.app, prb, 'CloseProblem', { problemResolution: 'resolved', closureNotes: 'firmware 9.2 deployed' }, 'paula');
  const done = await waitCompleted(itsm.app, prb);
  expect(done.variables).toMatchObject({ fixChangeStatus: 'implemented', problemResolution: 'resolved' });
  expect(await completedElements(itsm.app, prb)).toEqual([
    'ProblemLogged',
    'AnalyseRootCause',
    'HasWorkaround',
    'PublishKnownError',
    'NotifyKnownError',
    'KnownErrorDone',
    'NeedsChange',
    'RaiseChange',
    'FixDone',
    'CloseProblem',
    'ProblemClosed',
  ]);
  await expectValidChain(itsm.app, prb);
  await expectValidChain(itsm.app, chg);
});

test('no workaround and no change: straight from the analysis to closure, nothing published', async () => {
  const prb = await start(itsm.app, 'problem', PROBLEM, 'paula');
  await completeTask(itsm.app, prb, 'AnalyseRootCause', { rootCause: 'a one-off power cut' }, 'paula');
  await completeTask(itsm.app, prb, 'CloseProblem', { problemResolution: 'unresolved', closureNotes: 'no recurrence' }, 'paula');
  const done = await waitCompleted(itsm.app, prb);
  expect(done.variables.knownError).toBeUndefined();
  expect(await completedElements(itsm.app, prb)).toEqual([
    'ProblemLogged',
    'AnalyseRootCause',
    'HasWorkaround',
    'KnownErrorDone',
    'NeedsChange',
    'FixDone',
    'CloseProblem',
    'ProblemClosed',
  ]);
  expect(itsm.notifications.filter((n) => n.instanceId === prb)).toEqual([]);
  expect((await request(itsm.app).get('/api/process-instances').query({ processId: 'change' }).set(bearer('admin'))).body.items).toEqual([]);
});
