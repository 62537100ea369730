/** The SLA clock functions (engine/expr/slaFunctions.ts) through FEEL, as a process calls them; numbers by hand. */
import { defaultBusinessCalendar, validateCalendars } from '../../engine/expr/businessCalendar';
import { commandFunctions } from '../../engine/expr/commandFunctions';
import { StaticDirectory } from '../../engine/expr/directory';
import { evaluateExpression, evaluateInline } from '../../engine/expr/feel';

// Friday 2026-11-27 16:00 UTC: one working hour left that day on the default calendar (Mon-Fri 09-17 UTC).
const FRIDAY_4PM = Date.parse('2026-11-27T16:00:00Z');
// Evaluated in this thread, as the FEEL sandbox's worker does (boundedWork.test.ts tests the sandbox
// itself): coverage and mutation testing see only code that runs in the test's own thread.
const feel = (expr: string, vars: Record<string, unknown> = {}, at = FRIDAY_4PM) => evaluateInline(expr, { ...commandFunctions(defaultBusinessCalendar, at), ...vars });

test('slaSeconds: day-time durations in whole seconds; years and months are refused', () => {
  expect(feel('=slaSeconds("PT4H")')).toBe(14_400);
  expect(feel('=slaSeconds("P1DT30M")')).toBe(88_200);
  expect(feel('=slaSeconds(duration("PT90S"))')).toBe(90);
  expect(() => feel('=slaSeconds("P1M")')).toThrow(/not years or months/);
  expect(() => feel('=slaSeconds("P1Y")')).toThrow(/not years or months/);
});

test('slaDue: 24x7 adds wall time, business adds working time; from a given start or from now', () => {
  expect(feel('=slaDue(7200, "24x7")')).toBe('2026-11-27T18:00:00.000Z');
  // one working hour on Friday, the second on Monday from 09:00
  expect(feel('=slaDue(7200, "business")')).toBe('2026-11-30T10:00:00.000Z');
  expect(feel('=slaDue(7200, null)')).toBe('2026-11-30T10:00:00.000Z');
  expect(feel('=slaDue(900, "24x7", "2026-11-27T15:00:00Z")')).toBe('2026-11-27T15:15:00.000Z');
  expect(feel('=slaDue(-5, "24x7")')).toBe('2026-11-27T16:00:00.000Z'); // a used-up target is due now
  expect(() => feel('=slaDue(60, "moon")')).toThrow(/unknown calendar "moon"/);
});

test('slaBetween counts whole seconds of the calendar', () => {
  expect(feel('=slaBetween("2026-11-27T16:00:00Z", "2026-11-30T10:00:00Z", "business")')).toBe(7200);
  expect(feel('=slaBetween("2026-11-27T16:00:00Z", "2026-11-30T10:00:00Z", "24x7")')).toBe(237_600); // 66 h
});

test('a clock started at the report time has used the triage time; pause keeps the rest; resume runs again', () => {
  // reported 15:00, a 4 h target, now 16:00: one hour used, three left
  const clock = feel('=slaStart("PT4H", "2026-11-27T15:00:00Z")') as Record<string, unknown>;
  expect(clock).toEqual({ total: 14_400, budget: 14_400, startedAt: '2026-11-27T15:00:00.000Z', running: true, paused: 0 });
  expect(feel('=slaUsed(c, "24x7")', { c: clock })).toBe(3600);
  const paused = feel('=slaPause(c, "24x7")', { c: clock }) as Record<string, unknown>;
  expect(paused).toEqual({ total: 14_400, budget: 10_800, pausedAt: '2026-11-27T16:00:00.000Z', running: false, paused: 0 });
  // paused for 5 hours: nothing more used
  const later = FRIDAY_4PM + 5 * 3_600_000;
  expect(feel('=slaUsed(c, "24x7")', { c: paused }, later)).toBe(3600);
  const resumed = feel('=slaResume(c)', { c: paused }, later) as Record<string, unknown>;
  expect(resumed).toEqual({ total: 14_400, budget: 10_800, startedAt: '2026-11-27T21:00:00.000Z', running: true, paused: 18_000 }); // five hours stood still
  expect(feel('=slaUsed(c, "24x7")', { c: resumed }, later + 600_000)).toBe(4200);
});

