/**
 * Mapping between the Store port's rows and SQLite columns.
 *
 * JSON-ish fields are stored as TEXT (JSON.stringify). Optional fields are NULL when absent and are
 * left out of the returned object (not set to undefined), so a row read back deep-equals the row
 * written.
 */
import type {
  DefinitionRow,
  ExcludedUser,
  HistoryEvent,
  IncidentRow,
  InstanceRow,
  JobRow,
  MessageRow,
  OutboxRow,
  ResourceRow,
  SubscriptionRow,
  TaskRow,
  TimerRow,
} from '../types';

/** A row as better-sqlite3 returns it. */
export type DbRow = Record<string, unknown>;
/** Named parameters as better-sqlite3 binds them (`@name` in SQL). */
export type DbParams = Record<string, string | number | null>;

const opt = <T>(v: T | undefined): T | null => (v === undefined ? null : v);
const json = (v: unknown): string => JSON.stringify(v === undefined ? null : v);
const optJson = (v: unknown): string | null => (v === undefined ? null : JSON.stringify(v));
const parse = (v: unknown): unknown => JSON.parse(v as string);

/** Copies `value` into `target[key]` unless it is NULL. */
function setOpt<T extends object, K extends keyof T>(target: T, key: K, value: unknown): void {
  if (value !== null && value !== undefined) target[key] = value as T[K];
}

// definitions and resources

export function definitionParams(d: DefinitionRow): DbParams {
  return {
    key: d.key,
    process_id: d.processId,
    version: d.version,
    name: opt(d.name),
    deployment_id: d.deploymentId,
    resource_name: d.resourceName,
    xml: d.xml,
    model: json(d.model),
    checksum: d.checksum,
    deployed_at: d.deployedAt,
  };
}

export function toDefinition(r: DbRow): DefinitionRow {
  const d: DefinitionRow = {
    key: r.key as string,
    processId: r.process_id as string,
    version: r.version as number,
    deploymentId: r.deployment_id as string,
    resourceName: r.resource_name as string,
    xml: r.xml as string,
    model: parse(r.model),
    checksum: r.checksum as string,
    deployedAt: r.deployed_at as number,
  };
  setOpt(d, 'name', r.name);
  return d;
}

export function resourceParams(r: ResourceRow): DbParams {
  return {
    id: r.id,
    kind: r.kind,
    name: r.name,
    content: r.content,
    deployment_id: r.deploymentId,
    deployed_at: r.deployedAt,
  };
}

export function toResource(r: DbRow): ResourceRow {
  return {
    id: r.id as string,
    kind: r.kind as string,
    name: r.name as string,
    content: r.content as string,
    deploymentId: r.deployment_id as string,
    deployedAt: r.deployed_at as number,
  };
}

// instances and history

export function instanceParams(i: InstanceRow): DbParams {
  return {
    id: i.id,
    process_id: i.processId,
    version: i.version,
    definition_key: i.definitionKey,
    business_key: opt(i.businessKey),
    state: i.state,
    rev: i.rev,
    snapshot: json(i.snapshot),
    variables: json(i.variables),
    active_elements: json(i.activeElements),
    parent_instance_id: opt(i.parentInstanceId),
    parent_wait_id: opt(i.parentWaitId),
    started_at: i.startedAt,
    ended_at: opt(i.endedAt),
  };
}

export function toInstance(r: DbRow): InstanceRow {
  const i: InstanceRow = {
    id: r.id as string,
    processId: r.process_id as string,
    version: r.version as number,
    definitionKey: r.definition_key as string,
    state: r.state as InstanceRow['state'],
    rev: r.rev as number,
    snapshot: parse(r.snapshot),
    variables: parse(r.variables) as Record<string, unknown>,
    activeElements: parse(r.active_elements) as string[],
    startedAt: r.started_at as number,
  };
  setOpt(i, 'businessKey', r.business_key);
  setOpt(i, 'parentInstanceId', r.parent_instance_id);
  setOpt(i, 'parentWaitId', r.parent_wait_id);
  setOpt(i, 'endedAt', r.ended_at);
  return i;
}

