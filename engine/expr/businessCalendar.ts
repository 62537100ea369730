/**
 * Business calendar: working days, working hours and holidays in one IANA time zone, used to count SLA
 * targets in business time. Pure: no I/O, no clock; wall-clock conversion goes through
 * `Intl.DateTimeFormat`, so daylight-saving transitions follow the time zone database of the runtime.
 *
 * Business time is real elapsed time inside working periods: a working period runs from the local
 * start to the local end of the working hours of a working, non-holiday day, converted to instants.
 * On a day with a DST transition inside the working hours the period is one hour shorter or longer.
 */

export interface BusinessCalendarConfig {
  /** IANA time zone, e.g. 'Europe/Berlin'. */
  timeZone: string;
  /** ISO weekdays: 1 = Monday .. 7 = Sunday. */
  workingDays: number[];
  /** Local wall-clock 'HH:mm'; end may be '24:00'; start must be before end (no overnight shifts). */
  workingHours: { start: string; end: string };
  /** 'YYYY-MM-DD' local dates of the calendar's zone on which nobody works. */
  holidays: string[];
}

export const defaultBusinessCalendar: BusinessCalendarConfig = Object.freeze({
  timeZone: 'UTC',
  workingDays: Object.freeze([1, 2, 3, 4, 5]) as number[],
  workingHours: Object.freeze({ start: '09:00', end: '17:00' }) as { start: string; end: string },
  holidays: Object.freeze([]) as unknown as string[],
}) as BusinessCalendarConfig;

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

// ---------------------------------------------------------------------------------------------------
// Time zone helpers (also used by timers.ts for 'date-time@Zone' values)
// ---------------------------------------------------------------------------------------------------

/** Zones that are always UTC: no Intl round trip needed. */
const UTC_ZONES = new Set(['UTC', 'Etc/UTC', 'GMT', 'Etc/GMT', 'Etc/Universal', 'Universal', 'Zulu', 'Etc/Zulu']);

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when the runtime knows the IANA time zone. */
export function isValidTimeZone(timeZone: unknown): timeZone is string {
  if (typeof timeZone !== 'string' || !timeZone.trim()) return false;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/**
 * The wall clock of `instant` in `timeZone` expressed as if it were UTC ("local epoch ms"), at second
 * precision plus the instant's own milliseconds.
 */
export function toLocalEpoch(timeZone: string, instant: number): number {
  if (UTC_ZONES.has(timeZone)) return instant;
  const parts = formatter(timeZone).formatToParts(new Date(instant));
  let year = 0;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let bc = false;
  for (const p of parts) {
    switch (p.type) {
      case 'year':
        year = Number(p.value);
        break;
      case 'month':
        month = Number(p.value);
        break;
      case 'day':
        day = Number(p.value);
        break;
      case 'hour':
        hour = Number(p.value);
        break;
      case 'minute':
        minute = Number(p.value);
        break;
      case 'second':
        second = Number(p.value);
        break;
      case 'era':
        bc = p.value.startsWith('B');
        break;
      default:
        break;
    }
  }
  if (bc) year = 1 - year;
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, 0);
  const ms = ((instant % 1000) + 1000) % 1000;
  return d.getTime() + ms;
}

/** UTC offset (ms, east positive) of `timeZone` at `instant`. */
export function zoneOffset(timeZone: string, instant: number): number {
  return toLocalEpoch(timeZone, instant) - instant;
}

/**
 * The instant of a local wall-clock time ("local epoch ms", see toLocalEpoch) in `timeZone`. Like
 * java.time: a time inside a DST gap is moved forward by the length of the gap (02:30 on a
 * spring-forward day in Berlin is 03:30 CEST), and an ambiguous time in an overlap takes the earlier
 * instant (the offset before the transition).
 */
export function fromLocalEpoch(timeZone: string, local: number): number {
  // Offsets never exceed +-14h (15h of margin), so these sample the offsets before and after any
  // transition that can affect this local time.
  const before = zoneOffset(timeZone, local - 15 * HOUR);
  const after = zoneOffset(timeZone, local + 15 * HOUR);
  if (before === after) {
    const t = local - before;
    if (zoneOffset(timeZone, t) === before) return t;
  }
  const valid = [before, after].filter((o) => zoneOffset(timeZone, local - o) === o);
  if (valid.length > 0) return local - Math.max(...valid); // overlap: earliest instant
  // Gap: interpret with the offset in force before the transition, i.e. shift forward by the gap.
  return local - before;
}

// ---------------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------------

const HHMM = /^(?:([01]\d|2[0-3]):([0-5]\d)|(24):(00))$/;
const YMD = /^(\d{4})-(\d{2})-(\d{2})$/;

