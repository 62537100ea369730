/**
 * Mongoose schemas and indexes of the MongoDB store, one collection per Store row type (names prefixed
 * `pd_`), their paths generated from the table specs of store/types.ts. Documents are written through
 * the native driver (bulk and conditional writes), so these schemas serve index creation and validation
 * (`validateSync`) of what mapping.ts produces; JSON-ish fields are strings (see mapping.ts).
 */
import { Schema, type Connection, type Model } from 'mongoose';
import type { Field } from '../tableSpec';
import { TABLES } from '../types';
import { idField, type CollectionName } from './mapping';

const str = { type: String, required: true } as const;
const optNum = { type: Number } as const;
const opts = { versionKey: false as const, strict: 'throw' as const, autoIndex: false, autoCreate: false };

function schema(fields: Record<string, unknown>): Schema {
  return new Schema({ _id: str, _rev: optNum, ...fields }, opts);
}

/** The mongoose type of one field of a table spec (store/types.ts; tableSpec.ts says how kinds are stored). */
function fieldSchema(f: Field): Record<string, unknown> {
  const required = f.optional ? {} : { required: true };
  switch (f.kind) {
    case 'text':
      return { type: String, ...required, ...(f.values ? { enum: f.values } : {}), ...(f.absent === '' ? { default: '' } : {}) };
    case 'int':
      return { type: Number, ...required, ...(f.min === undefined ? {} : { min: f.min }) };
    case 'json':
      return { type: String, ...required };
    case 'list':
      return { type: f.of === 'object' ? [Schema.Types.Mixed] : [String], default: undefined, ...required };
    case 'parts':
      return { type: Schema.Types.Mixed };
  }
}

/** The schema of a collection: a path per field of its spec but the one that became `_id`, and the adapter's own bookkeeping. */
function specSchema(collection: CollectionName, bookkeeping: Record<string, unknown> = {}): Schema {
  const id = idField(collection);
  const fields = Object.entries(TABLES[collection]).filter(([name]) => name !== id);
  return schema({ ...Object.fromEntries(fields.map(([name, f]) => [name, fieldSchema(f)])), ...bookkeeping });
}

export const SCHEMAS: Record<CollectionName | 'consumption' | 'ticket_counters' | 'counters', Schema> = {
  definitions: specSchema('definitions'),
  resources: specSchema('resources'),
  instances: specSchema('instances', {
    /** The head seq the latest checkpoint holds (see sealing.ts). */
    _checkpointedSeq: optNum,
    /** An interrupted commit's remaining writes (see mongoStore.ts); absent when the instance is settled. */
    _pending: { type: Schema.Types.Mixed },
    _pendingRev: optNum,
  }),
  tasks: specSchema('tasks'),
  jobs: specSchema('jobs'),
  timers: specSchema('timers'),
  subscriptions: specSchema('subscriptions'),
  messages: specSchema('messages'),
  consumption: schema({ messageId: str, instanceId: str }),
  incidents: specSchema('incidents'),
  history: specSchema('history'),
  outbox: specSchema('outbox', { _seq: { type: Schema.Types.ObjectId, required: true } }),
  checkpoints: specSchema('checkpoints'),
  drafts: specSchema('drafts'),
  task_views: specSchema('task_views'),
  attachments: specSchema('attachments'),
  links: specSchema('links'),
  /** The last ticket number taken per prefix (`_id`), moved by commits (tickets.ts). */
  ticket_counters: schema({ value: { type: Number, required: true } }),
  sla_records: specSchema('sla_records'),
  external_keys: specSchema('external_keys'),
  /** Sequences (`_id` the sequence's name, `seq` its last value): the external keys' numbers. */
  counters: schema({ seq: { type: Number, required: true } }),
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
SCHEMAS.checkpoints.index({ seq: 1 }, { unique: true });
SCHEMAS.checkpoints.index({ 'heads.instanceId': 1 });
SCHEMAS.instances.index({ 'head.seal': 1 }, { sparse: true });
SCHEMAS.drafts.index({ userId: 1, processId: 1 }, { unique: true });
SCHEMAS.drafts.index({ userId: 1, updatedAt: -1, _id: 1 });
SCHEMAS.task_views.index({ owner: 1, name: 1 });
SCHEMAS.attachments.index({ instanceId: 1, uploadedAt: 1 });
SCHEMAS.links.index({ fromId: 1, createdAt: 1, _id: 1 });
SCHEMAS.links.index({ toId: 1, createdAt: 1, _id: 1 });
SCHEMAS.sla_records.index({ completedAt: 1, _id: 1 });
SCHEMAS.external_keys.index({ key: 1 }, { unique: true });

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
