/**
 * FEEL functions bound to the command being applied, available in every expression of a process:
 *   now(), today()                    the command's time (FEEL's own read the wall clock, which would make
 *                                     a replay of the same command give another answer)
 *   businessDue(duration)             the date-time when `duration` of working time has passed from now
 *   businessTimeAdd(start, duration)  the same from `start`
 *   businessTimeBetween(from, to)     working time between two date-times, as an ISO 8601 duration
 *   currentUser()                     who the command acts for: the user completing a task, publishing a
 *                                     message...; `engine` for automatic steps (timers, dispatch)
 *   groupMembers(group)               user ids of the group's members in the engine's directory
 *   managerOf(user)                   the user's manager in the directory, or null
 *   slaSeconds, slaDue, slaBetween, slaStart, slaUsed, slaPause, slaResume, slaRetarget, slaStageOf
 *                                     SLA clock arithmetic (slaFunctions.ts)
 * No variable shadows them (the token game puts them last in every context).
 * "now" is the time of the command being applied (never the wall clock), so the token game stays
 * deterministic; the calendar (working days and hours, time zone, holidays) is the engine's
 * configuration. Use them with timer dates: `<timeDate>=businessDue(slaResolution)</timeDate>`.
 */
import { date, dateAndTime } from 'feelin';
import { addBusinessTime, businessTimeBetween, type BusinessCalendarConfig } from './businessCalendar';
import { EMPTY_DIRECTORY, type Directory } from './directory';
import { slaFunctions } from './slaFunctions';
import { durationToMs, parseDateTime } from './timers';

/** FEEL hands dates and durations over as its own temporal objects; their string form is ISO 8601. */
const text = (value: unknown): string => (typeof value === 'string' ? value : String(value));

const instant = (value: unknown, what: string): number => (typeof value === 'number' ? value : parseDateTime(text(value), what));

/** What a command's functions were made from: enough to make them again in another thread. */
export interface CommandOrigin {
  calendar: BusinessCalendarConfig;
  now: number;
  actor: string;
}

/** "24x7" counts every second (no calendar); "business" or null is the engine's calendar. */
function calendarNamed(calendar: BusinessCalendarConfig, name: unknown): BusinessCalendarConfig | undefined {
  if (name === '24x7') return undefined;
  if (name == null || name === 'business') return calendar;
  throw new Error(`unknown SLA calendar ${JSON.stringify(name)}: "24x7" or "business"`);
}

const origins = new WeakMap<object, CommandOrigin>();

/** The command a function of commandFunctions belongs to (the FEEL sandbox rebuilds them from it). */
export function commandOrigin(fn: unknown): CommandOrigin | undefined {
  return typeof fn === 'function' ? origins.get(fn) : undefined;
}

/** The functions that need the directory, which stays in this thread. */
export const DIRECTORY_FUNCTIONS = new Set(['groupMembers', 'managerOf']);

export function commandFunctions(
  calendar: BusinessCalendarConfig,
  now: number,
  actor = 'engine',
  directory: Directory = EMPTY_DIRECTORY,
): Record<string, (...args: unknown[]) => unknown> {
  const add = (start: number, duration: unknown): string => new Date(addBusinessTime(calendar, start, durationToMs(text(duration), start))).toISOString();
  const iso = new Date(now).toISOString();
  const fns: Record<string, (...args: unknown[]) => unknown> = {
    now: () => dateAndTime(iso),
    today: () => date(iso.slice(0, 10)),
    businessDue: (duration: unknown) => add(now, duration),
    businessTimeAdd: (start: unknown, duration: unknown) => add(instant(start, 'businessTimeAdd start'), duration),
    businessTimeBetween: (from: unknown, to: unknown) =>
      `PT${Math.round(businessTimeBetween(calendar, instant(from, 'businessTimeBetween from'), instant(to, 'businessTimeBetween to')) / 1000)}S`,
    currentUser: () => actor,
    groupMembers: (group: unknown) => (typeof group === 'string' ? directory.members(group) : null),
    managerOf: (user: unknown) => (typeof user === 'string' ? (directory.user(user)?.manager ?? null) : null),
    ...slaFunctions(now, (name) => calendarNamed(calendar, name)),
  };
  const origin = { calendar, now, actor };
  for (const fn of Object.values(fns)) origins.set(fn, origin);
  return fns;
}
