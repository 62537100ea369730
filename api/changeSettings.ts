/**
 * The change practice's settings (processes/README.md, "Change"): how long one change window may be,
 * the blackout windows in which no change is scheduled, and the bounds of the work one schedule check or
 * calendar request may cause. Read once at start (api/config.ts); a bad file stops the start with the
 * reason, so a typo never silently opens a blackout.
 *
 * CHANGE_CALENDAR is a JSON file `{ "blackouts": [{ "from", "to", "reason" }] }` (ISO 8601 date-times
 * with an offset, `to` after `from`).
 */
import fs from 'node:fs';
import { parseDateTime } from '../engine';

export interface Blackout {
  /** ISO 8601, as configured. */
  from: string;
  to: string;
  reason: string;
  /** The same window in epoch ms. */
  fromMs: number;
  toMs: number;
}

export interface ChangeSettings {
  /** CHANGE_MAX_WINDOW_HOURS: the longest planned window (start to end). */
  maxWindowHours: number;
  /** CHANGE_CALENDAR: blackout windows. */
  blackouts: Blackout[];
  /** CHANGE_SCAN_LIMIT: most open changes one schedule check or calendar request reads. */
  scanLimit: number;
  /** CHANGE_CALENDAR_MAX_DAYS: the longest range GET /api/change-calendar answers. */
  maxRangeDays: number;
}

export const DEFAULT_CHANGE_SETTINGS: ChangeSettings = { maxWindowHours: 72, blackouts: [], scanLimit: 5000, maxRangeDays: 92 };

/** A blackout refuses schedules; one ending before it starts (or without an offset) is a mistake. */
function blackoutOf(value: unknown, i: number): Blackout {
  const b = (value ?? {}) as Record<string, unknown>;
  const time = (key: 'from' | 'to'): { text: string; ms: number } => {
    const text = b[key];
    // an offset is required: a blackout in "local time" would depend on where the server runs
    if (typeof text !== 'string' || !/(Z|[+-]\d{2}:?\d{2})$/i.test(text)) throw new Error(`blackouts[${i}].${key} must be an ISO 8601 date-time with an offset`);
    return { text, ms: parseDateTime(text, `blackouts[${i}].${key}`) };
  };
  const from = time('from');
  const to = time('to');
  if (to.ms <= from.ms) throw new Error(`blackouts[${i}]: to must be after from`);
  if (typeof b.reason !== 'string' || !b.reason.trim() || b.reason.length > 500) throw new Error(`blackouts[${i}].reason must be a text of 1 to 500 characters`);
  return { from: from.text, to: to.text, reason: b.reason, fromMs: from.ms, toMs: to.ms };
}

/** Reads and checks a CHANGE_CALENDAR file; throws naming the file and the problem. */
export function readChangeCalendar(file: string): Blackout[] {
  try {
    const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { blackouts?: unknown };
    if (!Array.isArray(json.blackouts)) throw new Error('expected {"blackouts": [{"from", "to", "reason"}]}');
    return json.blackouts.map(blackoutOf);
  } catch (err) {
    throw new Error(`CHANGE_CALENDAR ${file}: ${(err as Error).message}`, { cause: err });
  }
}

function positive(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${value}"`);
  return n;
}

/** CHANGE_MAX_WINDOW_HOURS, CHANGE_CALENDAR (a file, relative to `cwd`), CHANGE_SCAN_LIMIT, CHANGE_CALENDAR_MAX_DAYS. */
export function changeSettings(env: NodeJS.ProcessEnv, resolve: (file: string) => string): ChangeSettings {
  const d = DEFAULT_CHANGE_SETTINGS;
  return {
    maxWindowHours: positive(env.CHANGE_MAX_WINDOW_HOURS, d.maxWindowHours, 'CHANGE_MAX_WINDOW_HOURS'),
    blackouts: env.CHANGE_CALENDAR ? readChangeCalendar(resolve(env.CHANGE_CALENDAR)) : d.blackouts,
    scanLimit: positive(env.CHANGE_SCAN_LIMIT, d.scanLimit, 'CHANGE_SCAN_LIMIT'),
    maxRangeDays: positive(env.CHANGE_CALENDAR_MAX_DAYS, d.maxRangeDays, 'CHANGE_CALENDAR_MAX_DAYS'),
  };
}
