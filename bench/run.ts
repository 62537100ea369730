/**
 * `npm run bench [-- --quick | --smoke] [--only=throughput,api,timers,scale,compile,hostile,durability,jobs,postgres] [--out=file]`
 *
 * Runs the benchmark sections one after the other, each in its own Node process (bench/section.ts),
 * prints their progress lines, then ONE table of every measured value beside its target
 * (PASS/MISS), and writes bench/results.json (quick/smoke runs: results-quick.json / results-smoke.json;
 * or --out). `--quick` is a short run, `--smoke` a tiny one
 * for CI (numbers are not meaningful). BENCH_CPU_PROF=dir runs every section under `node --cpu-prof`.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Mode, type Row, type SectionResult, storeSettings } from './lib/common';
import { renderTable, status } from './lib/table';
import { SECTIONS, type SectionName } from './section';

interface Args {
  mode: Mode;
  only: SectionName[];
  out: string;
}

function parseArgs(argv: string[]): Args {
  let mode: Mode = 'full';
  let only: SectionName[] = [...SECTIONS];
  let out: string | undefined;
  for (const arg of argv) {
    if (arg === '--quick') mode = 'quick';
    else if (arg === '--smoke') mode = 'smoke';
    else if (arg.startsWith('--only=')) {
      only = arg.slice(7).split(',').filter(Boolean) as SectionName[];
      const bad = only.filter((s) => !SECTIONS.includes(s));
      if (bad.length) throw new Error(`unknown section(s) ${bad.join(', ')}; sections: ${SECTIONS.join(', ')}`);
    } else if (arg.startsWith('--out=')) out = path.resolve(arg.slice(6));
    else throw new Error(`unknown argument ${arg}; use --quick, --smoke, --only=<sections>, --out=<file>`);
  }
  // A quick or smoke run never overwrites the reference results of a full run.
  return { mode, only, out: out ?? path.join(__dirname, mode === 'full' ? 'results.json' : `results-${mode}.json`) };
}

function runSection(name: SectionName, mode: Mode, resultFile: string): Promise<void> {
  const profDir = process.env.BENCH_CPU_PROF;
  const execArgv = ['--import', 'tsx', '--expose-gc', ...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [])];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...execArgv, path.join(__dirname, 'section.ts'), name, mode, resultFile], { stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`section ${name} failed (${signal ?? `exit ${code}`})`))));
  });
}

function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model,
    cpus: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAvg: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-bench-'));
  const started = new Date();
  const loadAtStart = os.loadavg().map((l) => Math.round(l * 100) / 100);
  console.log(`[bench] mode ${args.mode}; sections ${args.only.join(', ')}; ${os.cpus().length} CPUs, Node ${process.version}`);
  const rows: Row[] = [];
  const sections: Record<string, unknown> = {};
  const failures: string[] = [];
  for (const name of args.only) {
    const t0 = Date.now();
    console.log(`[bench] section ${name} ...`);
    const file = path.join(tmp, `${name}.json`);
    try {
      await runSection(name, args.mode, file);
      const result = JSON.parse(fs.readFileSync(file, 'utf8')) as SectionResult;
      rows.push(...result.rows);
      sections[name] = { seconds: Math.round((Date.now() - t0) / 100) / 10, ...result.details };
      console.log(`[bench] section ${name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      failures.push(message);
      sections[name] = { error: message };
      console.error(`[bench] ${message}`);
    }
  }
  fs.rmSync(tmp, { recursive: true, force: true });

  console.log('');
  console.log(renderTable(rows));
  const results = {
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    mode: args.mode,
    machine: { ...machine(), loadAvgAtStart: loadAtStart },
    command: `npm run bench${args.mode === 'full' ? '' : ` -- --${args.mode}`}`,
    // the embedded store of sections 1a-4 (SQLITE_SYNCHRONOUS, default FULL); section 6 measures both
    store: storeSettings(),
    table: rows.map((r) => ({ ...r, status: status(r) })),
    sections,
    failures,
  };
  fs.mkdirSync(path.dirname(args.out), { recursive: true });
  fs.writeFileSync(args.out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\n[bench] results written to ${path.relative(process.cwd(), args.out) || args.out}`);
  if (failures.length) process.exitCode = 1;
}

main().catch((err) => {
  console.error(`[bench] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
