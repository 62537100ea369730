/**
 * Section 7, durability: what acknowledging a command only once it is on disk costs. The embedded
 * store (SQLite file in a temp dir, WAL) runs bench/fixtures/single-task.bpmn under
 *   FULL   (the default: the WAL is fsynced before a command is acknowledged; group commit),
 *   FULL without group commit (groupCommitMax 1: every command pays its own fsync; for comparison),
 *   NORMAL (SQLITE_SYNCHRONOUS=normal: no fsync before the acknowledgement).
 * A client does start-instance then complete-task (two commands) over and over, through the library:
 * one client alone (sequential), then 50 clients at once. Measured per command: throughput, latency,
 * and the commands that shared one transaction (= one fsync of the WAL under FULL).
 */
import fs from 'node:fs';
import { Engine } from '../../engine';
import { openStore, type SqliteStore } from '../../engine/store';
import { type Row, type SectionContext, type SectionResult, fixture, pick, tempDir } from '../lib/common';
import { msSince, now, percentile, round } from '../lib/stats';

const PROCESS_ID = 'bench-single-task';
const CLIENTS = 50;

interface Setup {
  label: string;
  synchronous: 'FULL' | 'NORMAL';
  groupCommitMax?: number;
}

const SETUPS: Setup[] = [
  { label: 'FULL', synchronous: 'FULL' },
  { label: 'FULL, no group commit', synchronous: 'FULL', groupCommitMax: 1 },
  { label: 'NORMAL', synchronous: 'NORMAL' },
];

interface Measured {
  commands: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  /** Commands (and other writes) per committed transaction. */
  perTransaction: number;
}

/** One client's round: start an instance, complete its task; the latency of each command is pushed. */
async function round2(engine: Engine, latencies: number[], i: number): Promise<void> {
  let t = now();
  const instance = await engine.startInstance({ processId: PROCESS_ID, variables: { group: `group-${i % 10}` } });
  latencies.push(msSince(t));
  const [task] = (await engine.listTasks({ instanceId: instance.id, state: 'created' })).items;
  t = now();
  await engine.completeTask(task.id, { resolution: 'fixed' }, 'bench');
  latencies.push(msSince(t));
}

async function measure(setup: Setup, clients: number, rounds: number, warmup: number): Promise<Measured> {
  const dir = tempDir('durability');
  const store = openStore({ dataDir: dir, synchronous: setup.synchronous, groupCommitMax: setup.groupCommitMax }) as SqliteStore;
  const engine = await new Engine({ store }).start();
  try {
    await engine.deploy([fixture('single-task.bpmn')]);
    for (let i = 0; i < warmup; i++) await round2(engine, [], i);
    await engine.idle();
    const before = store.commitStats;
    const latencies: number[] = [];
    let next = 0;
    const t0 = now();
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (next < rounds) await round2(engine, latencies, next++);
      }),
    );
    const ms = msSince(t0);
    const after = store.commitStats;
    return {
      commands: latencies.length,
      seconds: round(ms / 1000, 2),
      perSecond: round(latencies.length / (ms / 1000), 1),
      p50: round(percentile(latencies, 50), 3),
      p99: round(percentile(latencies, 99), 3),
      perTransaction: round((after.writes - before.writes) / Math.max(1, after.transactions - before.transactions), 2),
    };
  } finally {
    await engine.idle();
    await engine.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(ctx: SectionContext): Promise<SectionResult> {
  const rounds = pick(ctx.mode, { full: 2500, quick: 600, smoke: 20 });
  const warmup = pick(ctx.mode, { full: 100, quick: 30, smoke: 2 });
  ctx.log(`${rounds} rounds (start-instance + complete-task) per run, after ${warmup} warm-up rounds`);
  const rows: Row[] = [];
  const details: Record<string, unknown> = { rounds, warmup, clients: CLIENTS };
  const section = '7 durability';
  for (const setup of SETUPS) {
    // Without group commit only the concurrent run says anything new.
    const runs: [string, number][] =
      setup.groupCommitMax === 1
        ? [[`${CLIENTS} clients`, CLIENTS]]
        : [
            ['sequential', 1],
            [`${CLIENTS} clients`, CLIENTS],
          ];
    for (const [name, clients] of runs) {
      const m = await measure(setup, clients, rounds, warmup);
      details[`${setup.label}, ${name}`] = m;
      ctx.log(`${setup.label}, ${name}: ${m.perSecond} commands/s, p50 ${m.p50} ms, p99 ${m.p99} ms, ${m.perTransaction} writes per transaction`);
      rows.push(
        { section, metric: `${setup.label}, ${name}: commands/s`, value: m.perSecond, unit: 'cmd/s' },
        { section, metric: `${setup.label}, ${name}: latency p99`, value: m.p99, unit: 'ms' },
        { section, metric: `${setup.label}, ${name}: writes per transaction`, value: m.perTransaction, unit: '' },
      );
    }
  }
  return { rows, details };
}