export function historyParams(e: HistoryEvent): DbParams {
  return {
    instance_id: e.instanceId,
    seq: e.seq,
    at: e.at,
    type: e.type,
    element_id: opt(e.elementId),
    actor: e.actor,
    data: optJson(e.data),
    prev_hash: e.prevHash,
    hash: e.hash,
  };
}

export function toHistory(r: DbRow): HistoryEvent {
  const e: HistoryEvent = {
    instanceId: r.instance_id as string,
    seq: r.seq as number,
    at: r.at as number,
    type: r.type as string,
    actor: r.actor as string,
    prevHash: r.prev_hash as string,
    hash: r.hash as string,
  };
  setOpt(e, 'elementId', r.element_id);
  if (r.data !== null) e.data = parse(r.data);
  return e;
}

// tasks, jobs, timers

export function taskParams(t: TaskRow): DbParams {
  return {
    id: t.id,
    instance_id: t.instanceId,
    process_id: t.processId,
    element_id: t.elementId,
    wait_id: t.waitId,
    name: opt(t.name),
    state: t.state,
    assignee: opt(t.assignee),
    candidate_groups: json(t.candidateGroups ?? []),
    candidate_users: json(t.candidateUsers ?? []),
    due_date: opt(t.dueDate),
    follow_up_date: opt(t.followUpDate),
    form_id: opt(t.formId),
    form_key: opt(t.formKey),
    priority: opt(t.priority),
    variables: json(t.variables),
    created_at: t.createdAt,
    completed_at: opt(t.completedAt),
    completed_by: opt(t.completedBy),
    excluded_users: t.excludedUsers?.length ? json(t.excludedUsers) : null,
    subject: opt(t.subject),
  };
}

export function toTask(r: DbRow): TaskRow {
  const t: TaskRow = {
    id: r.id as string,
    instanceId: r.instance_id as string,
    processId: r.process_id as string,
    elementId: r.element_id as string,
    waitId: r.wait_id as string,
    state: r.state as TaskRow['state'],
    candidateGroups: parse(r.candidate_groups) as string[],
    candidateUsers: parse(r.candidate_users) as string[],
    variables: parse(r.variables) as Record<string, unknown>,
    createdAt: r.created_at as number,
  };
  setOpt(t, 'name', r.name);
  setOpt(t, 'subject', r.subject);
  setOpt(t, 'assignee', r.assignee);
  setOpt(t, 'dueDate', r.due_date);
  setOpt(t, 'followUpDate', r.follow_up_date);
  setOpt(t, 'formId', r.form_id);
  setOpt(t, 'formKey', r.form_key);
  setOpt(t, 'priority', r.priority);
  setOpt(t, 'completedAt', r.completed_at);
  setOpt(t, 'completedBy', r.completed_by);
  if (r.excluded_users !== null && r.excluded_users !== undefined) t.excludedUsers = parse(r.excluded_users) as ExcludedUser[];
  return t;
}

export function jobParams(j: JobRow): DbParams {
  return {
    key: j.key,
    type: j.type,
    instance_id: j.instanceId,
    process_id: j.processId,
    element_id: j.elementId,
    wait_id: j.waitId,
    state: j.state,
    retries: j.retries,
    initial_retries: j.initialRetries,
    worker: opt(j.worker),
    lock_expires_at: opt(j.lockExpiresAt),
    not_before: opt(j.notBefore),
    variables: json(j.variables),
    custom_headers: json(j.customHeaders ?? {}),
    error_message: opt(j.errorMessage),
    created_at: j.createdAt,
  };
}

export function toJob(r: DbRow): JobRow {
  const j: JobRow = {
    key: r.key as string,
    type: r.type as string,
    instanceId: r.instance_id as string,
    processId: r.process_id as string,
    elementId: r.element_id as string,
    waitId: r.wait_id as string,
    state: r.state as JobRow['state'],
    retries: r.retries as number,
    initialRetries: r.initial_retries as number,
    variables: parse(r.variables) as Record<string, unknown>,
    customHeaders: parse(r.custom_headers) as Record<string, string>,
    createdAt: r.created_at as number,
  };
  setOpt(j, 'worker', r.worker);
  setOpt(j, 'lockExpiresAt', r.lock_expires_at);
  setOpt(j, 'notBefore', r.not_before);
  setOpt(j, 'errorMessage', r.error_message);
  return j;
}

