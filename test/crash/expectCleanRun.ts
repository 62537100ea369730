/**
 * What must hold after a run of crash.bpmn instances survived a SIGKILL (test/crash and test/scale):
 * every instance completed once with its own data, every element done exactly once, one fired timer,
 * two completed jobs and one completed task each, every history chain valid, nothing left due or pending.
 */
import { verifyChain } from '../../engine';
import type { Store } from '../../engine/store/types';

/** Checks the store; returns how many jobs each worker completed. */
export async function expectCleanRun(store: Store, instances: number): Promise<Record<string, number>> {
  const all = (await store.listInstances({ processId: 'crashTest', limit: 1000 })).items;
  expect(all).toHaveLength(instances);
  expect(new Set(all.map((i) => i.businessKey)).size).toBe(instances);
  const jobWorkers: Record<string, number> = {};
  for (const instance of all) {
    expect({ id: instance.id, state: instance.state }).toEqual({ id: instance.id, state: 'completed' });
    expect(instance.variables.total).toBe((instance.variables.a as number) + 1000);
    const history = await store.getHistory(instance.id);
    expect(verifyChain(history)).toEqual({ valid: true, events: history.length, problems: [] });
    const completed: Record<string, number> = {};
    for (const e of history) if (e.type === 'element.completed') completed[e.elementId!] = (completed[e.elementId!] ?? 0) + 1;
    const { Nudge = 0, Nudged = 0, ...rest } = completed;
    expect(rest).toEqual({ Start: 1, JobA: 1, Wait: 1, Split: 1, JobB: 1, Review: 1, Join: 1, Sum: 1, End: 1 });
    expect(Nudge).toBeLessThanOrEqual(1);
    expect(Nudged).toBe(Nudge);
    expect(history.filter((e) => e.type === 'timer.fired' && e.elementId === 'Wait')).toHaveLength(1);
    const jobCompletions = history.filter((e) => e.type === 'job.completed');
    expect(jobCompletions).toHaveLength(2);
    for (const e of jobCompletions) jobWorkers[e.actor] = (jobWorkers[e.actor] ?? 0) + 1;
    const tasks = await store.listTasks({ instanceId: instance.id, limit: 10 });
    expect(tasks.items.map((t) => t.state)).toEqual(['completed']);
    const jobKeys = history.filter((e) => e.type === 'job.created').map((e) => `${instance.id}.${(e.data as { waitId: string }).waitId}`);
    const jobs = await Promise.all(jobKeys.map((key) => store.getJob(key)));
    expect(jobs.map((j) => `${j?.elementId}:${j?.state}`).sort()).toEqual(['JobA:completed', 'JobB:completed']);
  }
  expect(await store.dueTimers(Date.now() + 60_000, 10)).toEqual([]);
  expect(await store.pendingOutbox(10)).toEqual([]);
  return jobWorkers;
}
