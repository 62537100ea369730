/** The FEEL functions bound to a command (now, today, business time), evaluated by feelin as the engine does. */
import { defaultBusinessCalendar } from '../../engine/expr/businessCalendar';
import { commandFunctions, commandOrigin, DIRECTORY_FUNCTIONS } from '../../engine/expr/commandFunctions';
import { EMPTY_DIRECTORY, StaticDirectory } from '../../engine/expr/directory';
import { evaluateExpression } from '../../engine/expr/feel';

// Friday 2026-11-27 16:00 UTC: one working hour left that day (default calendar Mon-Fri 09-17 UTC).
const FRIDAY_4PM = Date.parse('2026-11-27T16:00:00Z');
const feel = (expr: string, vars: Record<string, unknown> = {}) => evaluateExpression(expr, { ...commandFunctions(defaultBusinessCalendar, FRIDAY_4PM), ...vars });

test('businessDue counts working time from the command time: 8 h from Friday 16:00 is Monday 16:00', () => {
  expect(feel('=businessDue("PT8H")')).toBe('2026-11-30T16:00:00.000Z');
  expect(feel('=businessDue(duration("PT30M"))')).toBe('2026-11-27T16:30:00.000Z');
  expect(feel('=businessDue(sla)', { sla: 'PT2H' })).toBe('2026-11-30T10:00:00.000Z');
});

test('businessTimeAdd starts from a given date-time; outside working hours counting starts at the next period', () => {
  expect(feel('=businessTimeAdd("2026-11-28T10:00:00Z", "PT1H")')).toBe('2026-11-30T10:00:00.000Z');
  expect(feel('=businessTimeAdd(date and time("2026-11-30T08:00:00Z"), "PT30M")')).toBe('2026-11-30T09:30:00.000Z');
});

test('businessTimeBetween gives the working time between two instants as a duration', () => {
  expect(feel('=businessTimeBetween("2026-11-27T16:00:00Z", "2026-11-30T10:00:00Z")')).toBe('PT7200S');
});

test('a bad argument is an expression error naming the function, not a crash', () => {
  expect(() => feel('=businessDue("soon")')).toThrow(/soon/);
  expect(() => feel('=businessTimeAdd("yesterday", "PT1H")')).toThrow('invalid businessTimeAdd start "yesterday": expected an ISO 8601 date-time');
  expect(() => feel('=businessTimeBetween("soon", "2026-11-27T16:00:00Z")')).toThrow('invalid businessTimeBetween from "soon": expected an ISO 8601 date-time');
  expect(() => feel('=businessTimeBetween("2026-11-27T16:00:00Z", "later")')).toThrow('invalid businessTimeBetween to "later": expected an ISO 8601 date-time');
});

test('now(), today() and currentUser() take no argument: given one, the call fails as FEEL says (null)', () => {
  expect(feel('=now()')).not.toBeNull();
  expect(feel('=now(1)')).toBeNull();
  expect(feel('=today(1)')).toBeNull();
  expect(feel('=currentUser(1)')).toBeNull();
});

test('now() and today() are the command time, so a replay evaluates the same', () => {
  expect(feel('=now()')).toBe('2026-11-27T16:00:00Z');
  expect(feel('=now() + duration("P1D")')).toBe('2026-11-28T16:00:00Z');
  expect(feel('=string(today())')).toBe('2026-11-27');
});

