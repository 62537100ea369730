/**
 * SQL planning for Store.listTasks.
 *
 * Task lists are ordered by (createdAt, id) and paged by keyset. To stay fast with many tasks, each
 * way a task can match the query is read as its own *stream* in index order, LIMIT page+1:
 *   - a candidate group or candidate user: range scan of task_candidates(kind, name, state, created_at,
 *     task_id), which holds a copy of each task's state and createdAt;
 *   - the assignee: range scan of tasks(assignee, state, created_at, id).
 * `visibleTo` is the union of several streams (assignee, candidate user, each group); the streams are
 * merged and de-duplicated in memory. That is exact: a task among the first N distinct tasks of the
 * union is among the first N rows of every stream it occurs in. When no state is given, each state
 * is its own stream, so every stream stays a pure index range (no sort of the whole group).
 * Queries without a group or visibility filter are a single statement on tasks.
 */
import type { TaskQuery, TaskState } from '../types';
import type { CursorPosition } from './paging';
import type { SqlParam } from './sql';

export const TASK_STATES: readonly TaskState[] = ['created', 'completed', 'canceled'];

export interface SqlStatement {
  sql: string;
  params: SqlParam[];
}

export type TaskPlan =
  /** One statement returning full task rows, ordered, LIMIT page+1. */
  | { kind: 'single'; statement: SqlStatement }
  /** Statements returning (id, created_at) in order, LIMIT page+1 each; merge, de-duplicate, then load. */
  | { kind: 'merge'; streams: SqlStatement[] };

interface Condition {
  sql: string;
  params: SqlParam[];
}

/** Filters on the tasks row `t` that every stream applies. */
function taskFilters(q: TaskQuery, groupIsDriver: boolean): Condition[] {
  const c: Condition[] = [];
  if (q.assignee !== undefined) c.push({ sql: 't.assignee = ?', params: [q.assignee] });
  if (q.instanceId !== undefined) c.push({ sql: 't.instance_id = ?', params: [q.instanceId] });
  if (q.processId !== undefined) c.push({ sql: 't.process_id = ?', params: [q.processId] });
  if (q.candidateGroup !== undefined && !groupIsDriver) {
    c.push({
      sql: "EXISTS (SELECT 1 FROM task_candidates g WHERE g.task_id = t.id AND g.kind = 'g' AND g.name = ?)",
      params: [q.candidateGroup],
    });
  }
  return c;
}

function where(conditions: Condition[]): Condition {
  if (conditions.length === 0) return { sql: '', params: [] };
  return {
    sql: 'WHERE ' + conditions.map((c) => c.sql).join(' AND '),
    params: conditions.flatMap((c) => c.params),
  };
}

function afterCursor(column: string, idColumn: string, after: CursorPosition | undefined): Condition[] {
  return after ? [{ sql: `(${column}, ${idColumn}) > (?, ?)`, params: [after.at, after.id] }] : [];
}

/** Stream over task_candidates for one (kind, name, state). */
function candidateStream(kind: 'g' | 'u', name: string, state: TaskState, filters: Condition[], after: CursorPosition | undefined, fetch: number): SqlStatement {
  const w = where([{ sql: 'c.kind = ? AND c.name = ? AND c.state = ?', params: [kind, name, state] }, ...afterCursor('c.created_at', 'c.task_id', after), ...filters]);
  return {
    sql: 'SELECT c.task_id AS id, c.created_at AS created_at FROM task_candidates c JOIN tasks t ON t.id = c.task_id ' + `${w.sql} ORDER BY c.created_at, c.task_id LIMIT ?`,
    params: [...w.params, fetch],
  };
}

/** Stream over tasks assigned to `user` in one state. */
function assigneeStream(user: string, state: TaskState, filters: Condition[], after: CursorPosition | undefined, fetch: number): SqlStatement {
  const w = where([{ sql: 't.assignee = ? AND t.state = ?', params: [user, state] }, ...afterCursor('t.created_at', 't.id', after), ...filters]);
  return {
    sql: `SELECT t.id AS id, t.created_at AS created_at FROM tasks t ${w.sql} ORDER BY t.created_at, t.id LIMIT ?`,
    params: [...w.params, fetch],
  };
}

/**
 * Plans a task query. `fetch` is the number of rows to read (page size + 1, to know whether a next
 * page exists).
 */
export function planTaskQuery(q: TaskQuery, after: CursorPosition | undefined, fetch: number): TaskPlan {
  const states = q.state !== undefined ? [q.state] : TASK_STATES;

  if (q.visibleTo) {
    const { user, groups } = q.visibleTo;
    const filters = taskFilters(q, false);
    const streams: SqlStatement[] = [];
    for (const state of states) {
      streams.push(assigneeStream(user, state, filters, after, fetch));
      streams.push(candidateStream('u', user, state, filters, after, fetch));
      for (const group of new Set(groups)) streams.push(candidateStream('g', group, state, filters, after, fetch));
    }
    return { kind: 'merge', streams };
  }

  if (q.candidateGroup !== undefined) {
    const filters = taskFilters(q, true);
    const streams = states.map((state) => candidateStream('g', q.candidateGroup as string, state, filters, after, fetch));
    return { kind: 'merge', streams };
  }

  const w = where([...(q.state !== undefined ? [{ sql: 't.state = ?', params: [q.state] }] : []), ...taskFilters(q, false), ...afterCursor('t.created_at', 't.id', after)]);
  return {
    kind: 'single',
    statement: {
      sql: `SELECT t.* FROM tasks t ${w.sql} ORDER BY t.created_at, t.id LIMIT ?`,
      params: [...w.params, fetch],
    },
  };
}

export interface StreamRow {
  id: string;
  created_at: number;
}

/** Merges ordered streams into the first `fetch` distinct task ids, in (createdAt, id) order. */
export function mergeStreams(streams: StreamRow[][], fetch: number): string[] {
  const all = streams.flat();
  all.sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const ids: string[] = [];
  const seen = new Set<string>();
  for (const row of all) {
    if (seen.has(row.id)) continue;
    seen.add(row.id);
    ids.push(row.id);
    if (ids.length === fetch) break;
  }
  return ids;
}
