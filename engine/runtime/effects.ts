/**
 * Turns what a machine emitted into store rows and outbox entries for one CommitBatch. Rows are keyed by
 * `${instanceId}.${waitId}`, so applying the same effect twice writes the same row: dispatch is idempotent.
 */
import type { Effect } from '../compile/state';
import type { CommitBatch, IncidentRow, InstanceRow, JobRow, OutboxRow, Store, SubscriptionRow, TaskRow, TimerRow } from '../store/types';
import type { HistoryWriter } from './history';

export const rowId = (instanceId: string, localId: string): string => `${instanceId}.${localId}`;

export interface BatchParts {
  tasks: Map<string, TaskRow>;
  jobs: Map<string, JobRow>;
  timers: Map<string, TimerRow>;
  incidents: Map<string, IncidentRow>;
  subscriptions: SubscriptionRow[];
  deleteSubscriptions: string[];
  outbox: OutboxRow[];
  jobIncidentsRemoved: string[];
}

export function emptyParts(): BatchParts {
  return { tasks: new Map(), jobs: new Map(), timers: new Map(), incidents: new Map(), subscriptions: [], deleteSubscriptions: [], outbox: [], jobIncidentsRemoved: [] };
}

export interface TranslateContext {
  instance: InstanceRow;
  store: Store;
  at: number;
  actor: string;
  history: HistoryWriter;
  parts: BatchParts;
}

/** Rows the command already loaded or produced win over a second load. */
async function loaded<T>(map: Map<string, T>, id: string, load: (id: string) => Promise<T | undefined>): Promise<T | undefined> {
  return map.get(id) ?? (await load(id));
}

