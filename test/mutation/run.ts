/**
 * `npm run test:mutation [module...]`: Stryker (jest runner, TypeScript checker) on each module of
 * modules.ts in the order named (all, in the file's order, when none is), one test process at a time unless
 * `--concurrency=<n>` asks for more, incremental
 * (only mutants whose code or tests changed run again; `--full` forgets the previous results). Prints
 * each module's mutation score and its surviving mutants; exits 1 when a module is under the target.
 * `--changed[=<ref>]` picks the modules whose source or test files differ from <ref> (default main),
 * as CI does with MUTATION=changed. Reports: reports/mutation/<module>.json (and .html). Not part of
 * `npm test`: a full run takes hours.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { MUTATION_MODULES, TARGET_SCORE, type MutationModule } from './modules';

const REPO = path.resolve(__dirname, '../..');
const OUT = path.join(REPO, 'reports/mutation');

interface MutantResult {
  status: string;
  mutatorName: string;
  replacement?: string;
  location: { start: { line: number; column: number } };
}
interface Report {
  files: Record<string, { mutants: MutantResult[] }>;
}

export interface Score {
  module: string;
  killed: number;
  survived: number;
  noCoverage: number;
  timeout: number;
  ignored: number;
  errors: number;
  score: number;
  survivors: string[];
}

/**
 * The TypeScript checker's project: the module's own files (and what they import), not the whole
 * repository. A mutant changes an expression, rarely a signature, so its type errors show in its own
 * file; checking every file that depends on it (for history.ts: nearly all) took 8 s per mutant and
 * kept the test runners waiting. Written beside this file (ignored by git) so the sandbox has it.
 */
