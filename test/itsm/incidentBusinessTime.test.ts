/**
 * Incident SLAs counted in business time (slaCalendar "business") on the engine's calendar, through the
 * HTTP API: the cases public complaints about ITSM tools are about. The calendars are built around the
 * time the test runs, so the results do not depend on the day or hour.
 */
import request from 'supertest';
import type { BusinessCalendarConfig } from '../../engine/expr/businessCalendar';
import { bearer } from '../api/helpers';
import { offsetClock, type TestClock } from '../support/clock';
import { completeTask, completedElements, history, instance, publish, start, startItsm, waitActive, waitFor, waitTasks, type Itsm } from './helpers';

const DAY = 86_400_000;
const utcDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Every day, all day, except today and tomorrow (UTC): business time stands still until the day after. */
function holidayCalendar(now = Date.now()): BusinessCalendarConfig {
  return { timeZone: 'UTC', workingDays: [1, 2, 3, 4, 5, 6, 7], workingHours: { start: '00:00', end: '24:00' }, holidays: [utcDate(now), utcDate(now + DAY)] };
}
const ALWAYS_OPEN: BusinessCalendarConfig = { timeZone: 'UTC', workingDays: [1, 2, 3, 4, 5, 6, 7], workingHours: { start: '00:00', end: '24:00' }, holidays: [] };
/** Midnight (UTC) that ends the holidays of holidayCalendar(now). */
const afterHolidays = (now: number): number => Date.parse(`${utcDate(now + 2 * DAY)}T00:00:00Z`);

let itsm: Itsm | undefined;
/** The engine's clock: real time, moved forward where wall time must pass (test/support/clock.ts). */
let time: TestClock;
beforeEach(() => {
  time = offsetClock();
});
afterEach(async () => {
  await itsm?.close();
  itsm = undefined;
});

let seq = 0;
async function logIncident(app: Itsm['app'], impact: number, urgency: number, extra: Record<string, unknown>): Promise<{ id: string; incidentId: string }> {
  const incidentId = `INC-BT-${++seq}-${Date.now()}`;
  const id = await start(app, 'incident', { incidentId, ...extra });
  await completeTask(app, id, 'LogIncident', { summary: 'Printer jam', category: 'hardware', impact, urgency });
  await waitTasks(app, id, 'AcknowledgeIncident');
  return { id, incidentId };
}

