/**
 * Crash test: a child process runs 200 instances with timers, jobs and tasks and is killed with SIGKILL
 * at a random moment; a second child on the same data directory finishes the work. Every instance
 * must complete, nothing may be lost or done twice, and every history chain must verify.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../../engine/store';
import { REPO_DIR } from '../support/paths';
import { expectCleanRun } from './expectCleanRun';

const INSTANCES = 200;
const worker = path.join(__dirname, 'crashWorker.ts');

/**
 * Runs the worker in this node binary with the TypeScript loader preloaded, so the process we kill is
 * the engine itself (not a wrapper). With `killAtProgress`, it is killed once that many instances
 * have completed (the worker reports progress after every round of work).
 */
function runWorker(dataDir: string, args: string[], killAtProgress?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', worker, dataDir, ...args], { cwd: REPO_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const progress = [...output.matchAll(/^progress (\d+)$/gm)].at(-1);
      if (killAtProgress !== undefined && progress && Number(progress[1]) >= killAtProgress) {
        killAtProgress = undefined;
        child.kill('SIGKILL');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, output }));
  });
}

test('SIGKILL at a random point loses and doubles nothing', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-crash-'));
  try {
    // Somewhere between "all started, none finished" and three quarters finished.
    const first = await runWorker(dataDir, ['--start', String(INSTANCES)], Math.floor(Math.random() * INSTANCES * 0.75));
    expect(first.signal).toBe('SIGKILL');
    const atKill = openStore({ dataDir });
    await atKill.init();
    const doneAtKill = (await atKill.listInstances({ processId: 'crashTest', state: 'completed', limit: 1000 })).items.length;
    await atKill.close();
    console.log(`killed with ${doneAtKill} of ${INSTANCES} instances completed`);
    const second = await runWorker(dataDir, ['--resume']);
    expect(second.output).toContain('finished');
    expect(second.code).toBe(0);

    const store = openStore({ dataDir });
    await store.init();
    try {
      await expectCleanRun(store, INSTANCES);
    } finally {
      await store.close();
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}, 120_000);
