/**
 * Per job type settings on the queues, and BullMQ's own recovery: a rate limit and a global concurrency
 * hold for every worker (plain ones without limiter options of their own included), priorities come
 * from the type and a task header, and a job whose worker died (its lock ran out) is taken by another
 * worker; one that stalls more often than BullMQ allows is a failed attempt. Real Redis.
 */
import { Queue, Worker, type Job } from 'bullmq';
import type { Engine } from '../../engine';
import { jobQueueName, type ProcessDeskJobData } from '../../engine/queue/jobs';
import { bpmn, chain, endEvent, serviceTask, startEvent } from '../engine/helpers';
import { bullmqEngine, dropPrefix, plainWorker, REDIS_URL, testPrefix, until } from './jobQueues';

const oneJob = (processId: string, type: string, headers?: Record<string, string>) =>
  bpmn(processId, [startEvent(), serviceTask('Work', type, { retries: '3', headers }), endEvent(), chain('Start', 'Work', 'End')]);

describe('limits and recovery of jobs on BullMQ', () => {
  const prefix = testPrefix('limits');
  let env: Awaited<ReturnType<typeof bullmqEngine>>;
  let engine: Engine;

  beforeAll(async () => {
    env = await bullmqEngine(prefix, {
      types: {
        sms: { rateLimit: { max: 3, durationMs: 400 } },
        export: { globalConcurrency: 2 },
        triage: { priority: 50 },
      },
    });
    engine = env.engine;
    await engine.deploy([
      { name: 'sms.bpmn', content: oneJob('sms', 'sms') },
      { name: 'export.bpmn', content: oneJob('export', 'export') },
      { name: 'routine.bpmn', content: oneJob('routine', 'triage') },
      { name: 'urgent.bpmn', content: oneJob('urgent', 'triage', { priority: '1' }) },
      { name: 'fragile.bpmn', content: oneJob('fragile', 'fragile') },
    ]);
  });
  afterAll(async () => {
    await env.close();
    await dropPrefix(prefix);
  });

  const allCompleted = (ids: string[]) =>
    until(
      async () => {
        const states = await Promise.all(ids.map(async (id) => (await engine.getInstance(id)).state));
        return states.every((s) => s === 'completed');
      },
      15_000,
      'every instance to complete',
    );

  test('the rate limit holds over two plain workers that set no limiter: at most 3 jobs start per 400 ms', async () => {
    const starts: number[] = [];
    const work = async () => {
      starts.push(Date.now());
      return {};
    };
    const workers = [plainWorker(prefix, 'sms', work, { concurrency: 5 }), plainWorker(prefix, 'sms', work, { concurrency: 5 })];
    try {
      const ids = [];
      for (let i = 0; i < 9; i++) ids.push((await engine.startInstance({ processId: 'sms' })).id);
      await allCompleted(ids);
    } finally {
      await Promise.all(workers.map((w) => w.close()));
    }
    // BullMQ's limiter counts starts in windows of 400 ms, so the (3k)-th start is at least k windows
    // after the first (less a few ms between BullMQ taking a job and the processor noting the time).
    const sorted = [...starts].sort((a, b) => a - b);
    expect(sorted).toHaveLength(9);
    for (const k of [1, 2]) expect(sorted[3 * k] - sorted[0]).toBeGreaterThanOrEqual(400 * k - 50);
  });

  test('the global concurrency holds over workers whose own concurrency is higher: at most 2 at once', async () => {
    let running = 0;
    let most = 0;
    const work = async () => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, 30));
      running--;
      return {};
    };
    const workers = [plainWorker(prefix, 'export', work, { concurrency: 5 }), plainWorker(prefix, 'export', work, { concurrency: 5 })];
    try {
      const ids = [];
      for (let i = 0; i < 12; i++) ids.push((await engine.startInstance({ processId: 'export' })).id);
      await allCompleted(ids);
    } finally {
      await Promise.all(workers.map((w) => w.close()));
    }
    expect(most).toBe(2);
  });

  test("jobs with a task header priority 1 go before those with the type's priority 50", async () => {
    const routine = [];
    for (let i = 0; i < 4; i++) routine.push((await engine.startInstance({ processId: 'routine', variables: { n: `r${i}` } })).id);
    const urgent = [];
    for (let i = 0; i < 3; i++) urgent.push((await engine.startInstance({ processId: 'urgent', variables: { n: `u${i}` } })).id);
    const queue = new Queue(jobQueueName('triage'), { connection: { url: REDIS_URL }, prefix });
    await until(async () => (await queue.getPrioritizedCount()) === 7, 5000, 'the seven jobs to be queued');
    expect((await queue.getJobs(['prioritized'])).map((j) => [j.data.variables.n, j.opts.priority]).sort()).toEqual([
      ['r0', 50],
      ['r1', 50],
      ['r2', 50],
      ['r3', 50],
      ['u0', 1],
      ['u1', 1],
      ['u2', 1],
    ]);
    await queue.close();
    const order: string[] = [];
    const worker = plainWorker(
      prefix,
      'triage',
      async (job) => {
        order.push(String(job.data.variables.n));
        return {};
      },
      { concurrency: 1 },
    );
    try {
      await allCompleted([...routine, ...urgent]);
    } finally {
      await worker.close();
    }
    // Within a priority BullMQ keeps the order of queueing, which parallel syncs make roughly the order of creation.
    expect(order.slice(0, 3).sort()).toEqual(['u0', 'u1', 'u2']);
    expect(order.slice(3).sort()).toEqual(['r0', 'r1', 'r2', 'r3']);
  });

  test('a job held by a worker that died is taken by another once its lock runs out; one that stalls too often is a failed attempt', async () => {
    // A worker that takes a job and dies: BullMQ's manual fetch, never completed, its lock not renewed.
    const dead = new Worker<ProcessDeskJobData>(jobQueueName('fragile'), null, { connection: { url: REDIS_URL }, prefix, autorun: false, lockDuration: 300 });
    const { id } = await engine.startInstance({ processId: 'fragile' });
    await engine.idle();
    let taken: Job<ProcessDeskJobData> | undefined;
    await until(async () => !!(taken = await dead.getNextJob('dead-worker', { block: false })), 5000, 'the dying worker to take the job');
    await dead.close();

    const attempts: { started: number; retries: number }[] = [];
    const alive = plainWorker(
      prefix,
      'fragile',
      async (job) => {
        attempts.push({ started: job.attemptsStarted, retries: job.data.retries });
        return { recovered: true };
      },
      { stalledInterval: 200 },
    );
    try {
      await until(async () => (await engine.getInstance(id)).state === 'completed', 10_000, 'the stalled job to be recovered');
    } finally {
      await alive.close();
    }
    expect(attempts).toEqual([{ started: 2, retries: 3 }]); // the same delivery, started a second time; no retry used
    expect((await engine.getHistory(id)).filter((e) => e.type === 'job.failed')).toEqual([]);

    // maxStalledCount 0: BullMQ fails a job at its first stall ("stalled more than allowable limit"), as an
    // UnrecoverableError; the engine counts it as one failed attempt (a worker died), not as all of them.
    const second = await engine.startInstance({ processId: 'fragile' });
    await engine.idle();
    const dying = new Worker<ProcessDeskJobData>(jobQueueName('fragile'), null, { connection: { url: REDIS_URL }, prefix, autorun: false, lockDuration: 300 });
    await until(async () => !!(await dying.getNextJob('dead-worker', { block: false })), 5000, 'the dying worker to take the job');
    await dying.close();
    const strict = plainWorker(prefix, 'fragile', async (job) => ({ retriesLeft: job.data.retries }), { stalledInterval: 200, maxStalledCount: 0 });
    try {
      await until(async () => (await engine.getInstance(second.id)).state === 'completed', 10_000, 'the failed attempt to be retried');
    } finally {
      await strict.close();
    }
    const failed = (await engine.getHistory(second.id)).filter((e) => e.type === 'job.failed');
    expect(failed.map((e) => e.data)).toEqual([{ jobKey: expect.any(String), retries: 2, errorMessage: 'job stalled more than allowable limit' }]);
    expect((await engine.getInstance(second.id)).variables).toMatchObject({ retriesLeft: 2 });
    expect(taken?.data.processInstanceId).toBe(id);
  });
});