describe('incident SLAs in business time', () => {
  test('outside working time the targets wait for the next working period; a 24x7 incident on the same engine breaches', async () => {
    const now = Date.now();
    itsm = await startItsm({ clock: time.clock, businessCalendar: holidayCalendar(now) });
    const business = await logIncident(itsm.app, 2, 2, { slaCalendar: 'business', slaResponse: 'PT2S', slaResolution: 'PT3S' });
    const calendarTime = await logIncident(itsm.app, 2, 2, { slaResponse: 'PT2S', slaResolution: 'PT3S' });
    const vars = (await instance(itsm.app, business.id)).variables;
    expect(vars.slaCalendar).toBe('business');
    // due two working seconds after the holidays end, the warning at 75 % (whole seconds) after one
    expect(Date.parse(String(vars.slaResponseDueAt))).toBe(afterHolidays(now) + 2000);
    expect(Date.parse(String(vars.slaResponseWarningAt))).toBe(afterHolidays(now) + 1000);
    expect((await instance(itsm.app, calendarTime.id)).variables.slaCalendar).toBe('24x7');
    time.advance(2500); // past the 24x7 target; no working time passes on a holiday
    await waitFor(itsm.app, calendarTime.id, (i) => i.variables.slaStage === 'breached', '24x7 response breach', 3000);
    const still = await instance(itsm.app, business.id);
    expect(still.variables.slaStage).toBe('ok');
    expect(await completedElements(itsm.app, business.id)).not.toContain('MarkResponseWarning');
  });

  test('pause and resume (twice) on holidays cost no budget; a priority change recomputes from the working time used (none)', async () => {
    const now = Date.now();
    itsm = await startItsm({ clock: time.clock, businessCalendar: holidayCalendar(now) });
    const { id, incidentId } = await logIncident(itsm.app, 2, 2, {
      slaCalendar: 'business',
      slaResolution: 'PT3S',
      slaResolutionTargets: ['PT1H', 'PT2H', 'PT3H', 'PT4H', 'PT5H'],
    });
    await completeTask(itsm.app, id, 'AcknowledgeIncident');
    await waitTasks(itsm.app, id, 'InvestigateAndResolve');
    const working = (await instance(itsm.app, id)).variables;
    expect(working.slaResolutionLeft).toBe('PT3S');
    expect(Date.parse(String(working.slaResolutionDueAt))).toBe(afterHolidays(now) + 3000);

    // two rounds of pending customer: neither the waits nor the work between them cost working time
    for (const answer of ['model X200', 'serial 42']) {
      await completeTask(itsm.app, id, 'InvestigateAndResolve', { outcome: 'pending-customer' });
      await waitActive(itsm.app, id, 'AwaitCustomer');
      time.advance(600); // wall time passes; business time does not
      await itsm.engine.idle();
      const paused = (await instance(itsm.app, id)).variables.slaClock as { total: number; budget: number; running: boolean };
      expect(paused).toEqual(expect.objectContaining({ total: 3, budget: 3, running: false }));
      await publish(itsm.app, 'CustomerReplied', incidentId, { customerAnswer: answer });
      await waitTasks(itsm.app, id, 'InvestigateAndResolve');
      const resumed = (await instance(itsm.app, id)).variables;
      expect(resumed.slaResolutionLeft).toBe('PT3S');
      expect(Date.parse(String(resumed.slaResolutionDueAt))).toBe(afterHolidays(now) + 3000);
    }

    // P3 -> P1 (impact 1, urgency 1): the P1 target of 1 h, minus no working time used
    await publish(itsm.app, 'PriorityChanged', incidentId, { impact: 1, urgency: 1 });
    await waitFor(itsm.app, id, (i) => i.variables.priority === 1 && i.variables.slaResolutionLeft === 'PT3600S', 'recomputed target', 5000);
    const recomputed = (await instance(itsm.app, id)).variables;
    expect(recomputed.slaClock).toEqual(expect.objectContaining({ total: 3600, budget: 3600 }));
    expect(Date.parse(String(recomputed.slaResolutionDueAt))).toBe(afterHolidays(now) + 3_600_000);
    expect(recomputed.slaStage).toBe('ok');
  });

  test('a priority change before acknowledgement on a holiday: the new response target counts from the next working period', async () => {
    const now = Date.now();
    itsm = await startItsm({ clock: time.clock, businessCalendar: holidayCalendar(now) });
    const { id, incidentId } = await logIncident(itsm.app, 2, 2, { slaCalendar: 'business', slaResponseTargets: ['PT10S', 'PT20S', 'PT30S', 'PT40S', 'PT50S'] });
    expect(Date.parse(String((await instance(itsm.app, id)).variables.slaResponseDueAt))).toBe(afterHolidays(now) + 30_000);
    await publish(itsm.app, 'PriorityChanged', incidentId, { impact: 1, urgency: 1 });
    const raised = await waitFor(itsm.app, id, (i) => i.variables.priority === 1, 'new priority', 3000);
    expect(Date.parse(String(raised.variables.slaResponseDueAt))).toBe(afterHolidays(now) + 10_000);
    expect(Date.parse(String(raised.variables.slaResponseWarningAt))).toBe(afterHolidays(now) + 7_000);
    const [ack] = await waitTasks(itsm.app, id, 'AcknowledgeIncident');
    expect(Date.parse(String(ack.dueDate))).toBe(afterHolidays(now) + 10_000);
  });

  test('on an always-open calendar business time runs like wall time: warning and breach fire', async () => {
    itsm = await startItsm({ clock: time.clock, businessCalendar: ALWAYS_OPEN });
    const { id } = await logIncident(itsm.app, 2, 2, { slaCalendar: 'business', slaResponse: 'PT2S' });
    await waitFor(itsm.app, id, (i) => i.variables.slaStage === 'breached', 'business-time response breach', 6000);
    // On the engine's clock: the breach came the 2 s target after the incident was reported. Reported is
    // the reportedAt the SLA counts from (the start request's time: the start command's own may come a
    // few ms later on a busy machine), not the instance.started event.
    const events = (await history(itsm.app, id)) as unknown as { type: string; elementId?: string; atMs: number }[];
    const reported = Date.parse(String((await instance(itsm.app, id)).variables.reportedAt));
    expect(events[0].atMs - reported).toBeGreaterThanOrEqual(0);
    const breached = events.find((e) => e.type === 'element.completed' && e.elementId === 'MarkResponseBreached')!.atMs;
    expect(breached - reported).toBeGreaterThanOrEqual(2000);
    expect(await completedElements(itsm.app, id)).toEqual(expect.arrayContaining(['MarkResponseWarning', 'MarkResponseBreached']));
  });

  test('per-priority calendars: P2 counts calendar time, P3 business time; an unknown calendar is refused at start', async () => {
    itsm = await startItsm({ clock: time.clock, businessCalendar: holidayCalendar() });
    const slaCalendars = ['24x7', '24x7', 'business', 'business', 'business'];
    const p2 = await logIncident(itsm.app, 1, 2, { slaCalendars });
    const p3 = await logIncident(itsm.app, 2, 2, { slaCalendars });
    expect((await instance(itsm.app, p2.id)).variables).toMatchObject({ priority: 2, slaCalendar: '24x7' });
    expect((await instance(itsm.app, p3.id)).variables).toMatchObject({ priority: 3, slaCalendar: 'business' });
    const bad = await request(itsm.app)
      .post('/api/process-instances')
      .set(bearer('admin'))
      .send({ processId: 'incident', variables: { slaCalendar: 'bussiness' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { instancePath: string }) => d.instancePath)).toContain('/variables/slaCalendar');
  });
});