test('slaRetarget keeps the time used under the new target, running or paused as it was', () => {
  const running = { total: 600, budget: 600, startedAt: '2026-11-27T15:59:00Z', running: true }; // 60 s used
  expect(feel('=slaRetarget(c, "PT30S", "24x7")', { c: running })).toEqual({ total: 30, budget: -30, startedAt: '2026-11-27T16:00:00.000Z', running: true, paused: 0 });
  const paused = { total: 600, budget: 500, pausedAt: '2026-11-27T15:00:00Z', running: false }; // 100 s used
  expect(feel('=slaRetarget(c, "PT1H", "24x7")', { c: paused })).toEqual({ total: 3600, budget: 3500, pausedAt: '2026-11-27T15:00:00Z', running: false, paused: 0 });
});

test('slaStageOf: ok below 75 %, warning from 75 %, breached at 100 %; slaWarningAfter: 75 % of a target', () => {
  expect(feel('=slaStageOf(74, 100)')).toBe('ok');
  expect(feel('=slaStageOf(75, 100)')).toBe('warning');
  expect(feel('=slaStageOf(100, 100)')).toBe('breached');
  // the warning point of a target: the same 75 %, in whole seconds (4 h -> 3 h; 15 min -> 675 s; P2D -> 36 h)
  expect(feel('=slaWarningAfter("PT4H")')).toBe('PT10800S');
  expect(feel('=slaWarningAfter("PT15M")')).toBe('PT675S');
  expect(feel('=slaWarningAfter("P2D")')).toBe('PT129600S');
  expect(feel('=slaWarningAfter("PT1S")')).toBe('PT0S');
  expect(feel('=slaWarningSeconds(14400)')).toBe(10800);
  expect(() => feel('=slaWarningSeconds("4h")')).toThrow(/slaWarningSeconds total must be a number/);
  expect(feel('=slaStageMin("breached", "warning")')).toBe('warning');
  expect(feel('=slaStageMin(null, "breached")')).toBe('ok');
  expect(feel('=slaStageMax(null, "warning")')).toBe('warning');
  expect(() => feel('=slaStageMax("late", "ok")')).toThrow(/a stage is "ok", "warning" or "breached"/);
  expect(() => feel('=slaUsed({total: 1}, "24x7")')).toThrow(/slaUsed clock.budget must be a number/);
});

test('in business time one day is 24 working hours: P1D from Friday 16:00 on Mon-Fri 09-17 is Wednesday 16:00', () => {
  // Friday 1 h, Monday 8 h, Tuesday 8 h, Wednesday 7 h
  expect(feel('=slaDue(slaSeconds("P1D"), "business")')).toBe('2026-12-02T16:00:00.000Z');
  expect(feel('=businessDue("P1D")')).toBe('2026-12-02T16:00:00.000Z');
});

test('named calendars: the SLA and business-time functions take the name; unknown names and bad definitions are refused', () => {
  const berlin = { timeZone: 'Europe/Berlin', workingDays: [1, 2, 3, 4, 5], workingHours: { start: '08:00', end: '18:00' }, holidays: ['2026-11-30'] };
  const calendars = validateCalendars({ berlin });
  const named = (expr: string) => evaluateInline(expr, { ...commandFunctions(defaultBusinessCalendar, FRIDAY_4PM, 'engine', undefined, calendars) });
  // Friday 16:00 UTC is 17:00 in Berlin: one working hour left; Monday is a holiday; Tuesday from 08:00 Berlin (07:00 UTC)
  expect(named('=slaDue(7200, "berlin")')).toBe('2026-12-01T08:00:00.000Z');
  expect(named('=businessDue("PT2H", "berlin")')).toBe('2026-12-01T08:00:00.000Z');
  expect(named('=businessTimeBetween("2026-11-27T16:00:00Z", "2026-12-01T08:00:00Z", "berlin")')).toBe('PT7200S');
  expect(named('=businessDue("PT2H", "24x7")')).toBe('2026-11-27T18:00:00.000Z');
  expect(() => named('=slaDue(60, "paris")')).toThrow(/unknown calendar "paris": "24x7", "business", "berlin"/);
  expect(() => validateCalendars({ business: berlin })).toThrow(/not 24x7 or business/);
  expect(() => validateCalendars({ mars: { ...berlin, timeZone: 'Mars/Olympus' } })).toThrow(/calendar mars: .*Mars\/Olympus/);
});

