/**
 * SLA clock arithmetic as FEEL functions, so a process diagram says what its practice is ("start the
 * clock when the incident was reported", "pause it") instead of carrying pasted arithmetic:
 *   slaSeconds(duration)                      whole seconds of a day-time duration ("PT4H" -> 14400)
 *   slaDue(seconds, calendar[, from])         the date-time when `seconds` of counted time have passed
 *                                             since `from` (default: now)
 *   slaBetween(from, to, calendar)            whole seconds of counted time between two date-times
 *   slaStart(target, from)                    a running clock {total, budget, startedAt, running, paused} for
 *                                             the target duration, started at `from`
 *   slaUsed(clock, calendar)                  seconds the clock has used up to now (paused time excluded)
 *   slaPause(clock, calendar)                 the clock stopped now: its budget is what is left
 *   slaResume(clock)                          a stopped clock running again from now, with its budget; the
 *                                             wall seconds it stood still are added to `paused` (reports)
 *   slaRetarget(clock, target, calendar)      the clock for a new target (a priority change): the time
 *                                             used stays used, running or stopped as it was
 *   slaStageOf(used, total)                   "ok", "warning" (75 % used) or "breached"
 *   slaWarningAfter(target)                   when a clock for `target` warns, as a duration (75 % of it:
 *                                             "PT4H" -> "PT10800S"), whole seconds, for a timer
 *   slaWarningSeconds(total)                  the same in seconds of a total given in seconds
 *   slaStageMin(a, b), slaStageMax(a, b)      the lower / higher of two stages (null counts as "ok")
 * `calendar` is "24x7" (every second counts), "business" or null (the engine's calendar), or the name of
 * a named calendar; an unknown name is an error (an incident on the element), never a silent 24x7.
 * Seconds are whole: what the timers and the SLA records compare. A budget may go below zero: a target
 * already used up is due now.
 */
import { addBusinessTime, businessTimeBetween, type BusinessCalendarConfig } from './businessCalendar';
import { durationToMs, parseDateTime } from './timers';

/** The share of a target after which a running clock warns. */
const WARNING_SHARE = 0.75;
const LEAP_FEBRUARY = Date.UTC(1972, 1, 1);

export interface SlaClock {
  total: number;
  budget: number;
  startedAt?: string;
  pausedAt?: string;
  running: boolean;
  /** Wall-clock seconds the clock stood still, all pauses together. */
  paused: number;
}

const STAGES = ['ok', 'warning', 'breached'] as const;

function rank(stage: unknown, what: string): number {
  const at = stage == null ? 0 : STAGES.indexOf(stage as (typeof STAGES)[number]);
  if (at < 0) throw new Error(`${what}: a stage is "ok", "warning" or "breached", got ${JSON.stringify(stage)}`);
  return at;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : String(value));
const instant = (value: unknown, what: string): number => (typeof value === 'number' ? value : parseDateTime(text(value), what));
const iso = (ms: number): string => new Date(ms).toISOString();

function num(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`${what} must be a number of seconds, got ${JSON.stringify(value)}`);
  return value;
}

function clockOf(value: unknown, what: string): SlaClock {
  if (!value || typeof value !== 'object') throw new Error(`${what} must be an SLA clock {total, budget, startedAt, running}, got ${JSON.stringify(value)}`);
  const c = value as Record<string, unknown>;
  const clock: SlaClock = {
    total: num(c.total, `${what}.total`),
    budget: num(c.budget, `${what}.budget`),
    running: c.running === true,
    paused: c.paused == null ? 0 : num(c.paused, `${what}.paused`),
  };
  if (c.startedAt != null) clock.startedAt = text(c.startedAt);
  if (c.pausedAt != null) clock.pausedAt = text(c.pausedAt);
  if (clock.running && !clock.startedAt) throw new Error(`${what} runs but has no startedAt`);
  return clock;
}

/** Seconds of a duration without years or months (an SLA target is a span of time, not a calendar step). */
export function slaSeconds(duration: unknown): number {
  const value = text(duration);
  const ms = durationToMs(value, 0);
  // Years and months have no fixed length: measured from two starts, they give two answers.
  if (durationToMs(value, LEAP_FEBRUARY) !== ms) throw new Error(`an SLA target is days, hours, minutes and seconds, not years or months: ${value}`);
  return Math.floor(ms / 1000);
}

