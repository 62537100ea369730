/**
 * Timer definitions (BPMN timerEventDefinition: timeDuration, timeDate, timeCycle) turned into firing
 * plans. Pure: the current time is always passed in, nothing here reads the clock. The values arrive
 * already evaluated (FEEL temporal values are ISO strings by then).
 *
 * All arithmetic is in UTC: P1D is 24 hours, P1M moves the UTC calendar month (clamped to the month's
 * last day), cron expressions are evaluated in UTC.
 */
import { CronExpressionParser } from 'cron-parser';
import { fromLocalEpoch, isValidTimeZone } from './businessCalendar';

export type TimerType = 'duration' | 'date' | 'cycle';

export interface TimerRepeat {
  /** Firings still to come after the current one; -1 = unbounded. */
  remaining: number;
  /** Fixed interval between firings (ISO repeating intervals). */
  intervalMs?: number;
  /** Cron expression (UTC) for cron cycles. */
  cron?: string;
  /**
   * Only for intervals with years or months (e.g. 'R/P1M'): the ISO duration, so every next firing is
   * computed calendar-aware from the previous one instead of with a fixed `intervalMs`.
   */
  interval?: string;
}

export interface TimerPlan {
  dueAt: number;
  repeat?: TimerRepeat;
}

export class TimerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TimerError';
  }
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
/** The range of a JavaScript Date. */
const MAX_EPOCH = 8.64e15;

function quote(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  try {
    const json = JSON.stringify(value);
    if (json !== undefined) return json.length > 200 ? `${json.slice(0, 200)}...` : json;
  } catch {
    // fall through
  }
  return String(value);
}

// ---------------------------------------------------------------------------------------------------
// Durations
// ---------------------------------------------------------------------------------------------------

const NUM = '(\\d+(?:[.,]\\d+)?)';
const DURATION = new RegExp(`^P(?:(\\d+)Y)?(?:(\\d+)M)?(?:${NUM}W)?(?:${NUM}D)?(?:T(?:${NUM}H)?(?:${NUM}M)?(?:${NUM}S)?)?$`);

interface ParsedDuration {
  years: number;
  months: number;
  /** Everything from weeks down to seconds, in ms (days are 24h). */
  fixedMs: number;
}

function num(text: string | undefined): number {
  return text === undefined ? 0 : Number(text.replace(',', '.'));
}

function parseDuration(iso: unknown, what = 'duration'): ParsedDuration {
  if (typeof iso !== 'string') throw new TimerError(`invalid ${what} ${quote(iso)}: expected an ISO 8601 duration string such as "PT5M", "P1D" or "P1W"`);
  const text = iso.trim().toUpperCase();
  if (text.startsWith('-') || text.startsWith('+P') || /[PT]-|-\d/.test(text)) {
    throw new TimerError(`invalid ${what} ${quote(iso)}: negative durations are not allowed`);
  }
  const m = DURATION.exec(text);
  const hasT = text.includes('T');
  if (!m || text === 'P' || (hasT && m[5] === undefined && m[6] === undefined && m[7] === undefined) || (m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5] ?? m[6] ?? m[7]) === undefined) {
    throw new TimerError(`invalid ${what} ${quote(iso)}: expected an ISO 8601 duration such as "PT5M", "PT1.5S", "P1D", "P1W" or "P1Y2M3DT4H5M6S"`);
  }
  const fixedMs = num(m[3]) * WEEK + num(m[4]) * DAY + num(m[5]) * HOUR + num(m[6]) * MINUTE + num(m[7]) * SECOND;
  const parsed: ParsedDuration = { years: num(m[1]), months: num(m[2]), fixedMs: Math.round(fixedMs) };
  if (!Number.isFinite(parsed.fixedMs) || parsed.fixedMs > MAX_EPOCH || parsed.years > 300_000 || parsed.months > 3_600_000) {
    throw new TimerError(`invalid ${what} ${quote(iso)}: the duration is too long`);
  }
  return parsed;
}

function isCalendarDependent(d: ParsedDuration): boolean {
  return d.years > 0 || d.months > 0;
}

/** `from` plus years and months on the UTC calendar, the day clamped to the target month's last day. */
function addMonths(from: number, months: number): number {
  const d = new Date(from);
  const total = d.getUTCMonth() + months;
  const year = d.getUTCFullYear() + Math.floor(total / 12);
  const month = ((total % 12) + 12) % 12;
  const lastDay = new Date(0);
  lastDay.setUTCFullYear(year, month + 1, 0);
  const day = Math.min(d.getUTCDate(), lastDay.getUTCDate());
  const out = new Date(from);
  out.setUTCFullYear(year, month, day);
  return out.getTime();
}

