/**
 * Drives every scenario of the shared conformance folder through the library API (the same steps
 * run.mjs drives over HTTP; see test/api for that run).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Engine } from '../../engine';
import { CONFORMANCE_DIR, describeShared, sharedAvailable } from '../support/paths';
import { bpmnFile, eventually, tempEngine } from '../support/engine';

interface Expectation {
  instance?: string;
  state?: string;
  openTasks?: string[];
  activeElements?: string[];
  variables?: Record<string, unknown>;
  visited?: string[];
  notVisited?: string[];
  counts?: Record<string, number>;
  within?: number;
}

function subset(want: unknown, got: unknown): boolean {
  if (want === null || typeof want !== 'object') return want === got;
  if (Array.isArray(want)) return Array.isArray(got) && want.length === got.length && want.every((w, i) => subset(w, got[i]));
  return !!got && typeof got === 'object' && Object.entries(want).every(([k, v]) => subset(v, (got as Record<string, unknown>)[k]));
}

async function check(engine: Engine, id: string, exp: Expectation): Promise<void> {
  const inst = await engine.getInstance(id);
  if (exp.state) expect(inst.state).toBe(exp.state);
  if (exp.openTasks) {
    const tasks = (await engine.listTasks({ instanceId: id, state: 'created', limit: 1000 })).items.map((t) => t.elementId).sort();
    expect(tasks).toEqual([...exp.openTasks].sort());
  }
  if (exp.activeElements) expect(inst.activeElements).toEqual(expect.arrayContaining(exp.activeElements));
  if (exp.variables && !subset(exp.variables, inst.variables)) expect(inst.variables).toMatchObject(exp.variables);
  if (exp.visited || exp.notVisited || exp.counts) {
    const counts: Record<string, number> = {};
    for (const e of await engine.getHistory(id)) if (e.type === 'element.completed' && e.elementId) counts[e.elementId] = (counts[e.elementId] ?? 0) + 1;
    for (const v of exp.visited ?? []) expect({ [v]: counts[v] ?? 0 }).not.toEqual({ [v]: 0 });
    for (const v of exp.notVisited ?? []) expect({ [v]: counts[v] ?? 0 }).toEqual({ [v]: 0 });
    for (const [k, n] of Object.entries(exp.counts ?? {})) expect({ [k]: counts[k] ?? 0 }).toEqual({ [k]: n });
  }
}

const scenarios = !sharedAvailable(CONFORMANCE_DIR)
  ? []
  : fs
      .readdirSync(CONFORMANCE_DIR)
      .filter((f) => f.endsWith('.scenario.json'))
      .sort();

describeShared(CONFORMANCE_DIR, 'conformance scenarios through the library', () => {
  test('the shared folder has scenarios', () => expect(scenarios.length).toBeGreaterThanOrEqual(15));

  test.each(scenarios)('%s', async (file) => {
    const sc = JSON.parse(fs.readFileSync(path.join(CONFORMANCE_DIR, file), 'utf8'));
    const { engine, close } = await tempEngine();
    try {
      await engine.deploy(sc.bpmn.map((b: string) => bpmnFile(path.join(CONFORMANCE_DIR, b))));
      const inst: Record<string, string> = {};
      for (const step of sc.steps) {
        if (step.start) {
          inst[step.start.as ?? 'main'] = (await engine.startInstance({ processId: step.start.processId, variables: step.start.variables ?? {} })).id;
        } else if (step.complete) {
          const id = inst[step.instance ?? 'main'];
          const task = await eventually(async () => {
            const tasks = (await engine.listTasks({ instanceId: step.anyInstance ? undefined : id, state: 'created', limit: 1000 })).items;
            const t = tasks.find((x) => x.elementId === step.complete && (!step.assignee || x.assignee === step.assignee));
            if (!t) throw new Error(`no open task ${step.complete}`);
            return t;
          });
          await engine.completeTask(task.id, step.variables ?? {}, 'admin');
        } else if (step.job) {
          const job = await eventually(async () => {
            const [j] = await engine.activateJobs({ type: step.job.type, worker: 'conformance', maxJobs: 1, lockMs: 10_000 });
            if (!j) throw new Error(`no job of type ${step.job.type}`);
            return j;
          });
          if (step.job.complete) await engine.completeJob(job.key, step.job.complete.variables ?? {});
          if (step.job.error) await engine.throwJobError(job.key, step.job.error.errorCode, step.job.error.errorMessage);
          if (step.job.fail) await engine.failJob(job.key, step.job.fail);
        } else if (step.message) {
          await engine.publishMessage(step.message);
        } else if (step.signal) {
          await engine.broadcastSignal(step.signal);
        } else if (step.resolveIncident) {
          const incidents = await engine.listIncidents({ instanceId: inst[step.instance ?? 'main'], state: 'open' });
          expect(incidents.length).toBeGreaterThan(0);
          for (const x of incidents) await engine.resolveIncident(x.id);
        } else if (step.sleep) {
          await new Promise((r) => setTimeout(r, step.sleep));
        } else if (step.expect) {
          await engine.idle();
          await eventually(() => check(engine, inst[step.expect.instance ?? 'main'], step.expect), step.expect.within ?? 3000);
        }
      }
      for (const id of Object.values(inst)) expect((await engine.verifyHistory(id)).valid).toBe(true);
    } finally {
      await close();
    }
  });
});
