/**
 * The documents a commit writes besides the instance document. On a standalone MongoDB server they
 * travel inside the instance document as `_pending` (a write-ahead record, see mongoStore.ts) and are
 * rolled forward after a crash; on a replica set they are written in the commit's transaction.
 */
import { Types } from 'mongoose';
import type { CommitBatch } from '../types';
import { toDoc, type Doc } from './mapping';

/** The writes of a batch besides the instance, as stored in `_pending`. */
export interface PendingWrites {
  rev: number;
  history: Doc[];
  tasks: Doc[];
  jobs: Doc[];
  timers: Doc[];
  subscriptionsDelete: string[];
  subscriptionsInsert: Doc[];
  incidents: Doc[];
  /** Absent in the pending writes of a commit from before SLA records. */
  slaRecords?: Doc[];
  consumed: Doc[];
  links: Doc[];
  outbox: Doc[];
}

/** Builds the documents a commit writes besides the instance (all stamped with the new revision). */
export function pendingWrites(b: CommitBatch): PendingWrites {
  const rev = b.instance.rev;
  const stamp = { _rev: rev };
  return {
    rev,
    history: b.history.map((e) => toDoc('history', e)),
    tasks: (b.tasks?.upsert ?? []).map((t) => toDoc('tasks', t, stamp)),
    jobs: (b.jobs?.upsert ?? []).map((j) => toDoc('jobs', j, stamp)),
    timers: (b.timers?.upsert ?? []).map((t) => toDoc('timers', t, stamp)),
    subscriptionsDelete: b.subscriptions?.deleteIds ?? [],
    subscriptionsInsert: (b.subscriptions?.insert ?? []).map((s) => toDoc('subscriptions', s, stamp)),
    incidents: (b.incidents?.upsert ?? []).map((i) => toDoc('incidents', i, stamp)),
    slaRecords: (b.slaRecords?.upsert ?? []).map((r) => toDoc('sla_records', r, stamp)),
    consumed: (b.consumedMessages ?? []).map((messageId) => ({ _id: JSON.stringify([messageId, b.instance.id]), messageId, instanceId: b.instance.id })),
    links: (b.links ?? []).map((l) => toDoc('links', l)),
    outbox: (b.outbox ?? []).map((o) => toDoc('outbox', o, { _seq: new Types.ObjectId() })),
  };
}
