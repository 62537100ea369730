/**
 * What the API answers: engine rows turned into the shapes of DESIGN.md section 6, with ISO dates for
 * every time (the store keeps epoch milliseconds), plus CSV for history.
 */
import type { DefinitionRow, HistoryEvent, IncidentRow, JobRow, TaskRow } from '../engine';

export const iso = (ms: number | undefined): string | null => (ms === undefined || ms === null ? null : new Date(ms).toISOString());

export interface TaskView {
  id: string;
  elementId: string;
  name: string | null;
  /** What the task is about (user task header `subject`). */
  subject: string | null;
  processInstanceId: string;
  processId: string;
  state: TaskRow['state'];
  assignee: string | null;
  candidateGroups: string[];
  candidateUsers: string[];
  dueDate: string | null;
  followUpDate: string | null;
  createdAt: string;
  completedAt: string | null;
  completedBy: string | null;
  formId: string | null;
  formKey: string | null;
  priority: number | null;
  /** Users segregation of duties keeps off the task, with the variable that named them. */
  excludedUsers: { user: string; role: string }[];
  /** Where an open task stands against its dates: past the follow-up date is `warning`, past due `breached`. */
  dueStage: DueStage | null;
}

export type DueStage = 'ok' | 'warning' | 'breached';

/**
 * The SLA stage of an open task with a due date, from its due and follow-up dates (the shipped
 * processes set them to the SLA target and its 75 % warning). Null for closed tasks and tasks without one.
 */
export function dueStage(t: TaskRow, now = Date.now()): DueStage | null {
  if (t.state !== 'created' || t.dueDate === undefined || t.dueDate === null) return null;
  if (now >= t.dueDate) return 'breached';
  return t.followUpDate !== undefined && t.followUpDate !== null && now >= t.followUpDate ? 'warning' : 'ok';
}

export function taskView(t: TaskRow): TaskView {
  return {
    id: t.id, elementId: t.elementId, name: t.name ?? null, subject: t.subject ?? null, processInstanceId: t.instanceId, processId: t.processId, state: t.state,
    assignee: t.assignee ?? null, candidateGroups: t.candidateGroups ?? [], candidateUsers: t.candidateUsers ?? [],
    dueDate: iso(t.dueDate), followUpDate: iso(t.followUpDate), createdAt: iso(t.createdAt)!, completedAt: iso(t.completedAt),
    completedBy: t.completedBy ?? null, formId: t.formId ?? null, formKey: t.formKey ?? null, priority: t.priority ?? null,
    excludedUsers: t.excludedUsers ?? [],
    dueStage: dueStage(t),
  };
}

export function jobView(j: JobRow): Record<string, unknown> {
  return {
    key: j.key, type: j.type, processInstanceId: j.instanceId, processId: j.processId, elementId: j.elementId, variables: j.variables,
    retries: j.retries, customHeaders: j.customHeaders ?? {}, worker: j.worker, state: j.state,
    deadline: iso(j.lockExpiresAt) ?? undefined, errorMessage: j.errorMessage,
  };
}

export function incidentView(i: IncidentRow): Record<string, unknown> {
  return {
    id: i.id, processInstanceId: i.instanceId, processId: i.processId, elementId: i.elementId, jobKey: i.jobKey ?? null, type: i.type,
    message: i.message, state: i.state, createdAt: iso(i.createdAt), resolvedAt: iso(i.resolvedAt),
  };
}

export function processView(d: DefinitionRow): Record<string, unknown> {
  return {
    processId: d.processId, version: d.version, key: d.key, name: d.name ?? null, deployedAt: iso(d.deployedAt), deploymentId: d.deploymentId,
    resourceName: d.resourceName,
  };
}

/** A history event with `at` as ISO; the hash covers the epoch value, which `atMs` keeps for re-verification. */
export function historyView(e: HistoryEvent): Record<string, unknown> {
  return {
    instanceId: e.instanceId, seq: e.seq, at: iso(e.at), atMs: e.at, type: e.type, elementId: e.elementId ?? null, actor: e.actor,
    data: e.data ?? null, prevHash: e.prevHash, hash: e.hash,
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
