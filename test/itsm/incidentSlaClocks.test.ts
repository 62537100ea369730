/**
 * When the SLA clocks of an incident start, and what they do on the major incident path, after a
 * priority is lowered past a breach, and on a reopen: end to end through the HTTP API, on the engine's
 * clock (moved forward, never slept through). Expected dates and seconds are worked out in each test
 * from the moments the history records.
 */
import request from 'supertest';
import { bearer } from '../api/helpers';
import { offsetClock, type TestClock } from '../support/clock';
import { completeTask, completedElements, eventually, history, instance, publish, start, startItsm, waitActive, waitFor, waitTasks, type Itsm } from './helpers';

const MIN = 60_000;
const HOUR = 60 * MIN;
const LOG = { summary: 'Mail down', category: 'software', callerEmail: 'ada@example.com' };

let itsm: Itsm;
let time: TestClock;
beforeEach(async () => {
  time = offsetClock();
  itsm = await startItsm({ clock: time.clock, limits: { maxReportedAgeMs: 2 * HOUR } });
});
afterEach(async () => {
  await itsm.close();
});

let seq = 0;
const nextIncidentId = (): string => `INC-CLK-${++seq}-${Date.now()}`;
type Clock = { total: number; budget: number; running: boolean; paused: number; startedAt?: string };
const ms = (iso: unknown): number => Date.parse(String(iso));

/** When an element last completed, on the engine's clock. */
async function completedAt(id: string, elementId: string): Promise<number> {
  const events = (await history(itsm.app, id)).filter((e) => e.type === 'element.completed' && e.elementId === elementId);
  expect(events.length).toBeGreaterThan(0);
  return ms((events[events.length - 1] as unknown as { at: string }).at);
}

const sent = (id: string, template: string) => itsm.notifications.filter((n) => n.instanceId === id && n.template === template);

async function countInstances(): Promise<number> {
  const res = await request(itsm.app).get('/api/process-instances').query({ processId: 'incident', limit: 500 }).set(bearer('admin'));
  expect(res.status).toBe(200);
  return res.body.items.length;
}

describe('SLA clocks start when the incident is reported', () => {
  test('a reportedAt in the past: response and resolution are due counted from it, so the triage time counts', async () => {
    const reportedAt = new Date(time.clock() - 50 * MIN).toISOString(); // phoned in 50 minutes ago
    const id = await start(itsm.app, 'incident', { incidentId: nextIncidentId(), reportedAt });
    expect((await instance(itsm.app, id)).variables.reportedAt).toBe(reportedAt);
    await completeTask(itsm.app, id, 'LogIncident', { ...LOG, impact: 1, urgency: 2 }); // P2: respond in 1 h, resolve in 8 h
    const [ack] = await waitTasks(itsm.app, id, 'AcknowledgeIncident');
    const v = (await instance(itsm.app, id)).variables;
    // by hand: 1 h after the report, the warning at 75 % (45 min); the resolution clock from the report too
    expect(ms(v.slaResponseDueAt)).toBe(ms(reportedAt) + HOUR);
    expect(ms(v.slaResponseWarningAt)).toBe(ms(reportedAt) + 45 * MIN);
    expect(ms(ack.dueDate)).toBe(ms(reportedAt) + HOUR);
    expect(v.slaClock).toEqual({ total: 8 * 3600, budget: 8 * 3600, startedAt: reportedAt, running: true, paused: 0 });
    // 50 minutes are gone: the 45-minute warning fired as soon as the clock started
    await waitFor(itsm.app, id, (i) => i.variables.slaStage === 'warning', 'response warning from the report time', 8000);
    await eventually(async () => expect(sent(id, 'sla-response-warning')).toHaveLength(1));
    time.advance(10 * MIN); // the hour since the report is up
    await waitFor(itsm.app, id, (i) => i.variables.responseSla === 'breached', 'response breach an hour after the report', 8000);
  });

  test('without reportedAt the clocks start at the instance start, not when logging ends', async () => {
    const id = await start(itsm.app, 'incident', { incidentId: nextIncidentId() });
    const startedAt = ms(((await history(itsm.app, id))[0] as unknown as { at: string }).at);
    const reportedAt = (await instance(itsm.app, id)).variables.reportedAt;
    time.advance(20 * MIN); // twenty minutes in the triage queue
    await completeTask(itsm.app, id, 'LogIncident', { ...LOG, impact: 2, urgency: 2 }); // P3: respond in 4 h
    await waitTasks(itsm.app, id, 'AcknowledgeIncident');
    const v = (await instance(itsm.app, id)).variables;
    expect(Math.abs(ms(reportedAt) - startedAt)).toBeLessThan(1000);
    expect(ms(v.slaResponseDueAt)).toBe(ms(reportedAt) + 4 * HOUR);
    const logged = await completedAt(id, 'LogIncident');
    expect(logged - ms(reportedAt)).toBeGreaterThanOrEqual(20 * MIN);
  });

  test('a reportedAt in the future, older than the limit, without offset or not a date is refused with 400; nothing starts', async () => {
    const before = await countInstances();
    const now = time.clock();
    const cases: [unknown, RegExp][] = [
      [new Date(now + 5 * MIN).toISOString(), /in the future/],
      [new Date(now - 3 * HOUR).toISOString(), /maxReportedAgeMs/],
      ['2026-01-05T08:50:00', /with an offset|date-time/], // the schema's format, or the engine's own check
      ['yesterday', /with an offset|date-time/],
    ];
    for (const [reportedAt, why] of cases) {
      const res = await request(itsm.app).post('/api/process-instances').set(bearer('admin')).send({ processId: 'incident', variables: { reportedAt } });
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.error)).toMatch(why);
    }
    expect(await countInstances()).toBe(before);
    // within the configured limit (2 h here) it is taken
    const ok = await request(itsm.app)
      .post('/api/process-instances')
      .set(bearer('admin'))
      .send({ processId: 'incident', variables: { reportedAt: new Date(now - 90 * MIN).toISOString() } });
    expect(ok.status).toBe(201);
  });
});