function parseHhMm(value: unknown, what: string): number {
  if (typeof value !== 'string') throw new Error(`business calendar: ${what} must be a string 'HH:mm', got ${JSON.stringify(value)}`);
  const m = HHMM.exec(value);
  if (!m) throw new Error(`business calendar: ${what} "${value}" is not a time 'HH:mm' between 00:00 and 24:00`);
  const h = Number(m[1] ?? m[3]);
  const min = Number(m[2] ?? m[4]);
  return h * 60 + min;
}

function isValidYmd(value: string): boolean {
  const m = YMD.exec(value);
  if (!m) return false;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1) return false;
  const dt = new Date(Date.UTC(2000, mo - 1, d));
  dt.setUTCFullYear(y);
  return dt.getUTCMonth() === mo - 1 && dt.getUTCDate() === d;
}

const KEYS = new Set(['timeZone', 'workingDays', 'workingHours', 'holidays']);

/**
 * Checks a calendar configuration and returns a normalized copy (weekdays and holidays sorted and
 * de-duplicated). Missing fields take the value of `defaultBusinessCalendar`; unknown fields, a zone
 * the runtime does not know, malformed or empty working hours, weekdays outside 1..7, no working day
 * at all, or a holiday that is not a real 'YYYY-MM-DD' date throw an Error naming the problem.
 */
export function validateCalendar(c: unknown): BusinessCalendarConfig {
  if (c === null || typeof c !== 'object' || Array.isArray(c)) {
    throw new Error(`business calendar: expected an object, got ${c === null ? 'null' : Array.isArray(c) ? 'an array' : typeof c}`);
  }
  const input = c as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!KEYS.has(key)) throw new Error(`business calendar: unknown field "${key}" (expected ${[...KEYS].join(', ')})`);
  }

  const timeZone = input.timeZone === undefined ? defaultBusinessCalendar.timeZone : input.timeZone;
  if (!isValidTimeZone(timeZone)) throw new Error(`business calendar: unknown time zone ${JSON.stringify(timeZone)} (expected an IANA zone such as "Europe/Berlin")`);

  const daysIn = input.workingDays === undefined ? defaultBusinessCalendar.workingDays : input.workingDays;
  if (!Array.isArray(daysIn)) throw new Error(`business calendar: workingDays must be an array of weekdays 1 (Monday) .. 7 (Sunday), got ${JSON.stringify(daysIn)}`);
  for (const d of daysIn) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 1 || d > 7) {
      throw new Error(`business calendar: working day ${JSON.stringify(d)} is not a weekday 1 (Monday) .. 7 (Sunday)`);
    }
  }
  const workingDays = [...new Set(daysIn as number[])].sort((a, b) => a - b);
  if (workingDays.length === 0) throw new Error('business calendar: workingDays is empty, there would be no working time at all');

  const hoursIn = input.workingHours === undefined ? defaultBusinessCalendar.workingHours : input.workingHours;
  if (hoursIn === null || typeof hoursIn !== 'object' || Array.isArray(hoursIn)) {
    throw new Error(`business calendar: workingHours must be an object { start: 'HH:mm', end: 'HH:mm' }, got ${JSON.stringify(hoursIn)}`);
  }
  const { start, end } = hoursIn as Record<string, unknown>;
  const startMin = parseHhMm(start, 'workingHours.start');
  const endMin = parseHhMm(end, 'workingHours.end');
  if (startMin >= endMin) {
    throw new Error(`business calendar: workingHours.start "${String(start)}" must be before workingHours.end "${String(end)}" (overnight shifts are not supported)`);
  }

  const holidaysIn = input.holidays === undefined ? [] : input.holidays;
  if (!Array.isArray(holidaysIn)) throw new Error(`business calendar: holidays must be an array of 'YYYY-MM-DD' dates, got ${JSON.stringify(holidaysIn)}`);
  for (const h of holidaysIn) {
    if (typeof h !== 'string' || !isValidYmd(h)) throw new Error(`business calendar: holiday ${JSON.stringify(h)} is not a valid 'YYYY-MM-DD' date`);
  }
  const holidays = [...new Set(holidaysIn as string[])].sort();

  return { timeZone, workingDays, workingHours: { start: start as string, end: end as string }, holidays };
}

// ---------------------------------------------------------------------------------------------------
// Working periods
// ---------------------------------------------------------------------------------------------------

interface Prepared {
  zone: string;
  days: boolean[]; // index 1..7
  startMin: number;
  endMin: number;
  holidays: Set<string>;
}

const prepared = new WeakMap<BusinessCalendarConfig, Prepared>();

