/**
 * The SQLite store's row mapping (engine/store/sqlite/rowMapping.ts): the column values of a row, named
 * and positional, and the row read back. The store contract covers the round trip through SQLite; these
 * pin the cases a row of the contract may not reach: a required list or JSON field left out, an optional
 * one absent, a `parts` field present and absent, and the legacy constant column.
 */
import { COLUMNS, fieldColumns, fromDb, toParams, toValues } from '../../engine/store/sqlite/rowMapping';
import { int, json, opt, parts, text } from '../../engine/store/tableSpec';
import { TABLES, type TableName } from '../../engine/store/types';
import * as f from './factories';

const SEALED = { seq: 3, hash: 'h3', seal: 'sig', keyId: 'k1' };

test('a task: required lists left out are written as [], optional fields as NULL, the legacy variables column as {}', () => {
  const row = f.task('t1', 'i1', { candidateGroups: undefined as unknown as string[], candidateUsers: ['ann'], excludedUsers: undefined, dueDate: undefined });
  const params = toParams('tasks', row);
  expect(params).toMatchObject({ id: 't1', instance_id: 'i1', candidate_groups: '[]', candidate_users: '["ann"]', excluded_users: null, due_date: null, variables: '{}' });
  expect(Object.keys(params).sort()).toEqual([...COLUMNS.tasks].sort());
  expect(fromDb('tasks', params)).toEqual({ ...row, candidateGroups: [] });
});

test('an instance: a parts field is a column per part, and read back only when every part is there', () => {
  const sealed = f.instance('i1', { head: SEALED });
  const params = toParams('instances', sealed);
  expect(params).toMatchObject({ head_seq: 3, head_hash: 'h3', head_seal: 'sig', head_key_id: 'k1' });
  expect(params.snapshot).toBe(JSON.stringify(sealed.snapshot));
  expect(fromDb('instances', params)).toEqual(sealed);

  const bare = toParams('instances', f.instance('i2'));
  expect([bare.head_seq, bare.head_hash, bare.head_seal, bare.head_key_id]).toEqual([null, null, null, null]);
  expect(fromDb('instances', bare)).not.toHaveProperty('head');
  expect(fromDb('instances', { ...params, head_seal: null })).not.toHaveProperty('head');
  const { head_key_id: _gone, ...lacking } = params;
  expect(fromDb('instances', lacking)).not.toHaveProperty('head');
  // a store that hands back null for the whole field (a document without it)
  const nulled = toParams('instances', { ...sealed, head: null as never });
  expect([nulled.head_seq, nulled.head_hash, nulled.head_seal, nulled.head_key_id]).toEqual([null, null, null, null]);
});

test('read back, an optional NULL column is left out and a required one stays null', () => {
  const params = toParams('tasks', f.task('t1', 'i1', { subject: 'VPN down' }));
  const row = fromDb('tasks', { ...params, subject: null, process_id: null });
  expect(row).not.toHaveProperty('subject');
  expect(row).toHaveProperty('processId', null);
});

test('column types: INTEGER for int fields and int parts, TEXT for the rest', () => {
  expect(fieldColumns('dueDate', int())).toEqual([{ column: 'due_date', type: 'INTEGER' }]);
  expect(fieldColumns('name', opt(text()))).toEqual([{ column: 'name', type: 'TEXT' }]);
  expect(fieldColumns('data', json())).toEqual([{ column: 'data', type: 'TEXT' }]);
  expect(fieldColumns('head', parts<{ seq: number; keyId: string }>({ seq: 'int', keyId: 'text' }))).toEqual([
    { column: 'head_seq', type: 'INTEGER' },
    { column: 'head_key_id', type: 'TEXT' },
  ]);
});

test('a required JSON field left out is JSON null, one with a default its default; optional JSON absent is NULL', () => {
  const job = toParams('jobs', f.job('j1', 'i1', { variables: undefined as unknown as Record<string, unknown>, customHeaders: undefined as unknown as Record<string, string> }));
  expect(job.variables).toBe('{}');
  expect(job.custom_headers).toBe('{}');
  const event = toParams('history', f.event('i1', 2, { data: undefined }));
  expect(event.data).toBeNull();
  const outbox = toParams('outbox', { id: 'o1', kind: 'mail', payload: undefined as unknown, createdAt: 1 } as never);
  expect(outbox.payload).toBe('null');
});

test.each(Object.keys(TABLES) as TableName[])('%s: the positional values follow COLUMNS, the same values as the named ones', (table) => {
  const rows: Partial<Record<TableName, unknown>> = {
    tasks: f.task('t1', 'i1'),
    instances: f.instance('i1', { head: SEALED }),
    history: f.event('i1', 2),
    jobs: f.job('j1', 'i1'),
    timers: f.timer('tm1'),
    incidents: f.incident('x1', 'i1'),
  };
  const row = (rows[table] ?? {}) as never;
  const params = toParams(table, row);
  expect(Object.keys(params)).toEqual([...COLUMNS[table]]);
  expect(toValues(table, row)).toEqual(COLUMNS[table].map((c) => params[c]));
});
