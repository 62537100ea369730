/**
 * The Camunda client suite (clientSuite.ts) on the PostgreSQL store (the machine's server, a database
 * created for this run and dropped afterwards): the numeric keys come from PostgreSQL's sequence.
 */
import { PostgresStore } from '../../engine/store/postgres/postgresStore';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { clientSuite } from './clientSuite';

let db: TestDatabase | undefined;
clientSuite(
  'PostgreSQL store',
  async () => {
    db = await createTestDatabase();
    return { store: new PostgresStore({ url: db.url, schema: 'public', poolMax: 8 }) };
  },
  async () => {
    await db?.drop();
  },
);
