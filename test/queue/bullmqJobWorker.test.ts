/**
 * Workers inside an engine process (`npm run worker`'s WORKER_HANDLERS, engine.workJobs): a BullMQ
 * worker on the type's queue that hands the job, with its variables as they are now, to a handler and
 * applies the outcome itself; a failure is counted once although the sync sees it too; a job that is
 * no longer live is not run. Real Redis.
 */
import { Queue } from 'bullmq';
import type { Engine } from '../../engine';
import { BpmnError, bullmqJobId, jobQueueName, type ProcessDeskJobData } from '../../engine/queue/jobs';
import type { JobRow } from '../../engine/store/types';
import { boundary, bpmn, chain, endEvent, errorDef, errorRef, flow, serviceTask, startEvent, timerDuration } from '../engine/helpers';
import { bullmqEngine, dropPrefix, REDIS_URL, testPrefix, until } from './jobQueues';

const HOOK = bpmn(
  'hook',
  [
    startEvent(),
    serviceTask('Hook', 'hook', { retries: '3' }),
    boundary('Failed', 'Hook', errorRef('Err_Hook')),
    boundary('Late', 'Hook', timerDuration('=timeout')),
    endEvent('Recovered'),
    endEvent('TimedOut'),
    endEvent(),
    chain('Start', 'Hook', 'End'),
    flow('F_failed', 'Failed', 'Recovered'),
    flow('F_late', 'Late', 'TimedOut'),
  ],
  [errorDef('Err_Hook', 'HOOK_FAILED')],
);

describe('workers inside an engine process, on BullMQ', () => {
  const prefix = testPrefix('worker');
  let env: Awaited<ReturnType<typeof bullmqEngine>>;
  let engine: Engine;
  const seen: JobRow[] = [];
  const workerLog: string[] = [];
  let stop: () => Promise<void>;
  let release = (): void => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));

  beforeAll(async () => {
    env = await bullmqEngine(prefix, { types: { hook: { backoff: { type: 'fixed', delayMs: 50 } } } });
    engine = env.engine;
    await engine.deploy([{ name: 'hook.bpmn', content: HOOK }]);
    stop = await engine.workJobs(
      'hook',
      async (job) => {
        seen.push(job);
        const mode = job.variables.mode;
        if (mode === 'flaky' && job.retries > 1) throw new Error(`flaky ${job.retries}`);
        if (mode === 'broken') throw new BpmnError('HOOK_FAILED', 'hook rejected the change');
        if (mode === 'hold') await held;
        return { hooked: job.variables.target };
      },
      { workerId: 'w-inside', log: (line) => workerLog.push(line) },
    );
  });
  afterAll(async () => {
    await stop();
    await env.close();
    await dropPrefix(prefix);
  });

  const state = async (id: string) => (await engine.getInstance(id)).state;
  const ended = (id: string) => until(async () => (await state(id)) === 'completed', 10_000, `instance ${id} to end`);

  test('the handler gets the variables as they are now and its result completes the job', async () => {
    const { id } = await engine.startInstance({ processId: 'hook', variables: { target: 'prod', timeout: 'PT1H' } });
    await ended(id);
    expect(seen.filter((j) => j.instanceId === id).map((j) => j.variables)).toEqual([{ target: 'prod', timeout: 'PT1H' }]);
    expect((await engine.getInstance(id)).variables).toMatchObject({ hooked: 'prod' });
    const history = await engine.getHistory(id);
    expect(history.filter((e) => e.type === 'job.completed').map((e) => e.actor)).toEqual(['w-inside']);
  });

  test('a failure is applied by the worker and counted once, although the sync sees the failed BullMQ job too', async () => {
    const { id } = await engine.startInstance({ processId: 'hook', variables: { target: 'prod', mode: 'flaky', timeout: 'PT1H' } });
    await ended(id);
    expect(seen.filter((j) => j.instanceId === id).map((j) => j.retries)).toEqual([3, 2, 1]);
    const failures = (await engine.getHistory(id)).filter((e) => e.type === 'job.failed');
    expect(failures.map((e) => [e.actor, (e.data as { retries: number }).retries])).toEqual([
      ['w-inside', 2],
      ['w-inside', 1],
    ]);
  });

  test('a BpmnError from the handler is a BPMN error', async () => {
    const { id } = await engine.startInstance({ processId: 'hook', variables: { mode: 'broken', timeout: 'PT1H' } });
    await ended(id);
    const completed = (await engine.getHistory(id)).filter((e) => e.type === 'element.completed').map((e) => e.elementId);
    expect(completed).toContain('Recovered');
  });

  test('a job that is no longer live when the worker gets it is not run, and nothing is refused', async () => {
    // A job whose activity timed out while nobody worked it, queued once more by hand (as a stale copy
    // restored into Redis would be): the worker finds its row canceled.
    await stop();
    const { id } = await engine.startInstance({ processId: 'hook', variables: { timeout: 'PT0.2S' } });
    await ended(id);
    const key = `${id}.${((await engine.getHistory(id)).find((e) => e.type === 'job.created')!.data as { waitId: string }).waitId}`;
    expect((await env.store.getJob(key))?.state).toBe('canceled');
    const queue = new Queue<ProcessDeskJobData>(jobQueueName('hook'), { connection: { url: REDIS_URL }, prefix });
    try {
      await until(async () => !(await queue.getJob(bullmqJobId(key))), 5000, 'the canceled job to leave its queue');
      const before = seen.length;
      await queue.add('Hook', { key, type: 'hook' } as ProcessDeskJobData, { jobId: bullmqJobId(key), attempts: 1 });
      stop = await engine.workJobs(
        'hook',
        async (job) => {
          seen.push(job);
          return {};
        },
        { workerId: 'w-inside', log: (line) => workerLog.push(line) },
      );
      await until(() => workerLog.some((l) => l.includes(key)), 5000, 'the worker to skip the job');
      await until(async () => !(await queue.getJob(bullmqJobId(key))), 5000, 'the skipped job to leave its queue');
      expect(seen).toHaveLength(before);
      expect(workerLog.filter((l) => l.includes(key))).toEqual([`job ${key} (hook) not run by w-inside: it is canceled`]);
      expect(env.log.filter((l) => l.includes(key))).toEqual([]);
    } finally {
      await queue.close();
    }
  });

  test('a job a queue worker holds keeps its BullMQ lock: a timeout update is a conflict and changes nothing', async () => {
    const { id } = await engine.startInstance({ processId: 'hook', variables: { target: 'x', timeout: 'PT1H', mode: 'hold' } });
    await until(async () => seen.some((j) => j.instanceId === id), 10_000, 'the worker to hold the job');
    const job = seen.find((j) => j.instanceId === id)!;
    const before = await env.store.getJob(job.key);
    try {
      await expect(engine.updateJobTimeout(job.key, 5000, 'someone')).rejects.toMatchObject({
        code: 'CONFLICT',
        message: `job ${job.key} is not activated: there is no lock to change`,
      });
      expect(await env.store.getJob(job.key)).toEqual(before);
      expect((await engine.getHistory(id)).filter((e) => e.type === 'job.updated')).toEqual([]);
    } finally {
      release();
    }
    await ended(id);
  });
});