function applyDuration(d: ParsedDuration, from: number, iso: unknown, what: string): number {
  let t = from;
  if (isCalendarDependent(d)) {
    if (!Number.isFinite(from)) throw new TimerError(`invalid ${what} ${quote(iso)}: a calendar duration needs a finite start instant, got ${String(from)}`);
    t = addMonths(from, d.years * 12 + d.months);
  }
  const end = t + d.fixedMs;
  if (!Number.isFinite(end) || Math.abs(end) > MAX_EPOCH) throw new TimerError(`invalid ${what} ${quote(iso)}: the duration is too long`);
  return end - from;
}

/**
 * ISO 8601 duration (PnYnMnWnDTnHnMnS, fractional values with '.' or ',' on weeks and below) to ms.
 * Years and months are calendar-aware relative to `from` (P1M from Jan 31 lands on the last day of
 * February); days are 24h. Negative durations and malformed strings throw TimerError.
 */
export function durationToMs(iso: string, from: number): number {
  return applyDuration(parseDuration(iso), from, iso, 'duration');
}

// ---------------------------------------------------------------------------------------------------
// Date-times
// ---------------------------------------------------------------------------------------------------

const DATE_TIME = /^([+-]?\d{4,6})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?(?:@([^\s@[\]]+)|\[([^\s[\]]+)\])?$/i;

/**
 * ISO 8601 date-time to epoch ms: '2026-01-01T10:00:00Z', '...+01:00', '...T10:00:00@Europe/Berlin'
 * or '...+01:00[Europe/Berlin]' (FEEL / java.time forms; an explicit offset wins over the zone), a
 * local date-time without offset or zone is UTC, a bare date is its midnight.
 */
export function parseDateTime(value: string, what = 'timer date'): number {
  const bad = (why: string): TimerError => new TimerError(`invalid ${what} ${quote(value)}: ${why}`);
  const m = DATE_TIME.exec(value.trim());
  if (!m) throw bad('expected an ISO 8601 date-time such as "2026-01-01T09:00:00Z" or "2026-01-01T10:00:00+01:00"');
  const [, y, mo, d, h, mi, s, frac, offset, zoneAt, zoneBracket] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = h === undefined ? 0 : Number(h);
  const minute = mi === undefined ? 0 : Number(mi);
  const second = s === undefined ? 0 : Number(s);
  const ms = frac === undefined ? 0 : Math.floor(Number(`0.${frac}`) * 1000);
  if (month < 1 || month > 12) throw bad(`month ${mo} is out of range`);
  const check = new Date(0);
  check.setUTCFullYear(year, month - 1, day);
  if (day < 1 || check.getUTCMonth() !== month - 1) throw bad(`day ${d} does not exist in that month`);
  if (hour > 23 || minute > 59 || second > 59) throw bad('time of day is out of range');
  check.setUTCHours(hour, minute, second, ms);
  const local = check.getTime();
  let t: number;
  if (offset !== undefined) {
    if (offset.toUpperCase() === 'Z') {
      t = local;
    } else {
      const sign = offset.startsWith('-') ? -1 : 1;
      const digits = offset.slice(1).replace(':', '');
      const oh = Number(digits.slice(0, 2));
      const om = digits.length > 2 ? Number(digits.slice(2)) : 0;
      if (oh > 18 || om > 59) throw bad(`offset ${offset} is out of range`);
      t = local - sign * (oh * HOUR + om * MINUTE);
    }
  } else {
    const zone = zoneAt ?? zoneBracket;
    if (zone !== undefined) {
      if (!isValidTimeZone(zone)) throw bad(`unknown time zone "${zone}"`);
      t = fromLocalEpoch(zone, local);
    } else {
      t = local;
    }
  }
  if (!Number.isFinite(t) || Math.abs(t) > MAX_EPOCH) throw bad('out of the supported date range');
  return t;
}

// ---------------------------------------------------------------------------------------------------
// Cycles
// ---------------------------------------------------------------------------------------------------

const CRON_MACROS: Record<string, string> = {
  '@yearly': '0 0 0 1 1 *',
  '@annually': '0 0 0 1 1 *',
  '@monthly': '0 0 0 1 * *',
  '@weekly': '0 0 0 * * 0',
  '@daily': '0 0 0 * * *',
  '@midnight': '0 0 0 * * *',
  '@hourly': '0 0 * * * *',
};

function isCronLike(text: string): boolean {
  if (text.startsWith('@')) return true;
  const fields = text.split(/\s+/).length;
  return fields === 5 || fields === 6;
}