test('the FEEL sandbox (a worker thread, as the engine evaluates them) gives the same answers', () => {
  const fns = commandFunctions(defaultBusinessCalendar, FRIDAY_4PM);
  for (const expr of ['=slaDue(7200, "business")', '=slaStart("PT4H", "2026-11-27T15:00:00Z")', '=slaStageOf(80, 100)']) {
    expect(evaluateExpression(expr, fns)).toEqual(evaluateInline(expr, fns));
  }
  expect(evaluateExpression('=slaDue(7200, "business")', fns)).toBe('2026-11-30T10:00:00.000Z');
});

const DIRECTORY = [
  { id: 'alice', roles: ['agent'], groups: ['service-desk', 'network'], manager: 'mona' },
  { id: 'bob', roles: ['agent'], groups: ['network'] },
];

describe('called by name, as FEEL allows: every parameter under its own name', () => {
  const fns = () => ({ ...commandFunctions(defaultBusinessCalendar, FRIDAY_4PM, 'alice', new StaticDirectory(DIRECTORY)), c: CLOCK, p: PAUSED });
  const CLOCK = { total: 14_400, budget: 14_400, startedAt: '2026-11-27T15:00:00.000Z', running: true, paused: 0 };
  const PAUSED = { total: 14_400, budget: 10_800, pausedAt: '2026-11-27T15:00:00.000Z', running: false, paused: 0 };
  test.each([
    ['businessDue(duration: "PT8H")', 'businessDue("PT8H")'],
    ['businessDue(duration: "PT1H", name: "24x7")', 'businessDue("PT1H", "24x7")'],
    ['businessTimeAdd(start: "2026-11-28T10:00:00Z", duration: "PT1H", name: "24x7")', 'businessTimeAdd("2026-11-28T10:00:00Z", "PT1H", "24x7")'],
    ['businessTimeBetween(from: "2026-11-27T16:00:00Z", to: "2026-11-30T10:00:00Z", name: "24x7")', 'businessTimeBetween("2026-11-27T16:00:00Z", "2026-11-30T10:00:00Z", "24x7")'],
    ['groupMembers(group: "network")', 'groupMembers("network")'],
    ['managerOf(user: "alice")', 'managerOf("alice")'],
    ['groupsOf(user: "alice")', 'groupsOf("alice")'],
    ['slaSeconds(duration: "PT4H")', 'slaSeconds("PT4H")'],
    ['slaDue(seconds: 60, calendar: "24x7", from: "2026-11-27T15:00:00Z")', 'slaDue(60, "24x7", "2026-11-27T15:00:00Z")'],
    ['slaBetween(from: "2026-11-27T16:00:00Z", to: "2026-11-30T10:00:00Z", calendar: "24x7")', 'slaBetween("2026-11-27T16:00:00Z", "2026-11-30T10:00:00Z", "24x7")'],
    ['slaStart(target: "PT4H", from: "2026-11-27T15:00:00Z")', 'slaStart("PT4H", "2026-11-27T15:00:00Z")'],
    ['slaUsed(value: c, calendar: "24x7")', 'slaUsed(c, "24x7")'],
    ['slaPause(value: c, calendar: "24x7")', 'slaPause(c, "24x7")'],
    ['slaResume(value: p)', 'slaResume(p)'],
    ['slaRetarget(value: c, target: "PT8H", calendar: "24x7")', 'slaRetarget(c, "PT8H", "24x7")'],
    ['slaStageMin(a: "warning", b: "breached")', 'slaStageMin("warning", "breached")'],
    ['slaStageMax(a: "warning", b: "ok")', 'slaStageMax("warning", "ok")'],
    ['slaWarningAfter(target: "PT4H")', 'slaWarningAfter("PT4H")'],
    ['slaWarningSeconds(total: 100)', 'slaWarningSeconds(100)'],
    ['slaStageOf(usedSeconds: 80, total: 100)', 'slaStageOf(80, 100)'],
  ])('%s is %s', (named, positional) => {
    const value = evaluateInline(`=${named}`, fns());
    expect(value).not.toBeNull();
    expect(value).toEqual(evaluateInline(`=${positional}`, fns()));
  });
});

