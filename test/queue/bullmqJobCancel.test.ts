/**
 * A job whose activity is interrupted (boundary event) or whose instance is canceled leaves its BullMQ
 * queue, waiting or delayed; one a worker holds cannot be taken back, and its late result is refused
 * with the reason and changes nothing. Real Redis.
 */
import { Queue } from 'bullmq';
import type { Engine } from '../../engine';
import { bullmqJobId, jobQueueName } from '../../engine/queue/jobs';
import { boundary, bpmn, chain, endEvent, flow, serviceTask, startEvent, timerDuration } from '../engine/helpers';
import { bullmqEngine, dropPrefix, plainWorker, REDIS_URL, testPrefix, until } from './jobQueues';

const CALL = bpmn('callWithTimeout', [
  startEvent(),
  serviceTask('Call', 'slow-call', { retries: '3' }),
  boundary('Timeout', 'Call', timerDuration('=timeout')),
  endEvent('TimedOut'),
  endEvent(),
  chain('Start', 'Call', 'End'),
  flow('F_timeout', 'Timeout', 'TimedOut'),
]);

describe('canceled jobs on BullMQ', () => {
  const prefix = testPrefix('cancel');
  let env: Awaited<ReturnType<typeof bullmqEngine>>;
  let engine: Engine;
  let queue: Queue;

  beforeAll(async () => {
    env = await bullmqEngine(prefix, { types: { 'slow-call': { backoff: { type: 'fixed', delayMs: 60_000 } } } });
    engine = env.engine;
    queue = new Queue(jobQueueName('slow-call'), { connection: { url: REDIS_URL }, prefix });
    await engine.deploy([{ name: 'call.bpmn', content: CALL }]);
  });
  afterAll(async () => {
    await queue.close();
    await env.close();
    await dropPrefix(prefix);
  });

  const jobKey = async (instanceId: string): Promise<string> => {
    const created = (await engine.getHistory(instanceId)).find((e) => e.type === 'job.created')!;
    return `${instanceId}.${(created.data as { waitId: string }).waitId}`;
  };
  const ended = (id: string) => until(async () => (await engine.getInstance(id)).state === 'completed', 10_000, `instance ${id} to end`);

  test('the waiting job of an interrupted activity is removed from its queue', async () => {
    const { id } = await engine.startInstance({ processId: 'callWithTimeout', variables: { timeout: 'PT0.4S' } });
    const key = await jobKey(id);
    await until(async () => (await queue.getJobState(bullmqJobId(key))) === 'waiting', 5000, 'the job to be queued');
    await ended(id);
    await until(async () => !(await queue.getJob(bullmqJobId(key))), 5000, 'the job to leave its queue');
    expect((await env.store.getJob(key))?.state).toBe('canceled');
    expect((await engine.getHistory(id)).filter((e) => e.type === 'element.completed').map((e) => e.elementId)).toContain('TimedOut');
  });

  test('a job delayed by its backoff leaves its queue when the instance is canceled', async () => {
    const worker = plainWorker(prefix, 'slow-call', async () => {
      throw new Error('busy');
    });
    try {
      const { id } = await engine.startInstance({ processId: 'callWithTimeout', variables: { timeout: 'PT1H' } });
      const key = await jobKey(id);
      await until(async () => (await queue.getJobState(bullmqJobId(key))) === 'delayed', 5000, 'the retry to be delayed');
      await engine.cancelInstance(id, 'admin');
      await until(async () => !(await queue.getJob(bullmqJobId(key))), 5000, 'the job to leave its queue');
      expect((await env.store.getJob(key))?.state).toBe('canceled');
    } finally {
      await worker.close();
    }
  });

  test('a late result of a worker that held the job when its activity was interrupted is refused and changes nothing', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let taken = false;
    const worker = plainWorker(prefix, 'slow-call', async () => {
      taken = true;
      await held;
      return { late: true };
    });
    try {
      const { id } = await engine.startInstance({ processId: 'callWithTimeout', variables: { timeout: 'PT0.3S' } });
      const key = await jobKey(id);
      await until(() => taken, 5000, 'the worker to take the job');
      await ended(id);
      expect(await queue.getJobState(bullmqJobId(key))).toBe('active'); // a held job cannot be taken back
      const before = await engine.getHistory(id);
      release();
      await until(() => env.log.some((l) => l.includes(key)), 5000, 'the refusal');
      expect(env.log.filter((l) => l.includes(key))).toEqual([
        `job ${key} (slow-call): the result reported by plain is refused: it is canceled (its activity was interrupted or its instance canceled); nothing changed`,
      ]);
      await until(async () => !(await queue.getJob(bullmqJobId(key))), 5000, 'the refused job to leave its queue');
      expect(await engine.getHistory(id)).toEqual(before);
      expect((await engine.getInstance(id)).variables).not.toHaveProperty('late');
      expect((await env.store.getJob(key))?.state).toBe('canceled');
    } finally {
      release();
      await worker.close();
    }
  });
});
