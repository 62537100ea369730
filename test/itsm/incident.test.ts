/**
 * The shipped incident process end to end through the HTTP API (real server, real timers, real DMN).
 * The engine's clock runs with real time, and a test that needs time to pass moves it forward
 * (test/support/clock.ts) instead of sleeping.
 */
import request from 'supertest';
import { bearer } from '../api/helpers';
import { offsetClock, type TestClock } from '../support/clock';
import {
  completeTask,
  completedElements,
  eventually,
  expectValidChain,
  history,
  instance,
  publish,
  start,
  startItsm,
  waitActive,
  waitCompleted,
  waitFor,
  waitTasks,
  type Itsm,
} from './helpers';

let itsm: Itsm;
let time: TestClock;
beforeEach(async () => {
  time = offsetClock();
  itsm = await startItsm({ clock: time.clock });
});
afterEach(async () => {
  await itsm.close();
});

let seq = 0;
const LOG = { summary: 'VPN down', description: 'No VPN since 9:00', category: 'network', callerEmail: 'ada@example.com' };

/** Starts an incident and logs it with impact/urgency; returns instance id and incident id. */
async function logIncident(impact: number, urgency: number, extra: Record<string, unknown> = {}, log: Record<string, unknown> = {}): Promise<{ id: string; incidentId: string }> {
  const incidentId = `INC-${++seq}-${Date.now()}`;
  const id = await start(itsm.app, 'incident', { incidentId, ...extra });
  const [task] = await waitTasks(itsm.app, id, 'LogIncident');
  expect(task.formId).toBe('incident-log');
  expect(task.candidateGroups).toEqual(['service-desk']);
  await completeTask(itsm.app, id, 'LogIncident', { ...LOG, impact, urgency, ...log });
  await waitTasks(itsm.app, id, 'AcknowledgeIncident'); // after the decision and the SLA policy
  return { id, incidentId };
}

async function resolve(id: string): Promise<void> {
  await completeTask(itsm.app, id, 'AcknowledgeIncident');
  await completeTask(itsm.app, id, 'InvestigateAndResolve', { outcome: 'resolved', resolutionNotes: 'restarted the VPN concentrator' });
  await waitActive(itsm.app, id, 'AwaitConfirmation');
}

