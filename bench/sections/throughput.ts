/**
 * Section 1, engine throughput: bench/fixtures/incident-like.bpmn driven to its end N times, one instance
 * after the other, through
 *   (a) ProcessDesk on the embedded durable store (SQLite file in a temp dir, WAL; every command is
 *       committed before it returns),
 *   (b) ProcessDesk on the in-memory store (`openStore({ file: ':memory:' })`),
 *   (c) bpmn-engine on the same file, in memory, parsed once (the serialized moddle context is
 *       reused by every instance, `sourceContext`).
 * Per instance both engines do the same work: start with `priority`, complete the service task (a job
 * in ProcessDesk, a service implementation answering at once in bpmn-engine), complete the three user
 * tasks (completeTask / `api.signal()` on the wait) and reach the end. Then (a2) and (c2): the durable store
 * and bpmn-engine with many clients driving instances at once (concurrent commands share commits).
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import { Engine } from '../../engine';
import { openStore } from '../../engine/store';
import { type SectionContext, type SectionResult, fixture, pick, storeSettings, tempDir } from '../lib/common';
import { median, msSince, now, percentile, round } from '../lib/stats';

const FILE = 'incident-like.bpmn';
const PROCESS_ID = 'bench-incident';

interface RunStats {
  instances: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  /** ProcessDesk: commands per instance (start, job completion, task completions), commits, and where the time went. */
  commandsPerInstance?: number;
  commitsPerInstance?: number;
  /** µs per command spent in store.commit (the SQLite transaction, and on the durable store its fsync). */
  commitUsPerCommand?: number;
  /** µs per command spent anywhere else: the engine's own work and its reads (the target is about 80). */
  engineUsPerCommand?: number;
}

function stats(latencies: number[], totalMs: number): RunStats {
  return {
    instances: latencies.length,
    seconds: round(totalMs / 1000, 3),
    perSecond: round(latencies.length / (totalMs / 1000), 1),
    p50: round(percentile(latencies, 50), 3),
    p99: round(percentile(latencies, 99), 3),
  };
}

const priorityOf = (i: number): number => (i % 2 ? 1 : 3);

// ---- ProcessDesk ----------------------------------------------------------------------------------

/** Drives one instance to its end; returns the commands it took. */
export async function driveProcessDesk(engine: Engine, i: number): Promise<number> {
  let commands = 2;
  const instance = await engine.startInstance({ processId: PROCESS_ID, variables: { priority: priorityOf(i) } });
  const jobs = await engine.activateJobs({ type: 'classify', worker: 'bench', maxJobs: 1, lockMs: 60_000 });
  if (jobs.length !== 1 || jobs[0].instanceId !== instance.id) throw new Error(`expected the classify job of ${instance.id}`);
  await engine.completeJob(jobs[0].key, { category: 'network' }, 'bench');
  for (let pass = 0; pass < 2; pass++) {
    const page = await engine.listTasks({ instanceId: instance.id, state: 'created' });
    for (const task of page.items) {
      await engine.completeTask(task.id, {}, 'bench');
      commands++;
    }
  }
  const done = await engine.getInstance(instance.id);
  if (done.state !== 'completed') throw new Error(`instance ${instance.id} is ${done.state} at ${done.activeElements.join(',')}`);
  return commands;
}

