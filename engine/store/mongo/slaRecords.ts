/** SLA records in MongoDB: the bounded scan by completion time that SLA reports make (store/types.ts). */
import type { SlaRecordQuery, SlaRecordRow } from '../types';
import { fromDoc } from './mapping';
import type { Models } from './schemas';

export async function listSlaRecords(m: Models, q: SlaRecordQuery): Promise<SlaRecordRow[]> {
  const docs = await m.sla_records.collection
    .find({ completedAt: { $gte: q.from, $lt: q.to } })
    .sort({ completedAt: 1, _id: 1 })
    .limit(q.limit)
    .toArray();
  return docs.map((d) => fromDoc('sla_records', d));
}
