/**
 * FEEL functions bound to the command being applied, available in every expression of a process:
 *   now(), today()                    the command's time (FEEL's own read the wall clock, which would make
 *                                     a replay of the same command give another answer)
 *   businessDue(duration)             the date-time when `duration` of working time has passed from now
 *   businessTimeAdd(start, duration)  the same from `start`
 *   businessTimeBetween(from, to)     working time between two date-times, as an ISO 8601 duration
 *                                     (each takes the name of a calendar last: BUSINESS_CALENDARS; default the
 *                                     engine's calendar, "24x7" every second)
 *   currentUser()                     who the command acts for: the user completing a task, publishing a
 *                                     message...; `engine` for automatic steps (timers, dispatch)
 *   groupMembers(group)               user ids of the group's members in the engine's directory
 *   managerOf(user)                   the user's manager in the directory, or null
 *   groupsOf(user)                    the user's groups in the directory, in directory order ([] when unknown)
 *   slaSeconds, slaDue, slaBetween, slaStart, slaUsed, slaPause, slaResume, slaRetarget, slaStageOf, slaWarningAfter, slaWarningSeconds
 *                                     SLA clock arithmetic (slaFunctions.ts)
 * No variable shadows them (the token game puts them last in every context).
 * "now" is the time of the command being applied (never the wall clock), so the token game stays
 * deterministic; the calendars (working days and hours, time zone, holidays) are the engine's
 * configuration: one engine-wide, and named ones a process picks per instance. Use them with timer dates: `<timeDate>=businessDue(slaResolution)</timeDate>`.
 */
import { date, dateAndTime } from 'feelin';
import { addBusinessTime, businessTimeBetween, type BusinessCalendarConfig } from './businessCalendar';

/** Every day, all day: "24x7" given to a business-time function. */
const ALWAYS: BusinessCalendarConfig = { timeZone: 'UTC', workingDays: [1, 2, 3, 4, 5, 6, 7], workingHours: { start: '00:00', end: '24:00' }, holidays: [] };
import { EMPTY_DIRECTORY, type Directory } from './directory';
import { SLA_PARAMETERS, slaFunctions } from './slaFunctions';
import { durationToMs, parseDateTime } from './timers';

/** FEEL hands dates and durations over as its own temporal objects; their string form is ISO 8601. */
const text = (value: unknown): string => (typeof value === 'string' ? value : String(value));

const instant = (value: unknown, what: string): number => (typeof value === 'number' ? value : parseDateTime(text(value), what));

/** What a command's functions were made from: enough to make them again in another thread. */
export interface CommandOrigin {
  calendar: BusinessCalendarConfig;
  now: number;
  actor: string;
  calendars: Record<string, BusinessCalendarConfig>;
}

/** "24x7" counts every second (no calendar); "business" or null is the engine's calendar; else a named one. */
function calendarNamed(calendar: BusinessCalendarConfig, calendars: Record<string, BusinessCalendarConfig>, name: unknown): BusinessCalendarConfig | undefined {
  if (name === '24x7') return undefined;
  if (name == null || name === 'business') return calendar;
  if (typeof name === 'string' && Object.prototype.hasOwnProperty.call(calendars, name)) return calendars[name];
  const known = ['"24x7"', '"business"', ...Object.keys(calendars).map((n) => JSON.stringify(n))].join(', ');
  throw new Error(`unknown calendar ${JSON.stringify(name)}: ${known} (BUSINESS_CALENDARS)`);
}

const origins = new WeakMap<object, CommandOrigin>();

/** The command a function of commandFunctions belongs to (the FEEL sandbox rebuilds them from it). */
export function commandOrigin(fn: unknown): CommandOrigin | undefined {
  return typeof fn === 'function' ? origins.get(fn) : undefined;
}

/**
 * The parameter names of every function, given to feelin (`$args`). Without them feelin reads the
 * names from the function's source text, which a build that prints `group => ...` without parentheses
 * (coverage and mutation instrumentation do) turns into no parameters at all: groupMembers("network")
 * was called with nothing and answered null.
 */
const FEEL_PARAMETERS: Record<string, string[]> = {
  now: [],
  today: [],
  businessDue: ['duration', 'name'],
  businessTimeAdd: ['start', 'duration', 'name'],
  businessTimeBetween: ['from', 'to', 'name'],
  currentUser: [],
  groupMembers: ['group'],
  managerOf: ['user'],
  groupsOf: ['user'],
  ...SLA_PARAMETERS,
};

/** The functions that need the directory, which stays in this thread. */
export const DIRECTORY_FUNCTIONS = new Set(['groupMembers', 'managerOf', 'groupsOf']);

export function commandFunctions(
  calendar: BusinessCalendarConfig,
  now: number,
  actor = 'engine',
  directory: Directory = EMPTY_DIRECTORY,
  calendars: Record<string, BusinessCalendarConfig> = {},
): Record<string, (...args: unknown[]) => unknown> {
  // the optional last argument of the business-time functions names the calendar (default: the engine's)
  const named = (name: unknown): BusinessCalendarConfig => calendarNamed(calendar, calendars, name ?? 'business') ?? ALWAYS;
  const add = (start: number, duration: unknown, name?: unknown): string => new Date(addBusinessTime(named(name), start, durationToMs(text(duration), start))).toISOString();
  const iso = new Date(now).toISOString();
  const fns: Record<string, (...args: unknown[]) => unknown> = {
    now: () => dateAndTime(iso),
    today: () => date(iso.slice(0, 10)),
    businessDue: (duration: unknown, name?: unknown) => add(now, duration, name),
    businessTimeAdd: (start: unknown, duration: unknown, name?: unknown) => add(instant(start, 'businessTimeAdd start'), duration, name),
    businessTimeBetween: (from: unknown, to: unknown, name?: unknown) =>
      `PT${Math.round(businessTimeBetween(named(name), instant(from, 'businessTimeBetween from'), instant(to, 'businessTimeBetween to')) / 1000)}S`,
    currentUser: () => actor,
    groupMembers: (group: unknown) => (typeof group === 'string' ? directory.members(group) : null),
    managerOf: (user: unknown) => (typeof user === 'string' ? (directory.user(user)?.manager ?? null) : null),
    groupsOf: (user: unknown) => (typeof user === 'string' ? [...(directory.user(user)?.groups ?? [])] : null),
    ...slaFunctions(now, (name) => calendarNamed(calendar, calendars, name)),
  };
  const origin = { calendar, now, actor, calendars };
  for (const [name, fn] of Object.entries(fns)) {
    origins.set(fn, origin);
    (fn as { $args?: string[] }).$args = FEEL_PARAMETERS[name];
  }
  return fns;
}
