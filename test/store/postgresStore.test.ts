/**
 * The PostgreSQL store against the machine's real PostgreSQL server: the Store contract (each test in
 * a schema of its own, in a database created for this run and dropped afterwards), then what is
 * PostgreSQL's own: migrations, concurrency between stores (two pools are two processes to the
 * server), the indexes the paged queries use, and the pool settings.
 */
import pg from 'pg';
import { ConflictError, openStore } from '../../engine/store';
import { migrate, MIGRATIONS, SCHEMA_VERSION, schemaVersion } from '../../engine/store/postgres/migrations';
import { PostgresStore } from '../../engine/store/postgres/postgresStore';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import * as f from './factories';
import { T0 } from './factories';
import { storeContract } from './storeContract';
import { slaRecordsContract } from './slaRecordsContract';
import { externalKeysContract } from './externalKeysContract';
import { taskDeskContract } from './taskDeskContract';
import { ticketContract } from './ticketContract';

let db: TestDatabase;
let n = 0;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db?.drop();
});

async function dropSchema(schema: string): Promise<void> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await c.end();
  }
}

let contractSchema = '';
storeContract(
  'postgresql (a schema per test)',
  async () => {
    contractSchema = `contract_${n++}`;
    return new PostgresStore({ url: db.url, schema: contractSchema, poolMax: 4 });
  },
  () => dropSchema(contractSchema),
);
taskDeskContract(
  'postgresql (a schema per test)',
  async () => {
    contractSchema = `contract_${n++}`;
    return new PostgresStore({ url: db.url, schema: contractSchema, poolMax: 4 });
  },
  () => dropSchema(contractSchema),
);
ticketContract(
  'postgresql (a schema per test)',
  async () => {
    const schema = `contract_${n++}`;
    contractSchema = schema;
    return () => new PostgresStore({ url: db.url, schema, poolMax: 4 });
  },
  () => dropSchema(contractSchema),
);

slaRecordsContract(
  'postgresql (a schema per test)',
  async () => {
    contractSchema = `contract_${n++}`;
    return new PostgresStore({ url: db.url, schema: contractSchema, poolMax: 4 });
  },
  () => dropSchema(contractSchema),
);

externalKeysContract(
  'postgresql (a schema per test)',
  async () => {
    const schema = (contractSchema = `contract_${n++}`);
    const open = () => new PostgresStore({ url: db.url, schema, poolMax: 4 });
    return { store: open(), reopen: open };
  },
  () => dropSchema(contractSchema),
);

