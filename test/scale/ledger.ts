/**
 * The side effect of the scale tests' jobs, kept outside the engine in a SQLite file of its own
 * (LEDGER_FILE) that every worker process writes: one `effects` row per job key (INSERT OR IGNORE, so
 * the effect itself is idempotent) and one `runs` row per run of a handler, so a job run twice shows as
 * a duplicate even though its effect happened once.
 */
import Database from 'better-sqlite3';
import type { JobRow } from '../../engine/store/types';

function open(file: string, readonly = false): Database.Database {
  const db = new Database(file, { readonly });
  if (!readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    db.exec('CREATE TABLE IF NOT EXISTS effects (key TEXT PRIMARY KEY, worker TEXT NOT NULL)');
    db.exec('CREATE TABLE IF NOT EXISTS runs (key TEXT NOT NULL, worker TEXT NOT NULL, retries INTEGER NOT NULL)');
  }
  return db;
}

/** The writer of one worker process: `run` counts a run, `effect` records the job's effect once. */
export function ledgerWriter(file: string, worker: string) {
  const db = open(file);
  const run = db.prepare('INSERT INTO runs (key, worker, retries) VALUES (?, ?, ?)');
  const effect = db.prepare('INSERT OR IGNORE INTO effects (key, worker) VALUES (?, ?)');
  return {
    run: (job: JobRow) => run.run(job.key, worker, job.retries),
    /** A run with a few ms of work between its start and its effect, so that jobs are in flight when a worker dies. */
    record: async <T extends Record<string, unknown>>(job: JobRow, result: T): Promise<T> => {
      run.run(job.key, worker, job.retries);
      await new Promise((r) => setTimeout(r, 1 + Math.floor(Math.random() * 4)));
      effect.run(job.key, worker);
      return result;
    },
  };
}

export interface LedgerSummary {
  /** Job keys with an effect. */
  keys: Set<string>;
  /** Effects recorded by each worker. */
  byWorker: Record<string, number>;
  /** Jobs whose handler ran more than once though their effect happened (re-runs). */
  duplicates: { key: string; n: number; workers: string }[];
  /** Runs of jobs that never had an effect (always-failing handlers), their retries in order. */
  failedRuns: { key: string; retries: string }[];
}

export function readLedger(file: string): LedgerSummary {
  const db = open(file, true);
  try {
    const keys = new Set((db.prepare('SELECT key FROM effects').all() as { key: string }[]).map((r) => r.key));
    const byWorker = Object.fromEntries(
      (db.prepare('SELECT worker, count(*) AS n FROM effects GROUP BY worker').all() as { worker: string; n: number }[]).map((e) => [e.worker, e.n]),
    );
    const duplicates = db
      .prepare('SELECT key, count(*) AS n, group_concat(worker) AS workers FROM runs WHERE key IN (SELECT key FROM effects) GROUP BY key HAVING count(*) > 1')
      .all() as LedgerSummary['duplicates'];
    const failedRuns = db.prepare('SELECT key, group_concat(retries) AS retries FROM runs WHERE key NOT IN (SELECT key FROM effects) GROUP BY key ORDER BY key').all() as {
      key: string;
      retries: string;
    }[];
    return { keys, byWorker, duplicates, failedRuns };
  } finally {
    db.close();
  }
}
