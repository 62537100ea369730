/**
 * The Store port and its adapters. `openStore` picks the embedded SQLite store; a MongoDB adapter
 * (when MONGODB_URL is set, DESIGN.md section 4) plugs in here.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Store } from './types';
import { SqliteStore } from './sqlite/sqliteStore';
import type { MongoStore as MongoStoreClass } from './mongo/mongoStore';

export * from './types';
export { SqliteStore, type SqliteStoreOptions } from './sqlite/sqliteStore';
// The MongoDB adapter is loaded only when used (mongoose costs ~0.25 s at start-up): import it from
// './mongo/mongoStore' directly, or let openStore pick it.
export type { MongoStoreOptions } from './mongo/mongoStore';
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
  /** MongoDB connection string: the mongoose store instead of SQLite (MONGODB_URL, DESIGN.md section 4). */
  mongodbUrl?: string;
}

/** Opens (does not initialise) the store; call `init()` before use. */
export function openStore(options: OpenStoreOptions = {}): Store {
  if (options.mongodbUrl) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { MongoStore } = require('./mongo/mongoStore') as { MongoStore: typeof MongoStoreClass };
    return new MongoStore({ url: options.mongodbUrl });
  }
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
