/**
 * The two durable stores the PostgreSQL section compares: the embedded SQLite file (as `npm start`
 * runs it) and PostgreSQL in a database created for the run on BENCH_PG_URL's server (default the
 * local one, postgres@127.0.0.1:5432), dropped afterwards.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { openStore } from '../../engine/store';
import type { Store } from '../../engine/store/types';
import { dirSize, storeSettings, tempDir } from './common';

export type StoreKind = 'sqlite' | 'postgres';

/** Where a store is, as handed to worker processes. */
export interface StoreLocation {
  kind: StoreKind;
  /** SQLite: the data directory. PostgreSQL: the database URL. */
  where: string;
  /** The history key every process on this store shares. */
  historyKey: string;
}

export const BENCH_PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function openAt(loc: StoreLocation, poolMax?: number): Store {
  return loc.kind === 'sqlite' ? openStore({ dataDir: loc.where, ...storeSettings() }) : openStore({ databaseUrl: loc.where, postgres: poolMax ? { poolMax } : undefined });
}

async function admin<T>(work: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: BENCH_PG_URL });
  await c.connect();
  try {
    return await work(c);
  } finally {
    await c.end();
  }
}

/** A fresh empty store of `kind`; `drop` removes it. */
export async function createStore(kind: StoreKind): Promise<StoreLocation & { drop: () => Promise<void>; sizeBytes: () => Promise<number> }> {
  const dir = tempDir(`store-${kind}`);
  const historyKey = path.join(dir, 'history-key.pem');
  if (kind === 'sqlite') {
    const data = path.join(dir, 'data');
    fs.mkdirSync(data);
    return { kind, where: data, historyKey, drop: async () => fs.rmSync(dir, { recursive: true, force: true }), sizeBytes: async () => dirSize(data) };
  }
  const name = `processdesk_bench_${crypto.randomBytes(5).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(BENCH_PG_URL);
  url.pathname = `/${name}`;
  return {
    kind,
    where: url.toString(),
    historyKey,
    drop: async () => {
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      fs.rmSync(dir, { recursive: true, force: true });
    },
    // tables, indexes and TOAST of the database, after a CHECKPOINT so that nothing waits in the WAL only
    sizeBytes: () =>
      admin(async (c) => {
        await c.query('CHECKPOINT');
        return Number((await c.query('SELECT pg_database_size($1) AS size', [name])).rows[0].size);
      }),
  };
}
