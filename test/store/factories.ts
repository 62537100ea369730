/** Realistic row factories for the Store contract tests (ITSM-flavoured: incidents, changes). */
import { createHash } from 'node:crypto';
import type {
  CommitBatch,
  DefinitionRow,
  DraftRow,
  HistoryEvent,
  IncidentRow,
  SlaRecordRow,
  InstanceRow,
  JobRow,
  MessageRow,
  OutboxEntry,
  OutboxRow,
  ResourceRow,
  SubscriptionRow,
  TaskRow,
  TimerRow,
} from '../../engine/store/types';

/** A fixed base time so tests are deterministic: 2025-03-01T09:00:00Z. */
export const T0 = Date.UTC(2025, 2, 1, 9, 0, 0);

export function definition(processId: string, version: number, over: Partial<DefinitionRow> = {}): DefinitionRow {
  const xml = `<bpmn:definitions><bpmn:process id="${processId}" isExecutable="true"/></bpmn:definitions><!-- v${version} -->`;
  return {
    key: `${processId}:${version}`,
    processId,
    version,
    name: `${processId} v${version}`,
    deploymentId: `dep-${processId}-${version}`,
    resourceName: `${processId}.bpmn`,
    xml,
    model: { id: processId, elements: [{ id: 'start', type: 'startEvent' }], flows: [] },
    checksum: createHash('sha256').update(xml).digest('hex'),
    deployedAt: T0 + version * 1000,
    ...over,
  };
}

export function resource(id: string, over: Partial<ResourceRow> = {}): ResourceRow {
  const [kind, name] = id.split(':');
  return {
    id,
    kind,
    name,
    content: JSON.stringify({ type: 'default', components: [{ key: 'summary', type: 'textfield' }] }),
    deploymentId: 'dep-1',
    deployedAt: T0,
    ...over,
  };
}

export function draft(userId: string, processId: string, over: Partial<DraftRow> = {}): DraftRow {
  const xml = `<bpmn:definitions><bpmn:process id="${processId}" /></bpmn:definitions>`;
  return { id: `${processId}@${userId}`, userId, processId, name: 'Laptop request', xml, forms: [], size: xml.length, updatedAt: T0, ...over };
}

export function instance(id: string, over: Partial<InstanceRow> = {}): InstanceRow {
  return {
    id,
    processId: 'incident',
    version: 1,
    definitionKey: 'incident:1',
    businessKey: `INC-${id}`,
    state: 'active',
    rev: 1,
    snapshot: { status: 'active', value: { triage: {} }, context: { vars: { priority: 2 } } },
    variables: { priority: 2, summary: 'Printer on fire', reporter: { name: 'Dana', email: 'dana@example.com' } },
    activeElements: ['triage'],
    startedAt: T0,
    ...over,
  };
}

export function event(instanceId: string, seq: number, over: Partial<HistoryEvent> = {}): HistoryEvent {
  const prevHash = seq === 1 ? '' : `hash-${instanceId}-${seq - 1}`;
  return {
    instanceId,
    seq,
    at: T0 + seq,
    type: seq === 1 ? 'instance.started' : 'element.activated',
    elementId: seq === 1 ? undefined : 'triage',
    actor: 'engine',
    data: { seq, note: 'ünïcödé ✓' },
    prevHash,
    hash: `hash-${instanceId}-${seq}`,
    ...over,
  };
}

export function task(id: string, instanceId: string, over: Partial<TaskRow> = {}): TaskRow {
  return {
    id,
    instanceId,
    processId: 'incident',
    elementId: 'triage',
    waitId: `${instanceId}/triage/${id}`,
    name: 'Triage incident',
    state: 'created',
    candidateGroups: ['service-desk'],
    candidateUsers: [],
    dueDate: T0 + 86_400_000,
    formId: 'incident-triage',
    priority: 50,
    createdAt: T0,
    ...over,
  };
}

