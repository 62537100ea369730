/**
 * Named business calendars (BUSINESS_CALENDARS) picked per incident by its customer or service, through
 * the HTTP API; the engine-wide calendar (BUSINESS_CALENDAR) stays the default. The calendars are built
 * around the time the test runs (holidays today and tomorrow, in their own time zone), so the due dates
 * worked out here do not depend on the day or hour.
 */
import request from 'supertest';
import type { BusinessCalendarConfig } from '../../engine';
import { bearer } from '../api/helpers';
import { offsetClock } from '../support/clock';
import { completeTask, eventually, instance, start, startItsm, waitTasks, type Itsm } from './helpers';

const DAY = 86_400_000;
const TOKYO = 9 * 3_600_000; // Asia/Tokyo has no daylight saving time
const dateIn = (ms: number, offset = 0): string => new Date(ms + offset).toISOString().slice(0, 10);
const ALL_WEEK = [1, 2, 3, 4, 5, 6, 7];
const ALL_DAY = { start: '00:00', end: '24:00' };

let itsm: Itsm;
let now: number;
beforeEach(async () => {
  now = Date.now();
  const calendars: Record<string, BusinessCalendarConfig> = {
    // closed today and tomorrow (UTC)
    'acme-hours': { timeZone: 'UTC', workingDays: ALL_WEEK, workingHours: ALL_DAY, holidays: [dateIn(now), dateIn(now + DAY)] },
    // closed today and tomorrow in Tokyo
    tokyo: { timeZone: 'Asia/Tokyo', workingDays: ALL_WEEK, workingHours: ALL_DAY, holidays: [dateIn(now, TOKYO), dateIn(now + DAY, TOKYO)] },
  };
  // the engine-wide calendar: always open
  itsm = await startItsm({
    clock: offsetClock().clock,
    businessCalendar: { timeZone: 'UTC', workingDays: ALL_WEEK, workingHours: ALL_DAY, holidays: [] },
    businessCalendars: calendars,
  });
});
afterEach(async () => {
  await itsm.close();
});

let seq = 0;
const SETTINGS = {
  slaResponse: 'PT60S',
  slaCalendar: 'business',
  slaCalendarsByCustomer: { acme: 'acme-hours', globex: 'nowhere' },
  slaCalendarsByService: { email: 'tokyo' },
};

async function logged(extra: Record<string, unknown>): Promise<{ id: string; v: Record<string, unknown> }> {
  const id = await start(itsm.app, 'incident', { incidentId: `INC-CAL-${++seq}-${Date.now()}`, ...SETTINGS, ...extra });
  await completeTask(itsm.app, id, 'LogIncident', { summary: 'Mail down', category: 'software', impact: 2, urgency: 2 });
  await waitTasks(itsm.app, id, 'AcknowledgeIncident');
  return { id, v: (await instance(itsm.app, id)).variables };
}

test('the customer picks the calendar, else the service, else the engine-wide one; due dates by hand', async () => {
  // acme: closed today and tomorrow (UTC): due 60 working seconds after the midnight that ends them
  const acme = await logged({ customer: 'acme', service: 'email' }); // the customer wins over the service
  expect(acme.v.slaCalendar).toBe('acme-hours');
  expect(Date.parse(String(acme.v.slaResponseDueAt))).toBe(Date.parse(`${dateIn(now + 2 * DAY)}T00:00:00Z`) + 60_000);

  // the email service: Tokyo's holidays end at Tokyo's midnight
  const email = await logged({ customer: 'initech', service: 'email' });
  expect(email.v.slaCalendar).toBe('tokyo');
  expect(Date.parse(String(email.v.slaResponseDueAt))).toBe(Date.parse(`${dateIn(now + 2 * DAY, TOKYO)}T00:00:00+09:00`) + 60_000);

  // neither: slaCalendar "business", the engine-wide calendar (always open): 60 s after the report
  const plain = await logged({});
  expect(plain.v.slaCalendar).toBe('business');
  expect(Date.parse(String(plain.v.slaResponseDueAt))).toBe(Date.parse(String(plain.v.reportedAt)) + 60_000);
});

test('a calendar name nobody configured is an incident naming it, not a silent 24x7', async () => {
  const id = await start(itsm.app, 'incident', { incidentId: `INC-CAL-X-${Date.now()}`, ...SETTINGS, customer: 'globex' });
  await completeTask(itsm.app, id, 'LogIncident', { summary: 'Mail down', category: 'software', impact: 2, urgency: 2 });
  const incidents = await eventually(async () => {
    const res = await request(itsm.app).get('/api/incidents').query({ processInstanceId: id }).set(bearer('admin'));
    if (!res.body.items?.length) throw new Error('no incident yet');
    return res.body.items as { elementId: string; message: string }[];
  });
  expect(incidents[0].elementId).toBe('StartSlaClock');
  expect(incidents[0].message).toMatch(/unknown calendar "nowhere": "24x7", "business", "acme-hours", "tokyo" \(BUSINESS_CALENDARS\)/);
});

test('the calendar maps are settings of the process owner: an agent may not give them', async () => {
  const res = await request(itsm.app)
    .post('/api/process-instances')
    .set(bearer('alice'))
    .send({ processId: 'incident', variables: { customer: 'acme', slaCalendarsByCustomer: { acme: '24x7' } } });
  expect(res.status).toBe(403);
});