describe('calendars by name', () => {
  // Saturdays worked 10-14 in Europe/Berlin (UTC+1 in November)
  const weekend = { ...defaultBusinessCalendar, timeZone: 'Europe/Berlin', workingDays: [6], workingHours: { start: '10:00', end: '14:00' } };
  const named = (expr: string) => evaluateExpression(expr, commandFunctions(defaultBusinessCalendar, FRIDAY_4PM, 'engine', EMPTY_DIRECTORY, { weekend }));

  test('"24x7" counts every second; "business" and no name are the engine calendar; a named one is used as given', () => {
    expect(named('=businessDue("PT8H", "24x7")')).toBe('2026-11-28T00:00:00.000Z');
    expect(named('=businessTimeBetween("2026-11-27T16:00:00Z", "2026-11-30T10:00:00Z", "24x7")')).toBe(`PT${66 * 3600}S`);
    expect(named('=businessDue("PT8H", "business")')).toBe('2026-11-30T16:00:00.000Z');
    expect(named('=businessDue("PT8H")')).toBe('2026-11-30T16:00:00.000Z');
    // 1 h of Saturday work from Friday 16:00 UTC: Saturday 10:00-11:00 Berlin = 09:00-10:00 UTC
    expect(named('=businessDue("PT1H", "weekend")')).toBe('2026-11-28T10:00:00.000Z');
    expect(named('=businessTimeAdd("2026-11-28T09:30:00Z", "PT1H", "weekend")')).toBe('2026-11-28T10:30:00.000Z');
  });

  test('an unknown calendar is an error that lists the known names; an inherited property is not a calendar', () => {
    expect(() => named('=businessDue("PT1H", "moon")')).toThrow('unknown calendar "moon": "24x7", "business", "weekend" (BUSINESS_CALENDARS)');
    expect(() => named('=businessDue("PT1H", "toString")')).toThrow(/unknown calendar "toString"/);
  });

  test('a calendar name is text: the number 1 is not the calendar named "1"', () => {
    const digits = commandFunctions(defaultBusinessCalendar, FRIDAY_4PM, 'engine', EMPTY_DIRECTORY, { '1': weekend });
    expect(evaluateExpression('=businessDue("PT1H", "1")', digits)).toBe('2026-11-28T10:00:00.000Z');
    expect(() => evaluateExpression('=businessDue("PT1H", 1)', digits)).toThrow('unknown calendar 1: "24x7", "business", "1" (BUSINESS_CALENDARS)');
  });
});

describe('who and the directory', () => {
  const directory = new StaticDirectory([
    { id: 'alice', roles: ['agent'], groups: ['service-desk', 'network'], manager: 'mona' },
    { id: 'bob', roles: ['agent'], groups: ['network'] },
  ]);
  const as = (actor: string | undefined, expr: string) => evaluateExpression(expr, commandFunctions(defaultBusinessCalendar, FRIDAY_4PM, actor, directory));

  test('currentUser() is who the command acts for, `engine` for automatic steps', () => {
    expect(as('alice', '=currentUser()')).toBe('alice');
    expect(as(undefined, '=currentUser()')).toBe('engine');
  });

  test('groupMembers, managerOf and groupsOf read the directory; unknown users and non-text arguments give empty answers', () => {
    expect(as('x', '=groupMembers("network")')).toEqual(['alice', 'bob']);
    expect(as('x', '=groupMembers("nobody")')).toEqual([]);
    expect(as('x', '=managerOf("alice")')).toBe('mona');
    expect(as('x', '=managerOf("bob")')).toBeNull();
    expect(as('x', '=managerOf("zed")')).toBeNull();
    expect(as('x', '=groupsOf("alice")')).toEqual(['service-desk', 'network']);
    expect(as('x', '=groupsOf("zed")')).toEqual([]);
    expect(as('x', '=groupMembers(1)')).toBeNull();
    expect(as('x', '=managerOf(1)')).toBeNull();
    expect(as('x', '=groupsOf(1)')).toBeNull();
  });

  test('every function carries its parameter names, so FEEL can call it by name whatever the build printed', () => {
    const fns = commandFunctions(defaultBusinessCalendar, FRIDAY_4PM, 'alice', directory, {});
    for (const [name, fn] of Object.entries(fns)) expect([name, Array.isArray((fn as { $args?: unknown }).$args)]).toEqual([name, true]);
    expect(as('x', '=groupMembers(group: "network")')).toEqual(['alice', 'bob']);
    expect(as('x', '=managerOf(user: "alice")')).toBe('mona');
    expect(evaluateExpression('=businessDue(duration: "PT8H")', fns)).toBe('2026-11-30T16:00:00.000Z');
    expect(evaluateExpression('=slaWarningSeconds(total: 100)', fns)).toBe(75);
  });

  test('each function remembers the command it belongs to (the FEEL sandbox rebuilds them from it)', () => {
    const fns = commandFunctions(defaultBusinessCalendar, FRIDAY_4PM, 'alice', directory, {});
    expect(commandOrigin(fns.now)).toEqual({ calendar: defaultBusinessCalendar, now: FRIDAY_4PM, actor: 'alice', calendars: {} });
    expect(commandOrigin(fns.slaSeconds)).toBe(commandOrigin(fns.now));
    expect(commandOrigin('now')).toBeUndefined();
    expect([...DIRECTORY_FUNCTIONS].sort()).toEqual(['groupMembers', 'groupsOf', 'managerOf']);
  });
});