function prepare(cal: BusinessCalendarConfig): Prepared {
  const cached = prepared.get(cal);
  if (cached) return cached;
  if (cal === null || typeof cal !== 'object') validateCalendar(cal); // throws the descriptive error
  // Only the calendar's own fields are checked here, so a stored config may carry extra fields (a name...).
  const v = validateCalendar({ timeZone: cal.timeZone, workingDays: cal.workingDays, workingHours: cal.workingHours, holidays: cal.holidays });
  const days = new Array<boolean>(8).fill(false);
  for (const d of v.workingDays) days[d] = true;
  const p: Prepared = {
    zone: v.timeZone,
    days,
    startMin: parseHhMm(v.workingHours.start, 'workingHours.start'),
    endMin: parseHhMm(v.workingHours.end, 'workingHours.end'),
    holidays: new Set(v.holidays),
  };
  // Only cache frozen configs: a mutable object could be changed after the first call.
  if (Object.isFrozen(cal) && Object.isFrozen(cal.workingDays) && Object.isFrozen(cal.workingHours) && Object.isFrozen(cal.holidays)) prepared.set(cal, p);
  return p;
}

/** ISO weekday (1 = Monday) of a local day number (days since 1970-01-01, a Thursday). */
function isoWeekday(dayNumber: number): number {
  return ((((dayNumber + 3) % 7) + 7) % 7) + 1;
}

function ymd(dayNumber: number): string {
  return new Date(dayNumber * DAY).toISOString().slice(0, 10);
}

function isWorkingDay(p: Prepared, dayNumber: number): boolean {
  return p.days[isoWeekday(dayNumber)] === true && (p.holidays.size === 0 || !p.holidays.has(ymd(dayNumber)));
}

/** The working period [start, end) of a local day as instants, or undefined on a day off. */
function period(p: Prepared, dayNumber: number): [number, number] | undefined {
  if (!isWorkingDay(p, dayNumber)) return undefined;
  const base = dayNumber * DAY;
  const start = fromLocalEpoch(p.zone, base + p.startMin * MINUTE);
  const end = fromLocalEpoch(p.zone, base + p.endMin * MINUTE);
  return end > start ? [start, end] : undefined;
}

function localDay(p: Prepared, instant: number): number {
  return Math.floor(toLocalEpoch(p.zone, instant) / DAY);
}

function checkInstant(value: number, what: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new RangeError(`business calendar: ${what} must be a finite epoch ms number, got ${String(value)}`);
}

/**
 * Adds `ms` of working time to `from` and returns the earliest instant at which that much working time
 * has elapsed. Starting outside working hours counts from the next working period; ending exactly at
 * the end of a working period returns that end (not the start of the next period); `ms` = 0 returns
 * `from`. Runs one step per calendar day (days off cost no time-zone conversion).
 */
export function addBusinessTime(cal: BusinessCalendarConfig, from: number, ms: number): number {
  checkInstant(from, 'from');
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0)
    throw new RangeError(`business calendar: cannot add ${String(ms)} ms of working time (expected a finite number >= 0)`);
  if (ms === 0) return from;
  const p = prepare(cal);
  let remaining = ms;
  let cursor = from;
  // Start one day early: a period of the previous local day can still be running on a DST-shifted day.
  for (let day = localDay(p, from) - 1; ; day++) {
    const per = period(p, day);
    if (!per || per[1] <= cursor) continue;
    const begin = Math.max(per[0], cursor);
    const available = per[1] - begin;
    if (remaining <= available) return begin + remaining;
    remaining -= available;
    cursor = per[1];
  }
}

/**
 * Working time in ms between two instants: the overlap of [from, to) with all working periods.
 * Antisymmetric: when `to` is before `from` the result is negative (handy for "business time left"
 * against an SLA target that has passed).
 */
export function businessTimeBetween(cal: BusinessCalendarConfig, from: number, to: number): number {
  checkInstant(from, 'from');
  checkInstant(to, 'to');
  if (to < from) return -businessTimeBetween(cal, to, from);
  if (to === from) return 0;
  const p = prepare(cal);
  let total = 0;
  const last = localDay(p, to);
  for (let day = localDay(p, from) - 1; day <= last; day++) {
    const per = period(p, day);
    if (!per) continue;
    const s = Math.max(per[0], from);
    const e = Math.min(per[1], to);
    if (e > s) total += e - s;
  }
  return total;
}

/** Names of the calendars the SLA functions know besides named ones: every second, and the engine's own. */
const RESERVED_CALENDARS = new Set(['24x7', 'business']);

/**
 * Named calendars (BUSINESS_CALENDARS): `{ "<name>": <calendar>, ... }`, each checked as one calendar;
 * names are letters, digits, `-`, `_` and `.`, and not "24x7" or "business" (those mean every second
 * and the engine-wide calendar).
 */
export function validateCalendars(value: unknown): Record<string, BusinessCalendarConfig> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('named calendars are an object of name -> calendar');
  const out: Record<string, BusinessCalendarConfig> = {};
  for (const [name, calendar] of Object.entries(value)) {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name) || RESERVED_CALENDARS.has(name)) {
      throw new Error(`calendar name "${name}": letters, digits, - _ . (at most 64), and not 24x7 or business`);
    }
    try {
      out[name] = validateCalendar(calendar);
    } catch (err) {
      throw new Error(`calendar ${name}: ${(err as Error).message}`, { cause: err });
    }
  }
  return out;
}