export function timerParams(t: TimerRow): DbParams {
  return {
    id: t.id,
    instance_id: opt(t.instanceId),
    definition_key: opt(t.definitionKey),
    element_id: t.elementId,
    wait_id: opt(t.waitId),
    due_at: t.dueAt,
    state: t.state,
    repeat: optJson(t.repeat),
    created_at: t.createdAt,
    fired_at: opt(t.firedAt),
  };
}

export function toTimer(r: DbRow): TimerRow {
  const t: TimerRow = {
    id: r.id as string,
    elementId: r.element_id as string,
    dueAt: r.due_at as number,
    state: r.state as TimerRow['state'],
    createdAt: r.created_at as number,
  };
  setOpt(t, 'instanceId', r.instance_id);
  setOpt(t, 'definitionKey', r.definition_key);
  setOpt(t, 'waitId', r.wait_id);
  if (r.repeat !== null) t.repeat = parse(r.repeat) as TimerRow['repeat'];
  setOpt(t, 'firedAt', r.fired_at);
  return t;
}

// subscriptions, messages, incidents, outbox

export function subscriptionParams(s: SubscriptionRow): DbParams {
  return {
    id: s.id,
    kind: s.kind,
    name: s.name,
    correlation_key: opt(s.correlationKey),
    instance_id: s.instanceId,
    element_id: s.elementId,
    wait_id: s.waitId,
    created_at: s.createdAt,
  };
}

export function toSubscription(r: DbRow): SubscriptionRow {
  const s: SubscriptionRow = {
    id: r.id as string,
    kind: r.kind as SubscriptionRow['kind'],
    name: r.name as string,
    instanceId: r.instance_id as string,
    elementId: r.element_id as string,
    waitId: r.wait_id as string,
    createdAt: r.created_at as number,
  };
  setOpt(s, 'correlationKey', r.correlation_key);
  return s;
}

export function messageParams(m: MessageRow): DbParams {
  return {
    id: m.id,
    name: m.name,
    correlation_key: m.correlationKey,
    variables: json(m.variables ?? {}),
    message_id: opt(m.messageId),
    published_at: m.publishedAt,
    expires_at: m.expiresAt,
  };
}

export function toMessage(r: DbRow): MessageRow {
  const m: MessageRow = {
    id: r.id as string,
    name: r.name as string,
    correlationKey: r.correlation_key as string,
    variables: parse(r.variables) as Record<string, unknown>,
    publishedAt: r.published_at as number,
    expiresAt: r.expires_at as number,
  };
  setOpt(m, 'messageId', r.message_id);
  return m;
}

export function incidentParams(i: IncidentRow): DbParams {
  return {
    id: i.id,
    instance_id: i.instanceId,
    process_id: i.processId,
    element_id: i.elementId,
    job_key: opt(i.jobKey),
    wait_id: opt(i.waitId),
    type: i.type,
    message: i.message,
    state: i.state,
    created_at: i.createdAt,
    resolved_at: opt(i.resolvedAt),
  };
}

export function toIncident(r: DbRow): IncidentRow {
  const i: IncidentRow = {
    id: r.id as string,
    instanceId: r.instance_id as string,
    processId: r.process_id as string,
    elementId: r.element_id as string,
    type: r.type as IncidentRow['type'],
    message: r.message as string,
    state: r.state as IncidentRow['state'],
    createdAt: r.created_at as number,
  };
  setOpt(i, 'jobKey', r.job_key);
  setOpt(i, 'waitId', r.wait_id);
  setOpt(i, 'resolvedAt', r.resolved_at);
  return i;
}

export function outboxParams(o: OutboxRow): DbParams {
  return { id: o.id, kind: o.kind, payload: json(o.payload), created_at: o.createdAt };
}

export function toOutbox(r: DbRow): OutboxRow {
  return {
    id: r.id as string,
    kind: r.kind as string,
    payload: parse(r.payload),
    createdAt: r.created_at as number,
  };
}
