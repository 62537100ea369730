/**
 * Child processes of the tests: a free port, a private redis-server (no persistence, so a restart
 * loses everything), a TypeScript entry point run in this node binary with its output captured, and
 * SIGKILL that waits for the exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { REPO_DIR } from './paths';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** A redis-server of the test's own on `port`, resolved once it accepts connections. */
export async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (/Ready to accept connections/.test(out)) resolve();
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out}`)));
  });
  return child;
}

/** SIGKILL, resolved when the process has exited (at once if it already had). */
export function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

export interface Proc {
  child: ChildProcess;
  /** stdout and stderr as they came. */
  output: () => string;
  /** Resolved once the process has exited and its output is all read. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs TypeScript `args` (entry point first) in this node binary with tsx preloaded, from the repository
 * root, with only PATH and HOME of this environment besides `env`: the process killed is the program
 * itself, not a wrapper.
 */
export function runTs(args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', ...args], {
    cwd: REPO_DIR,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  // 'close', not 'exit': only then has all of the output been read.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, output: () => out, exited };
}
