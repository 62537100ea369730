/** What every benchmark section shares: the run mode, progress lines, fixtures, temporary directories. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sqliteSettings, type SqliteSettings } from '../../api/config';

export type Mode = 'full' | 'quick' | 'smoke';

export interface SectionContext {
  mode: Mode;
  /** Prints one progress line (prefixed with the section name). */
  log: (line: string) => void;
}

/** One row of the final table. */
export interface Row {
  section: string;
  metric: string;
  value: number | null;
  unit: string;
  /** e.g. ">= 15", "< 20"; empty when the row has no target. */
  target?: string;
  /** Why the value is missing (n/a). */
  note?: string;
}

export interface SectionResult {
  rows: Row[];
  /** Everything measured, for results.json. */
  details: Record<string, unknown>;
}

export const FIXTURES = path.join(__dirname, '..', 'fixtures');

export function fixture(name: string): { name: string; content: string } {
  return { name, content: fs.readFileSync(path.join(FIXTURES, name), 'utf8') };
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `processdesk-bench-${prefix}-`));
}

/** Total size in bytes of the files directly in `dir` (the SQLite database, its WAL and shared memory). */
export function dirSize(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isFile()) total += fs.statSync(path.join(dir, entry.name)).size;
  }
  return total;
}

/** Lets timers and I/O callbacks run (awaiting a settled promise alone never leaves the microtask queue). */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function pick<T>(mode: Mode, values: { full: T; quick: T; smoke: T }): T {
  return values[mode];
}

/**
 * The embedded store's settings of the sections that use the default store (1a, 2, 3, 4): as for
 * `npm start`, from SQLITE_SYNCHRONOUS / SQLITE_GROUP_COMMIT_MAX, so either mode can be measured.
 */
export function storeSettings(): SqliteSettings {
  return sqliteSettings(process.env);
}