/** The parameter names of each SLA function, as FEEL calls them by name (see FEEL_PARAMETERS, commandFunctions.ts). */
export const SLA_PARAMETERS: Record<string, string[]> = {
  slaSeconds: ['duration'],
  slaDue: ['seconds', 'calendar', 'from'],
  slaBetween: ['from', 'to', 'calendar'],
  slaStart: ['target', 'from'],
  slaUsed: ['value', 'calendar'],
  slaPause: ['value', 'calendar'],
  slaResume: ['value'],
  slaRetarget: ['value', 'target', 'calendar'],
  slaStageMin: ['a', 'b'],
  slaStageMax: ['a', 'b'],
  slaWarningAfter: ['target'],
  slaWarningSeconds: ['total'],
  slaStageOf: ['usedSeconds', 'total'],
};

/**
 * The SLA functions of one command: `now` is the command's time, `calendarOf` resolves a calendar name
 * (undefined for "24x7").
 */
export function slaFunctions(now: number, calendarOf: (name: unknown) => BusinessCalendarConfig | undefined): Record<string, (...args: unknown[]) => unknown> {
  const due = (seconds: unknown, calendar: unknown, from: unknown): string => {
    const start = from == null ? now : instant(from, 'slaDue from');
    const ms = Math.max(0, num(seconds, 'slaDue seconds')) * 1000;
    const cal = calendarOf(calendar);
    return iso(cal ? addBusinessTime(cal, start, ms) : start + ms);
  };
  const between = (from: unknown, to: unknown, calendar: unknown): number => {
    const a = instant(from, 'slaBetween from');
    const b = instant(to, 'slaBetween to');
    const cal = calendarOf(calendar);
    return Math.floor((cal ? businessTimeBetween(cal, a, b) : Math.max(0, b - a)) / 1000);
  };
  const used = (value: unknown, calendar: unknown): number => {
    const clock = clockOf(value, 'slaUsed clock');
    return clock.total - clock.budget + (clock.running ? between(clock.startedAt, now, calendar) : 0);
  };
  return {
    slaSeconds: (duration: unknown) => slaSeconds(duration),
    slaDue: (seconds: unknown, calendar: unknown, from?: unknown) => due(seconds, calendar, from),
    slaBetween: between,
    slaStart: (target: unknown, from: unknown) => {
      const total = slaSeconds(target);
      return { total, budget: total, startedAt: iso(from == null ? now : instant(from, 'slaStart from')), running: true, paused: 0 };
    },
    slaUsed: used,
    slaPause: (value: unknown, calendar: unknown) => {
      const clock = clockOf(value, 'slaPause clock');
      if (!clock.running) return clock;
      return { total: clock.total, budget: clock.total - used(clock, calendar), pausedAt: iso(now), running: false, paused: clock.paused };
    },
    slaResume: (value: unknown) => {
      const clock = clockOf(value, 'slaResume clock');
      if (clock.running) return clock;
      const stood = clock.pausedAt ? Math.max(0, Math.floor((now - instant(clock.pausedAt, 'slaResume pausedAt')) / 1000)) : 0;
      return { total: clock.total, budget: clock.budget, startedAt: iso(now), running: true, paused: clock.paused + stood };
    },
    slaRetarget: (value: unknown, target: unknown, calendar: unknown) => {
      const clock = clockOf(value, 'slaRetarget clock');
      const total = slaSeconds(target);
      const budget = total - used(clock, calendar);
      return clock.running
        ? { total, budget, startedAt: iso(now), running: true, paused: clock.paused }
        : { total, budget, pausedAt: clock.pausedAt ?? iso(now), running: false, paused: clock.paused };
    },
    slaStageMin: (a: unknown, b: unknown) => STAGES[Math.min(rank(a, 'slaStageMin'), rank(b, 'slaStageMin'))],
    slaStageMax: (a: unknown, b: unknown) => STAGES[Math.max(rank(a, 'slaStageMax'), rank(b, 'slaStageMax'))],
    slaWarningAfter: (target: unknown) => `PT${Math.floor(slaSeconds(target) * WARNING_SHARE)}S`,
    slaWarningSeconds: (total: unknown) => Math.floor(num(total, 'slaWarningSeconds total') * WARNING_SHARE),
    slaStageOf: (usedSeconds: unknown, total: unknown) => {
      const u = num(usedSeconds, 'slaStageOf used');
      const t = num(total, 'slaStageOf total');
      return u >= t ? 'breached' : u >= Math.floor(t * WARNING_SHARE) ? 'warning' : 'ok';
    },
  };
}