describe('a bad argument names the function and the argument', () => {
  const fns = () => commandFunctions(defaultBusinessCalendar, FRIDAY_4PM);
  const clock = (c: Record<string, unknown>) => ({ ...fns(), c });
  test.each([
    ['slaDue("x", "24x7")', {}, 'slaDue seconds must be a number of seconds, got "x"'],
    ['slaWarningSeconds("x")', {}, 'slaWarningSeconds total must be a number of seconds, got "x"'],
    ['slaStageOf("x", 100)', {}, 'slaStageOf used must be a number of seconds, got "x"'],
    ['slaStageOf(1, "x")', {}, 'slaStageOf total must be a number of seconds, got "x"'],
    ['slaStageMin("late", "ok")', {}, 'slaStageMin: a stage is "ok", "warning" or "breached", got "late"'],
    ['slaStageMin("ok", "late")', {}, 'slaStageMin: a stage is "ok", "warning" or "breached", got "late"'],
    ['slaStageMax("late", "ok")', {}, 'slaStageMax: a stage is "ok", "warning" or "breached", got "late"'],
    ['slaStageMax("ok", "late")', {}, 'slaStageMax: a stage is "ok", "warning" or "breached", got "late"'],
    ['slaUsed(1, "24x7")', {}, 'slaUsed clock must be an SLA clock {total, budget, startedAt, running}, got 1'],
    ['slaPause(null, "24x7")', {}, 'slaPause clock must be an SLA clock {total, budget, startedAt, running}, got null'],
    ['slaResume("x")', {}, 'slaResume clock must be an SLA clock {total, budget, startedAt, running}, got "x"'],
    ['slaRetarget(1, "PT1H", "24x7")', {}, 'slaRetarget clock must be an SLA clock {total, budget, startedAt, running}, got 1'],
    ['slaUsed(c, "24x7")', { total: 'x', budget: 1, running: false }, 'slaUsed clock.total must be a number of seconds, got "x"'],
    ['slaUsed(c, "24x7")', { total: 1, budget: 'x', running: false }, 'slaUsed clock.budget must be a number of seconds, got "x"'],
    ['slaUsed(c, "24x7")', { total: 1, budget: 1, running: false, paused: 'x' }, 'slaUsed clock.paused must be a number of seconds, got "x"'],
    ['slaUsed(c, "24x7")', { total: 1, budget: 1, running: true }, 'slaUsed clock runs but has no startedAt'],
    ['slaDue(60, "24x7", "soon")', {}, 'invalid slaDue from "soon": expected an ISO 8601 date-time'],
    ['slaBetween("soon", "2026-11-27T16:00:00Z", "24x7")', {}, 'invalid slaBetween from "soon": expected an ISO 8601 date-time'],
    ['slaBetween("2026-11-27T16:00:00Z", "soon", "24x7")', {}, 'invalid slaBetween to "soon": expected an ISO 8601 date-time'],
    ['slaStart("PT1H", "soon")', {}, 'invalid slaStart from "soon": expected an ISO 8601 date-time'],
    ['slaResume(c)', { total: 1, budget: 1, running: false, pausedAt: 'soon' }, 'invalid slaResume pausedAt "soon": expected an ISO 8601 date-time'],
    ['slaSeconds("P1M")', {}, 'an SLA target is days, hours, minutes and seconds, not years or months: P1M'],
  ])('%s with %j: %s', (expr, c, message) => {
    expect(() => evaluateInline(`=${expr}`, clock(c))).toThrow(message);
  });

  test('a clock that is not running keeps its pausedAt; one without a paused count has paused 0', () => {
    const stopped = { total: 100, budget: 40, pausedAt: '2026-11-27T15:00:00.000Z', running: false };
    expect(evaluateInline('=slaPause(c, "24x7")', clock(stopped))).toEqual({ ...stopped, paused: 0 });
    expect(evaluateInline('=slaResume(c)', clock({ total: 100, budget: 40, running: false }))).toEqual({
      total: 100,
      budget: 40,
      startedAt: '2026-11-27T16:00:00.000Z',
      running: true,
      paused: 0,
    });
  });

  test('a clock started without a start runs from now; resuming a running clock changes nothing; 24x7 time backwards is 0', () => {
    expect(evaluateInline('=slaStart("PT1H")', fns())).toEqual({ total: 3600, budget: 3600, startedAt: '2026-11-27T16:00:00.000Z', running: true, paused: 0 });
    const running = { total: 100, budget: 40, startedAt: '2026-11-27T15:00:00.000Z', running: true, paused: 7 };
    expect(evaluateInline('=slaResume(c)', clock(running))).toEqual(running);
    expect(evaluateInline('=slaBetween("2026-11-30T10:00:00Z", "2026-11-27T16:00:00Z", "24x7")', fns())).toBe(0);
  });
});