/** Next occurrence of a cron expression strictly after `after`, in UTC; undefined when there is none. */
function nextCron(cron: string, after: number, original: unknown): number | undefined {
  const expression = CRON_MACROS[cron.toLowerCase()] ?? cron;
  const fields = expression.split(/\s+/).length;
  if (fields !== 5 && fields !== 6) {
    throw new TimerError(`invalid timer cycle ${quote(original)}: unknown cron macro (expected 5 or 6 cron fields or one of ${Object.keys(CRON_MACROS).join(', ')})`);
  }
  let parsed;
  try {
    parsed = CronExpressionParser.parse(expression, { currentDate: after, tz: 'UTC' });
  } catch (err) {
    throw new TimerError(`invalid timer cycle ${quote(original)}: not a valid cron expression (${(err as Error).message})`);
  }
  try {
    if (!parsed.hasNext()) return undefined;
    return parsed.next().getTime();
  } catch (err) {
    throw new TimerError(`invalid timer cycle ${quote(original)}: the cron expression has no next occurrence (${(err as Error).message})`);
  }
}

/** Runs `fn`, prefixing a TimerError with the whole cycle value so the message names what was written. */
function within<T>(value: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof TimerError) throw new TimerError(`invalid timer cycle ${quote(value)}: ${err.message}`);
    throw err;
  }
}

function planCycle(value: string, now: number): TimerPlan {
  const text = value.trim();
  const bad = (why: string): TimerError => new TimerError(`invalid timer cycle ${quote(value)}: ${why}`);
  if (/^R/i.test(text)) {
    const parts = text.split('/');
    const rep = /^R(\d*)$/i.exec(parts[0]!);
    if (!rep) throw bad('the repetition must be "R" (unbounded) or "Rn" with a count n >= 1, e.g. "R3/PT10M"');
    const count = rep[1] === '' ? -1 : Number(rep[1]);
    if (count === 0) throw bad('R0 never fires; use a count of at least 1');
    if (!Number.isSafeInteger(count)) throw bad('the repetition count is too large');
    let start: number;
    let durationText: string;
    if (parts.length === 2) {
      start = now;
      durationText = parts[1]!;
    } else if (parts.length === 3) {
      if (/^P/i.test(parts[1]!.trim())) throw bad('the form "Rn/duration/end" is not supported; use "Rn/duration" or "Rn/start/duration"');
      start = within(value, () => parseDateTime(parts[1]!, 'start date'));
      durationText = parts[2]!;
    } else {
      throw bad('expected "Rn/duration" (e.g. "R3/PT10M") or "Rn/start/duration" (e.g. "R3/2026-01-01T00:00:00Z/PT1H")');
    }
    const d = within(value, () => parseDuration(durationText, 'interval'));
    const firstInterval = within(value, () => applyDuration(d, start, durationText, 'interval'));
    if (firstInterval === 0 && count === -1) throw bad('an unbounded cycle needs an interval longer than zero');
    const repeat: TimerRepeat = { remaining: count === -1 ? -1 : count - 1, intervalMs: firstInterval };
    if (isCalendarDependent(d)) repeat.interval = durationText.trim();
    // Without a start date the first firing is one interval from now; with one, at the start date
    // (a past start date is due at once, like a past timer date).
    const dueAt = parts.length === 2 ? now + firstInterval : start;
    return { dueAt, repeat };
  }
  if (isCronLike(text)) {
    const cron = CRON_MACROS[text.toLowerCase()] ? text.toLowerCase() : text.split(/\s+/).join(' ');
    const dueAt = nextCron(cron, now, value);
    if (dueAt === undefined) throw bad('the cron expression never fires after now');
    return { dueAt, repeat: { remaining: -1, cron } };
  }
  throw bad('expected an ISO 8601 repeating interval ("R3/PT10M", "R/PT1H", "R3/2026-01-01T00:00:00Z/PT1H") or a cron expression of 5 or 6 fields ("0 9 * * MON-FRI")');
}

// ---------------------------------------------------------------------------------------------------
// Plans
// ---------------------------------------------------------------------------------------------------

/**
 * Plans the first firing of a timer from its evaluated value.
 * - duration: ISO duration string (or ms as a number) -> now + duration.
 * - date: ISO date-time (see parseDateTime) or epoch ms number; a past date is returned as is (due).
 * - cycle: 'R3/PT10M' (3 firings, first at now + 10m, repeat.remaining 2), 'R/PT1H' (unbounded),
 *   'R3/2026-01-01T00:00:00Z/PT1H' (first at the start date), or a cron expression of 5 or 6 fields
 *   (UTC; 6 fields start with seconds) -> next occurrence after now, repeat { remaining: -1, cron }.
 */