describe('the major incident path keeps its SLA timers', () => {
  test('a P1 being coordinated gets its resolution warning and breach; the coordination task stays open', async () => {
    const id = await start(itsm.app, 'incident', { incidentId: nextIncidentId(), slaResolution: 'PT1H' });
    await completeTask(itsm.app, id, 'LogIncident', { ...LOG, impact: 1, urgency: 1 });
    await completeTask(itsm.app, id, 'AcknowledgeIncident');
    await waitTasks(itsm.app, id, 'CoordinateMajorIncident');
    const v = (await instance(itsm.app, id)).variables;
    const planned = await completedAt(id, 'ComputeSlaRemaining');
    const used = Math.floor((planned - ms(v.reportedAt)) / 1000); // whole seconds since the report
    expect(ms(v.slaResolutionDueAt)).toBe(planned + (3600 - used) * 1000);
    expect(ms(v.slaResolutionWarningAt)).toBe(planned + (2700 - used) * 1000);
    time.advance(45 * MIN);
    await waitFor(itsm.app, id, (i) => i.variables.slaStage === 'warning', 'resolution warning while coordinated', 8000);
    time.advance(15 * MIN);
    const breached = await waitFor(itsm.app, id, (i) => i.variables.slaStage === 'breached', 'resolution breach while coordinated', 8000);
    expect(breached.activeElements).toContain('CoordinateMajorIncident');
    await eventually(async () => expect(sent(id, 'sla-resolution-breached')).toHaveLength(1));
    expect(sent(id, 'sla-resolution-warning')).toHaveLength(1);
    // the coordination ends; the work goes on under the same (breached) target, nothing is repeated
    await completeTask(itsm.app, id, 'CoordinateMajorIncident', { bridgeCall: 'https://meet.example.com/p1' });
    await completeTask(itsm.app, id, 'InvestigateAndResolve', { outcome: 'resolved', resolutionNotes: 'failover' });
    await waitActive(itsm.app, id, 'AwaitConfirmation');
    expect(sent(id, 'sla-resolution-breached')).toHaveLength(1);
    expect(sent(id, 'major-incident')).toHaveLength(1);
    expect((await instance(itsm.app, id)).variables).toMatchObject({ resolutionBreaches: 1, majorCoordinated: true, bridgeCall: 'https://meet.example.com/p1' });
  });
});

