/**
 * The Store port and its adapters. `openStore` picks PostgreSQL when a DATABASE_URL is given, MongoDB
 * when a MONGODB_URL is given (docs/architecture.md, "The adapters"), else the embedded SQLite store.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Store } from './types';
import { SqliteStore } from './sqlite/sqliteStore';
import type { MongoStore as MongoStoreClass } from './mongo/mongoStore';
import type { PostgresStore as PostgresStoreClass } from './postgres/postgresStore';

export * from './types';
export { SqliteStore, DEFAULT_GROUP_COMMIT_MAX } from './sqlite/sqliteStore';
// The MongoDB adapter is loaded only when used (mongoose costs ~0.25 s at start-up): import it from
// './mongo/mongoStore' directly, or let openStore pick it.
export { InvalidCursorError } from './sqlite/paging';
// Likewise the PostgreSQL adapter: './postgres/postgresStore', or openStore with a databaseUrl.

/** File name of the embedded database inside the data directory. */
export const DEFAULT_DB_FILE = 'processdesk.sqlite';

export interface OpenStoreOptions {
  /** Directory of the embedded database; created if missing. Default `./data`. */
  dataDir?: string;
  /** Explicit database file (wins over dataDir); `:memory:` for a private in-memory database. */
  file?: string;
  /** SQLite durability; see SqliteStoreOptions.synchronous. Default FULL (on disk before acknowledged). */
  synchronous?: 'NORMAL' | 'FULL';
  /** Most writes one SQLite transaction carries (group commit); see SqliteStoreOptions.groupCommitMax. */
  groupCommitMax?: number;
  /** MongoDB connection string: the mongoose store instead of SQLite (MONGODB_URL; docs/architecture.md, "The adapters"). */
  mongodbUrl?: string;
  /** PostgreSQL connection string (DATABASE_URL=postgres://...): the shared PostgreSQL store. */
  databaseUrl?: string;
  /** PostgreSQL pool and schema settings (PG_POOL_MAX, PG_SCHEMA...); used with databaseUrl. */
  postgres?: { poolMax?: number; schema?: string; statementTimeoutMs?: number; connectionTimeoutMs?: number };
}

/** openStore's PostgreSQL options from the API's settings (DATABASE_URL, PG_*); none when unset. */
export function storeOptionsOf(pg: { url: string; poolMax: number; schema: string; statementTimeoutMs: number } | undefined): Pick<OpenStoreOptions, 'databaseUrl' | 'postgres'> {
  return pg ? { databaseUrl: pg.url, postgres: { poolMax: pg.poolMax, schema: pg.schema, statementTimeoutMs: pg.statementTimeoutMs } } : {};
}

/** Opens (does not initialise) the store; call `init()` before use. */
export function openStore(options: OpenStoreOptions = {}): Store {
  if (options.databaseUrl && options.mongodbUrl) throw new Error('set DATABASE_URL or MONGODB_URL, not both: a deployment has one store');
  if (options.databaseUrl) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { PostgresStore } = require('./postgres/postgresStore') as { PostgresStore: typeof PostgresStoreClass };
    return new PostgresStore({
      url: options.databaseUrl,
      ...options.postgres,
      onIdleError: (err) => console.warn(`[processdesk] PostgreSQL connection lost while idle (the pool reconnects): ${err.message}`),
    });
  }
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
  return new SqliteStore({ file, synchronous: options.synchronous, groupCommitMax: options.groupCommitMax });
}