export function planTimer(type: TimerType, value: unknown, now: number): TimerPlan {
  if (type !== 'duration' && type !== 'date' && type !== 'cycle') throw new TimerError(`unknown timer type ${quote(type)} (expected duration, date or cycle)`);
  if (typeof now !== 'number' || !Number.isFinite(now)) throw new TimerError(`cannot plan a timer: now must be a finite epoch ms number, got ${quote(now)}`);
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new TimerError(
      `invalid timer ${type} ${quote(value)}: expected a string${type === 'cycle' ? '' : ' or a number'}, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`,
    );
  }
  switch (type) {
    case 'duration': {
      if (typeof value === 'number') {
        if (!Number.isFinite(value) || value < 0) throw new TimerError(`invalid timer duration ${quote(value)}: a duration in ms must be a finite number >= 0`);
        return { dueAt: now + Math.round(value) };
      }
      return { dueAt: now + applyDuration(parseDuration(value, 'timer duration'), now, value, 'timer duration') };
    }
    case 'date': {
      if (typeof value === 'number') {
        if (!Number.isFinite(value) || Math.abs(value) > MAX_EPOCH)
          throw new TimerError(`invalid timer date ${quote(value)}: epoch ms must be a finite number within the Date range`);
        return { dueAt: Math.round(value) };
      }
      return { dueAt: parseDateTime(value) };
    }
    case 'cycle': {
      if (typeof value === 'number')
        throw new TimerError(`invalid timer cycle ${quote(value)}: expected a repeating interval such as "R3/PT10M" or a cron expression, not a number`);
      return planCycle(value, now);
    }
  }
}

/**
 * The firing after one at `firedAt` for a repeating timer, with `remaining` decremented (unless -1);
 * undefined when no repetitions remain (or a cron expression has no further occurrence).
 */
export function nextOccurrence(repeat: TimerRepeat, firedAt: number): { dueAt: number; repeat: TimerRepeat } | undefined {
  if (repeat === null || typeof repeat !== 'object') throw new TimerError(`invalid timer repeat ${quote(repeat)}`);
  const { remaining } = repeat;
  if (typeof remaining !== 'number' || !Number.isInteger(remaining) || remaining < -1) {
    throw new TimerError(`invalid timer repeat ${quote(repeat)}: remaining must be an integer >= 0 or -1 (unbounded)`);
  }
  if (typeof firedAt !== 'number' || !Number.isFinite(firedAt)) throw new TimerError(`invalid firing time ${quote(firedAt)}: expected a finite epoch ms number`);
  if (remaining === 0) return undefined;
  const next: TimerRepeat = { ...repeat, remaining: remaining === -1 ? -1 : remaining - 1 };
  if (typeof repeat.cron === 'string') {
    const dueAt = nextCron(repeat.cron, firedAt, repeat.cron);
    return dueAt === undefined ? undefined : { dueAt, repeat: next };
  }
  if (typeof repeat.interval === 'string') {
    return { dueAt: firedAt + durationToMs(repeat.interval, firedAt), repeat: next };
  }
  if (typeof repeat.intervalMs === 'number' && Number.isFinite(repeat.intervalMs) && repeat.intervalMs >= 0) {
    return { dueAt: firedAt + repeat.intervalMs, repeat: next };
  }
  throw new TimerError(`invalid timer repeat ${quote(repeat)}: needs an intervalMs >= 0 or a cron expression`);
}

/**
 * Refuses a repeating timer that fires more often than `minCycleMs` or asks for more than
 * `maxRepetitions` firings: each firing is a command and history, so a cycle of milliseconds for years
 * would be a flood one request could start.
 */
export function checkTimerLimits(plan: TimerPlan, now: number, limits: { minTimerCycleMs: number; maxTimerRepetitions: number }): void {
  const repeat = plan.repeat;
  if (!repeat) return;
  if (repeat.remaining + 1 > limits.maxTimerRepetitions) {
    throw new TimerError(`the timer cycle asks for ${repeat.remaining + 1} firings; the limit is ${limits.maxTimerRepetitions} (maxTimerRepetitions)`);
  }
  let period = repeat.intervalMs;
  if (repeat.cron) {
    const second = nextCron(repeat.cron, plan.dueAt, repeat.cron);
    period = second === undefined ? undefined : second - plan.dueAt;
  } else if (repeat.interval) {
    period = durationToMs(repeat.interval, Math.max(plan.dueAt, now));
  }
  if (period !== undefined && period < limits.minTimerCycleMs) {
    throw new TimerError(`the timer cycle fires every ${period} ms; the shortest period allowed is ${limits.minTimerCycleMs} ms (minTimerCycleMs)`);
  }
}
