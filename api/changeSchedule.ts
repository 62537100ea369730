/**
 * The rules of a change's schedule (processes/README.md, "Change"), checked when the task with the form
 * `change-schedule` is completed, before the engine sees it: a schedule that breaks one is refused and
 * the task stays open.
 *
 * - The window: `plannedStart` in the future (the engine's clock), `plannedEnd` after it, at most
 *   CHANGE_MAX_WINDOW_HOURS long. Broken: 400 naming the field.
 * - The calendar: no overlap with a blackout (CHANGE_CALENDAR), nor with the window of another open
 *   change of the same configuration item. Broken: 409 CONFLICT listing what it overlaps. An
 *   emergency change may still go ahead when a change manager (group change-managers) completes the
 *   task with an `overrideReason`: the override is recorded as the variable `scheduleOverride`
 *   (who, when, why, what was overridden), so it is in the task's history event and the evidence pack.
 *
 * Scheduled changes are read from the open instances of process `change` (bounded: CHANGE_SCAN_LIMIT).
 * Checks and completions of schedules run one after another in this API process (ScheduleGate), so
 * two change managers cannot both book one item's window at the same moment; a deployment has one API
 * process (docs/architecture.md, "The adapters").
 */
import { parseDateTime, type Engine, type InstanceView } from '../engine';
import type { Principal } from './auth';
import type { Blackout, ChangeSettings } from './changeSettings';
import { ApiError, badRequest } from './errors';
import type { Variables } from './schemas';

export const CHANGE_SCHEDULE_FORM = 'change-schedule';
const CHANGE_PROCESS = 'change';
export const CHANGE_MANAGERS = 'change-managers';
const HOUR = 3_600_000;
const PAGE = 500;

/** A change with a planned window, as the calendar lists it. */
export interface ScheduledChange {
  instanceId: string;
  title: string | null;
  changeType: string | null;
  configurationItem: string | null;
  riskLevel: string | null;
  implementer: string | null;
  plannedStart: string;
  plannedEnd: string;
  startMs: number;
  endMs: number;
  activeElements: string[];
  overridden: boolean;
}

const text = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

/** An instant of the form, or undefined when it is none (the window rules then name the field). */
function instant(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    return parseDateTime(value, 'date');
  } catch {
    return undefined;
  }
}

function scheduled(i: InstanceView): ScheduledChange | undefined {
  const v = i.variables;
  const startMs = instant(v.plannedStart);
  const endMs = instant(v.plannedEnd);
  if (startMs === undefined || endMs === undefined) return undefined;
  const risk = v.risk as { riskLevel?: unknown } | null | undefined;
  return {
    instanceId: i.id,
    title: text(v.title),
    changeType: text(v.changeType),
    configurationItem: text(v.configurationItem),
    riskLevel: text(risk?.riskLevel),
    implementer: text(v.implementer),
    plannedStart: String(v.plannedStart),
    plannedEnd: String(v.plannedEnd),
    startMs,
    endMs,
    activeElements: i.activeElements,
    overridden: v.scheduleOverride !== undefined && v.scheduleOverride !== null,
  };
}

/** The open changes (active, or stopped by an incident) with a planned window; `truncated` past the scan limit. */
export async function openScheduledChanges(engine: Engine, scanLimit: number): Promise<{ changes: ScheduledChange[]; truncated: boolean }> {
  const changes: ScheduledChange[] = [];
  let scanned = 0;
  for (const state of ['active', 'incident'] as const) {
    let cursor: string | undefined;
    do {
      const page = await engine.listInstances({ processId: CHANGE_PROCESS, state, limit: Math.min(PAGE, scanLimit - scanned + 1), cursor });
      for (const i of page.items) {
        if (scanned === scanLimit) return { changes, truncated: true };
        scanned++;
        const s = scheduled(i);
        if (s) changes.push(s);
      }
      cursor = page.next;
    } while (cursor);
  }
  return { changes, truncated: false };
}

export const overlaps = (a: { startMs: number; endMs: number }, fromMs: number, toMs: number): boolean => a.startMs < toMs && fromMs < a.endMs;

