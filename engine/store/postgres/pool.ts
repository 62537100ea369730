/**
 * The connection pool of the PostgreSQL store (node-postgres), and the transaction helper every write
 * goes through.
 *
 * Each API or worker process holds its own pool; PostgreSQL's own row locks and MVCC make the processes
 * safe together, so nothing is serialised in the process (unlike the embedded store's one writer).
 */
import pg from 'pg';

export interface PostgresPoolOptions {
  /** `postgres://user:password@host:port/database` (DATABASE_URL). */
  url: string;
  /**
   * Schema that holds the tables (default `public`); created by init() if missing. Tests give each
   * store its own schema; it also lets several ProcessDesk installations share one database.
   */
  schema?: string;
  /** Most connections this process opens (PG_POOL_MAX). Default 10. */
  poolMax?: number;
  /** How long a query may wait for a free connection before failing. Default 10000 ms. */
  connectionTimeoutMs?: number;
  /** A statement running longer than this is cancelled by the server. Default 30000 ms. */
  statementTimeoutMs?: number;
  /** An idle connection is closed after this long. Default 30000 ms. */
  idleTimeoutMs?: number;
  /** Called when an idle connection fails (e.g. the server restarted); the pool drops it. */
  onIdleError?: (err: Error) => void;
}

export const DEFAULT_POOL_MAX = 10;

/** BIGINT (epoch milliseconds, counts) arrive as numbers, not strings: every such value is < 2^53. */
const INT8_OID = 20;
const types = new pg.TypeOverrides();
types.setTypeParser(INT8_OID, (v: string) => Number(v));

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function checkSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid PostgreSQL schema name ${JSON.stringify(schema)}: use lower-case letters, digits and _`);
  return schema;
}

export function createPool(o: PostgresPoolOptions): pg.Pool {
  if (!/^postgres(ql)?:\/\//.test(o.url)) throw new Error(`DATABASE_URL must start with postgres:// or postgresql://, got ${redactUrl(o.url)}`);
  const schema = checkSchemaName(o.schema ?? 'public');
  const poolMax = o.poolMax ?? DEFAULT_POOL_MAX;
  if (!Number.isInteger(poolMax) || poolMax < 1) throw new RangeError(`the PostgreSQL pool size must be an integer >= 1, got ${poolMax}`);
  const pool = new pg.Pool({
    connectionString: o.url,
    max: poolMax,
    connectionTimeoutMillis: o.connectionTimeoutMs ?? 10_000,
    idleTimeoutMillis: o.idleTimeoutMs ?? 30_000,
    statement_timeout: o.statementTimeoutMs ?? 30_000,
    // a transaction left open by a stuck process must not hold row locks forever
    idle_in_transaction_session_timeout: 60_000,
    application_name: 'processdesk',
    options: `-c search_path=${schema}`,
    keepAlive: true,
    types,
  });
  // Without a listener an idle connection that fails (server restart, network cut) throws from the
  // pool and ends the process; the pool drops that connection and opens a new one on demand.
  pool.on('error', (err) => o.onIdleError?.(err));
  return pool;
}

/** The SQLSTATE of a server error, e.g. `23505` (unique violation). */
export function pgCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export const UNIQUE_VIOLATION = '23505';

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

/**
 * Runs `work` in one transaction (READ COMMITTED) on a connection of its own. Any error rolls it back;
 * a connection that cannot even roll back (it broke) is destroyed, not returned to the pool.
 */
export async function transaction<T>(pool: pg.Pool, work: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // A connection that fails between two queries of the transaction (the server restarted) emits
  // 'error' with no query to reject: unheard, it ends the process. The next query fails instead.
  const onError = (err: Error) => (broken = err);
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackErr) {
      broken = rollbackErr as Error;
    }
    throw err;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

/** Runs `work` on a connection of its own outside a transaction (migrations, checks); see transaction. */
export async function withConnection<T>(pool: pg.Pool, work: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (err: Error) => (broken = err);
  client.on('error', onError);
  try {
    return await work(client);
  } catch (err) {
    // whatever state a failed step left the session in (an open transaction...) leaves with it
    broken ??= err as Error;
    throw err;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}
