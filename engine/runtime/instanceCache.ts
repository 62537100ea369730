/**
 * The instance rows this engine committed last, kept in memory so that the next command on an
 * instance reads one column (its revision) instead of its whole snapshot, and copies only the parts of
 * the context it changes (compile/copyOnWrite.ts). A row is used only while the store still holds its
 * revision: whatever another engine process committed since is read from the store as before.
 *
 * A command takes the row out and puts back what it committed; a command that fails, is refused or
 * has nothing to do puts nothing back, and the next command reads the store. The parts of a kept
 * context are frozen. Bounded by instances and by the size of their snapshots (EngineOptions.instanceCache).
 */
import { freezeParts } from '../compile/copyOnWrite';
import type { InstanceRow, Store } from '../store/types';
import { persisted } from './snapshot';
import { remember, type SnapshotText } from './snapshotJson';

export interface InstanceCacheOptions {
  /** Instances kept (0: none, every command reads its instance). */
  maxInstances?: number;
  /** Snapshot bytes (as JSON) kept in all; a larger snapshot alone is not kept. */
  maxBytes?: number;
}

/** 1,000 instances; 32 MiB of snapshot JSON (the parsed objects take about 1.5 times that: some 50 MB of heap). */
export const DEFAULT_INSTANCE_CACHE: Required<InstanceCacheOptions> = { maxInstances: 1000, maxBytes: 32 * 1024 * 1024 };

export interface InstanceCacheStats {
  /** Commands that found their instance here, still at the stored revision. */
  hits: number;
  /** Commands that read their instance from the store (not here, or another process committed since). */
  misses: number;
  /** Commands run again on a freshly read row after changing a frozen part (compile/copyOnWrite.ts). */
  rereads: number;
  /** Reads (a job's or a task's variables) that looked at a kept row instead of reading the store's. */
  looks: number;
  instances: number;
  bytes: number;
}

interface Entry {
  row: InstanceRow;
  bytes: number;
}

export class InstanceCache {
  /** In order of use, the least recently used first. */
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private hits = 0;
  private misses = 0;
  private rereads = 0;
  private looks = 0;
  private readonly maxInstances: number;
  private readonly maxBytes: number;

  constructor(
    private readonly store: Store,
    options: InstanceCacheOptions = {},
  ) {
    this.maxInstances = options.maxInstances ?? DEFAULT_INSTANCE_CACHE.maxInstances;
    this.maxBytes = options.maxBytes ?? DEFAULT_INSTANCE_CACHE.maxBytes;
    for (const [name, v] of Object.entries({ maxInstances: this.maxInstances, maxBytes: this.maxBytes })) {
      if (!Number.isInteger(v) || v < 0) throw new Error(`instanceCache.${name} must be a whole number >= 0, got ${v}`);
    }
  }

  /**
   * The row committed last for `id`, taken out (the caller puts back what it commits), when the store
   * still holds its revision; else undefined, and the caller reads the store.
   */
  async take(id: string): Promise<InstanceRow | undefined> {
    const entry = this.entries.get(id);
    if (entry) this.remove(id, entry);
    if (entry && (await this.store.instanceRev(id)) === entry.row.rev) {
      this.hits++;
      return entry.row;
    }
    this.misses++;
    return undefined;
  }

  /**
   * `look` at the row committed last for `id`, left in place, when the store still holds its revision
   * and no command has taken it (a command changes the kept maps in place before it commits); else
   * undefined, and the caller reads the store. `look` runs at once after that check, and must neither
   * change nor keep what it sees: it returns copies.
   */
  async read<T>(id: string, look: (row: InstanceRow) => T): Promise<{ value: T } | undefined> {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    const rev = await this.store.instanceRev(id);
    if (this.entries.get(id) !== entry || rev !== entry.row.rev) return undefined;
    this.looks++;
    return { value: look(entry.row) };
  }

  /** Keeps a committed row, its context's parts frozen from now on; `text` is its snapshot's JSON. */
  put(row: InstanceRow, text: SnapshotText): void {
    const known = this.entries.get(row.id);
    if (known) this.remove(row.id, known);
    const bytes = text.json.length;
    if (!this.maxInstances || bytes > this.maxBytes) return;
    freezeParts(persisted(row).machine.context);
    remember(text.fresh);
    this.entries.set(row.id, { row, bytes });
    this.bytes += bytes;
    for (const [id, entry] of this.entries) {
      if (this.entries.size <= this.maxInstances && this.bytes <= this.maxBytes) break;
      this.remove(id, entry);
    }
  }

  /** A command ran into a frozen part and reads its instance again. */
  reread(): void {
    this.rereads++;
  }

  stats(): InstanceCacheStats {
    return { hits: this.hits, misses: this.misses, rereads: this.rereads, looks: this.looks, instances: this.entries.size, bytes: this.bytes };
  }

  private remove(id: string, entry: Entry): void {
    this.entries.delete(id);
    this.bytes -= entry.bytes;
  }
}
