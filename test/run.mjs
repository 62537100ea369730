/**
 * `npm test`: the type check and the linters beside jest, not before it. Jest runs one file at a time
 * (the suite's process and timing tests want a core to themselves), so the second core is free for the
 * static checks and the whole run is shorter by their length (about a minute and a half). Their output
 * is printed in one piece when they end; when they fail, jest is stopped and the run fails at once.
 * Arguments go to jest (`npm test -- test/engine`).
 */
import { spawn } from 'node:child_process';

const started = Date.now();
const seconds = () => `${Math.round((Date.now() - started) / 1000)} s`;

const jest = spawn(process.execPath, ['node_modules/jest/bin/jest.js', ...process.argv.slice(2)], { stdio: 'inherit' });
const checks = spawn('npm run --silent typecheck && npm run --silent lint', { shell: true, stdio: ['ignore', 'pipe', 'pipe'] });

let checkOutput = '';
checks.stdout.on('data', (d) => (checkOutput += d));
checks.stderr.on('data', (d) => (checkOutput += d));

const children = [jest, checks];
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const c of children) if (c.exitCode === null) c.kill(signal);
    process.exit(1);
  });
}

const checksDone = new Promise((resolve) =>
  checks.on('close', (code) => {
    if (code === 0) {
      process.stdout.write(`\n== type check and lint passed (${seconds()})\n`);
    } else {
      process.stdout.write(`\n== type check or lint FAILED (exit ${code}, ${seconds()}); stopping jest\n${checkOutput}\n`);
      if (jest.exitCode === null) jest.kill('SIGTERM');
    }
    resolve(code ?? 1);
  }),
);
const jestDone = new Promise((resolve) => jest.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0))));

const [checkCode, jestCode] = await Promise.all([checksDone, jestDone]);
process.stdout.write(`== npm test: type check and lint ${checkCode === 0 ? 'passed' : 'FAILED'}, jest ${jestCode === 0 ? 'passed' : 'FAILED'} (${seconds()})\n`);
process.exit(checkCode || jestCode);
