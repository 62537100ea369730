/**
 * The API server (api/main.ts, as `npm start` runs it) in a real child process on a temporary data
 * directory and port 0, for the tests that need a process of its own: signals, exit codes, syscalls.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_DIR } from './paths';

export interface ServerProcess {
  /** The spawned process: the server itself, or the wrapper of `prefix` (strace). */
  child: ChildProcess;
  baseUrl: string;
  dataDir: string;
  /** The data directory's database file (DEFAULT_DB_FILE). */
  dbFile: string;
  /** stdout and stderr as they came. */
  output: () => string;
  /** stderr alone (the engine reports errors of background work there). */
  errors: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Pid of the node process running api/main.ts (the child itself, or the wrapper's child). */
  serverPid: () => number;
  /** Removes the temporary directory (after the process exited); a given dataDir stays. */
  cleanup: () => void;
}

export interface ServerOptions {
  /** .bpmn/.form files deployed at start (PROCESSES_DIR). */
  processes: string[];
  env?: Record<string, string>;
  /** Command and arguments the server is started under, e.g. ['strace', '-f', '-o', file]. */
  prefix?: string[];
  /** An existing data directory (a restart); default a new one, removed by cleanup(). */
  dataDir?: string;
}

export async function startServerProcess(options: ServerOptions): Promise<ServerProcess> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-server-'));
  const processesDir = path.join(root, 'processes');
  fs.mkdirSync(processesDir);
  for (const file of options.processes) fs.copyFileSync(file, path.join(processesDir, path.basename(file)));
  const dataDir = options.dataDir ?? path.join(root, 'data');
  const nodeArgs = ['--require', 'tsx/cjs', 'api/main.ts'];
  const [command, ...args] = [...(options.prefix ?? []), process.execPath, ...nodeArgs];
  const child = spawn(command, args, {
    cwd: REPO_DIR,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      PROCESSES_DIR: processesDir,
      STATIC_DIR: path.join(root, 'no-web-app'),
      LOG_LEVEL: 'silent',
      DEMO: 'on',
      DEMO_WORKERS: 'off',
      RATE_LIMIT_PER_MINUTE: '0',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => {
    out += c.toString();
    err += c.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const cleanup = (): void => fs.rmSync(root, { recursive: true, force: true });
  const deadline = Date.now() + 30_000;
  let url: string | undefined;
  while (!(url = /listening on (http:\/\/\S+) /.exec(out)?.[1])) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
      cleanup();
      throw new Error(`the server did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  const serverPid = (): number => {
    if (!options.prefix) return child.pid!;
    // the wrapper's only child is the server (strace forks it)
    const children = fs.readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    if (children.length !== 1) throw new Error(`expected one child of ${options.prefix[0]}, found ${children.join(', ') || 'none'}`);
    return Number(children[0]);
  };
  return { child, baseUrl: url, dataDir, dbFile: path.join(dataDir, 'processdesk.sqlite'), output: () => out, errors: () => err, exited, serverPid, cleanup };
}

/** A request with a demo user's token; the body parsed as JSON when there is one. */
export async function call(baseUrl: string, method: string, url: string, body?: unknown, user = 'admin'): Promise<{ status: number; json: any }> {
  const res = await fetch(baseUrl + url, {
    method,
    headers: { authorization: `Bearer demo-${user}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = text;
  }
  return { status: res.status, json };
}
