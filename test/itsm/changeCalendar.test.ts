/**
 * The change calendar through the HTTP API: blackouts (CHANGE_CALENDAR) and overlapping changes of one
 * configuration item refuse a schedule (409, the task left open, nothing changed); an emergency change
 * goes ahead only when a change manager gives a reason, recorded as `scheduleOverride`; and
 * GET /api/change-calendar lists the planned changes and blackouts of a range to change managers and
 * admins only. Windows are half open: one ending when the next starts does not overlap it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { DEFAULT_CHANGE_SETTINGS, type Blackout } from '../../api/changeSettings';
import { loadConfig } from '../../api/config';
import { bearer } from '../api/helpers';
import { offsetClock, type TestClock } from '../support/clock';
import { changeSteps, HOUR } from './changeHelpers';
import { completeTask, history, instance, startItsm, waitTasks, type Itsm } from './helpers';

let itsm: Itsm;
let time: TestClock;
let steps: ReturnType<typeof changeSteps>;
/** A whole minute before the test: every window below is an offset from it. */
let t0: number;
const at = (h: number): string => new Date(t0 + h * HOUR).toISOString();
const blackout = (fromH: number, toH: number, reason: string): Blackout => ({ from: at(fromH), to: at(toH), reason, fromMs: t0 + fromH * HOUR, toMs: t0 + toH * HOUR });

beforeEach(() => {
  t0 = Math.floor(Date.now() / 60_000) * 60_000;
});
async function open(blackouts: Blackout[] = [], scanLimit = DEFAULT_CHANGE_SETTINGS.scanLimit): Promise<void> {
  time = offsetClock();
  itsm = await startItsm({ clock: time.clock }, { change: { ...DEFAULT_CHANGE_SETTINGS, blackouts, scanLimit } });
  steps = changeSteps(itsm, time);
}
afterEach(async () => {
  await itsm.close();
});

/** Schedules `id` for hours [fromH, toH) after t0 as `user`; answers the response. */
async function schedule(id: string, fromH: number, toH: number, user = 'bob', extra: Record<string, unknown> = {}): Promise<request.Response> {
  return (await steps.trySchedule(id, { user, extra: { plannedStart: at(fromH), plannedEnd: at(toH), ...extra } })).res;
}

/** A 409 that left the schedule task open and the change without a window. */
async function expectRefused(id: string, res: request.Response, historyLength: number): Promise<void> {
  expect(res.status).toBe(409);
  expect(res.body.error.code).toBe('CONFLICT');
  const [task] = await waitTasks(itsm.app, id, 'ScheduleChange');
  expect(task.state).toBe('created');
  expect((await instance(itsm.app, id)).variables).not.toHaveProperty('plannedStart');
  expect(await history(itsm.app, id)).toHaveLength(historyLength);
}

const FREEZE = 'Quarter-end freeze';

