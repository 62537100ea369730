/**
 * What the API answers: engine rows turned into the shapes of api/schemas.ts (docs/architecture.md, "The HTTP API"), with ISO dates for
 * every time (the store keeps epoch milliseconds), plus CSV for history.
 */
import type { DefinitionRow, HistoryEvent, IncidentRow, JobRow, TaskRow } from '../engine';
import { responses, type HistoryEvent as HistoryEventView, type Task } from './schemas';

export const iso = (ms: number | undefined): string | null => (ms === undefined || ms === null ? null : new Date(ms).toISOString());

export type DueStage = NonNullable<Task['dueStage']>;

/**
 * The SLA stage of an open task with a due date, from its due and follow-up dates (the shipped
 * processes set them to the SLA target and its 75 % warning). Null for closed tasks and tasks without one.
 */
export function dueStage(t: TaskRow, now = Date.now()): DueStage | null {
  if (t.state !== 'created' || t.dueDate === undefined || t.dueDate === null) return null;
  if (now >= t.dueDate) return 'breached';
  return t.followUpDate !== undefined && t.followUpDate !== null && now >= t.followUpDate ? 'warning' : 'ok';
}

/** Task fields the API names differently from the row. */
const TASK_FIELD_OF: Readonly<Record<string, string>> = { processInstanceId: 'instanceId' };

/**
 * How each field of the Task schema is filled, worked out once: every task answer (each complete, claim
 * and list item) reads this table instead of walking the schema again.
 */
const TASK_FIELDS = Object.entries(responses.Task.properties).map(([name, schema]) => ({
  name,
  from: TASK_FIELD_OF[name] ?? name,
  date: 'format' in schema && schema.format === 'date-time',
  list: 'type' in schema && schema.type === 'array',
}));

/**
 * The API's task, field by field from the Task schema (api/schemas.ts): the row's value, a date-time as
 * ISO, an absent list as [] and anything else absent as null; `dueStage` is computed. A field added to
 * the schema and the row shows here without a change (test/api/responseSchemas.test.ts checks the result).
 */
export function taskView(t: TaskRow): Task {
  const row: Readonly<Record<string, unknown>> = t;
  const view: Record<string, unknown> = {};
  for (const { name, from, date, list } of TASK_FIELDS) {
    const value = row[from];
    view[name] = date ? iso(value as number | undefined) : (value ?? (list ? [] : null));
  }
  view.dueStage = dueStage(t);
  return view as Task;
}

export function jobView(j: JobRow): Record<string, unknown> {
  return {
    key: j.key,
    type: j.type,
    processInstanceId: j.instanceId,
    processId: j.processId,
    elementId: j.elementId,
    variables: j.variables,
    retries: j.retries,
    customHeaders: j.customHeaders ?? {},
    worker: j.worker,
    state: j.state,
    deadline: iso(j.lockExpiresAt) ?? undefined,
    errorMessage: j.errorMessage,
  };
}

export function incidentView(i: IncidentRow): Record<string, unknown> {
  return {
    id: i.id,
    processInstanceId: i.instanceId,
    processId: i.processId,
    elementId: i.elementId,
    jobKey: i.jobKey ?? null,
    type: i.type,
    message: i.message,
    state: i.state,
    createdAt: iso(i.createdAt),
    resolvedAt: iso(i.resolvedAt),
  };
}

export function processView(d: DefinitionRow): Record<string, unknown> {
  return {
    processId: d.processId,
    version: d.version,
    key: d.key,
    name: d.name ?? null,
    deployedAt: iso(d.deployedAt),
    deploymentId: d.deploymentId,
    resourceName: d.resourceName,
    deployedBy: d.deployedBy ?? null,
    owners: d.owners ?? [],
  };
}

/** A history event with `at` as ISO; the hash covers the epoch value, which `atMs` keeps for re-verification. */
export function historyView(e: HistoryEvent): HistoryEventView {
  return {
    instanceId: e.instanceId,
    seq: e.seq,
    at: iso(e.at)!,
    atMs: e.at,
    type: e.type,
    elementId: e.elementId ?? null,
    actor: e.actor,
    data: e.data ?? null,
    prevHash: e.prevHash,
    hash: e.hash,
  };
}

export const HISTORY_CSV_COLUMNS = ['seq', 'at', 'type', 'elementId', 'actor', 'data', 'prevHash', 'hash'] as const;

/** RFC 4180 field: quoted when it holds a comma, quote or line break; formula-leading cells are defused. */
export function csvField(value: unknown): string {
  let s = value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(s) && typeof value === 'string') s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function historyCsvHeader(withInstance: boolean): string {
  return `${[...(withInstance ? ['instanceId'] : []), ...HISTORY_CSV_COLUMNS].join(',')}\r\n`;
}

export function historyCsvRow(e: HistoryEvent, withInstance: boolean): string {
  const cells = [e.seq, iso(e.at), e.type, e.elementId, e.actor, e.data ?? null, e.prevHash, e.hash];
  return `${[...(withInstance ? [e.instanceId] : []), ...cells].map(csvField).join(',')}\r\n`;
}
