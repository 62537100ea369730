/**
 * Sealing support of the MongoDB store: checkpoints of chain heads, the heads a checkpoint recorded,
 * and sealing instances stored before heads were sealed. A standalone server has no transactions: a
 * checkpoint is inserted first (its unique `seq` decides between two writers), then the instances it
 * covers are marked; a crash between the two only makes the next checkpoint repeat some heads.
 */
import { ConflictError, type CheckpointHead, type CheckpointRow, type InstanceRow, type SealedHead } from '../types';
import { fromDoc, toDoc } from './mapping';
import type { Models } from './schemas';

function isDuplicate(err: unknown): boolean {
  return (err as { code?: number })?.code === 11000;
}

export async function writeCheckpoint(
  m: Models,
  build: (heads: CheckpointHead[], previous: CheckpointRow | undefined) => CheckpointRow | undefined,
  limit: number,
): Promise<CheckpointRow | undefined> {
  const dirty = await m.instances.collection
    .find({ 'head.seq': { $exists: true }, $expr: { $gt: ['$head.seq', { $ifNull: ['$_checkpointedSeq', 0] }] } }, { projection: { head: 1 } })
    .sort({ _id: 1 })
    .limit(limit)
    .toArray();
  const heads = dirty.map((d) => ({ instanceId: String(d._id), seq: (d.head as SealedHead).seq, hash: (d.head as SealedHead).hash }));
  const last = await m.checkpoints.collection.find({}).sort({ seq: -1 }).limit(1).next();
  const checkpoint = build(heads, last ? fromDoc('checkpoints', last) : undefined);
  if (!checkpoint) return undefined;
  try {
    await m.checkpoints.collection.insertOne(toDoc('checkpoints', checkpoint) as never);
  } catch (err) {
    if (isDuplicate(err)) throw new ConflictError(`checkpoint ${checkpoint.seq} already exists`);
    throw err;
  }
  for (const h of checkpoint.heads) {
    await m.instances.collection.updateOne(
      { _id: h.instanceId as never, $or: [{ _checkpointedSeq: { $lt: h.seq } }, { _checkpointedSeq: { $exists: false } }] },
      { $set: { _checkpointedSeq: h.seq } },
    );
  }
  return checkpoint;
}

export async function listCheckpoints(m: Models, afterSeq: number, limit: number): Promise<CheckpointRow[]> {
  if (limit <= 0) return [];
  const docs = await m.checkpoints.collection
    .find({ seq: { $gt: afterSeq } })
    .sort({ seq: 1 })
    .limit(limit)
    .toArray();
  return docs.map((d) => fromDoc('checkpoints', d));
}

export async function checkpointedHeads(m: Models, instanceId: string): Promise<(CheckpointHead & { checkpoint: number })[]> {
  const docs = await m.checkpoints.collection.find({ 'heads.instanceId': instanceId }).sort({ seq: 1 }).toArray();
  return docs.flatMap((d) => (d.heads as CheckpointHead[]).filter((h) => h.instanceId === instanceId).map((h) => ({ ...h, checkpoint: d.seq as number })));
}

export async function unsealedInstances(m: Models, limit: number): Promise<InstanceRow[]> {
  if (limit <= 0) return [];
  const docs = await m.instances.collection
    .find({ head: { $exists: false } })
    .limit(limit)
    .toArray();
  return docs.map((d) => fromDoc('instances', d));
}

export async function sealHead(m: Models, instanceId: string, rev: number, head: SealedHead): Promise<boolean> {
  const result = await m.instances.collection.updateOne({ _id: instanceId as never, rev }, { $set: { head } });
  return result.modifiedCount === 1;
}
