/**
 * Job activation and the live-job scan of the PostgreSQL store.
 *
 * Activation is one statement: the inner SELECT picks the oldest live jobs of a type FOR UPDATE SKIP
 * LOCKED, the UPDATE locks them to the worker. Two workers activating at once never wait for each
 * other and never get the same job: rows one of them holds are skipped by the other, and a row that
 * was changed meanwhile is re-checked against the WHERE before it is locked (READ COMMITTED).
 */
import type pg from 'pg';
import type { JobRow } from '../types';
import * as map from './rowMapping';

export const ACTIVATE_JOBS = `UPDATE jobs SET state = 'activated', worker = $2, lock_expires_at = $3
  WHERE key IN (
    SELECT key FROM jobs
     WHERE type = $1 AND state IN ('activatable', 'activated')
       AND (state = 'activatable' OR lock_expires_at <= $4)
       AND (not_before IS NULL OR not_before <= $4)
     ORDER BY created_at, key
     LIMIT $5
     FOR UPDATE SKIP LOCKED)
  RETURNING *`;

export async function activateJobs(db: pg.Pool, type: string, worker: string, max: number, lockMs: number, now: number): Promise<JobRow[]> {
  const r = await db.query(ACTIVATE_JOBS, [type, worker, now + lockMs, now, max]);
  // RETURNING keeps no order: hand them out oldest first, as the other stores do
  return r.rows.map(map.reader('jobs')).sort((a, b) => a.createdAt - b.createdAt || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Live jobs of every type in (type, createdAt, key) order, from the partial index jobs_live. */
export async function liveJobs(db: pg.Pool, after: Pick<JobRow, 'type' | 'createdAt' | 'key'> | undefined, limit: number): Promise<JobRow[]> {
  const r = after
    ? await db.query(
        `SELECT * FROM jobs WHERE state IN ('activatable', 'activated') AND (type, created_at, key) > ($1, $2, $3)
          ORDER BY type, created_at, key LIMIT $4`,
        [after.type, after.createdAt, after.key, limit],
      )
    : await db.query(`SELECT * FROM jobs WHERE state IN ('activatable', 'activated') ORDER BY type, created_at, key LIMIT $1`, [limit]);
  return r.rows.map(map.reader('jobs'));
}
