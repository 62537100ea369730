/**
 * Mapping between the Store port's rows and MongoDB documents.
 *
 * - The row's key becomes `_id` (history: `${instanceId}#${seq}`, zero-padded so ids sort by seq).
 * - JSON-ish fields (snapshots, variables, models, payloads) are stored as JSON strings: documents keep
 *   no user-controlled keys (variable names may contain `.` or start with `$`), and a row read back
 *   deep-equals the row written (key order, nulls).
 * - Optional fields are left out of the document when absent and out of the row when missing/null.
 * - `_rev` (not part of the row) is the instance revision of the commit that last wrote the document;
 *   the roll-forward of an interrupted commit only replaces documents written by older commits.
 */
import type { Field } from '../tableSpec';
import { TABLES, type CheckpointRow, type ExternalKeyRow, type HistoryEvent, type RowTypes, type TableName } from '../types';

export type { RowTypes };
export type Doc = Record<string, unknown> & { _id: string };
export type CollectionName = TableName;

/** The row field that becomes `_id` (kept out of the document), or a function for composite ids. */
const IDS: { [C in CollectionName]: (keyof RowTypes[C] & string) | ((row: RowTypes[C]) => string) } = {
  definitions: 'key',
  resources: 'id',
  instances: 'id',
  tasks: 'id',
  jobs: 'key',
  timers: 'id',
  subscriptions: 'id',
  messages: 'id',
  incidents: 'id',
  outbox: 'id',
  history: (e: HistoryEvent) => historyId(e.instanceId, e.seq),
  checkpoints: (c: CheckpointRow) => checkpointId(c.seq),
  drafts: 'id',
  task_views: 'id',
  attachments: 'id',
  links: 'id',
  sla_records: 'id',
  // (kind, id) is the document's _id: the unique index that makes allocation idempotent
  external_keys: (k: ExternalKeyRow) => externalKeyId(k.kind, k.id),
};

/** The _id of the external key of (kind, id): kinds have no NUL. */
export function externalKeyId(kind: string, id: string): string {
  return `${kind}\u0000${id}`;
}

/** The row field that becomes a collection's `_id`, if it is one field. */
export function idField(collection: CollectionName): string | undefined {
  const id: unknown = IDS[collection];
  return typeof id === 'string' ? id : undefined;
}

/** The fields of a collection's spec (store/types.ts) stored as JSON strings: its `json` fields. */
const jsonFields = (collection: CollectionName): [string, Field][] => Object.entries(TABLES[collection]).filter(([, f]) => f.kind === 'json');

/** Document fields that are bookkeeping, never part of a row. */
const INTERNAL = new Set(['_id', '__v', '_rev', '_seq', '_pending', '_pendingRev', '_checkpointedSeq']);

/** Checkpoint ids sort like their numbers. */
export function checkpointId(seq: number): string {
  return String(seq).padStart(12, '0');
}

export function historyId(instanceId: string, seq: number): string {
  return `${instanceId}#${String(seq).padStart(12, '0')}`;
}

export function toDoc<C extends CollectionName>(collection: C, row: RowTypes[C], extra: Record<string, unknown> = {}): Doc {
  const spec: string | ((row: RowTypes[C]) => string) = IDS[collection];
  const fields: Readonly<Record<string, unknown>> = row;
  const json = new Set(jsonFields(collection).map(([name]) => name));
  const idField = typeof spec === 'function' ? undefined : spec;
  const doc: Doc = { _id: typeof spec === 'function' ? spec(row) : String(fields[spec]) };
  for (const [key, value] of Object.entries(fields)) {
    if (key === idField || value === undefined) continue;
    doc[key] = json.has(key) ? JSON.stringify(value) : value;
  }
  // A required JSON field that is undefined is stored as JSON null (as the SQLite store does).
  for (const [key, f] of jsonFields(collection)) if (!(key in doc) && !f.optional) doc[key] = 'null';
  return Object.assign(doc, extra);
}

export function fromDoc<C extends CollectionName>(collection: C, doc: Record<string, unknown>): RowTypes[C] {
  const spec: string | ((row: RowTypes[C]) => string) = IDS[collection];
  const json = new Set(jsonFields(collection).map(([name]) => name));
  const row: Record<string, unknown> = {};
  if (typeof spec !== 'function') row[spec] = doc._id;
  for (const [key, value] of Object.entries(doc)) {
    if (INTERNAL.has(key) || value === null || value === undefined) continue;
    row[key] = json.has(key) ? JSON.parse(value as string) : value;
  }
  // What this store wrote from a row of this collection (toDoc), read back.
  return row as RowTypes[C];
}
