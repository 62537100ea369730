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
import type {
  DefinitionRow,
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

export type Doc = Record<string, unknown> & { _id: string };

interface Spec<R> {
  /** The row field that becomes `_id` (kept out of the document), or a function for composite ids. */
  id: (keyof R & string) | ((row: R) => string);
  /** Fields stored as JSON strings. */
  json: readonly (keyof R & string)[];
}

interface AnySpec {
  id: string | ((row: never) => string);
  json: readonly string[];
}

const SPECS = {
  definitions: { id: 'key', json: ['model'] } satisfies Spec<DefinitionRow>,
  resources: { id: 'id', json: [] } satisfies Spec<ResourceRow>,
  instances: { id: 'id', json: ['snapshot', 'variables'] } satisfies Spec<InstanceRow>,
  tasks: { id: 'id', json: ['variables', 'excludedUsers'] } satisfies Spec<TaskRow>,
  jobs: { id: 'key', json: ['variables', 'customHeaders'] } satisfies Spec<JobRow>,
  timers: { id: 'id', json: ['repeat'] } satisfies Spec<TimerRow>,
  subscriptions: { id: 'id', json: [] } satisfies Spec<SubscriptionRow>,
  messages: { id: 'id', json: ['variables'] } satisfies Spec<MessageRow>,
  incidents: { id: 'id', json: [] } satisfies Spec<IncidentRow>,
  history: { id: (e: HistoryEvent) => historyId(e.instanceId, e.seq), json: ['data'] } satisfies Spec<HistoryEvent>,
  outbox: { id: 'id', json: ['payload'] } satisfies Spec<OutboxRow>,
} as const;

export type CollectionName = keyof typeof SPECS;

export interface RowTypes {
  definitions: DefinitionRow;
  resources: ResourceRow;
  instances: InstanceRow;
  tasks: TaskRow;
  jobs: JobRow;
  timers: TimerRow;
  subscriptions: SubscriptionRow;
  messages: MessageRow;
  incidents: IncidentRow;
  history: HistoryEvent;
  outbox: OutboxRow;
}

/** Document fields that are bookkeeping, never part of a row. */
const INTERNAL = new Set(['_id', '__v', '_rev', '_seq', '_pending', '_pendingRev']);

export function historyId(instanceId: string, seq: number): string {
  return `${instanceId}#${String(seq).padStart(12, '0')}`;
}

export function toDoc<C extends CollectionName>(collection: C, row: RowTypes[C], extra: Record<string, unknown> = {}): Doc {
  const spec = SPECS[collection] as AnySpec;
  const fields = row as unknown as Record<string, unknown>;
  const idField = typeof spec.id === 'function' ? undefined : spec.id;
  const id = typeof spec.id === 'function' ? (spec.id as (r: unknown) => string)(row) : String(fields[spec.id]);
  const doc: Doc = { _id: id };
  for (const [key, value] of Object.entries(fields)) {
    if (key === idField || value === undefined) continue;
    doc[key] = spec.json.includes(key) ? JSON.stringify(value) : value;
  }
  // A required JSON field that is undefined is stored as JSON null (as the SQLite store does).
  for (const key of spec.json) if (!(key in doc) && requiredJson(collection, key)) doc[key] = 'null';
  return Object.assign(doc, extra);
}

function requiredJson(collection: CollectionName, key: string): boolean {
  return (collection === 'instances' && (key === 'snapshot' || key === 'variables')) || key === 'variables' || key === 'payload' || key === 'model' || key === 'customHeaders';
}

export function fromDoc<C extends CollectionName>(collection: C, doc: Record<string, unknown>): RowTypes[C] {
  const spec = SPECS[collection] as AnySpec;
  const row: Record<string, unknown> = {};
  if (typeof spec.id !== 'function') row[spec.id] = doc._id;
  for (const [key, value] of Object.entries(doc)) {
    if (INTERNAL.has(key) || value === null || value === undefined) continue;
    row[key] = spec.json.includes(key) ? JSON.parse(value as string) : value;
  }
  return row as unknown as RowTypes[C];
}
