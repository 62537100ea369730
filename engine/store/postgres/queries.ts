/**
 * The paged reads of the PostgreSQL store: instance and task lists, keyset-paged by (time, id).
 *
 * Task lists share the embedded store's planner (sqlite/taskQuery.ts): each way a task can match is a
 * stream read in index order, LIMIT page+1, merged in memory; its `?` placeholders become `$n` here.
 */
import type pg from 'pg';
import type { InstanceQuery, InstanceRow, Page, TaskQuery, TaskRow, TaskSearch } from '../types';
import { decodeCursor, pageSize, toPage } from '../sqlite/paging';
import { mergeStreams, planTaskQuery, type SqlStatement, type StreamRow } from '../sqlite/taskQuery';
import { taskSearchSql } from '../sqlite/taskSearch';
import * as map from './rowMapping';
import { type PgParam, positional } from './rowMapping';

export async function listInstances(db: pg.Pool, q: InstanceQuery): Promise<Page<InstanceRow>> {
  const limit = pageSize(q.limit);
  const after = decodeCursor(q.cursor);
  const conditions: string[] = [];
  const params: PgParam[] = [];
  const p = (value: PgParam) => {
    params.push(value);
    return `$${params.length}`;
  };
  const filter = (column: string, value: string | undefined) => {
    if (value !== undefined) conditions.push(`${column} = ${p(value)}`);
  };
  filter('process_id', q.processId);
  filter('state', q.state);
  filter('business_key', q.businessKey);
  filter('parent_instance_id', q.parentInstanceId);
  if (q.visibleTo) {
    const { user, groups, processIds } = q.visibleTo;
    const u = p(user);
    conditions.push(`(started_by = ${u} OR process_id = ANY(${p(processIds)})
      OR EXISTS (SELECT 1 FROM tasks t WHERE t.instance_id = instances.id AND t.assignee = ${u})
      OR EXISTS (SELECT 1 FROM tasks t JOIN task_candidates c ON c.task_id = t.id WHERE t.instance_id = instances.id
                 AND ((c.kind = 'u' AND c.name = ${u}) OR (c.kind = 'g' AND c.name = ANY(${p(groups)})))))`);
  }
  if (after) conditions.push(`(started_at, id) > (${p(after.at)}, ${p(after.id)})`);
  const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
  const r = await db.query(`SELECT * FROM instances ${where} ORDER BY started_at, id LIMIT ${p(limit + 1)}`, params);
  return toPage(r.rows.map(map.reader('instances')), limit, (i) => ({ at: i.startedAt, id: i.id }));
}

/** The statements listTasks(q) runs, in PostgreSQL form (also for EXPLAIN in tests). */
export function taskStatements(q: TaskQuery): { kind: 'single' | 'merge'; statements: SqlStatement[]; limit: number } {
  const limit = pageSize(q.limit);
  const plan = planTaskQuery(q, decodeCursor(q.cursor), limit + 1);
  const statements = (plan.kind === 'single' ? [plan.statement] : plan.streams).map((s) => ({ sql: positional(s.sql), params: s.params }));
  return { kind: plan.kind, statements, limit };
}

export async function listTasks(db: pg.Pool, q: TaskQuery): Promise<Page<TaskRow>> {
  const { kind, statements, limit } = taskStatements(q);
  let rows: TaskRow[];
  if (kind === 'single') {
    rows = (await db.query(statements[0].sql, statements[0].params)).rows.map(map.reader('tasks'));
  } else {
    // the streams run one after the other on the pool: a page is one user's request, and running
    // them in parallel would take up to (states x groups) connections from everyone else
    const streams: StreamRow[][] = [];
    for (const s of statements) streams.push((await db.query(s.sql, s.params)).rows as StreamRow[]);
    const ids = mergeStreams(streams, limit + 1);
    const byId = new Map(ids.length ? (await db.query('SELECT * FROM tasks WHERE id = ANY($1)', [ids])).rows.map((r) => [r.id as string, map.fromDb('tasks', r)]) : []);
    rows = ids.map((id) => byId.get(id)).filter((t): t is TaskRow => t !== undefined);
  }
  return toPage(rows, limit, (t) => ({ at: t.createdAt, id: t.id }));
}

export async function searchTasks(db: pg.Pool, q: TaskSearch): Promise<{ items: TaskRow[]; total: number }> {
  const { where, params, order } = taskSearchSql(q);
  const total = Number((await db.query(positional(`SELECT COUNT(*) AS n FROM tasks ${where}`), params)).rows[0].n);
  const page = await db.query(positional(`SELECT * FROM tasks ${where} ${order} LIMIT ? OFFSET ?`), [...params, q.limit, q.offset]);
  return { items: page.rows.map(map.reader('tasks')), total };
}
