/**
 * SQL of Store.searchTasks, shared by the embedded and the PostgreSQL store (`?` placeholders; the
 * PostgreSQL store numbers them). The task list's search is a filtered, sorted, numbered page with a
 * total: unlike listTasks' keyset pages it may sort by any of TASK_SORT_FIELDS, so the caller bounds
 * the page size and the offset (api/config.ts), which bounds the rows one request reads.
 */
import { column } from '../tableSpec';
import type { TaskSearch } from '../types';
import type { SqlParam } from './sql';

/** `%text%` for LIKE, with LIKE's own wildcards taken literally. */
const likeOf = (text: string): string => `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export function taskSearchSql(q: TaskSearch): { where: string; params: SqlParam[]; order: string } {
  const conditions: string[] = [];
  const params: SqlParam[] = [];
  const equal = (col: string, value: string | number | undefined) => {
    if (value === undefined) return;
    conditions.push(`${col} = ?`);
    params.push(value);
  };
  equal('state', q.state);
  equal('process_id', q.processId);
  equal('instance_id', q.instanceId);
  equal('priority', q.priority);
  equal('assignee', q.assignee);
  if (q.candidateGroup !== undefined) {
    conditions.push(`EXISTS (SELECT 1 FROM task_candidates c WHERE c.task_id = tasks.id AND c.kind = 'g' AND c.name = ?)`);
    params.push(q.candidateGroup);
  }
  if (q.dueFrom !== undefined) {
    conditions.push('due_date >= ?');
    params.push(q.dueFrom);
  }
  if (q.dueTo !== undefined) {
    conditions.push('due_date <= ?');
    params.push(q.dueTo);
  }
  if (q.text) {
    conditions.push(`(LOWER(subject) LIKE ? ESCAPE '\\' OR LOWER(business_key) LIKE ? ESCAPE '\\')`);
    params.push(likeOf(q.text), likeOf(q.text));
  }
  if (q.visibleTo) {
    const groups = q.visibleTo.groups.map(() => '?').join(', ');
    conditions.push(
      `(assignee = ? OR EXISTS (SELECT 1 FROM task_candidates c WHERE c.task_id = tasks.id AND ((c.kind = 'u' AND c.name = ?)${groups ? ` OR (c.kind = 'g' AND c.name IN (${groups}))` : ''})))`,
    );
    params.push(q.visibleTo.user, q.visibleTo.user, ...q.visibleTo.groups);
  }
  const col = column(q.sort.field);
  const dir = q.sort.desc ? 'DESC' : 'ASC';
  // tasks without the value last whichever the direction; the id makes the order total, so pages do not overlap
  const order = `ORDER BY (${col} IS NULL), ${col} ${dir}, id ${dir}`;
  return { where: conditions.length ? `WHERE ${conditions.join(' AND ')}` : '', params, order };
}