describe('a lowered priority and a reopen', () => {
  // P2 (impact 1, urgency 2) resolves in 100 s here, P5 (impact 3, urgency 3) in 4 h
  const TARGETS = ['PT1H', 'PT100S', 'PT2H', 'PT3H', 'PT4H'];

  test('lowering the priority after a breach: the breach stays recorded, the stage follows the new target, no second escalation', async () => {
    const incidentId = nextIncidentId();
    const id = await start(itsm.app, 'incident', { incidentId, slaResolutionTargets: TARGETS });
    await completeTask(itsm.app, id, 'LogIncident', { ...LOG, impact: 1, urgency: 2 });
    await completeTask(itsm.app, id, 'AcknowledgeIncident');
    await waitTasks(itsm.app, id, 'InvestigateAndResolve');
    time.advance(100_000);
    await waitFor(itsm.app, id, (i) => i.variables.resolutionSla === 'breached', 'breach of the P2 target', 8000);
    await eventually(async () => expect(sent(id, 'sla-resolution-breached')).toHaveLength(1));

    await publish(itsm.app, 'PriorityChanged', incidentId, { impact: 3, urgency: 3 });
    const lowered = await waitFor(itsm.app, id, (i) => i.variables.priority === 5 && i.variables.slaResolution === 'PT4H', 'P5', 8000);
    const clock = lowered.variables.slaClock as Clock;
    const used = clock.total - clock.budget;
    expect(clock.total).toBe(14_400);
    expect(used).toBeGreaterThanOrEqual(100);
    expect(used).toBeLessThan(130);
    // the stage is that of the new target (a few minutes of four hours): ok; the breach is kept
    expect(lowered.variables).toMatchObject({ slaStage: 'ok', resolutionSla: null, resolutionBreaches: 1 });
    await waitTasks(itsm.app, id, 'InvestigateAndResolve');
    const replanned = await completedAt(id, 'ComputeSlaRemaining');
    expect(ms((await instance(itsm.app, id)).variables.slaResolutionDueAt)).toBe(replanned + clock.budget * 1000);

    time.advance(clock.budget * 1000); // the new target runs out as well
    const again = await waitFor(itsm.app, id, (i) => i.variables.resolutionBreaches === 2, 'second breach', 8000);
    expect(again.variables.slaStage).toBe('breached');
    await itsm.engine.idle();
    expect(sent(id, 'sla-resolution-breached')).toHaveLength(1); // escalated once
    expect(await completedElements(itsm.app, id)).toContain('ResolutionBreachRecorded');
  });

  test('a reopen continues with the resolution time that was left; the time it was closed does not count', async () => {
    const incidentId = nextIncidentId();
    const id = await start(itsm.app, 'incident', { incidentId, slaResolutionTargets: TARGETS, autoCloseAfter: 'P5D' });
    await completeTask(itsm.app, id, 'LogIncident', { ...LOG, impact: 1, urgency: 2 });
    await completeTask(itsm.app, id, 'AcknowledgeIncident');
    time.advance(30_000);
    await completeTask(itsm.app, id, 'InvestigateAndResolve', { outcome: 'resolved' });
    await waitActive(itsm.app, id, 'AwaitConfirmation');
    const stopped = (await instance(itsm.app, id)).variables.slaClock as Clock;
    expect(stopped.running).toBe(false);
    expect(stopped.budget).toBeLessThanOrEqual(70);
    time.advance(2 * 24 * HOUR); // two days later the customer says it is still broken
    await publish(itsm.app, 'IncidentReopened', incidentId, { reopenReason: 'still broken' });
    await waitTasks(itsm.app, id, 'InvestigateAndResolve');
    const v = (await instance(itsm.app, id)).variables;
    expect(v.slaResolutionLeft).toBe(`PT${stopped.budget}S`);
    expect((v.slaClock as Clock).paused).toBeGreaterThanOrEqual(2 * 24 * 3600);
    expect(v.resolutionRound).toBe(1);
    expect(v.resolutionSla).toBeNull();
    time.advance(stopped.budget * 1000);
    await waitFor(itsm.app, id, (i) => i.variables.resolutionSla === 'breached', 'breach when the time left is used', 8000);
  });

  test('slaOnReopen "fresh": a reopened incident gets the whole resolution target again, as a new round', async () => {
    const incidentId = nextIncidentId();
    const id = await start(itsm.app, 'incident', { incidentId, slaResolutionTargets: TARGETS, slaOnReopen: 'fresh' });
    await completeTask(itsm.app, id, 'LogIncident', { ...LOG, impact: 1, urgency: 2 });
    await completeTask(itsm.app, id, 'AcknowledgeIncident');
    time.advance(100_000);
    await waitFor(itsm.app, id, (i) => i.variables.resolutionSla === 'breached', 'breach of the first round', 8000);
    await completeTask(itsm.app, id, 'InvestigateAndResolve', { outcome: 'resolved' });
    await waitActive(itsm.app, id, 'AwaitConfirmation');
    await publish(itsm.app, 'IncidentReopened', incidentId, { reopenReason: 'again' });
    await waitTasks(itsm.app, id, 'InvestigateAndResolve');
    const v = (await instance(itsm.app, id)).variables;
    expect(v).toMatchObject({ resolutionRound: 2, resolutionBreaches: 0, resolutionSla: null, slaResolutionLeft: 'PT100S' });
    expect((v.slaClock as Clock).budget).toBe(100);
  });

  test('slaOnReopen is a setting of the process owner: an agent may not give it', async () => {
    const res = await request(itsm.app)
      .post('/api/process-instances')
      .set(bearer('alice'))
      .send({ processId: 'incident', variables: { slaOnReopen: 'fresh' } });
    expect(res.status).toBe(403);
  });
});
