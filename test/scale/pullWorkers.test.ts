/**
 * Exactly once, seen from outside the engine: two `npm run worker` processes (api/worker.ts, jobs
 * polled from the store, no Redis) share one SQLite data directory with the engine of this test, which
 * starts the instances. Their handlers (ledgerHandlers.ts) write each job's effect to a ledger of their
 * own. Each instance has two jobs in parallel (two types), so both workers commit on the same instances.
 * Without a crash, every effect must be in the ledger, no handler may have run twice, both workers must
 * have worked, no result may have been refused as a conflict (the worker logs each one), and a job that
 * always fails must run exactly its retries before its incident.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../../engine';
import { bpmn, chain, endEvent, flow, gateway, serviceTask, startEvent } from '../engine/helpers';
import { runTs, type Proc } from '../support/processes';
import { readLedger } from './ledger';

const INSTANCES = 120;
const FLAKY = 3;

const LEDGER = bpmn('pullLedger', [
  startEvent(),
  gateway('parallel', 'Split'),
  serviceTask('A', 'ledger-a'),
  serviceTask('B', 'ledger-b'),
  gateway('parallel', 'Join'),
  endEvent(),
  chain('Start', 'Split'),
  flow('fa', 'Split', 'A'),
  flow('fb', 'Split', 'B'),
  flow('fa2', 'A', 'Join'),
  flow('fb2', 'B', 'Join'),
  chain('Join', 'End'),
]);
const FLAKY_BPMN = bpmn('pullFlaky', [startEvent(), serviceTask('F', 'flaky', { retries: '2' }), endEvent(), chain('Start', 'F', 'End')]);

function worker(id: string, env: Record<string, string>): Proc {
  return runTs(['api/worker.ts'], { ...env, WORKER_ID: id });
}

async function until(check: () => Promise<boolean>, ms: number, what: string, detail: () => string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${detail()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('two npm run worker processes polling one SQLite store: every effect once, both worked, no conflict, retries counted once', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-pull-'));
  const dataDir = path.join(dir, 'data');
  const ledgerFile = path.join(dir, 'ledger.sqlite');
  const engine = await new Engine({ dataDir, checkpointIntervalMs: 0 }).start();
  const procs: Proc[] = [];
  try {
    await engine.deploy([
      { name: 'ledger.bpmn', content: LEDGER },
      { name: 'flaky.bpmn', content: FLAKY_BPMN },
    ]);
    const env = { DATA_DIR: dataDir, LEDGER_FILE: ledgerFile, WORKER_HANDLERS: 'test/scale/ledgerHandlers.ts', DEMO_WORKERS: 'off', JOB_BATCH: '2' };
    procs.push(worker('w1', env), worker('w2', env));
    const outputs = () => procs.map((p) => p.output().slice(-3000)).join('\n');
    await until(async () => procs.every((p) => /job types/.test(p.output())), 30_000, 'the workers to start', outputs);
    for (let i = 0; i < INSTANCES; i++) await engine.startInstance({ processId: 'pullLedger', businessKey: `p${i}` });
    for (let i = 0; i < FLAKY; i++) await engine.startInstance({ processId: 'pullFlaky', businessKey: `f${i}` });
    await until(
      async () =>
        (await engine.listInstances({ processId: 'pullLedger', state: 'completed', limit: 1000 })).items.length === INSTANCES &&
        (await engine.listIncidents({ state: 'open' })).length === FLAKY,
      60_000,
      'every job to be worked',
      outputs,
    );

    for (const p of procs) p.child.kill('SIGTERM');
    for (const p of procs) expect(await p.exited).toEqual({ code: 0, signal: null });

    const { byWorker, duplicates, failedRuns } = readLedger(ledgerFile);
    console.log(`pull workers: ${INSTANCES * 2} jobs, effects by ${JSON.stringify(byWorker)}, duplicate runs ${duplicates.length}`);
    // Every job's effect happened, once, and both workers did work.
    expect(Object.values(byWorker).reduce((n, e) => n + e, 0)).toBe(INSTANCES * 2);
    expect(Object.keys(byWorker).sort()).toEqual(['w1', 'w2']);
    expect(duplicates).toEqual([]);
    // The failing job ran exactly its 2 retries (2, then 1), then became an incident.
    expect(failedRuns).toHaveLength(FLAKY);
    for (const r of failedRuns) expect(r.retries.split(',').map(Number).sort().reverse()).toEqual([2, 1]);
    // No result was refused: the worker logs every conflict it swallows.
    for (const p of procs)
      expect(
        p
          .output()
          .split('\n')
          .filter((l) => /another worker finished it first|Error/.test(l)),
      ).toEqual([]);
    for (const i of (await engine.listInstances({ processId: 'pullLedger', limit: 1000 })).items) {
      const history = await engine.getHistory(i.id);
      expect(history.filter((e) => e.type === 'job.completed')).toHaveLength(2);
      expect(history.filter((e) => e.type === 'job.failed')).toHaveLength(0);
      expect(await engine.verifyHistory(i.id)).toMatchObject({ valid: true });
    }
    for (const i of (await engine.listInstances({ processId: 'pullFlaky', limit: 10 })).items) {
      expect((await engine.getHistory(i.id)).filter((e) => e.type === 'job.failed').map((e) => (e.data as { retries: number }).retries)).toEqual([1, 0]);
    }
  } finally {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    await engine.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
