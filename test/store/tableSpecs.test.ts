/**
 * The table specs of engine/store/types.ts are the one declaration of each stored row: the SQLite
 * columns follow from them (a column a spec has and the table lacks is added when the store opens),
 * and so does the MongoDB schema.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../engine/store';
import { SCHEMAS } from '../../engine/store/mongo/schemas';
import { column } from '../../engine/store/tableSpec';
import { TABLES, type TableName } from '../../engine/store/types';
import { addSpecColumns, migrate } from '../../engine/store/sqlite/migrations';
import { COLUMNS } from '../../engine/store/sqlite/rowMapping';
import * as f from './factories';

const dirs: string[] = [];
const tmpFile = (): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-specs-'));
  dirs.push(dir);
  return path.join(dir, 'db.sqlite');
};
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

const tableColumns = (db: Database.Database, table: string): string[] => (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);

test('the migrations and the specs agree: a fresh database has every column of every spec, and nothing is added', () => {
  const db = new Database(tmpFile());
  migrate(db);
  expect(addSpecColumns(db)).toEqual([]);
  for (const table of Object.keys(TABLES) as TableName[]) {
    expect({ table, missing: COLUMNS[table].filter((c) => !tableColumns(db, table).includes(c)) }).toEqual({ table, missing: [] });
  }
  db.close();
});

test('a column a spec has and the table lacks is added when the store opens, and its field round-trips', async () => {
  const file = tmpFile();
  const db = new Database(file);
  migrate(db);
  db.exec('ALTER TABLE tasks DROP COLUMN priority'); // a database from before the field
  expect(tableColumns(db, 'tasks')).not.toContain('priority');
  db.close();
  const store = new SqliteStore({ file });
  await store.init();
  expect(tableColumns(store.connection, 'tasks')).toContain('priority');
  const instance = f.instance('i1');
  await store.commit(f.startBatch(instance, { tasks: { upsert: [f.task('t1', 'i1', { priority: 7 })] } }));
  expect(await store.getTask('t1')).toEqual(f.task('t1', 'i1', { priority: 7 }));
  await store.close();
});

test('the MongoDB schema of each collection has a path per field of its spec', () => {
  for (const table of Object.keys(TABLES) as TableName[]) {
    const paths = Object.keys(SCHEMAS[table].paths);
    const key = table === 'history' || table === 'checkpoints' ? undefined : Object.keys(TABLES[table])[0];
    const fields = Object.keys(TABLES[table]).filter((name) => name !== key);
    expect({ table, missing: fields.filter((name) => !paths.includes(name)) }).toEqual({ table, missing: [] });
  }
  expect(column('followUpDate')).toBe('follow_up_date');
});