export function job(key: string, instanceId: string, over: Partial<JobRow> = {}): JobRow {
  return {
    key,
    type: 'send-email',
    instanceId,
    processId: 'incident',
    elementId: 'notify',
    waitId: `${instanceId}/notify/${key}`,
    state: 'activatable',
    retries: 3,
    initialRetries: 3,
    variables: { to: 'dana@example.com' },
    customHeaders: { template: 'incident-opened' },
    createdAt: T0,
    ...over,
  };
}

export function timer(id: string, over: Partial<TimerRow> = {}): TimerRow {
  return {
    id,
    instanceId: 'i-timer',
    elementId: 'sla-breach',
    waitId: `i-timer/sla-breach/${id}`,
    dueAt: T0 + 60_000,
    state: 'scheduled',
    createdAt: T0,
    ...over,
  };
}

/** A start timer of a definition (no instance). */
export function startTimer(id: string, definitionKey: string, over: Partial<TimerRow> = {}): TimerRow {
  return {
    id,
    definitionKey,
    elementId: 'nightly',
    dueAt: T0 + 3_600_000,
    state: 'scheduled',
    repeat: { remaining: -1, intervalMs: 86_400_000 },
    createdAt: T0,
    ...over,
  };
}

export function subscription(id: string, instanceId: string, over: Partial<SubscriptionRow> = {}): SubscriptionRow {
  return {
    id,
    kind: 'message',
    name: 'customer-replied',
    correlationKey: `INC-${instanceId}`,
    instanceId,
    elementId: 'wait-reply',
    waitId: `${instanceId}/wait-reply/${id}`,
    createdAt: T0,
    ...over,
  };
}

export function message(id: string, over: Partial<MessageRow> = {}): MessageRow {
  return {
    id,
    name: 'customer-replied',
    correlationKey: 'INC-1',
    variables: { reply: 'It works now' },
    publishedAt: T0,
    expiresAt: T0 + 60_000,
    ...over,
  };
}

export function incident(id: string, instanceId: string, over: Partial<IncidentRow> = {}): IncidentRow {
  return {
    id,
    instanceId,
    processId: 'incident',
    elementId: 'notify',
    jobKey: `job-${id}`,
    type: 'job-no-retries',
    message: 'SMTP connection refused',
    state: 'open',
    createdAt: T0,
    ...over,
  };
}

export function slaRecord(instanceId: string, kind: 'response' | 'resolution', over: Partial<SlaRecordRow> = {}): SlaRecordRow {
  const round = over.round ?? 1;
  return {
    id: `${instanceId}.${kind}.${round}`,
    instanceId,
    processId: 'incident',
    ticket: 'INC-7',
    kind,
    round,
    priority: 2,
    assignmentGroup: 'network',
    calendar: '24x7',
    target: kind === 'response' ? 'PT1H' : 'PT8H',
    dueAt: T0 + 3_600_000,
    status: 'met',
    pausedSeconds: 0,
    completedAt: T0 + 1000,
    ...over,
  };
}

export function outbox(id: string, over: { createdAt?: number; entry?: OutboxEntry } = {}): OutboxRow {
  return { ...(over.entry ?? { kind: 'timer.canceled', payload: { timerId: `t-${id}` } }), id, createdAt: over.createdAt ?? T0 };
}

/** A batch that creates an instance with its first history event. */
export function startBatch(inst: InstanceRow, extra: Partial<CommitBatch> = {}): CommitBatch {
  return { instance: inst, expectedRev: null, history: [event(inst.id, 1)], ...extra };
}

/** A batch that moves an instance from `fromRev` to `fromRev + 1`. */
export function nextBatch(inst: InstanceRow, fromRev: number, history: HistoryEvent[], extra: Partial<CommitBatch> = {}): CommitBatch {
  return { instance: { ...inst, rev: fromRev + 1 }, expectedRev: fromRev, history, ...extra };
}
