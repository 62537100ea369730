/**
 * FEEL functions bound to the command being applied, available in every expression of a process:
 *   now(), today()                    the command's time (FEEL's own read the wall clock, which would make
 *                                     a replay of the same command give another answer)
 *   businessDue(duration)             the date-time when `duration` of working time has passed from now
 *   businessTimeAdd(start, duration)  the same from `start`
 *   businessTimeBetween(from, to)     working time between two date-times, as an ISO 8601 duration
 * "now" is the time of the command being applied (never the wall clock), so the token game stays
 * deterministic; the calendar (working days and hours, time zone, holidays) is the engine's
 * configuration. Use them with timer dates: `<timeDate>=businessDue(slaResolution)</timeDate>`.
 */
import { date, dateAndTime } from 'feelin';
import { addBusinessTime, businessTimeBetween, type BusinessCalendarConfig } from './businessCalendar';
import { durationToMs, parseDateTime } from './timers';

/** FEEL hands dates and durations over as its own temporal objects; their string form is ISO 8601. */
const text = (value: unknown): string => (typeof value === 'string' ? value : String(value));

const instant = (value: unknown, what: string): number => (typeof value === 'number' ? value : parseDateTime(text(value), what));

export function commandFunctions(calendar: BusinessCalendarConfig, now: number): Record<string, (...args: unknown[]) => unknown> {
  const add = (start: number, duration: unknown): string =>
    new Date(addBusinessTime(calendar, start, durationToMs(text(duration), start))).toISOString();
  const iso = new Date(now).toISOString();
  return {
    now: () => dateAndTime(iso),
    today: () => date(iso.slice(0, 10)),
    businessDue: (duration: unknown) => add(now, duration),
    businessTimeAdd: (start: unknown, duration: unknown) => add(instant(start, 'businessTimeAdd start'), duration),
    businessTimeBetween: (from: unknown, to: unknown) =>
      `PT${Math.round(businessTimeBetween(calendar, instant(from, 'businessTimeBetween from'), instant(to, 'businessTimeBetween to')) / 1000)}S`,
  };
}
