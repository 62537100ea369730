/**
 * CI smoke test of the benchmarks: `tsx bench/run.ts --smoke` (tiny N, every section) must print the
 * one table and write results.json with a number in every row (BullMQ rows may be n/a, with a reason).
 * No timing is asserted: the numbers of a smoke run mean nothing.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

interface ResultRow {
  section: string;
  metric: string;
  value: number | null;
  target?: string;
  note?: string;
  status: string;
}

describe('npm run bench -- --smoke', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-bench-test-'));
  const out = path.join(dir, 'results.json');
  let stdout = '';
  let status: number | null = null;

  beforeAll(() => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'run.ts'), '--smoke', `--out=${out}`], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 170_000,
      env: { ...process.env, BENCH_CPU_PROF: '' },
    });
    stdout = run.stdout;
    status = run.status;
    if (status !== 0) console.error(run.stdout, run.stderr);
  }, 180_000);

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('exits 0 and prints progress lines and one table', () => {
    expect(status).toBe(0);
    for (const section of ['throughput', 'api', 'timers', 'scale', 'compile', 'durability', 'jobs']) expect(stdout).toContain(`[${section}] `);
    const headers = stdout.split('\n').filter((l) => /^\| section\s+\| metric\s+\| measured\s+\| target\s+\| status\s+\|$/.test(l));
    expect(headers).toHaveLength(1);
    for (const section of ['1 throughput', '2 API', '3 timers', '4 scale', '5 compile', '7 durability', '8 jobs']) expect(stdout).toMatch(new RegExp(`^\\| ${section} `, 'm'));
  });

  it('writes results.json with a number (or an explained n/a) in every row', () => {
    const results = JSON.parse(fs.readFileSync(out, 'utf8')) as { mode: string; machine: { node: string }; table: ResultRow[]; failures: string[] };
    expect(results.mode).toBe('smoke');
    expect(results.failures).toEqual([]);
    expect(results.machine.node).toBe(process.version);
    expect(results.table.length).toBeGreaterThanOrEqual(41);
    for (const row of results.table) {
      if (row.value === null) {
        expect(row.metric).toMatch(/BullMQ/);
        expect(row.note).toEqual(expect.any(String));
      } else {
        expect(Number.isFinite(row.value)).toBe(true);
      }
      if (row.target) expect(['PASS', 'MISS', 'n/a']).toContain(row.status);
    }
    // both durability modes, one client and 50 at once
    const durability = results.table.filter((r) => r.section === '7 durability').map((r) => r.metric);
    for (const setup of ['FULL, sequential', 'FULL, 50 clients', 'NORMAL, sequential', 'NORMAL, 50 clients']) expect(durability).toContain(`${setup}: commands/s`);
    const targets = results.table.filter((r) => r.target).map((r) => r.metric);
    expect(targets).toEqual(
      expect.arrayContaining([
        'ratio a/c',
        '(b) engine work per command (all but the commit)',
        'complete-task req/s (50 conc.)',
        'complete-task latency p99',
        'embedded lateness p99',
        'BullMQ lateness p99',
        'parse + validate + compile, median',
      ]),
    );
    // what the engine work per command is made of is in the table too
    const metrics = results.table.map((r) => r.metric);
    expect(metrics).toEqual(expect.arrayContaining(['(a) commits per instance', '(a) commands per instance', '(b) commit per command (in-memory SQLite)']));
  });
});