async function runProcessDesk(kind: 'durable' | 'memory', n: number, warmup: number): Promise<RunStats> {
  const dir = kind === 'durable' ? tempDir('throughput') : undefined;
  const store = dir ? openStore({ dataDir: dir, ...storeSettings() }) : openStore({ file: ':memory:' });
  // the time inside store.commit, measured around the store the engine calls
  let commitMs = 0;
  const commit = store.commit.bind(store);
  store.commit = async (batch) => {
    const t = now();
    try {
      return await commit(batch);
    } finally {
      commitMs += msSince(t);
    }
  };
  const engine = await new Engine({ store }).start();
  let commits = 0;
  engine.onCommit(() => commits++);
  try {
    await engine.deploy([fixture(FILE)]);
    for (let i = 0; i < warmup; i++) await driveProcessDesk(engine, i);
    const latencies: number[] = [];
    [commits, commitMs] = [0, 0];
    let commands = 0;
    const t0 = now();
    for (let i = 0; i < n; i++) {
      const t = now();
      commands += await driveProcessDesk(engine, i);
      latencies.push(msSince(t));
    }
    const totalMs = msSince(t0);
    return {
      ...stats(latencies, totalMs),
      commandsPerInstance: round(commands / n, 2),
      commitsPerInstance: round(commits / n, 2),
      commitUsPerCommand: round((commitMs * 1000) / commands, 1),
      engineUsPerCommand: round(((totalMs - commitMs) * 1000) / commands, 1),
    };
  } finally {
    await engine.idle();
    await engine.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * One of many clients driving instances at once: its start, one classify job of any instance (the
 * jobs of all clients are worked by all of them), then its own instance's tasks until it ends.
 */
async function driveProcessDeskShared(engine: Engine, i: number): Promise<void> {
  const instance = await engine.startInstance({ processId: PROCESS_ID, variables: { priority: priorityOf(i) } });
  for (const job of await engine.activateJobs({ type: 'classify', worker: 'bench', maxJobs: 1, lockMs: 60_000 })) {
    await engine.completeJob(job.key, { category: 'network' }, 'bench');
  }
  for (;;) {
    const page = await engine.listTasks({ instanceId: instance.id, state: 'created' });
    for (const task of page.items) await engine.completeTask(task.id, {}, 'bench');
    if (page.items.length) continue;
    if ((await engine.getInstance(instance.id)).state === 'completed') return;
    await new Promise((r) => setImmediate(r)); // its job is in another client's hands
  }
}

/** `n` instances driven by `clients` at once, on the durable store: concurrent commands share commits. */
async function runProcessDeskConcurrent(clients: number, n: number, warmup: number): Promise<RunStats> {
  const dir = tempDir('throughput-concurrent');
  const engine = await new Engine({ store: openStore({ dataDir: dir, ...storeSettings() }) }).start();
  try {
    await engine.deploy([fixture(FILE)]);
    for (let i = 0; i < warmup; i++) await driveProcessDesk(engine, i);
    return await pool(clients, n, (i) => driveProcessDeskShared(engine, i));
  } finally {
    await engine.idle();
    await engine.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs `drive` for 0..n-1 with `clients` at a time; per-instance latencies and the rate. */
async function pool(clients: number, n: number, drive: (i: number) => Promise<void>): Promise<RunStats> {
  const latencies: number[] = [];
  let next = 0;
  const t0 = now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < n) {
        const i = next++;
        const t = now();
        await drive(i);
        latencies.push(msSince(t));
      }
    }),
  );
  return stats(latencies, msSince(t0));
}

// ---- bpmn-engine ----------------------------------------------------------------------------------

interface BpmnEngineSetup {
  sourceContext: unknown;
  BpmnEngine: any;
}

async function bpmnEngineSetup(): Promise<BpmnEngineSetup> {
  const { BpmnModdle } = await import('bpmn-moddle');
  const serializer = await import('moddle-context-serializer');
  const elements = await import('bpmn-elements');
  const { Engine: BpmnEngine } = await import('bpmn-engine');
  const moddleContext = await new BpmnModdle().fromXML(fixture(FILE).content);
  const serialize = (serializer as any).default ?? serializer;
  const sourceContext = serialize(moddleContext, (serializer as any).TypeResolver({ ...(elements as any) }));
  return { sourceContext, BpmnEngine };
}

/** The one condition of the diagram, given to bpmn-engine as a compiled function (no FEEL parsing). */
const expressions = {
  resolveExpression(expression: string, from: any): unknown {
    if (expression === '=priority <= 2') return from.environment.variables.priority <= 2;
    throw new Error(`bench: unexpected expression ${expression}`);
  },
};

/** Gives the service task an implementation that completes at once with the same output as the job. */
const extensions = {
  benchService(activity: any): void {
    if (activity.type !== 'bpmn:ServiceTask') return;
    activity.behaviour.Service = function BenchService() {
      return { execute: (_message: unknown, callback: (err: unknown, output: unknown) => void) => callback(null, { category: 'network' }) };
    };
  },
};

function driveBpmnEngine(setup: BpmnEngineSetup, i: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const listener = new EventEmitter();
    let waits = 0;
    listener.on('wait', (api: any) => {
      waits++;
      api.signal({});
    });
    const engine = new setup.BpmnEngine({ sourceContext: setup.sourceContext, expressions, extensions });
    engine.once('end', () => (waits === 3 ? resolve() : reject(new Error(`bpmn-engine instance ended after ${waits} user tasks`))));
    engine.once('error', reject);
    engine.execute({ listener, variables: { priority: priorityOf(i) } }).catch(reject);
  });
}