function fieldError(field: string, message: string): ApiError {
  return badRequest(`${field}: ${message}`, [{ in: 'body', instancePath: `/variables/${field}`, message }]);
}

/** The window rules; answers the window in epoch ms. */
export function checkWindow(variables: Variables, now: number, maxWindowHours: number): { startMs: number; endMs: number } {
  const startMs = instant(variables.plannedStart);
  if (startMs === undefined) throw fieldError('plannedStart', 'must be an ISO 8601 date-time such as "2026-12-01T22:00:00Z"');
  const endMs = instant(variables.plannedEnd);
  if (endMs === undefined) throw fieldError('plannedEnd', 'must be an ISO 8601 date-time such as "2026-12-01T23:00:00Z"');
  if (startMs <= now) throw fieldError('plannedStart', `must be in the future (now is ${new Date(now).toISOString()})`);
  if (endMs <= startMs) throw fieldError('plannedEnd', 'must be after plannedStart');
  if (endMs - startMs > maxWindowHours * HOUR) throw fieldError('plannedEnd', `the window may last at most ${maxWindowHours} hours (CHANGE_MAX_WINDOW_HOURS)`);
  return { startMs, endMs };
}

const blackoutView = (b: Blackout): { from: string; to: string; reason: string } => ({ from: b.from, to: b.to, reason: b.reason });

/**
 * Checks the schedule a task of `instanceId` is completed with; answers the variables to complete it
 * with (with `scheduleOverride` when an emergency change was scheduled over the calendar).
 */
export async function checkSchedule(engine: Engine, settings: ChangeSettings, instanceId: string, variables: Variables, me: Principal): Promise<Variables> {
  const now = engine.clock();
  const window = checkWindow(variables, now, settings.maxWindowHours);
  const change = (await engine.getInstance(instanceId)).variables;
  const blackouts = settings.blackouts.filter((b) => overlaps({ startMs: b.fromMs, endMs: b.toMs }, window.startMs, window.endMs));
  const item = text(change.configurationItem);
  let conflicts: ScheduledChange[] = [];
  if (item) {
    const open = await openScheduledChanges(engine, settings.scanLimit);
    // refusing is safer than booking a window over a change the scan did not reach
    if (open.truncated) throw new ApiError('SERVICE_UNAVAILABLE', `more than ${settings.scanLimit} open changes: the schedule cannot be checked for conflicts (CHANGE_SCAN_LIMIT)`);
    conflicts = open.changes.filter((c) => c.instanceId !== instanceId && c.configurationItem === item && overlaps(c, window.startMs, window.endMs));
  }
  if (!blackouts.length && !conflicts.length) return variables;

  const found = {
    blackouts: blackouts.map(blackoutView),
    conflicts: conflicts.map((c) => ({ instanceId: c.instanceId, title: c.title, configurationItem: c.configurationItem, plannedStart: c.plannedStart, plannedEnd: c.plannedEnd })),
  };
  const what = [
    ...blackouts.map((b) => `the blackout ${b.from} to ${b.to} (${b.reason})`),
    ...conflicts.map((c) => `change ${c.instanceId} of ${item} (${c.plannedStart} to ${c.plannedEnd})`),
  ].join(', ');
  const reason = typeof variables.overrideReason === 'string' ? variables.overrideReason.trim() : '';
  const emergency = change.changeType === 'emergency';
  if (emergency && reason && me.groups.includes(CHANGE_MANAGERS)) {
    return { ...variables, scheduleOverride: { by: me.id, at: new Date(now).toISOString(), reason, ...found } };
  }
  const how = emergency
    ? me.groups.includes(CHANGE_MANAGERS)
      ? '; an emergency change may go ahead with an overrideReason'
      : `; only a change manager (group ${CHANGE_MANAGERS}) may override it for an emergency change`
    : '';
  throw new ApiError('CONFLICT', `the planned window overlaps ${what}${how}`, found);
}

/** Runs schedule checks and the completions they allow one after another (see the file's comment). */
export class ScheduleGate {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
