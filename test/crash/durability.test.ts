/**
 * Durable before acknowledged: a command the API acknowledged is on disk, not only in the OS cache.
 *
 * Why not simply copy the database files after the acknowledgement and look for the command? Because
 * that copy reads through the OS page cache: it finds the command whether or not it was ever flushed
 * to the disk, so it passes with synchronous=NORMAL just as with FULL. It does show that the
 * acknowledged command is in the database files and can be recovered from them alone (the copy has no
 * -shm and no process), so it is checked, but it is not the durability proof.
 *
 * What tells the modes apart is the order of the system calls, so the server runs under strace (a
 * real process, nothing simulated): the acknowledgement is the `201 Created` written to the client's
 * socket; the command's commit is the last write to the -wal file before it. Under FULL (the default)
 * an fsync of the -wal file must come between the two; under NORMAL none does, which is exactly what
 * NORMAL can lose on a power failure (README, SQLITE_SYNCHRONOUS). The NORMAL case is asserted too, so
 * the check is seen to fail when the fsync is missing.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { verifyChain, type HistoryEvent } from '../../engine';
import { fromDb } from '../../engine/store/sqlite/rowMapping';
import type { DbRow } from '../../engine/store/sqlite/rowMapping';
import { REPO_DIR } from '../support/paths';
import { call, startServerProcess } from '../support/serverProcess';

const STRACE = process.env.STRACE_PATH ?? '/usr/bin/strace';
const PROCESS = path.join(REPO_DIR, 'test/fixtures/api/wcp01-sequence.bpmn');

interface TracedCommand {
  instanceId: string;
  /** System calls of the server's main thread, from its last -wal write before the 201 up to the 201. */
  beforeAck: string[];
  /** What a copy of the database files taken right after the 201 holds of the instance. */
  copy: { state?: string; businessKey?: string; history: HistoryEvent[] };
}

/** Starts the API under strace with SQLITE_SYNCHRONOUS=`mode`, starts one instance, copies the files, stops. */
async function traceOneCommand(mode: 'full' | 'normal'): Promise<TracedCommand> {
  if (!fs.existsSync(STRACE)) throw new Error(`no strace at ${STRACE} (apt-get install strace, or set STRACE_PATH)`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-durable-'));
  const traceFile = path.join(work, 'trace.txt');
  // -yy: paths and socket addresses of file descriptors; only the calls that matter, filtered in the kernel
  const server = await startServerProcess({
    processes: [PROCESS],
    env: { SQLITE_SYNCHRONOUS: mode },
    prefix: [STRACE, '-f', '-qq', '-yy', '-s', '48', '--seccomp-bpf', '-e', 'trace=pwrite64,pwritev,write,writev,fsync,fdatasync', '-o', traceFile],
  });
  try {
    const started = await call(server.baseUrl, 'POST', '/api/process-instances', { processId: 'wcp01', businessKey: `DURABLE-${mode}` });
    expect(started.status).toBe(201);
    // Right after the acknowledgement, while the server runs: WAL first, then the main file; no checkpoint.
    const copyDir = path.join(work, 'copy');
    fs.mkdirSync(copyDir);
    fs.copyFileSync(`${server.dbFile}-wal`, path.join(copyDir, 'copy.sqlite-wal'));
    fs.copyFileSync(server.dbFile, path.join(copyDir, 'copy.sqlite'));
    const copy = readCopy(path.join(copyDir, 'copy.sqlite'), started.json.id);

    process.kill(server.serverPid(), 'SIGTERM');
    expect((await server.exited).code).toBe(0);
    const lines = fs.readFileSync(traceFile, 'utf8').split('\n');
    // lines are `<pid> <call>(...)`, the pid padded with spaces
    const ack = lines.findIndex((l) => /^\d+\s+writev?\(\d+<TCP:.*HTTP\/1\.1 201 Created/.test(l));
    expect(ack).toBeGreaterThan(-1);
    const pidOf = (line: string): string => line.split(/\s+/)[0];
    const main = pidOf(lines[ack]); // the event loop's thread: it writes the response and runs SQLite
    const mainLines = lines.slice(0, ack + 1).filter((l) => pidOf(l) === main);
    const walWrites = mainLines.map((l, i) => (/^\d+\s+pwrite(64|v)\(\d+<[^>]*\.sqlite-wal>/.test(l) ? i : -1)).filter((i) => i >= 0);
    const lastWalWrite = walWrites.at(-1) ?? -1;
    expect(lastWalWrite).toBeGreaterThan(-1);
    return { instanceId: started.json.id, beforeAck: mainLines.slice(lastWalWrite), copy };
  } finally {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
    await server.exited;
    server.cleanup();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Opens the copied files on their own (SQLite recovers the WAL index from the -wal file) and reads the instance. */
function readCopy(file: string, instanceId: string): TracedCommand['copy'] {
  const db = new Database(file);
  try {
    const row = db.prepare('SELECT state, business_key FROM instances WHERE id = ?').get(instanceId) as { state: string; business_key: string } | undefined;
    const history = (db.prepare('SELECT * FROM history WHERE instance_id = ? ORDER BY seq').all(instanceId) as DbRow[]).map((r: DbRow) => fromDb('history', r));
    return { state: row?.state, businessKey: row?.business_key, history };
  } finally {
    db.close();
  }
}

const isWalSync = (line: string): boolean => /^\d+\s+f(data)?sync\(\d+<[^>]*\.sqlite-wal>/.test(line);

beforeAll(() => {
  // Say plainly when this machine cannot trace, instead of failing somewhere inside the helper.
  try {
    execFileSync(STRACE, ['-qq', '-e', 'trace=none', 'true'], { stdio: 'pipe' });
  } catch (err) {
    throw new Error(`strace cannot trace here (${STRACE}): ${(err as Error).message}`, { cause: err });
  }
});

test('default (SQLITE_SYNCHRONOUS=full): the WAL is fsynced after the command is written and before the 201; a copy of the files holds it', async () => {
  const traced = await traceOneCommand('full');
  expect(traced.beforeAck.at(-1)).toMatch(/HTTP\/1\.1 201 Created/);
  const sync = traced.beforeAck.findIndex(isWalSync);
  expect(sync).toBeGreaterThan(0); // after the last WAL write (index 0), before the acknowledgement
  expect(sync).toBeLessThan(traced.beforeAck.length - 1);
  expect(traced.copy).toMatchObject({ state: 'active', businessKey: 'DURABLE-full' });
  expect(traced.copy.history.map((e) => e.type)).toContain('instance.started');
  expect(verifyChain(traced.copy.history)).toEqual({ valid: true, events: traced.copy.history.length, problems: [] });
}, 90_000);

test('SQLITE_SYNCHRONOUS=normal: the 201 leaves with the command written to the WAL but not fsynced (what a power loss can take)', async () => {
  const traced = await traceOneCommand('normal');
  expect(traced.beforeAck.at(-1)).toMatch(/HTTP\/1\.1 201 Created/);
  expect(traced.beforeAck.filter(isWalSync)).toEqual([]);
  // the file copy cannot tell the difference: it reads the OS cache
  expect(traced.copy).toMatchObject({ state: 'active', businessKey: 'DURABLE-normal' });
}, 90_000);