describe('change calendar: blackouts and conflicts', () => {
  test('a window in a blackout is refused, naming it; one ending when the blackout starts is not', async () => {
    await open([blackout(5, 7, FREEZE)]);
    const id = await steps.submit('normal', { configurationItem: 'net-core-1' }, { requester: 'erin' });
    // the CAB without the requester erin and the implementer dave: bob
    await steps.castVotes((await steps.votesOf(id, 1)).votes);
    await waitTasks(itsm.app, id, 'ScheduleChange');
    const before = (await history(itsm.app, id)).length;
    const res = await schedule(id, 6, 8);
    await expectRefused(id, res, before);
    expect(res.body.error.message).toBe(`the planned window overlaps the blackout ${at(5)} to ${at(7)} (${FREEZE})`);
    expect(res.body.error.details).toEqual({ blackouts: [{ from: at(5), to: at(7), reason: FREEZE }], conflicts: [] });
    // a reason changes nothing for a normal change
    await expectRefused(id, await schedule(id, 4, 6, 'bob', { overrideReason: 'urgent' }), before);
    expect((await schedule(id, 4, 5)).status).toBe(200);
    expect((await instance(itsm.app, id)).variables).toMatchObject({ plannedStart: at(4), plannedEnd: at(5) });
  });

  test('two open changes of one configuration item may not overlap; other items, and changes naming none, may', async () => {
    await open();
    const a = await steps.submit('standard', { configurationItem: 'net-core-1' });
    expect((await schedule(a, 2, 4)).status).toBe(200);

    const b = await steps.submit('standard', { configurationItem: 'net-core-1' });
    await waitTasks(itsm.app, b, 'ScheduleChange');
    const before = (await history(itsm.app, b)).length;
    const res = await schedule(b, 3, 5);
    await expectRefused(b, res, before);
    expect(res.body.error.details).toEqual({
      blackouts: [],
      conflicts: [{ instanceId: a, title: 'Upgrade core switch firmware', configurationItem: 'net-core-1', plannedStart: at(2), plannedEnd: at(4) }],
    });
    expect(res.body.error.message).toBe(`the planned window overlaps change ${a} of net-core-1 (${at(2)} to ${at(4)})`);
    // [1h, 2h) ends when a starts, [4h, 5h) starts when a ends
    expect((await schedule(b, 4, 5)).status).toBe(200);

    const other = await steps.submit('standard', { configurationItem: 'db-7' });
    expect((await schedule(other, 2, 4)).status).toBe(200);
    const none = await steps.submit('standard');
    expect((await schedule(none, 2, 4)).status).toBe(200);
  });

  test('an emergency change over a blackout and a conflict: only a change manager with a reason overrides, and the override is recorded', async () => {
    await open([blackout(1, 3, FREEZE)]);
    const booked = await steps.submit('standard', { configurationItem: 'net-core-1' });
    expect((await schedule(booked, 3, 5)).status).toBe(200);

    const id = await steps.submit('emergency', { configurationItem: 'net-core-1' });
    const { approvalId } = await steps.votesOf(id, 1);
    await completeTask(itsm.app, approvalId, 'Vote', { decision: 'approve' }, 'bob');
    await waitTasks(itsm.app, id, 'ScheduleChange');
    const before = (await history(itsm.app, id)).length;

    const noReason = await schedule(id, 2, 4);
    await expectRefused(id, noReason, before);
    expect(noReason.body.error.message).toMatch(/; an emergency change may go ahead with an overrideReason$/);
    expect(noReason.body.error.details.blackouts).toEqual([{ from: at(1), to: at(3), reason: FREEZE }]);
    expect(noReason.body.error.details.conflicts.map((c: { instanceId: string }) => c.instanceId)).toEqual([booked]);
    // an admin acts on every task, but is no change manager
    const admin = await schedule(id, 2, 4, 'admin', { overrideReason: 'outage' });
    await expectRefused(id, admin, before);
    expect(admin.body.error.message).toMatch(/only a change manager \(group change-managers\) may override it for an emergency change$/);
    // blank is no reason
    await expectRefused(id, await schedule(id, 2, 4, 'bob', { overrideReason: '   ' }), before);

    const now = time.clock();
    expect((await schedule(id, 2, 4, 'bob', { overrideReason: 'core switch down, customers offline' })).status).toBe(200);
    const override = (await instance(itsm.app, id)).variables.scheduleOverride as Record<string, unknown>;
    expect(override).toMatchObject({
      by: 'bob',
      reason: 'core switch down, customers offline',
      blackouts: [{ from: at(1), to: at(3), reason: FREEZE }],
      conflicts: [{ instanceId: booked, title: 'Upgrade core switch firmware', configurationItem: 'net-core-1', plannedStart: at(3), plannedEnd: at(5) }],
    });
    expect(Date.parse(String(override.at))).toBeGreaterThanOrEqual(now);
    const completed = (await history(itsm.app, id)).find((e) => e.type === 'task.completed' && e.elementId === 'ScheduleChange');
    expect(completed?.actor).toBe('bob');
    expect((completed?.data.variables as Record<string, unknown>).scheduleOverride).toEqual(override);
  });
});