describe('PostgresStore specifics', () => {
  const open: PostgresStore[] = [];
  const schemas: string[] = [];
  async function openStoreIn(schema: string, options: Partial<ConstructorParameters<typeof PostgresStore>[0]> = {}): Promise<PostgresStore> {
    const store = new PostgresStore({ url: db.url, schema, poolMax: 4, ...options });
    open.push(store);
    if (!schemas.includes(schema)) schemas.push(schema);
    await store.init();
    return store;
  }
  const fresh = () => `specific_${n++}`;

  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
    for (const s of schemas.splice(0)) await dropSchema(s);
  });

  test('migrations are versioned, idempotent, refuse a newer schema, and run once when processes start together', async () => {
    const schema = fresh();
    const stores = await Promise.all([0, 1, 2].map(() => openStoreIn(schema)));
    const c = await stores[0].connection.connect();
    try {
      expect(await schemaVersion(c)).toBe(SCHEMA_VERSION);
      expect(await migrate(stores[0].connection, schema)).toEqual([]);
      const next = [...MIGRATIONS, { version: SCHEMA_VERSION + 1, description: 'test', sql: 'ALTER TABLE tasks ADD COLUMN extra TEXT' }];
      expect(await migrate(stores[0].connection, schema, next)).toEqual([SCHEMA_VERSION + 1]);
      expect(await migrate(stores[0].connection, schema, next)).toEqual([]);
      await expect(migrate(stores[0].connection, schema)).rejects.toThrow(/newer/);
      expect(await stores[1].checkIntegrity()).toMatch(new RegExp(`schema version ${SCHEMA_VERSION + 1}, expected ${SCHEMA_VERSION}`));
    } finally {
      c.release();
    }
  });

  test('a failed migration leaves the previous version and no partial schema', async () => {
    const schema = fresh();
    const store = await openStoreIn(schema);
    const broken = [...MIGRATIONS, { version: SCHEMA_VERSION + 1, description: 'broken', sql: 'CREATE TABLE x (a INT); SELECT nope FROM nowhere;' }];
    await expect(migrate(store.connection, schema, broken)).rejects.toThrow(/nowhere/);
    expect(await store.checkIntegrity()).toBeUndefined();
    expect((await store.connection.query(`SELECT to_regclass('x') AS t`)).rows[0].t).toBeNull();
  });

  test('history rows cannot be updated, deleted or truncated', async () => {
    const store = await openStoreIn(fresh());
    await store.commit(f.startBatch(f.instance('i1')));
    await expect(store.connection.query(`UPDATE history SET actor = 'mallory'`)).rejects.toThrow(/append-only/);
    await expect(store.connection.query('DELETE FROM history')).rejects.toThrow(/append-only/);
    await expect(store.connection.query('TRUNCATE history')).rejects.toThrow(/append-only/);
    expect(await store.getHistory('i1')).toEqual([f.event('i1', 1)]);
  });

  test('two stores (two pools, as two processes) racing: no job handed out twice, one winner per revision, one timer firing', async () => {
    const schema = fresh();
    const a = await openStoreIn(schema);
    const b = await openStoreIn(schema);
    const jobs = Array.from({ length: 200 }, (_, i) => f.job(`j${String(i).padStart(3, '0')}`, 'i1', { createdAt: T0 + i }));
    await a.commit(f.startBatch(f.instance('i1'), { jobs: { upsert: jobs } }));
    const got: string[] = [];
    const grab = async (store: PostgresStore, worker: string) => {
      for (;;) {
        const batch = await store.activateJobs('send-email', worker, 3, 60_000, T0 + 1000);
        if (!batch.length) return;
        got.push(...batch.map((j) => j.key));
      }
    };
    await Promise.all([grab(a, 'a1'), grab(a, 'a2'), grab(b, 'b1'), grab(b, 'b2')]);
    expect(got).toHaveLength(200);
    expect(new Set(got).size).toBe(200);

    // 20 concurrent commits of the same revision: exactly one wins, the others are ConflictErrors
    const inst = (await b.getInstance('i1'))!;
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).commit(f.nextBatch(inst, 1, [f.event('i1', 2, { actor: `w${i}` })]))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConflictError);
    expect((await a.getHistory('i1')).map((e) => e.seq)).toEqual([1, 2]);
    expect((await a.getInstance('i1'))?.rev).toBe(2);

    await a.saveStartTimers([f.startTimer('s1', 'nightly:1')], []);
    const fired = await Promise.all([a.fireStartTimer('s1', undefined, T0), b.fireStartTimer('s1', undefined, T0), a.fireStartTimer('s1', undefined, T0)]);
    expect(fired.filter(Boolean)).toHaveLength(1);

    // a messageId is buffered once even when published at the same moment from both
    const published = await Promise.all([a.bufferMessage(f.message('m1', { messageId: 'x' })), b.bufferMessage(f.message('m2', { messageId: 'x' }))]);
    expect(published.filter(Boolean)).toHaveLength(1);
  });

  test('a job locked by one activation is skipped, not waited for, by another (SKIP LOCKED)', async () => {
    const schema = fresh();
    const store = await openStoreIn(schema);
    await store.commit(f.startBatch(f.instance('i1'), { jobs: { upsert: [f.job('j1', 'i1'), f.job('j2', 'i1', { createdAt: T0 + 1 })] } }));
    const holder = await store.connection.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT * FROM jobs WHERE key = 'j1' FOR UPDATE`);
      const started = Date.now();
      const got = await store.activateJobs('send-email', 'w', 5, 60_000, T0 + 10);
      expect(got.map((j) => j.key)).toEqual(['j2']);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
    expect((await store.activateJobs('send-email', 'w', 5, 60_000, T0 + 10)).map((j) => j.key)).toEqual(['j1']);
  });

  test('every paged query reads an index in page order (no sort of the whole table) on a table of 20,000 tasks', async () => {
    const store = await openStoreIn(fresh());
    const inst = f.instance('i1');
    const tasks = Array.from({ length: 20_000 }, (_, i) =>
      f.task(`t${String(i).padStart(5, '0')}`, 'i1', {
        createdAt: T0 + i,
        candidateGroups: [`g${i % 50}`],
        assignee: i % 7 ? undefined : `u${i % 13}`,
        state: i % 3 ? 'created' : 'completed',
      }),
    );
    await store.commit(f.startBatch(inst, { tasks: { upsert: tasks } }));
    await store.connection.query('ANALYZE');
    const queries = [
      { candidateGroup: 'g7', state: 'created' as const },
      { visibleTo: { user: 'u3', groups: ['g1', 'g2'] }, state: 'created' as const },
      { assignee: 'u3', state: 'created' as const },
      { state: 'created' as const },
      { instanceId: 'i1' },
    ];
    for (const q of queries) {
      for (const plan of await store.explainListTasks({ ...q, limit: 50 })) {
        expect(plan).toMatch(/Index (Only )?Scan/);
        expect(plan).not.toMatch(/Seq Scan|Sort/);
      }
    }
    const page = await store.listTasks({ candidateGroup: 'g7', state: 'created', limit: 50 });
    expect(page.items).toHaveLength(50);
    expect(page.items.every((t) => t.candidateGroups.includes('g7') && t.state === 'created')).toBe(true);
  });

  test('pool settings: size, statement timeout and application name reach the server; bad settings are refused', async () => {
    const store = await openStoreIn(fresh(), { poolMax: 3, statementTimeoutMs: 1500 });
    expect(store.connection.options.max).toBe(3);
    const r = await store.connection.query(`SELECT current_setting('statement_timeout') AS t, current_setting('application_name') AS a`);
    expect(r.rows[0]).toEqual({ t: '1500ms', a: 'processdesk' });
    await expect(store.connection.query('SELECT pg_sleep(3)')).rejects.toThrow(/statement timeout/);
    expect(() => new PostgresStore({ url: 'mysql://x', schema: 'a' })).toThrow(/postgres:\/\//);
    expect(() => new PostgresStore({ url: db.url, schema: 'A; DROP' })).toThrow(/schema name/);
    expect(() => new PostgresStore({ url: db.url, poolMax: 0 })).toThrow(/pool size/);
  });

  test('a server that does not answer is a clear error, not a hang', async () => {
    const store = new PostgresStore({ url: 'postgres://postgres@127.0.0.1:1/none', connectionTimeoutMs: 2000 });
    await expect(store.init()).rejects.toThrow(/ECONNREFUSED/);
    await store.close();
  });

  test('openStore picks PostgreSQL for a postgres:// databaseUrl', async () => {
    const store = openStore({ databaseUrl: db.url });
    expect(store).toBeInstanceOf(PostgresStore);
    await store.close();
  });
});
