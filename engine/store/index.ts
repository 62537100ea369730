/**
 * The Store port and its adapters. `openStore` picks the embedded SQLite store; a MongoDB adapter
 * (when MONGODB_URL is set, DESIGN.md section 4) plugs in here.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Store } from './types';
import { SqliteStore } from './sqlite/sqliteStore';

export * from './types';
export { SqliteStore, type SqliteStoreOptions } from './sqlite/sqliteStore';
export { InvalidCursorError, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './sqlite/paging';

/** File name of the embedded database inside the data directory. */
export const DEFAULT_DB_FILE = 'processdesk.sqlite';

export interface OpenStoreOptions {
  /** Directory of the embedded database; created if missing. Default `./data`. */
  dataDir?: string;
  /** Explicit database file (wins over dataDir); `:memory:` for a private in-memory database. */
  file?: string;
  /** SQLite durability; see SqliteStoreOptions.synchronous. Default NORMAL (WAL). */
  synchronous?: 'NORMAL' | 'FULL';
}

/** Opens (does not initialise) the store; call `init()` before use. */
export function openStore(options: OpenStoreOptions = {}): Store {
  let file = options.file;
  if (file === undefined) {
    const dir = options.dataDir ?? 'data';
    fs.mkdirSync(dir, { recursive: true });
    file = path.join(dir, DEFAULT_DB_FILE);
  } else if (file !== ':memory:' && file !== '' && !file.startsWith('file:')) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
  }
  return new SqliteStore({ file, synchronous: options.synchronous });
}