function checkerProject(m: MutationModule): string {
  const dir = path.join(__dirname, 'generated');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${m.name}.tsconfig.json`);
  const rel = (f: string) => path.relative(dir, path.join(REPO, f));
  // the declarations of untyped packages come along: a module importing the engine needs them
  const declarations = execFileSync('git', ['ls-files', '*.d.ts'], { cwd: REPO, encoding: 'utf8' }).split('\n').filter(Boolean);
  const files = [...declarations, ...m.mutate.map((f) => f.split(':')[0])].map(rel);
  fs.writeFileSync(file, JSON.stringify({ extends: rel('tsconfig.json'), include: [], files }, null, 2));
  return path.relative(REPO, file);
}

function configFor(m: MutationModule, full: boolean, concurrency: number): string {
  const file = path.join(OUT, `${m.name}.stryker.json`);
  const config = {
    $schema: '../../node_modules/@stryker-mutator/core/schema/stryker-schema.json',
    packageManager: 'npm',
    testRunner: 'jest',
    checkers: ['typescript'],
    tsconfigFile: checkerProject(m),
    typescriptChecker: { prioritizePerformanceOverAccuracy: true },
    mutate: m.mutate,
    jest: {
      configFile: 'jest.config.js',
      enableFindRelatedTests: false,
      config: { testMatch: m.tests.map((t) => `<rootDir>/${t}`) },
    },
    coverageAnalysis: 'perTest',
    concurrency,
    // On top of the test's own time in the dry run (times 1.5): a mutant that makes a wait never end
    // costs this much, and such mutants are common in dispatch and retry code.
    timeoutMS: 5_000,
    incremental: !full,
    incrementalFile: `reports/mutation/${m.name}.incremental.json`,
    reporters: ['json', 'html', 'progress'],
    jsonReporter: { fileName: `reports/mutation/${m.name}.json` },
    htmlReporter: { fileName: `reports/mutation/${m.name}.html` },
    tempDirName: `.stryker-tmp/${m.name}`,
    cleanTempDir: 'always',
    // Files the tests read at run time (BPMN, forms, fixtures) come along into the sandbox.
    ignorePatterns: ['reports', 'dist', 'data', 'coverage', 'modeler/dist', 'bench/results-*.json', '.stryker-tmp'],
  };
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

export function scoreOf(module: string, report: Report): Score {
  const mutants = Object.entries(report.files).flatMap(([file, f]) => f.mutants.map((m) => ({ file, ...m })));
  const count = (...statuses: string[]) => mutants.filter((m) => statuses.includes(m.status)).length;
  const killed = count('Killed');
  const timeout = count('Timeout');
  const survived = count('Survived');
  const noCoverage = count('NoCoverage');
  const detected = killed + timeout;
  const valid = detected + survived + noCoverage;
  return {
    module,
    killed,
    survived,
    noCoverage,
    timeout,
    ignored: count('Ignored'),
    errors: count('CompileError', 'RuntimeError'),
    score: valid ? Math.round((1000 * detected) / valid) / 10 : 100,
    survivors: mutants
      .filter((m) => m.status === 'Survived' || m.status === 'NoCoverage')
      .map(
        (m) =>
          `${path.relative(REPO, m.file)}:${m.location.start.line}:${m.location.start.column} ${m.status} ${m.mutatorName}${m.replacement ? ` -> ${m.replacement.replace(/\s+/g, ' ').slice(0, 80)}` : ''}`,
      ),
  };
}

/** Modules with a source or test file that differs from `ref` (committed or not). */
function changedModules(ref: string): MutationModule[] {
  const base = execFileSync('git', ['merge-base', 'HEAD', ref], { cwd: REPO, encoding: 'utf8' }).trim();
  const changed = new Set(execFileSync('git', ['diff', '--name-only', base], { cwd: REPO, encoding: 'utf8' }).split('\n').filter(Boolean));
  return MUTATION_MODULES.filter((m) => [...m.mutate.map((f) => f.split(':')[0]), ...m.tests].some((f) => changed.has(f)));
}

function main(): void {
  const args = process.argv.slice(2);
  const full = args.includes('--full');
  const changed = args.find((a) => a.startsWith('--changed'));
  const names = args.filter((a) => !a.startsWith('--'));
  const concurrency = Number(args.find((a) => a.startsWith('--concurrency='))?.split('=')[1] ?? 1);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error('--concurrency=<n> takes a whole number of test processes, 1 or more');
  const unknown = names.filter((n) => !MUTATION_MODULES.some((m) => m.name === n));
  if (unknown.length) throw new Error(`unknown module(s): ${unknown.join(', ')}; known: ${MUTATION_MODULES.map((m) => m.name).join(', ')}`);
  const modules = changed ? changedModules(changed.split('=')[1] ?? 'main') : names.length ? names.map((n) => MUTATION_MODULES.find((m) => m.name === n)!) : MUTATION_MODULES;
  if (!modules.length) {
    console.log('no module changed: nothing to mutate');
    return;
  }
  fs.mkdirSync(OUT, { recursive: true });
  const scores: Score[] = [];
  for (const m of modules) {
    console.log(`== mutation testing ${m.name}: ${m.mutate.join(', ')}`);
    const t0 = Date.now();
    const run = spawnSync(process.execPath, [path.join(REPO, 'node_modules/@stryker-mutator/core/bin/stryker.js'), 'run', configFor(m, full, concurrency)], {
      cwd: REPO,
      stdio: 'inherit',
    });
    const reportFile = path.join(OUT, `${m.name}.json`);
    if (run.status !== 0 || !fs.existsSync(reportFile)) {
      console.log(`!! ${m.name}: stryker exited ${run.status}, no score`);
      scores.push({ module: m.name, killed: 0, survived: 0, noCoverage: 0, timeout: 0, ignored: 0, errors: 0, score: 0, survivors: ['(no report)'] });
      continue;
    }
    const s = scoreOf(m.name, JSON.parse(fs.readFileSync(reportFile, 'utf8')) as Report);
    scores.push(s);
    console.log(`${m.name}: ${s.score} % (${Math.round((Date.now() - t0) / 1000)} s)`);
    for (const line of s.survivors) console.log(`   survived: ${line}`);
  }
  console.log('\nmodule                  score   killed  timeout  survived  no-coverage  compile/runtime errors');
  for (const s of scores) {
    console.log(
      `${s.module.padEnd(22)} ${`${s.score} %`.padStart(7)} ${String(s.killed).padStart(8)} ${String(s.timeout).padStart(8)} ${String(s.survived).padStart(9)} ${String(s.noCoverage).padStart(12)} ${String(s.errors).padStart(10)}${s.score < TARGET_SCORE ? `   under ${TARGET_SCORE} %` : ''}`,
    );
  }
  process.exitCode = scores.some((s) => s.score < TARGET_SCORE) ? 1 : 0;
}

if (require.main === module) main();
