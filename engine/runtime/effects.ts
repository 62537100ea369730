/**
 * Turns what a machine emitted into store rows and outbox entries for one CommitBatch. Rows are keyed by
 * `${instanceId}.${waitId}`, so applying the same effect twice writes the same row: dispatch is idempotent.
 * The outbox entries are the typed union OutboxEntry (store/types.ts); outbox.ts switches on their kind.
 */
import type { Effect } from '../compile/state';
import type { CommitBatch, IncidentRow, InstanceRow, JobRow, OutboxEntry, OutboxRow, SlaRecordRow, Store, SubscriptionRow, TaskRow, TimerRow } from '../store/types';
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
  slaRecords: Map<string, SlaRecordRow>;
}

export function emptyParts(): BatchParts {
  return {
    tasks: new Map(),
    jobs: new Map(),
    timers: new Map(),
    incidents: new Map(),
    subscriptions: [],
    deleteSubscriptions: [],
    outbox: [],
    jobIncidentsRemoved: [],
    slaRecords: new Map(),
  };
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
  const outbox = (entry: OutboxEntry) => parts.outbox.push({ ...entry, id: `${id(`o${parts.outbox.length}`)}@${instance.rev + 1}`, createdAt: at });

  // The call activity waiting for this instance, if a call activity started it.
  const parent = instance.parentInstanceId && instance.parentWaitId ? { parentInstanceId: instance.parentInstanceId, waitId: instance.parentWaitId } : undefined;

  for (const e of effects) {
    switch (e.type) {
      case 'history':
        t.history.append(e.event, at, t.actor, e.elementId, e.data);
        break;
      case 'sla.record': {
        // one row per target and round: recording the same target again (a reopen) replaces it
        const { group, breached, ...r } = e.record;
        const row: SlaRecordRow = { ...r, id: id(`${r.kind}.${r.round}`), instanceId: instance.id, processId: instance.processId, status: breached ? 'breached' : 'met' };
        if (group !== undefined) row.assignmentGroup = group;
        parts.slaRecords.set(row.id, row);
        break;
      }
      case 'task.create':
        parts.tasks.set(id(e.waitId), {
          id: id(e.waitId),
          instanceId: instance.id,
          processId: instance.processId,
          elementId: e.elementId,
          waitId: e.waitId,
          name: e.name,
          subject: e.subject,
          businessKey: instance.businessKey,
          state: 'created',
          assignee: e.assignee,
          candidateGroups: e.candidateGroups,
          candidateUsers: e.candidateUsers,
          dueDate: e.dueDate,
          followUpDate: e.followUpDate,
          formId: e.formId,
          formKey: e.formKey,
          priority: e.priority,
          excludedUsers: e.excludedUsers,
          seatGroup: e.seatGroup,
          createdAt: at,
        });
        break;
      case 'task.cancel': {
        const row = await loaded(parts.tasks, id(e.waitId), (k) => store.getTask(k));
        if (row && row.state === 'created') parts.tasks.set(row.id, { ...row, state: 'canceled', completedAt: at });
        break;
      }
      case 'job.create':
        parts.jobs.set(id(e.waitId), {
          key: id(e.waitId),
          type: e.jobType,
          instanceId: instance.id,
          processId: instance.processId,
          elementId: e.elementId,
          waitId: e.waitId,
          state: 'activatable',
          retries: e.retries,
          initialRetries: e.retries,
          variables: {},
          customHeaders: e.headers,
          createdAt: at,
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
        outbox({ kind: 'timer.scheduled', payload: { timerId: id(e.waitId), dueAt: e.dueAt } });
        break;
      case 'timer.cancel': {
        const row = await loaded(parts.timers, id(e.waitId), (k) => store.getTimer(k));
        if (row && row.state === 'scheduled') parts.timers.set(row.id, { ...row, state: 'canceled' });
        outbox({ kind: 'timer.canceled', payload: { timerId: id(e.waitId) } });
        break;
      }
      case 'subscription.open':
        parts.subscriptions.push({
          id: id(e.waitId),
          kind: e.kind,
          name: e.name,
          correlationKey: e.correlationKey,
          instanceId: instance.id,
          elementId: e.elementId,
          waitId: e.waitId,
          createdAt: at,
        });
        // A message may have been published before anyone waited for it: look in the buffer after commit.
        if (e.kind === 'message') outbox({ kind: 'message.subscribed', payload: { instanceId: instance.id, waitId: e.waitId, name: e.name, correlationKey: e.correlationKey } });
        break;
      case 'subscription.close':
        parts.deleteSubscriptions.push(id(e.waitId));
        break;
      case 'wait.moved':
        await moveWait(e, t, id(e.waitId));
        break;
      case 'child.start':
        outbox({
          kind: 'child.start',
          payload: { parentInstanceId: instance.id, waitId: e.waitId, processId: e.processId, variables: e.variables, childId: id(e.waitId), startedBy: instance.startedBy },
        });
        break;
      case 'child.cancel':
        outbox({ kind: 'child.cancel', payload: { childId: id(e.waitId) } });
        break;
      case 'signal.throw':
        // the throwing instance caught it already, in its own command (Run.throwSignal)
        outbox({ kind: 'signal.throw', payload: { name: e.name, variables: e.variables, thrownBy: instance.id } });
        break;
      case 'incident.create':
        parts.incidents.set(id(e.incidentId), {
          id: id(e.incidentId),
          instanceId: instance.id,
          processId: instance.processId,
          elementId: e.elementId,
          type: e.incidentType,
          message: e.message,
          state: 'open',
          createdAt: at,
        });
        break;
      case 'incident.resolve': {
        const row = await loaded(parts.incidents, id(e.incidentId), (k) => store.getIncident(k));
        if (row && row.state === 'open') parts.incidents.set(row.id, { ...row, state: 'resolved', resolvedAt: at });
        break;
      }
      case 'parent.error':
        if (parent) outbox({ kind: 'parent.error', payload: { ...parent, errorCode: e.errorCode, errorMessage: e.errorMessage } });
        break;
      case 'parent.escalation':
        if (parent) outbox({ kind: 'parent.escalation', payload: { ...parent, escalationCode: e.escalationCode } });
        break;
      case 'instance.end':
        if (parent && e.state === 'completed') outbox({ kind: 'parent.complete', payload: { ...parent, variables: e.variables } });
        break;
      case 'continue':
        outbox({ kind: 'instance.continue', payload: { instanceId: instance.id } });
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
    slaRecords: { upsert: [...parts.slaRecords.values()] },
    consumedMessages,
    outbox: parts.outbox,
  };
}

/** A migration moved a wait to another element: the row that stands for it follows (its state stays). */
async function moveWait(e: Extract<Effect, { type: 'wait.moved' }>, t: TranslateContext, rowKey: string): Promise<void> {
  const { store, parts, instance, at } = t;
  switch (e.kind) {
    case 'task': {
      const row = await loaded(parts.tasks, rowKey, (k) => store.getTask(k));
      if (row) parts.tasks.set(row.id, { ...row, elementId: e.elementId, name: e.name, processId: instance.processId });
      break;
    }
    case 'job': {
      const row = await loaded(parts.jobs, rowKey, (k) => store.getJob(k));
      if (row) parts.jobs.set(row.key, { ...row, elementId: e.elementId });
      break;
    }
    case 'timer': {
      const row = await loaded(parts.timers, rowKey, (k) => store.getTimer(k));
      if (row) parts.timers.set(row.id, { ...row, elementId: e.elementId });
      break;
    }
    case 'message':
    case 'signal':
      // delete and insert again under the same id (a batch deletes before it inserts)
      parts.deleteSubscriptions.push(rowKey);
      parts.subscriptions.push({
        id: rowKey,
        kind: e.kind,
        name: e.messageName ?? '',
        correlationKey: e.correlationKey,
        instanceId: instance.id,
        elementId: e.elementId,
        waitId: e.waitId,
        createdAt: at,
      });
      break;
    case 'child':
      break; // the child instance runs on; only the parent's element changed
  }
}