export async function translate(effects: Effect[], t: TranslateContext): Promise<void> {
  const { instance, store, at, parts } = t;
  const id = (local: string) => rowId(instance.id, local);
  const outbox = (kind: string, payload: unknown) => parts.outbox.push({ id: `${id(`o${parts.outbox.length}`)}@${instance.rev + 1}`, kind, payload, createdAt: at });

  for (const e of effects) {
    switch (e.type) {
      case 'history':
        t.history.append(e.event, at, t.actor, e.elementId, e.data);
        break;
      case 'task.create':
        parts.tasks.set(id(e.waitId), {
          id: id(e.waitId), instanceId: instance.id, processId: instance.processId, elementId: e.elementId, waitId: e.waitId, name: e.name,
          subject: e.subject, state: 'created', assignee: e.assignee, candidateGroups: e.candidateGroups, candidateUsers: e.candidateUsers, dueDate: e.dueDate,
          followUpDate: e.followUpDate, formId: e.formId, formKey: e.formKey, priority: e.priority, variables: e.variables, excludedUsers: e.excludedUsers, createdAt: at,
        });
        break;
      case 'task.cancel': {
        const row = await loaded(parts.tasks, id(e.waitId), (k) => store.getTask(k));
        if (row && row.state === 'created') parts.tasks.set(row.id, { ...row, state: 'canceled', completedAt: at });
        break;
      }
      case 'job.create':
        parts.jobs.set(id(e.waitId), {
          key: id(e.waitId), type: e.jobType, instanceId: instance.id, processId: instance.processId, elementId: e.elementId, waitId: e.waitId,
          state: 'activatable', retries: e.retries, initialRetries: e.retries, variables: e.variables, customHeaders: e.headers, createdAt: at,
        });
        break;
      case 'job.cancel': {
        const row = await loaded(parts.jobs, id(e.waitId), (k) => store.getJob(k));
        if (row && (row.state === 'activatable' || row.state === 'activated' || row.state === 'failed')) parts.jobs.set(row.key, { ...row, state: 'canceled' });
        if (row?.state === 'failed') {
          // The job's element ended (boundary, cancel): its out-of-retries incident has nothing left to block.
          for (const incident of await store.listIncidents({ instanceId: instance.id, state: 'open' })) {
            if (incident.jobKey !== row.key) continue;
            parts.incidents.set(incident.id, { ...incident, state: 'resolved', resolvedAt: at });
            parts.jobIncidentsRemoved.push(incident.id);
            t.history.append('incident.resolved', at, t.actor, incident.elementId, { incidentId: incident.id, reason: 'element ended' });
          }
        }
        break;
      }
      case 'timer.schedule':
        parts.timers.set(id(e.waitId), { id: id(e.waitId), instanceId: instance.id, elementId: e.elementId, waitId: e.waitId, dueAt: e.dueAt, state: 'scheduled', createdAt: at });
        outbox('timer.scheduled', { timerId: id(e.waitId), dueAt: e.dueAt });
        break;
      case 'timer.cancel': {
        const row = await loaded(parts.timers, id(e.waitId), (k) => store.getTimer(k));
        if (row && row.state === 'scheduled') parts.timers.set(row.id, { ...row, state: 'canceled' });
        outbox('timer.canceled', { timerId: id(e.waitId) });
        break;
      }
      case 'subscription.open':
        parts.subscriptions.push({ id: id(e.waitId), kind: e.kind, name: e.name, correlationKey: e.correlationKey, instanceId: instance.id, elementId: e.elementId, waitId: e.waitId, createdAt: at });
        // A message may have been published before anyone waited for it: look in the buffer after commit.
        if (e.kind === 'message') outbox('message.subscribed', { instanceId: instance.id, waitId: e.waitId, name: e.name, correlationKey: e.correlationKey });
        break;
      case 'subscription.close':
        parts.deleteSubscriptions.push(id(e.waitId));
        break;
      case 'child.start':
        outbox('child.start', { parentInstanceId: instance.id, waitId: e.waitId, processId: e.processId, variables: e.variables, childId: id(e.waitId) });
        break;
      case 'child.cancel':
        outbox('child.cancel', { childId: id(e.waitId) });
        break;
      case 'signal.throw':
        outbox('signal.throw', { name: e.name, variables: e.variables });
        break;
      case 'incident.create':
        parts.incidents.set(id(e.incidentId), {
          id: id(e.incidentId), instanceId: instance.id, processId: instance.processId, elementId: e.elementId, type: e.incidentType,
          message: e.message, state: 'open', createdAt: at,
        });
        break;
      case 'incident.resolve': {
        const row = await loaded(parts.incidents, id(e.incidentId), (k) => store.getIncident(k));
        if (row && row.state === 'open') parts.incidents.set(row.id, { ...row, state: 'resolved', resolvedAt: at });
        break;
      }
      case 'parent.error':
        if (instance.parentInstanceId) outbox('parent.error', { parentInstanceId: instance.parentInstanceId, waitId: instance.parentWaitId, errorCode: e.errorCode, errorMessage: e.errorMessage });
        break;
      case 'parent.escalation':
        if (instance.parentInstanceId) outbox('parent.escalation', { parentInstanceId: instance.parentInstanceId, waitId: instance.parentWaitId, escalationCode: e.escalationCode });
        break;
      case 'instance.end':
        if (instance.parentInstanceId && e.state === 'completed') {
          outbox('parent.complete', { parentInstanceId: instance.parentInstanceId, waitId: instance.parentWaitId, variables: e.variables });
        }
        break;
      case 'rejected':
        break;
    }
  }
}

export function toBatch(instance: InstanceRow, expectedRev: number | null, history: HistoryWriter, parts: BatchParts, consumedMessages?: string[]): CommitBatch {
  return {
    instance,
    expectedRev,
    history: history.events,
    tasks: { upsert: [...parts.tasks.values()] },
    jobs: { upsert: [...parts.jobs.values()] },
    timers: { upsert: [...parts.timers.values()] },
    subscriptions: { insert: parts.subscriptions, deleteIds: parts.deleteSubscriptions },
    incidents: { upsert: [...parts.incidents.values()] },
    consumedMessages,
    outbox: parts.outbox,
  };
}
