/**
 * Group commit: every write of the embedded store goes through here. Writes queue up and are applied
 * together in one IMMEDIATE transaction on the next turn of the event loop (at once when `maxWrites`
 * are waiting), each inside its own SAVEPOINT (a write alone needs none), so one that throws (a
 * revision conflict, a duplicate) is rolled back and rejected alone while the others go on. A write is
 * resolved only after COMMIT has returned, that is once the whole group is as durable as `synchronous`
 * makes it (FULL: the WAL is fsynced): concurrent commands share one fsync instead of paying one each.
 *
 * If the process dies before COMMIT, SQLite rolls the whole group back, and none of it had been
 * acknowledged. A lone write waits for no timer: `setImmediate` runs right after the I/O callbacks of
 * the current loop turn, which is also what gathers the requests that arrived together into a group.
 */
import type Database from 'better-sqlite3';

interface Pending {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/** How much grouping happened (benchmarks and diagnostics). */
export interface GroupCommitStats {
  /** Write transactions committed (each one fsync of the WAL under synchronous=FULL). */
  transactions: number;
  /** Writes those transactions carried, failed ones included. */
  writes: number;
  /** The most writes one transaction carried. */
  largest: number;
}

export class StoreClosedError extends Error {
  constructor() {
    super('the store is closed');
    this.name = 'StoreClosedError';
  }
}

export class GroupCommit {
  private queue: Pending[] = [];
  private flushScheduled = false;
  private closed = false;
  private readonly statements: Record<'begin' | 'commit' | 'rollback' | 'savepoint' | 'release' | 'rollbackTo', Database.Statement>;
  readonly stats: GroupCommitStats = { transactions: 0, writes: 0, largest: 0 };

  constructor(
    private readonly db: Database.Database,
    private readonly maxWrites: number,
  ) {
    if (!Number.isInteger(maxWrites) || maxWrites < 1) throw new RangeError(`the group commit size must be an integer >= 1, got ${maxWrites}`);
    this.statements = {
      begin: db.prepare('BEGIN IMMEDIATE'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
      savepoint: db.prepare('SAVEPOINT pd_write'),
      release: db.prepare('RELEASE pd_write'),
      rollbackTo: db.prepare('ROLLBACK TO pd_write'),
    };
  }

  /** Queues `work` (synchronous SQL) for the next group; resolves with its result once committed. */
  run<T>(work: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new StoreClosedError());
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (this.queue.length >= this.maxWrites) this.flush();
      else if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => {
          this.flushScheduled = false;
          this.flush();
        });
      }
    });
  }

  /** Commits everything queued now (close() uses it so that nothing waiting is dropped). */
  flush(): void {
    while (this.queue.length) this.apply(this.queue.splice(0, this.maxWrites));
  }

  /** Commits what is queued and refuses later writes. */
  close(): void {
    this.flush();
    this.closed = true;
  }

  private apply(group: Pending[]): void {
    if (group.length === 1) return this.applyAlone(group[0]);
    const s = this.statements;
    try {
      s.begin.run();
    } catch (err) {
      // e.g. SQLITE_BUSY: another process held the write lock for longer than busy_timeout
      for (const p of group) p.reject(err);
      return;
    }
    const applied: { p: Pending; value: unknown }[] = [];
    const failed: { p: Pending; err: unknown }[] = [];
    for (let i = 0; i < group.length; i++) {
      const p = group[i];
      try {
        s.savepoint.run();
        applied.push({ p, value: p.work() });
        s.release.run();
      } catch (thrown) {
        let err = thrown;
        if (this.db.inTransaction) {
          if (applied.at(-1)?.p === p) applied.pop(); // RELEASE itself failed
          try {
            s.rollbackTo.run();
            s.release.run();
            failed.push({ p, err });
            continue;
          } catch (undoErr) {
            err = undoErr;
          }
        }
        // SQLite gave up the whole transaction (an I/O error, a full disk): what was applied is gone,
        // this write failed; the writes not tried yet go to the next group.
        this.rollback();
        for (const a of applied) a.p.reject(err);
        for (const f of failed) f.p.reject(f.err);
        p.reject(err);
        this.queue.unshift(...group.slice(i + 1));
        return;
      }
    }
    try {
      s.commit.run();
    } catch (err) {
      this.rollback();
      for (const p of group) p.reject(err);
      return;
    }
    this.committed(group.length);
    for (const a of applied) a.p.resolve(a.value);
    for (const f of failed) f.p.reject(f.err);
  }

  /**
   * A write alone needs no SAVEPOINT (two statements fewer, the case of every command of a lone
   * client): when it throws, rolling the transaction back undoes exactly it.
   */
  private applyAlone(p: Pending): void {
    const s = this.statements;
    let value: unknown;
    try {
      s.begin.run();
      value = p.work();
      s.commit.run();
    } catch (err) {
      this.rollback();
      p.reject(err);
      return;
    }
    this.committed(1);
    p.resolve(value);
  }

  /** Counts a committed transaction of `writes` writes, failed ones included. */
  private committed(writes: number): void {
    this.stats.transactions++;
    this.stats.writes += writes;
    this.stats.largest = Math.max(this.stats.largest, writes);
  }

  private rollback(): void {
    try {
      if (this.db.inTransaction) this.statements.rollback.run();
    } catch {
      // nothing left to undo: SQLite rolled back on its own
    }
  }
}
