/**
 * `npm run test:planted [name...]`: plants each bug of bugs.ts, one at a time, in a scratch copy of the
 * repository (the working tree is never edited), runs the bug's test files there and prints the tests
 * that failed. A bug that no test catches, or that no longer applies to the code, fails the run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PLANTED_BUGS, type PlantedBug } from './bugs';

const REPO = path.resolve(__dirname, '../..');

/** Tracked and new (not ignored) files, so that tests not yet committed take part too. */
function scratchCopy(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-planted-'));
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: REPO, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const f of files) {
    if (!fs.existsSync(path.join(REPO, f))) continue; // deleted in the working tree
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.copyFileSync(path.join(REPO, f), path.join(dir, f));
  }
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

interface Outcome {
  bug: PlantedBug;
  failed: string[];
  problem?: string;
  seconds: number;
}

interface JestJson {
  testResults: { name: string; message: string; assertionResults: { fullName: string; status: string; failureMessages: string[] }[] }[];
}

/** The line of a failure message that says what differed (jest's colour codes removed). */
function firstLine(message = ''): string {
  const lines = message
    // eslint-disable-next-line no-control-regex
    .replace(/\u001b\[[0-9;]*m/g, '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return (lines.find((l) => /^(Expected|Received|Error|thrown|timed out)/.test(l)) ?? lines[0] ?? '').slice(0, 200);
}

function plant(dir: string, bug: PlantedBug): Outcome {
  const t0 = Date.now();
  const file = path.join(dir, bug.file);
  const original = fs.readFileSync(file, 'utf8');
  const at = original.indexOf(bug.find);
  if (at < 0 || original.indexOf(bug.find, at + 1) >= 0) {
    return { bug, failed: [], problem: `does not apply: "${bug.find}" must occur exactly once in ${bug.file}`, seconds: 0 };
  }
  fs.writeFileSync(file, original.slice(0, at) + bug.replace + original.slice(at + bug.find.length));
  const out = path.join(dir, `.jest-${bug.name}.json`);
  try {
    spawnSync(process.execPath, [path.join(REPO, 'node_modules/jest/bin/jest.js'), '--json', `--outputFile=${out}`, '--maxWorkers=1', '--forceExit', ...bug.tests], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'ignore'],
      env: { ...process.env, FORCE_COLOR: '0' },
      timeout: 15 * 60_000,
      killSignal: 'SIGKILL',
    });
    if (!fs.existsSync(out)) return { bug, failed: [], problem: 'jest wrote no results', seconds: (Date.now() - t0) / 1000 };
    const json = JSON.parse(fs.readFileSync(out, 'utf8')) as JestJson;
    const failed = json.testResults.flatMap((r) => {
      const rel = path.relative(dir, r.name);
      // Only failed tests count: a file that fails before any test runs (it does not even load) proves nothing.
      return r.assertionResults.filter((a) => a.status === 'failed').map((a) => `${rel} > ${a.fullName}\n      ${firstLine(a.failureMessages[0])}`);
    });
    const missing = bug.tests.filter((t) => !json.testResults.some((r) => path.relative(dir, r.name) === t));
    return { bug, failed, problem: missing.length ? `test files not found: ${missing.join(', ')}` : undefined, seconds: (Date.now() - t0) / 1000 };
  } finally {
    fs.writeFileSync(file, original);
  }
}

function main(): void {
  const names = process.argv.slice(2);
  const unknown = names.filter((n) => !PLANTED_BUGS.some((b) => b.name === n));
  if (unknown.length) throw new Error(`unknown planted bug(s): ${unknown.join(', ')}; known: ${PLANTED_BUGS.map((b) => b.name).join(', ')}`);
  const bugs = names.length ? PLANTED_BUGS.filter((b) => names.includes(b.name)) : PLANTED_BUGS;
  const dir = scratchCopy();
  const outcomes: Outcome[] = [];
  try {
    for (const bug of bugs) {
      console.log(`== planting ${bug.name}: ${bug.what} (${bug.file})`);
      const o = plant(dir, bug);
      outcomes.push(o);
      if (o.problem) console.log(`   !! ${o.problem}`);
      if (o.failed.length) for (const t of o.failed) console.log(`   caught by: ${t}`);
      else console.log('   !! SURVIVED: no test failed');
      console.log(`   (${o.seconds.toFixed(0)} s)`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const bad = outcomes.filter((o) => o.problem || !o.failed.length);
  console.log(
    `\n${outcomes.length - bad.length} of ${outcomes.length} planted bugs caught${bad.length ? `; not caught or not applied: ${bad.map((o) => o.bug.name).join(', ')}` : ''}`,
  );
  process.exitCode = bad.length ? 1 : 0;
}

main();
