/**
 * The task list's search (GET /api/tasks with `page`, `sort`, `q`, `priority` or a due window): the
 * query checked against the task desk's limits (a page larger than TASK_PAGE_MAX, or starting past
 * TASK_SEARCH_MAX_OFFSET, is a 400), run by the store, answered with the total count.
 */
import type { Engine, TaskSearch, TaskSortField } from '../../engine';
import type { TaskDeskSettings } from '../config';
import { badRequest } from '../errors';
import type { Task, TaskListQuery } from '../schemas';
import { taskView } from '../views';

const HOUR = 3_600_000;

/** A due window as absolute times, against now: `overdue` is due before now. */
function dueWindow(q: TaskListQuery, now: number): { dueFrom?: number; dueTo?: number } {
  const at = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso));
  if (q.due === 'overdue') return { dueTo: now - 1 };
  if (q.due === 'day') return { dueFrom: now, dueTo: now + 24 * HOUR };
  if (q.due === 'week') return { dueFrom: now, dueTo: now + 7 * 24 * HOUR };
  return { dueFrom: at(q.dueFrom), dueTo: at(q.dueTo) };
}

export async function searchTasks(
  engine: Engine,
  limits: TaskDeskSettings,
  q: TaskListQuery,
  visibleTo: TaskSearch['visibleTo'],
): Promise<{ items: Task[]; next: null; total: number; page: number; pageSize: number }> {
  const pageSize = q.limit ?? Math.min(50, limits.maxPageSize);
  if (pageSize > limits.maxPageSize) throw badRequest(`limit ${pageSize} is more than the largest page (${limits.maxPageSize}, TASK_PAGE_MAX)`);
  const page = q.page ?? 1;
  const offset = (page - 1) * pageSize;
  if (offset > limits.maxOffset) throw badRequest(`page ${page} starts past the deepest task list row (${limits.maxOffset}, TASK_SEARCH_MAX_OFFSET): narrow the filters`);
  if (q.cursor !== undefined) throw badRequest('cursor pages by creation; with page, sort or the search filters, page by number');
  const sort = q.sort ?? 'createdAt';
  const { items, total } = await engine.desk.searchTasks({
    state: q.state,
    processId: q.processId,
    instanceId: q.processInstanceId,
    priority: q.priority,
    assignee: q.assignee,
    candidateGroup: q.candidateGroup,
    ...dueWindow(q, engine.clock()),
    text: q.q,
    visibleTo,
    sort: { field: sort.replace(/^-/, '') as TaskSortField, desc: sort.startsWith('-') },
    offset,
    limit: pageSize,
  });
  const paused = await engine.desk.slaPaused(items.map((t) => t.instanceId));
  return { items: items.map((t) => ({ ...taskView(t), slaPaused: paused.get(t.instanceId) ?? null })), next: null, total, page, pageSize };
}