describe('change calendar: two schedules of one item at the same moment', () => {
  test('sent together, one books the window and the other is refused', async () => {
    await open();
    const a = await steps.submit('standard', { configurationItem: 'net-core-1' });
    const b = await steps.submit('standard', { configurationItem: 'net-core-1' });
    const [ta] = await waitTasks(itsm.app, a, 'ScheduleChange');
    const [tb] = await waitTasks(itsm.app, b, 'ScheduleChange');
    const send = (taskId: unknown) =>
      request(itsm.app)
        .post(`/api/tasks/${taskId}/complete`)
        .set(bearer('bob'))
        .send({ variables: { plannedStart: at(2), plannedEnd: at(3) } });
    const answers = await Promise.all([send(ta.id), send(tb.id)]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
    const planned = await Promise.all([a, b].map(async (id) => (await instance(itsm.app, id)).variables.plannedStart ?? null));
    expect(planned.filter((p) => p === at(2))).toHaveLength(1);
  });
});

describe('change calendar: bounded reads', () => {
  test('past CHANGE_SCAN_LIMIT open changes a schedule of an item is refused (503: a conflict cannot be ruled out) and the calendar says truncated', async () => {
    await open([], 2);
    const a = await steps.submit('standard', { configurationItem: 'net-core-1' });
    expect((await schedule(a, 2, 3)).status).toBe(200);
    const b = await steps.submit('standard', { configurationItem: 'db-7' });
    await waitTasks(itsm.app, b, 'ScheduleChange');
    // two open changes: both read
    expect((await schedule(b, 2, 3)).status).toBe(200);
    const c = await steps.submit('standard', { configurationItem: 'db-7' });
    await waitTasks(itsm.app, c, 'ScheduleChange');
    const before = (await history(itsm.app, c)).length;
    const res = await schedule(c, 5, 6);
    expect([res.status, res.body.error.code]).toEqual([503, 'SERVICE_UNAVAILABLE']);
    expect(res.body.error.message).toBe('more than 2 open changes: the schedule cannot be checked for conflicts (CHANGE_SCAN_LIMIT)');
    const [task] = await waitTasks(itsm.app, c, 'ScheduleChange');
    expect(task.state).toBe('created');
    expect(await history(itsm.app, c)).toHaveLength(before);
    const calendar = await request(itsm.app).get('/api/change-calendar').set(bearer('bob'));
    // the same window: ordered by instance id
    expect(calendar.body.truncated).toBe(true);
    expect(calendar.body.changes.map((x: { instanceId: string }) => x.instanceId)).toEqual([a, b].sort());
  });
});

describe('change calendar settings', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-change-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, json: unknown): string => {
    fs.writeFileSync(path.join(dir, name), JSON.stringify(json));
    return name;
  };

  test('CHANGE_CALENDAR (a file relative to the working directory) and CHANGE_MAX_WINDOW_HOURS', () => {
    const name = file('calendar.json', { blackouts: [{ from: '2026-12-24T00:00:00Z', to: '2026-12-27T00:00:00+01:00', reason: 'Holidays' }] });
    const config = loadConfig({ DEMO: 'on', CHANGE_CALENDAR: name, CHANGE_MAX_WINDOW_HOURS: '12', CHANGE_SCAN_LIMIT: '50', CHANGE_CALENDAR_MAX_DAYS: '31' }, dir, []);
    expect(config.change).toEqual({
      maxWindowHours: 12,
      scanLimit: 50,
      maxRangeDays: 31,
      blackouts: [
        {
          from: '2026-12-24T00:00:00Z',
          to: '2026-12-27T00:00:00+01:00',
          reason: 'Holidays',
          fromMs: Date.UTC(2026, 11, 24),
          toMs: Date.UTC(2026, 11, 26, 23),
        },
      ],
    });
    expect(loadConfig({ DEMO: 'on' }, dir, []).change).toEqual(DEFAULT_CHANGE_SETTINGS);
  });

  test.each([
    ['backwards', { blackouts: [{ from: '2026-12-27T00:00:00Z', to: '2026-12-24T00:00:00Z', reason: 'x' }] }, /blackouts\[0\]: to must be after from/],
    ['no offset', { blackouts: [{ from: '2026-12-24T00:00:00', to: '2026-12-27T00:00:00Z', reason: 'x' }] }, /blackouts\[0\]\.from must be an ISO 8601 date-time with an offset/],
    ['no reason', { blackouts: [{ from: '2026-12-24T00:00:00Z', to: '2026-12-27T00:00:00Z' }] }, /blackouts\[0\]\.reason/],
    ['no list', { blackout: [] }, /expected \{"blackouts"/],
  ])('a calendar file with %s stops the start, naming the problem', (name, json, problem) => {
    const f = file(`${name}.json`, json);
    expect(() => loadConfig({ DEMO: 'on', CHANGE_CALENDAR: f }, dir, [])).toThrow(problem);
    expect(() => loadConfig({ DEMO: 'on', CHANGE_CALENDAR: f }, dir, [])).toThrow(`CHANGE_CALENDAR ${path.join(dir, f)}`);
  });

  test('limits are positive integers', () => {
    expect(() => loadConfig({ DEMO: 'on', CHANGE_MAX_WINDOW_HOURS: '0' }, dir, [])).toThrow('CHANGE_MAX_WINDOW_HOURS must be a positive integer, got "0"');
    expect(() => loadConfig({ DEMO: 'on', CHANGE_SCAN_LIMIT: 'many' }, dir, [])).toThrow('CHANGE_SCAN_LIMIT must be a positive integer');
  });
});

