/**
 * Checkpoints of history heads: every `intervalMs` (and when the engine stops) the heads of the
 * instances whose history grew are written into the next signed checkpoint. A checkpoint is what
 * shows an instance that was deleted whole, or put back to an older sealed state, after it was
 * written; auditors export them (`GET /api/history/checkpoints`) and keep them outside the database.
 * Several engine processes may share a store: the checkpoint number decides between two writers, the
 * loser tries again with the new latest checkpoint.
 */
import { ConflictError, type CheckpointRow, type Store } from '../store/types';
import type { Clock } from './executor';
import { signCheckpoint, type HistoryKey } from './sealing';
import { checkpointProblems, deletedInstanceProblem, type ChainProblem } from './verify';

/** Heads per checkpoint: a store with more changed instances writes several checkpoints in a row. */
const HEADS_PER_CHECKPOINT = 5000;
const PAGE = 500;

export interface CheckpointReport {
  valid: boolean;
  checkpoints: number;
  /** Distinct instances the checkpoints recorded. */
  instances: number;
  problems: ChainProblem[];
}

export class Checkpointer {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly store: Store,
    private readonly key: HistoryKey,
    private readonly clock: Clock,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(intervalMs: number): void {
    if (intervalMs <= 0) return;
    this.timer = setInterval(() => {
      if (!this.running)
        this.running = this.checkpoint()
          .catch(this.onError)
          .finally(() => (this.running = undefined));
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    await this.checkpoint().catch(this.onError);
  }

  /** Writes checkpoints until every grown history is covered; returns those written. */
  async checkpoint(): Promise<CheckpointRow[]> {
    const written: CheckpointRow[] = [];
    for (let conflicts = 0; conflicts < 5;) {
      try {
        const c = await this.store.writeCheckpoint((heads, previous) => (heads.length ? signCheckpoint(this.key, heads, previous, this.clock()) : undefined), HEADS_PER_CHECKPOINT);
        if (!c) return written;
        written.push(c);
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
        conflicts++;
      }
    }
    return written;
  }

  /**
   * Every checkpoint signed and linked, and every instance a checkpoint recorded still there, not
   * put back behind what the checkpoint saw.
   */
  async verify(): Promise<CheckpointReport> {
    const problems: ChainProblem[] = [];
    const latest = new Map<string, { checkpoint: number; seq: number; hash: string }>();
    let previous: CheckpointRow | undefined;
    let count = 0;
    for (;;) {
      const page = await this.store.listCheckpoints(previous?.seq ?? 0, PAGE);
      if (!page.length) break;
      problems.push(...checkpointProblems(page, this.key, previous));
      for (const c of page) for (const h of c.heads) latest.set(h.instanceId, { checkpoint: c.seq, seq: h.seq, hash: h.hash });
      count += page.length;
      previous = page[page.length - 1];
    }
    for (const [instanceId, h] of latest) {
      const row = await this.store.getInstance(instanceId);
      if (!row) problems.push(deletedInstanceProblem({ instanceId, ...h }));
      else if (!row.head || row.head.seq < h.seq) {
        problems.push({ kind: 'rolled-back', seq: h.seq, message: `instance ${instanceId} was put back: checkpoint ${h.checkpoint} saw its history at event ${h.seq}` });
      }
    }
    return { valid: problems.length === 0, checkpoints: count, instances: latest.size, problems };
  }
}
