/** The FEEL functions bound to a command (now, today, business time), evaluated by feelin as the engine does. */
import { defaultBusinessCalendar } from '../../engine/expr/businessCalendar';
import { commandFunctions } from '../../engine/expr/commandFunctions';
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
  expect(() => feel('=businessTimeAdd("yesterday", "PT1H")')).toThrow(/businessTimeAdd start/);
});

test('now() and today() are the command time, so a replay evaluates the same', () => {
  expect(feel('=now()')).toBe('2026-11-27T16:00:00Z');
  expect(feel('=now() + duration("P1D")')).toBe('2026-11-28T16:00:00Z');
  expect(feel('=string(today())')).toBe('2026-11-27');
});