describe('GET /api/change-calendar', () => {
  test('the open changes planned in the range and its blackouts, for change managers and admins', async () => {
    await open([blackout(10, 12, FREEZE)]);
    const a = await steps.submit('standard', { configurationItem: 'net-core-1' });
    expect((await schedule(a, 2, 4)).status).toBe(200);
    const b = await steps.submit('standard', { title: 'Rotate certificates' });
    expect((await schedule(b, 6, 7)).status).toBe(200);
    const unscheduled = await steps.submit('standard');

    const calendar = (from: number, to: number, user = 'bob') =>
      request(itsm.app)
        .get('/api/change-calendar')
        .query({ from: at(from), to: at(to) })
        .set(bearer(user));
    const res = await calendar(3, 6.5);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      from: at(3),
      to: at(6.5),
      changes: [
        {
          instanceId: a,
          title: 'Upgrade core switch firmware',
          changeType: 'standard',
          configurationItem: 'net-core-1',
          riskLevel: null,
          implementer: 'dave',
          plannedStart: at(2),
          plannedEnd: at(4),
          activeElements: ['WaitForPlannedStart'],
          overridden: false,
        },
        expect.objectContaining({ instanceId: b, title: 'Rotate certificates', configurationItem: null, plannedStart: at(6), plannedEnd: at(7) }),
      ],
      blackouts: [],
      truncated: false,
    });
    expect(JSON.stringify(res.body)).not.toContain(unscheduled);
    // [4h, 6h): a ended, b not begun
    expect((await calendar(4, 6)).body.changes).toEqual([]);
    const admin = await calendar(8, 11, 'admin');
    expect(admin.status).toBe(200);
    expect(admin.body).toMatchObject({ changes: [], blackouts: [{ from: at(10), to: at(12), reason: FREEZE }] });

    // without a range: a week from now
    const week = await request(itsm.app).get('/api/change-calendar').set(bearer('bob'));
    expect(Date.parse(week.body.to) - Date.parse(week.body.from)).toBe(7 * 24 * HOUR);
    expect(week.body.changes.map((c: { instanceId: string }) => c.instanceId)).toEqual([a, b]);

    for (const user of ['alice', 'carol', 'owner', 'worker']) {
      const refused = await calendar(0, 24, user);
      expect([user, refused.status, refused.body.error.code]).toEqual([user, 403, 'FORBIDDEN']);
    }
    const backwards = await calendar(5, 5);
    expect([backwards.status, backwards.body.error.message]).toEqual([400, 'to must be after from']);
    const tooLong = await calendar(0, 92 * 24 + 1);
    expect([tooLong.status, tooLong.body.error.message]).toEqual([400, 'the range may span at most 92 days (CHANGE_CALENDAR_MAX_DAYS)']);
    expect((await calendar(0, 92 * 24)).status).toBe(200);
    expect((await request(itsm.app).get('/api/change-calendar').query({ from: 'monday' }).set(bearer('bob'))).status).toBe(400);
  });
});