describe('incident management', () => {
  test('priority from the DMN matrix, SLA targets and routing for P2..P5', async () => {
    const cases = [
      { impact: 1, urgency: 2, priority: 2, response: 'PT1H', resolution: 'PT8H', warning: 'PT2700S' },
      { impact: 2, urgency: 2, priority: 3, response: 'PT4H', resolution: 'P1D', warning: 'PT10800S' },
      { impact: 3, urgency: 2, priority: 4, response: 'PT8H', resolution: 'P3D', warning: 'PT21600S' },
      { impact: 3, urgency: 3, priority: 5, response: 'P2D', resolution: 'P10D', warning: 'PT129600S' },
    ];
    for (const c of cases) {
      const { id } = await logIncident(c.impact, c.urgency, {}, { category: c.priority === 5 ? 'software' : 'network' });
      const [ack] = await waitTasks(itsm.app, id, 'AcknowledgeIncident');
      expect(ack.candidateGroups).toEqual([c.priority === 5 ? 'service-desk' : 'network']);
      const { variables } = await instance(itsm.app, id);
      expect(variables).toMatchObject({
        priority: c.priority,
        slaResponse: c.response,
        slaResolution: c.resolution,
        slaResponseWarning: c.warning,
        slaStage: 'ok',
        autoCloseAfter: 'P5D',
      });
      await completeTask(itsm.app, id, 'AcknowledgeIncident');
      await waitTasks(itsm.app, id, 'InvestigateAndResolve');
      expect((await instance(itsm.app, id)).activeElements).not.toContain('CoordinateMajorIncident');
      await request(itsm.app).post(`/api/process-instances/${id}/cancel`).set(bearer('admin')).expect(200);
    }
  });

  test('the CMDB lookup (job cmdb-lookup) routes to the owner of the configuration item, else by category', async () => {
    const { id } = await logIncident(2, 2, {}, { category: 'software', configurationItem: 'net-core-1' });
    const [ack] = await waitTasks(itsm.app, id, 'AcknowledgeIncident');
    expect(ack.candidateGroups).toEqual(['network']);
    expect(ack.subject).toMatch(/^INC-\d+-\d+ \(P3\): VPN down$/);
    expect((await instance(itsm.app, id)).variables).toMatchObject({ ciOwner: 'network', ciCriticality: 'high', assignmentGroup: 'network' });
    expect(itsm.lookups.filter((l) => l.instanceId === id)).toEqual([{ item: 'net-core-1', instanceId: id }]);
    const other = await logIncident(2, 2, {}, { category: 'software' });
    expect((await waitTasks(itsm.app, other.id, 'AcknowledgeIncident'))[0].candidateGroups).toEqual(['service-desk']);
    expect(itsm.lookups.filter((l) => l.instanceId === other.id)).toEqual([{ item: undefined, instanceId: other.id }]);
    expect(await completedElements(itsm.app, id)).toEqual(expect.arrayContaining(['LogIncident', 'LookUpCi', 'DeterminePriority']));
  });

  test('P1: major incident path, then resolution confirmed by the customer closes the incident', async () => {
    const { id, incidentId } = await logIncident(1, 1);
    expect((await instance(itsm.app, id)).variables).toMatchObject({ priority: 1, slaResponse: 'PT15M', slaResolution: 'PT4H', slaResponseWarning: 'PT675S' });
    await completeTask(itsm.app, id, 'AcknowledgeIncident');
    const [coordinate] = await waitTasks(itsm.app, id, 'CoordinateMajorIncident');
    expect(coordinate.candidateGroups).toEqual(['incident-managers']);
    await completeTask(itsm.app, id, 'CoordinateMajorIncident');
    await completeTask(itsm.app, id, 'InvestigateAndResolve', { outcome: 'resolved', resolutionNotes: 'failover' });
    await waitActive(itsm.app, id, 'AwaitConfirmation');
    await publish(itsm.app, 'ResolutionConfirmed', incidentId, { satisfaction: 5 });
    const done = await waitCompleted(itsm.app, id);
    expect(done.variables).toMatchObject({ closure: 'confirmed', satisfaction: 5, slaStage: 'ok' });
    expect(itsm.notifications.filter((n) => n.instanceId === id).map((n) => n.template)).toEqual([
      'incident-assigned',
      'major-incident',
      'resolution-confirmation',
      'incident-closed',
    ]);
    const completed = await completedElements(itsm.app, id);
    expect(completed).toEqual(
      expect.arrayContaining([
        'LogIncident',
        'DeterminePriority',
        'ApplySlaPolicy',
        'NotifyMajorIncident',
        'CoordinateMajorIncident',
        'WorkOnIncident',
        'MarkConfirmed',
        'IncidentClosed',
      ]),
    );
    expect(completed).not.toContain('MarkAutoClosed');
    const events = await history(itsm.app, id);
    expect(events.find((e) => e.type === 'job.completed' && e.elementId === 'DeterminePriority')?.actor).toBe('processdesk-decisions');
    expect(events.find((e) => e.type === 'message.correlated')).toBeDefined();
    await expectValidChain(itsm.app, id);
  });

  test('response SLA: warning at 75% then breach, non-interrupting (the task stays open)', async () => {
    const { id } = await logIncident(2, 2, { slaResponse: 'PT2S' });
    expect((await instance(itsm.app, id)).variables.slaResponseWarning).toBe('PT1S');
    // the task list shows the same stage: the task is due at the target, followed up at the warning
    const [ack] = await waitTasks(itsm.app, id, 'AcknowledgeIncident');
    expect(ack.dueStage).toBe('ok');
    expect(Date.parse(String(ack.dueDate)) - Date.parse(String(ack.followUpDate))).toBe(1000);
    await waitFor(itsm.app, id, (i) => i.variables.slaStage === 'warning', 'response warning', 4000);
    expect((await waitTasks(itsm.app, id, 'AcknowledgeIncident'))[0].dueStage).not.toBe('ok');
    const breached = await waitFor(itsm.app, id, (i) => i.variables.slaStage === 'breached', 'response breach', 4000);
    expect(breached.activeElements).toContain('AcknowledgeIncident');
    expect((await waitTasks(itsm.app, id, 'AcknowledgeIncident'))[0].dueStage).toBe('breached');
    await waitFor(itsm.app, id, () => itsm.notifications.filter((n) => n.instanceId === id).length === 3, 'notifications');
    expect(itsm.notifications.filter((n) => n.instanceId === id)).toEqual([
      // the group the incident was routed to is told first (no `to`: the assignment group)
      { template: 'incident-assigned', to: undefined, instanceId: id },
      { template: 'sla-response-warning', to: undefined, instanceId: id },
      { template: 'sla-response-breached', to: 'incident-managers', instanceId: id },
    ]);
    const completed = await completedElements(itsm.app, id);
    expect(completed).toEqual(expect.arrayContaining(['ResponseWarning', 'MarkResponseWarning', 'ResponseBreached', 'MarkResponseBreached', 'ResponseEscalated']));
    await completeTask(itsm.app, id, 'AcknowledgeIncident'); // still workable after the breach
    await waitTasks(itsm.app, id, 'InvestigateAndResolve');
  });

  test('resolution SLA on the work subprocess: warning and breach, work goes on', async () => {
    const { id, incidentId } = await logIncident(2, 2, { slaResolution: 'PT2S' });
    await completeTask(itsm.app, id, 'AcknowledgeIncident');
    await waitTasks(itsm.app, id, 'InvestigateAndResolve');
    time.advance(2000); // the whole resolution target: its warning, then its breach
    await waitFor(itsm.app, id, (i) => i.variables.slaStage === 'breached', 'resolution breach', 3000);
    const completed = await eventually(async () => {
      const elements = await completedElements(itsm.app, id);
      expect(elements).toEqual(expect.arrayContaining(['MarkResolutionWarning', 'MarkResolutionBreached', 'ResolutionEscalated']));
      return elements;
    });
    expect(completed.indexOf('MarkResolutionWarning')).toBeLessThan(completed.indexOf('MarkResolutionBreached'));
    await completeTask(itsm.app, id, 'InvestigateAndResolve', { outcome: 'resolved' });
    await waitActive(itsm.app, id, 'AwaitConfirmation');
    await publish(itsm.app, 'ResolutionConfirmed', incidentId);
    expect((await waitCompleted(itsm.app, id)).variables.slaStage).toBe('breached');
  });

  test('a new priority while work goes on: the new resolution target applies, minus the time already used', async () => {
    // P5 (impact 3, urgency 3) has 600 s here; raised to P1 (impact 1, urgency 1) it has 30 s.
    const targets = ['PT30S', 'PT300S', 'PT400S', 'PT500S', 'PT600S'];
    const { id, incidentId } = await logIncident(3, 3, { slaResolutionTargets: targets });
    expect((await instance(itsm.app, id)).variables).toMatchObject({ priority: 5, slaResolution: 'PT600S' });
    await completeTask(itsm.app, id, 'AcknowledgeIncident');
    await waitTasks(itsm.app, id, 'InvestigateAndResolve');
    time.advance(10_000); // ten seconds of resolution time used
    await publish(itsm.app, 'PriorityChanged', incidentId, { impact: 1, urgency: 1 });
    await waitFor(itsm.app, id, (i) => i.variables.priority === 1, 'new priority', 3000);
    const raised = await instance(itsm.app, id);
    expect(raised.variables.slaResolution).toBe('PT30S');
    const clock = raised.variables.slaClock as { total: number; budget: number };
    expect(clock.total).toBe(30);
    expect(clock.budget).toBeLessThanOrEqual(20); // 10 s of the 30 s (and the real time the steps took) were used before the change
    expect(clock.budget).toBeGreaterThan(0);
    // a P1 now: the major incident is coordinated (under the resolution timers), then the work item is offered again
    await completeTask(itsm.app, id, 'CoordinateMajorIncident', { bridgeCall: 'https://meet.example.com/inc' });
    await waitTasks(itsm.app, id, 'InvestigateAndResolve');
    time.advance(clock.budget * 1000); // the rest of the new target
    await waitFor(itsm.app, id, (i) => i.variables.slaStage === 'breached', 'breach of the new target', 3000);
    const completed = await completedElements(itsm.app, id);
    expect(completed).toEqual(expect.arrayContaining(['RedeterminePriority', 'RecomputeSla', 'MarkResolutionBreached']));
    await completeTask(itsm.app, id, 'InvestigateAndResolve', { outcome: 'resolved' });
    await waitActive(itsm.app, id, 'AwaitConfirmation');
    await expectValidChain(itsm.app, id);
  });

  test('a priority change before acknowledgement recomputes the response and resolution targets from the original start', async () => {
    // P5 answers in 60 s; raised to P1 it must answer in 2 s, counted from when the incident was logged
    const { id, incidentId } = await logIncident(3, 3, {
      slaResponseTargets: ['PT2S', 'PT20S', 'PT30S', 'PT40S', 'PT60S'],
      slaResolutionTargets: ['PT100S', 'PT200S', 'PT300S', 'PT400S', 'PT500S'],
    });
    const [before] = await waitTasks(itsm.app, id, 'AcknowledgeIncident');
    expect((await instance(itsm.app, id)).variables).toMatchObject({ priority: 5, slaResponse: 'PT60S' });
    await publish(itsm.app, 'PriorityChanged', incidentId, { impact: 1, urgency: 1 });
    const raised = await waitFor(itsm.app, id, (i) => i.variables.priority === 1, 'new priority', 3000);
    expect(raised.variables).toMatchObject({ slaResponse: 'PT2S', slaResponseWarning: 'PT1S', slaResolution: 'PT100S' });
    expect((raised.variables.slaClock as { total: number; budget: number }).total).toBe(100);
    expect((raised.variables.slaClock as { budget: number }).budget).toBeLessThanOrEqual(100);
    // the acknowledgement is offered again, due at the new target
    const [after] = await waitTasks(itsm.app, id, 'AcknowledgeIncident');
    expect(after.id).not.toBe(before.id);
    expect(Date.parse(String(after.dueDate)) - Date.parse(String(before.createdAt))).toBeLessThanOrEqual(2500);
    await waitFor(itsm.app, id, (i) => i.variables.slaStage === 'breached', 'breach of the new response target', 4000);
    expect(await completedElements(itsm.app, id)).toEqual(
      expect.arrayContaining(['PriorityChangedEarly', 'RedeterminePriorityEarly', 'RecomputeResponseSla', 'MarkResponseBreached']),
    );
    await completeTask(itsm.app, id, 'AcknowledgeIncident');
    await waitTasks(itsm.app, id, 'CoordinateMajorIncident'); // P1 now: the major incident path
    await expectValidChain(itsm.app, id);
  });

  test('a priority change to a longer response target: the stage goes back to ok, the warning given is not given again at once', async () => {
    const { id, incidentId } = await logIncident(3, 3, { slaResponseTargets: ['PT1H', 'PT1H', 'PT1H', 'PT1H', 'PT2S'] });
    await waitFor(itsm.app, id, (i) => i.variables.slaStage === 'warning', 'response warning', 4000);
    await publish(itsm.app, 'PriorityChanged', incidentId, { impact: 1, urgency: 1 });
    await waitFor(itsm.app, id, (i) => i.variables.priority === 1, 'new priority', 3000);
    // P1's target is one hour: a few seconds used are far from its 75 %
    expect((await instance(itsm.app, id)).variables).toMatchObject({ slaStage: 'ok', responseSla: null, slaResponse: 'PT1H' });
    time.advance(1500); // past the old target (2 s), far from the new warning (45 min)
    await itsm.engine.idle();
    const warnings = itsm.notifications.filter((n) => n.instanceId === id && n.template === 'sla-response-warning');
    expect(warnings).toHaveLength(1);
    expect((await instance(itsm.app, id)).variables).toMatchObject({ slaStage: 'ok', responseBreaches: 0 });
  });

  test('pending customer: wait for CustomerReplied (correlated by incident id), then work resumes', async () => {
    const { id, incidentId } = await logIncident(3, 3);
    await completeTask(itsm.app, id, 'AcknowledgeIncident');
    await completeTask(itsm.app, id, 'InvestigateAndResolve', { outcome: 'pending-customer', customerQuestion: 'Which laptop?' });
    await waitActive(itsm.app, id, 'AwaitCustomer');
    expect(await waitTasks(itsm.app, id, 'InvestigateAndResolve', 0)).toEqual([]);
    // a reply for another incident reaches nothing: refused, not kept for later
    const wrong = await request(itsm.app)
      .post('/api/messages')
      .set(bearer('admin'))
      .send({ name: 'CustomerReplied', correlationKey: 'some-other-incident', variables: { customerAnswer: 'wrong' } });
    expect(wrong.status).toBe(409);
    await publish(itsm.app, 'CustomerReplied', incidentId, { customerAnswer: 'the ThinkPad' });
    await waitTasks(itsm.app, id, 'InvestigateAndResolve');
    expect((await instance(itsm.app, id)).variables.customerAnswer).toBe('the ThinkPad');
    await completeTask(itsm.app, id, 'InvestigateAndResolve', { outcome: 'resolved' });
    await waitActive(itsm.app, id, 'AwaitConfirmation');
    expect(itsm.notifications.filter((n) => n.instanceId === id).map((n) => n.template)).toEqual(['incident-assigned', 'customer-info-request', 'resolution-confirmation']);
  });

  test('the resolution clock pauses while the incident waits for the customer and resumes with the time left', async () => {
    const { id, incidentId } = await logIncident(2, 2, { slaResolution: 'PT3S' });
    await completeTask(itsm.app, id, 'AcknowledgeIncident');
    await completeTask(itsm.app, id, 'InvestigateAndResolve', { outcome: 'pending-customer' });
    await waitActive(itsm.app, id, 'AwaitCustomer');
    const paused = (await instance(itsm.app, id)).variables.slaClock as { total: number; budget: number; running: boolean };
    expect(paused).toMatchObject({ total: 3, running: false });
    expect(paused.budget).toBeGreaterThan(1);
    time.advance(3500); // longer than the whole resolution target: paused, so no breach
    await itsm.engine.idle();
    expect((await instance(itsm.app, id)).variables.slaStage).toBe('ok');
    expect(await completedElements(itsm.app, id)).not.toContain('MarkResolutionWarning');
    await publish(itsm.app, 'CustomerReplied', incidentId, { customerAnswer: 'here you go' });
    await waitTasks(itsm.app, id, 'InvestigateAndResolve');
    const resumed = await instance(itsm.app, id);
    expect(resumed.variables.slaResolutionLeft).toBe(`PT${Math.floor(paused.budget)}S`);
    expect(resumed.variables.slaStage).toBe('ok');
    time.advance(Math.ceil(paused.budget) * 1000); // the time that was left
    await waitFor(itsm.app, id, (i) => i.variables.slaStage === 'breached', 'breach after resume', 3000);
    const events = await history(itsm.app, id);
    const correlated = events.findIndex((e) => e.type === 'message.correlated');
    const breached = events.findIndex((e) => e.type === 'element.completed' && e.elementId === 'MarkResolutionBreached');
    expect(correlated).toBeGreaterThan(-1);
    expect(breached).toBeGreaterThan(correlated);
    // On the engine's clock: the breach came the time left after the reply, not before.
    const at = (e: unknown): number => Date.parse(String((e as { at: string }).at));
    expect(at(events[breached]) - at(events[correlated])).toBeGreaterThanOrEqual(Math.floor(paused.budget) * 1000);
  });

  test('reopen goes back to work; the second resolution is auto-closed after the configured time', async () => {
    const { id, incidentId } = await logIncident(2, 3, { autoCloseAfter: 'PT1S' });
    await resolve(id);
    await publish(itsm.app, 'IncidentReopened', incidentId, { reopenReason: 'still broken' });
    // acknowledged once: a reopened ticket goes straight back to the work
    await waitTasks(itsm.app, id, 'InvestigateAndResolve');
    expect((await instance(itsm.app, id)).variables).toMatchObject({ reopenCount: 1, reopenReason: 'still broken' });
    await completeTask(itsm.app, id, 'InvestigateAndResolve', { outcome: 'resolved', resolutionNotes: 'replaced the concentrator' });
    await waitActive(itsm.app, id, 'AwaitConfirmation');
    time.advance(1000); // the configured auto-close time
    const done = await waitCompleted(itsm.app, id, 3000);
    expect(done.variables).toMatchObject({ closure: 'auto-closed', reopenCount: 1 });
    const completed = await completedElements(itsm.app, id);
    expect(completed.filter((e) => e === 'InvestigateAndResolve')).toHaveLength(2);
    expect(completed.filter((e) => e === 'AcknowledgeIncident')).toHaveLength(1);
    expect(completed).toEqual(expect.arrayContaining(['CountReopen', 'ReopenSlaClock', 'AutoCloseTimer', 'MarkAutoClosed', 'IncidentClosed']));
    await expectValidChain(itsm.app, id);
  });

  test('the log form is enforced by the API (impact out of range is refused)', async () => {
    const id = await start(itsm.app, 'incident', { incidentId: 'INC-form' });
    const [task] = await waitTasks(itsm.app, id, 'LogIncident');
    const res = await request(itsm.app)
      .post(`/api/tasks/${task.id}/complete`)
      .set(bearer('admin'))
      .send({ variables: { ...LOG, impact: 7, urgency: 1 } });
    expect(res.status).toBe(400);
  });
});