/** bpmn-engine after `warmup` instances: `n` more, driven by `clients` at a time (one after the other by default). */
async function runBpmnEngine(setup: BpmnEngineSetup, n: number, warmup: number, clients = 1): Promise<RunStats> {
  for (let i = 0; i < warmup; i++) await driveBpmnEngine(setup, i);
  return pool(clients, n, (i) => driveBpmnEngine(setup, i));
}

// ---- section --------------------------------------------------------------------------------------

function summarize(runs: RunStats[]) {
  const med = (pickOne: (r: RunStats) => number | undefined, digits: number) => round(median(runs.map((r) => pickOne(r) ?? 0)), digits);
  return {
    perSecond: med((r) => r.perSecond, 1),
    p50: med((r) => r.p50, 3),
    p99: med((r) => r.p99, 3),
    commitsPerInstance: med((r) => r.commitsPerInstance, 2),
    commandsPerInstance: med((r) => r.commandsPerInstance, 2),
    engineUsPerCommand: med((r) => r.engineUsPerCommand, 1),
    commitUsPerCommand: med((r) => r.commitUsPerCommand, 1),
    runs,
  };
}

/**
 * One command on an instance with many tokens: a parallel multi-instance user task over `tokens`
 * items, then single task completions timed (median); its cost must not grow with the tokens.
 */
