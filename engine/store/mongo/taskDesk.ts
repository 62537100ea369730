/**
 * The task desk of the MongoDB store: the task list's search (filtered, sorted, numbered pages with
 * a total), saved task list views and task attachments. Mirrors sqlite/taskSearch.ts: tasks without
 * the sorted value come last, the id makes the order total.
 */
import type { AttachmentRow, TaskRow, TaskSearch, TaskViewRow } from '../types';
import { fromDoc, toDoc } from './mapping';
import type { Models } from './schemas';

type Filter = Record<string, unknown>;

const literal = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function searchFilter(q: TaskSearch): Filter {
  const parts: Filter[] = [];
  const f: Filter = {};
  if (q.state !== undefined) f.state = q.state;
  if (q.processId !== undefined) f.processId = q.processId;
  if (q.instanceId !== undefined) f.instanceId = q.instanceId;
  if (q.priority !== undefined) f.priority = q.priority;
  if (q.assignee !== undefined) f.assignee = q.assignee;
  if (q.candidateGroup !== undefined) f.candidateGroups = q.candidateGroup;
  if (q.dueFrom !== undefined || q.dueTo !== undefined) {
    f.dueDate = { ...(q.dueFrom !== undefined ? { $gte: q.dueFrom } : {}), ...(q.dueTo !== undefined ? { $lte: q.dueTo } : {}) };
  }
  parts.push(f);
  if (q.text) {
    const pattern = { $regex: literal(q.text), $options: 'i' };
    parts.push({ $or: [{ subject: pattern }, { businessKey: pattern }] });
  }
  if (q.visibleTo) parts.push({ $or: [{ assignee: q.visibleTo.user }, { candidateUsers: q.visibleTo.user }, { candidateGroups: { $in: q.visibleTo.groups } }] });
  return { $and: parts };
}

export async function searchTasks(m: Models, q: TaskSearch): Promise<{ items: TaskRow[]; total: number }> {
  const filter = searchFilter(q);
  const dir = q.sort.desc ? -1 : 1;
  const docs = await m.tasks.collection
    .aggregate([
      { $match: filter },
      { $addFields: { _missing: { $cond: [{ $in: [{ $type: `$${q.sort.field}` }, ['missing', 'null']] }, 1, 0] } } },
      { $sort: { _missing: 1, [q.sort.field]: dir, _id: dir } },
      { $skip: q.offset },
      { $limit: q.limit },
      { $project: { _missing: 0 } },
    ])
    .toArray();
  const total = await m.tasks.collection.countDocuments(filter as never);
  return { items: docs.map((d) => fromDoc('tasks', d)), total };
}

export async function saveTaskView(m: Models, view: TaskViewRow): Promise<void> {
  const doc = toDoc('task_views', view);
  await m.task_views.collection.replaceOne({ _id: doc._id as never }, doc, { upsert: true });
}

export async function listTaskViews(m: Models, owner: string): Promise<TaskViewRow[]> {
  const docs = await m.task_views.collection.find({ owner }).sort({ name: 1, _id: 1 }).toArray();
  return docs.map((d) => fromDoc('task_views', d));
}

export async function deleteTaskView(m: Models, id: string, owner: string): Promise<boolean> {
  return (await m.task_views.collection.deleteOne({ _id: id as never, owner })).deletedCount > 0;
}

export async function saveAttachment(m: Models, a: AttachmentRow): Promise<void> {
  await m.attachments.collection.insertOne(toDoc('attachments', a) as never);
}

export async function getAttachment(m: Models, id: string): Promise<AttachmentRow | undefined> {
  const doc = await m.attachments.collection.findOne({ _id: id as never });
  return doc ? fromDoc('attachments', doc) : undefined;
}

export async function listAttachments(m: Models, instanceId: string): Promise<Omit<AttachmentRow, 'content'>[]> {
  const docs = await m.attachments.collection
    .find({ instanceId }, { projection: { content: 0 } })
    .sort({ uploadedAt: 1, _id: 1 })
    .toArray();
  return docs.map((d) => {
    const { content: _content, ...rest } = fromDoc('attachments', { ...d, content: '' });
    return rest;
  });
}
