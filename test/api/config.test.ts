/** Settings from the environment: the embedded store's SQLITE_SYNCHRONOUS and SQLITE_GROUP_COMMIT_MAX, SHUTDOWN_GRACE_MS, INSTANCE_CACHE_*, DATABASE_URL and PG_*, BUSINESS_CALENDARS. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, storeDescription } from '../../api/config';
import { loadWorkerConfig } from '../../api/worker';
import { DEFAULT_GROUP_COMMIT_MAX } from '../../engine/store';

const DEMO = { DEMO: 'on' }; // users to start with

test('durable by default: synchronous FULL with group commit', () => {
  expect(loadConfig(DEMO, '/srv').sqlite).toEqual({ synchronous: 'FULL', groupCommitMax: DEFAULT_GROUP_COMMIT_MAX });
  expect(loadWorkerConfig({}, '/srv').sqlite).toEqual({ synchronous: 'FULL', groupCommitMax: DEFAULT_GROUP_COMMIT_MAX });
});

test('SQLITE_SYNCHRONOUS=normal (any case) and a group size; the worker reads the same', () => {
  const env = { ...DEMO, SQLITE_SYNCHRONOUS: 'Normal', SQLITE_GROUP_COMMIT_MAX: '16' };
  expect(loadConfig(env, '/srv').sqlite).toEqual({ synchronous: 'NORMAL', groupCommitMax: 16 });
  expect(loadWorkerConfig(env, '/srv').sqlite).toEqual({ synchronous: 'NORMAL', groupCommitMax: 16 });
});

test('anything else is refused at start with the setting named', () => {
  expect(() => loadConfig({ ...DEMO, SQLITE_SYNCHRONOUS: 'off' })).toThrow(/SQLITE_SYNCHRONOUS must be full or normal/);
  expect(() => loadConfig({ ...DEMO, SQLITE_GROUP_COMMIT_MAX: '0' })).toThrow(/SQLITE_GROUP_COMMIT_MAX must be at least 1/);
  expect(() => loadConfig({ ...DEMO, SQLITE_GROUP_COMMIT_MAX: 'many' })).toThrow(/SQLITE_GROUP_COMMIT_MAX/);
});

test('INSTANCE_CACHE_SIZE and INSTANCE_CACHE_BYTES: 1,000 instances and 32 MiB by default, 0 keeps none; the worker reads the same', () => {
  expect(loadConfig(DEMO, '/srv').instanceCache).toEqual({ maxInstances: 1000, maxBytes: 32 * 1024 * 1024 });
  const env = { ...DEMO, INSTANCE_CACHE_SIZE: '0', INSTANCE_CACHE_BYTES: '1048576' };
  expect(loadConfig(env, '/srv').instanceCache).toEqual({ maxInstances: 0, maxBytes: 1048576 });
  expect(loadWorkerConfig(env, '/srv').instanceCache).toEqual({ maxInstances: 0, maxBytes: 1048576 });
  expect(() => loadConfig({ ...DEMO, INSTANCE_CACHE_SIZE: 'all' })).toThrow(/INSTANCE_CACHE_SIZE must be a non-negative integer, got "all"/);
  expect(() => loadWorkerConfig({ INSTANCE_CACHE_BYTES: '-1' })).toThrow(/INSTANCE_CACHE_BYTES must be a non-negative integer, got "-1"/);
});

test('MAX_BULK_RETRY: 100 incidents a bulk retry by default, at least 1', () => {
  expect(loadConfig(DEMO).maxBulkRetry).toBe(100);
  expect(loadConfig({ ...DEMO, MAX_BULK_RETRY: '20' }).maxBulkRetry).toBe(20);
  expect(() => loadConfig({ ...DEMO, MAX_BULK_RETRY: '0' })).toThrow(/MAX_BULK_RETRY must be at least 1/);
  expect(() => loadConfig({ ...DEMO, MAX_BULK_RETRY: 'lots' })).toThrow(/MAX_BULK_RETRY/);
});

test('SHUTDOWN_GRACE_MS: 10 s by default, any non-negative integer', () => {
  expect(loadConfig(DEMO).shutdownGraceMs).toBe(10_000);
  expect(loadConfig({ ...DEMO, SHUTDOWN_GRACE_MS: '2500' }).shutdownGraceMs).toBe(2500);
  expect(() => loadConfig({ ...DEMO, SHUTDOWN_GRACE_MS: '-1' })).toThrow(/SHUTDOWN_GRACE_MS/);
});

test('DATABASE_URL picks the PostgreSQL store, with pool settings; the worker reads the same; bad values are refused', () => {
  expect(loadConfig(DEMO).postgres).toBeUndefined();
  const env = { ...DEMO, DATABASE_URL: 'postgres://pd:secret@db.example:5432/processdesk', PG_POOL_MAX: '20', PG_SCHEMA: 'desk' };
  const expected = { url: env.DATABASE_URL, poolMax: 20, schema: 'desk', statementTimeoutMs: 30_000 };
  expect(loadConfig(env).postgres).toEqual(expected);
  expect(loadWorkerConfig(env).postgres).toEqual(expected);
  expect(loadConfig({ ...DEMO, DATABASE_URL: 'postgresql://h/db' }).postgres).toMatchObject({ poolMax: 10, schema: 'public' });
  expect(() => loadConfig({ ...DEMO, DATABASE_URL: 'mysql://h/db' })).toThrow(/DATABASE_URL must be a postgres/);
  expect(() => loadConfig({ ...env, PG_POOL_MAX: '0' })).toThrow(/PG_POOL_MAX must be at least 1/);
  expect(() => loadConfig({ ...env, PG_SCHEMA: 'Desk; drop' })).toThrow(/PG_SCHEMA/);
  expect(() => loadConfig({ ...env, MONGODB_URL: 'mongodb://h/db' })).toThrow(/not both/);
  expect(storeDescription(loadConfig(env))).toBe('PostgreSQL postgres://pd:***@db.example:5432/processdesk (schema desk, pool 20)');
});

test('BUSINESS_CALENDARS names calendars for the API and the worker; a bad file stops the start naming the calendar', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pd-calendars-'));
  try {
    const emea = { timeZone: 'Europe/Berlin', workingDays: [1, 2, 3, 4, 5], workingHours: { start: '08:00', end: '18:00' }, holidays: ['2026-12-25'] };
    fs.writeFileSync(path.join(dir, 'calendars.json'), JSON.stringify({ emea }));
    expect(loadConfig({ ...DEMO, BUSINESS_CALENDARS: 'calendars.json' }, dir).businessCalendars).toEqual({ emea });
    expect(loadWorkerConfig({ ...DEMO, BUSINESS_CALENDARS: 'calendars.json' }, dir).businessCalendars).toEqual({ emea });
    expect(loadConfig(DEMO, dir).businessCalendars).toBeUndefined();
    fs.writeFileSync(path.join(dir, 'bad.json'), JSON.stringify({ emea: { ...emea, workingHours: { start: '18:00', end: '08:00' } } }));
    expect(() => loadConfig({ ...DEMO, BUSINESS_CALENDARS: 'bad.json' }, dir)).toThrow(/BUSINESS_CALENDARS .*bad\.json: calendar emea:/);
    fs.writeFileSync(path.join(dir, 'reserved.json'), JSON.stringify({ '24x7': emea }));
    expect(() => loadConfig({ ...DEMO, BUSINESS_CALENDARS: 'reserved.json' }, dir)).toThrow(/not 24x7 or business/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