async function manyTokens(tokens: number, samples: number): Promise<{ completeMs: number; startMs: number }> {
  const dir = tempDir('tokens');
  const engine = await new Engine({ store: openStore({ dataDir: dir, ...storeSettings() }) }).start();
  try {
    await engine.deploy([{ name: 'many.bpmn', content: MANY_TOKENS }]);
    const t0 = now();
    const inst = await engine.startInstance({ processId: 'bench-many-tokens', variables: { items: Array.from({ length: tokens }, (_, i) => i) } });
    await engine.idle();
    const startMs = msSince(t0);
    const tasks = (await engine.listTasks({ instanceId: inst.id, state: 'created', limit: samples + 2 })).items;
    const times: number[] = [];
    for (const task of tasks.slice(0, samples + 2)) {
      const t = now();
      await engine.completeTask(task.id, {}, 'bench');
      times.push(msSince(t));
    }
    return { completeMs: round(median(times.slice(2)), 3), startMs: round(startMs, 1) };
  } finally {
    await engine.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const MANY_TOKENS = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="D" targetNamespace="http://processdesk.example/bench">
  <bpmn:process id="bench-many-tokens" isExecutable="true">
    <bpmn:startEvent id="Start" />
    <bpmn:userTask id="Each"><bpmn:extensionElements><zeebe:userTask /></bpmn:extensionElements>
      <bpmn:multiInstanceLoopCharacteristics><bpmn:extensionElements><zeebe:loopCharacteristics inputCollection="=items" inputElement="item" /></bpmn:extensionElements></bpmn:multiInstanceLoopCharacteristics>
    </bpmn:userTask>
    <bpmn:endEvent id="End" />
    <bpmn:sequenceFlow id="F1" sourceRef="Start" targetRef="Each" />
    <bpmn:sequenceFlow id="F2" sourceRef="Each" targetRef="End" />
  </bpmn:process>
</bpmn:definitions>`;

export async function run(ctx: SectionContext): Promise<SectionResult> {
  const n = pick(ctx.mode, { full: 1000, quick: 200, smoke: 10 });
  const runs = pick(ctx.mode, { full: 5, quick: 3, smoke: 1 });
  const warmup = pick(ctx.mode, { full: 100, quick: 30, smoke: 2 });
  const setup = await bpmnEngineSetup();
  const results: Record<'durable' | 'memory' | 'bpmnEngine', RunStats[]> = { durable: [], memory: [], bpmnEngine: [] };
  ctx.log(`${runs} run(s) of ${n} instances per engine (after ${warmup} warm-up instances), engines interleaved`);
  for (let r = 1; r <= runs; r++) {
    for (const which of ['durable', 'memory', 'bpmnEngine'] as const) {
      const s = which === 'bpmnEngine' ? await runBpmnEngine(setup, n, warmup) : await runProcessDesk(which, n, warmup);
      results[which].push(s);
      ctx.log(`run ${r}/${runs} ${which.padEnd(10)} ${s.perSecond} inst/s  p50 ${s.p50} ms  p99 ${s.p99} ms`);
    }
  }
  const clients = pick(ctx.mode, { full: 50, quick: 50, smoke: 2 });
  const concurrent = { durable: [] as RunStats[], bpmnEngine: [] as RunStats[] };
  for (let r = 1; r <= runs; r++) {
    concurrent.durable.push(await runProcessDeskConcurrent(clients, n * 2, warmup));
    concurrent.bpmnEngine.push(await runBpmnEngine(setup, n * 2, warmup, clients));
    ctx.log(`run ${r}/${runs} ${clients} clients: durable ${concurrent.durable.at(-1)!.perSecond} inst/s, bpmn-engine ${concurrent.bpmnEngine.at(-1)!.perSecond} inst/s`);
  }
  const a2 = summarize(concurrent.durable);
  const c2 = summarize(concurrent.bpmnEngine);
  const a = summarize(results.durable);
  const b = summarize(results.memory);
  const c = summarize(results.bpmnEngine);
  const tokens = pick(ctx.mode, { full: 1000, quick: 1000, smoke: 50 });
  const many = await manyTokens(tokens, pick(ctx.mode, { full: 50, quick: 20, smoke: 3 }));
  ctx.log(`${tokens} active tokens: started in ${many.startMs} ms, one task completion ${many.completeMs} ms (median)`);
  const ratioA = round(a.perSecond / c.perSecond, 3);
  const ratioB = round(b.perSecond / c.perSecond, 3);
  const section = '1 throughput';
  return {
    rows: [
      { section, metric: '(a) ProcessDesk durable store', value: a.perSecond, unit: 'inst/s' },
      { section, metric: '(a) per-instance latency p50', value: a.p50, unit: 'ms' },
      { section, metric: '(a) per-instance latency p99', value: a.p99, unit: 'ms' },
      { section, metric: '(b) ProcessDesk in-memory store', value: b.perSecond, unit: 'inst/s' },
      { section, metric: '(b) per-instance latency p50', value: b.p50, unit: 'ms' },
      { section, metric: '(b) per-instance latency p99', value: b.p99, unit: 'ms' },
      { section, metric: '(c) bpmn-engine in memory', value: c.perSecond, unit: 'inst/s' },
      { section, metric: '(c) per-instance latency p50', value: c.p50, unit: 'ms' },
      { section, metric: '(c) per-instance latency p99', value: c.p99, unit: 'ms' },
      { section, metric: 'ratio a/c', value: ratioA, unit: 'x', target: '>= 15' },
      { section, metric: 'ratio b/c', value: ratioB, unit: 'x' },
      { section, metric: `(a2) ProcessDesk durable store, ${clients} clients`, value: a2.perSecond, unit: 'inst/s' },
      { section, metric: `(c2) bpmn-engine in memory, ${clients} clients`, value: c2.perSecond, unit: 'inst/s' },
      { section, metric: 'ratio a2/c2', value: round(a2.perSecond / c2.perSecond, 3), unit: 'x' },
      { section, metric: '(a) commands per instance', value: a.commandsPerInstance ?? 0, unit: '' },
      { section, metric: '(a) commits per instance', value: a.commitsPerInstance ?? 0, unit: '' },
      { section, metric: '(a) commit per command (SQLite + fsync)', value: a.commitUsPerCommand ?? 0, unit: 'µs' },
      { section, metric: '(b) engine work per command (all but the commit)', value: b.engineUsPerCommand ?? 0, unit: 'µs', target: '<= 80' },
      { section, metric: '(b) commit per command (in-memory SQLite)', value: b.commitUsPerCommand ?? 0, unit: 'µs' },
      { section, metric: `one command with ${tokens} active tokens, median`, value: many.completeMs, unit: 'ms', target: '< 5' },
      { section, metric: `start of an instance with ${tokens} tokens (settled)`, value: many.startMs, unit: 'ms' },
    ],
    details: {
      instancesPerRun: n,
      runs,
      warmup,
      durable: a,
      memory: b,
      bpmnEngine: c,
      concurrent: { clients, instancesPerRun: n * 2, durable: a2, bpmnEngine: c2 },
      ratioAC: ratioA,
      ratioBC: ratioB,
      manyTokens: { tokens, ...many },
    },
  };
}
