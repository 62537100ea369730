/**
 * Mongoose schemas and indexes of the MongoDB store, one collection per Store row type (names prefixed
 * `pd_`). Documents are written through the native driver (bulk and conditional writes), so these
 * schemas serve index creation and validation (`validateSync`) of what mapping.ts produces; JSON-ish
 * fields are strings (see mapping.ts).
 */
import { Schema, type Connection, type Model } from 'mongoose';
import type { CollectionName } from './mapping';

const str = { type: String, required: true } as const;
const optStr = { type: String } as const;
const num = { type: Number, required: true } as const;
const optNum = { type: Number } as const;
const strArr = { type: [String], default: undefined } as const;
const opts = { versionKey: false as const, strict: 'throw' as const, autoIndex: false, autoCreate: false };

function schema(fields: Record<string, unknown>): Schema {
  return new Schema({ _id: str, _rev: optNum, ...fields }, opts);
}

export const SCHEMAS: Record<CollectionName | 'consumption', Schema> = {
  definitions: schema({ processId: str, version: num, name: optStr, deploymentId: str, resourceName: str, xml: str, model: str, checksum: str, deployedAt: num }),
  resources: schema({ kind: str, name: str, content: { type: String, required: true, default: '' }, deploymentId: str, deployedAt: num }),
  instances: schema({
    processId: str, version: num, definitionKey: str, businessKey: optStr,
    state: { type: String, required: true, enum: ['active', 'completed', 'terminated', 'incident'] },
    rev: { type: Number, required: true, min: 1 }, snapshot: str, variables: str, activeElements: { type: [String], required: true },
    parentInstanceId: optStr, parentWaitId: optStr, startedAt: num, endedAt: optNum,
    /** An interrupted commit's remaining writes (see mongoStore.ts); absent when the instance is settled. */
    _pending: { type: Schema.Types.Mixed },
    _pendingRev: optNum,
  }),
  tasks: schema({
    instanceId: str, processId: str, elementId: str, waitId: str, name: optStr, subject: optStr,
    state: { type: String, required: true, enum: ['created', 'completed', 'canceled'] },
    assignee: optStr, candidateGroups: { ...strArr, required: true }, candidateUsers: { ...strArr, required: true },
    dueDate: optNum, followUpDate: optNum, formId: optStr, formKey: optStr, priority: optNum, variables: str,
    createdAt: num, completedAt: optNum, completedBy: optStr, excludedUsers: optStr,
  }),
  jobs: schema({
    type: str, instanceId: str, processId: str, elementId: str, waitId: str,
    state: { type: String, required: true, enum: ['activatable', 'activated', 'completed', 'failed', 'errored', 'canceled'] },
    retries: num, initialRetries: num, worker: optStr, lockExpiresAt: optNum, notBefore: optNum, variables: str, customHeaders: str,
    errorMessage: optStr, createdAt: num,
  }),
  timers: schema({
    instanceId: optStr, definitionKey: optStr, elementId: str, waitId: optStr, dueAt: num,
    state: { type: String, required: true, enum: ['scheduled', 'fired', 'canceled'] }, repeat: optStr, createdAt: num, firedAt: optNum,
  }),
  subscriptions: schema({
    kind: { type: String, required: true, enum: ['message', 'signal'] }, name: str, correlationKey: optStr, instanceId: str, elementId: str, waitId: str, createdAt: num,
  }),
  messages: schema({ name: str, correlationKey: { type: String, required: true, default: '' }, variables: str, messageId: optStr, publishedAt: num, expiresAt: num }),
  consumption: schema({ messageId: str, instanceId: str }),
  incidents: schema({
    instanceId: str, processId: str, elementId: str, jobKey: optStr, waitId: optStr,
    type: { type: String, required: true, enum: ['job-no-retries', 'expression', 'unhandled-error', 'condition', 'other'] },
    message: str, state: { type: String, required: true, enum: ['open', 'resolved'] }, createdAt: num, resolvedAt: optNum,
  }),
  history: schema({ instanceId: str, seq: { type: Number, required: true, min: 1 }, at: num, type: str, elementId: optStr, actor: str, data: optStr, prevHash: str, hash: str }),
  outbox: schema({ kind: str, payload: str, createdAt: num, _seq: { type: Schema.Types.ObjectId, required: true } }),
};

SCHEMAS.definitions.index({ processId: 1, version: -1 }, { unique: true });
SCHEMAS.resources.index({ kind: 1, _id: 1 });
SCHEMAS.instances.index({ startedAt: 1, _id: 1 });
SCHEMAS.instances.index({ processId: 1, state: 1, startedAt: 1, _id: 1 });
SCHEMAS.instances.index({ state: 1, startedAt: 1, _id: 1 });
SCHEMAS.instances.index({ businessKey: 1 }, { sparse: true });
SCHEMAS.instances.index({ parentInstanceId: 1 }, { sparse: true });
SCHEMAS.instances.index({ _pendingRev: 1 }, { sparse: true });
SCHEMAS.tasks.index({ state: 1, createdAt: 1, _id: 1 });
SCHEMAS.tasks.index({ candidateGroups: 1, state: 1, createdAt: 1, _id: 1 });
SCHEMAS.tasks.index({ candidateUsers: 1, state: 1, createdAt: 1, _id: 1 });
SCHEMAS.tasks.index({ assignee: 1, state: 1, createdAt: 1, _id: 1 });
SCHEMAS.tasks.index({ instanceId: 1, createdAt: 1 });
SCHEMAS.jobs.index({ type: 1, state: 1, createdAt: 1, _id: 1 });
SCHEMAS.timers.index({ state: 1, dueAt: 1, _id: 1 });
SCHEMAS.timers.index({ definitionKey: 1, state: 1 }, { sparse: true });
SCHEMAS.subscriptions.index({ kind: 1, name: 1, correlationKey: 1, createdAt: 1 });
SCHEMAS.subscriptions.index({ instanceId: 1 });
SCHEMAS.messages.index({ name: 1, correlationKey: 1, expiresAt: 1 });
SCHEMAS.messages.index({ messageId: 1, expiresAt: 1 }, { sparse: true });
SCHEMAS.messages.index({ expiresAt: 1 });
SCHEMAS.consumption.index({ messageId: 1 });
SCHEMAS.incidents.index({ instanceId: 1, createdAt: 1 });
SCHEMAS.incidents.index({ state: 1, createdAt: 1 });
SCHEMAS.history.index({ instanceId: 1, seq: 1 }, { unique: true });
SCHEMAS.outbox.index({ createdAt: 1, _seq: 1 });

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyModel = Model<any>;
export type Models = { [K in keyof typeof SCHEMAS]: AnyModel };

/** Registers the models on a connection (or on a fresh mongoose instance for validation without a server). */
export function models(connection: Pick<Connection, 'model'>, prefix = 'pd_'): Models {
  const out = {} as Models;
  for (const [name, s] of Object.entries(SCHEMAS)) {
    (out as Record<string, AnyModel>)[name] = connection.model(`${prefix}${name}`, s, `${prefix}${name}`);
  }
  return out;
}
