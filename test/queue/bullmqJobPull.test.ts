/**
 * The HTTP job API (POST /api/jobs/activate, complete, fail, error) with jobs on BullMQ: jobs are taken
 * from their queues, so an HTTP worker and BullMQ workers share them without ever holding one job at
 * the same time; a lock that runs out offers the job again; a late answer is a 409. Real Redis.
 */
import request from 'supertest';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { bullmqJobId, jobQueueName } from '../../engine/queue/jobs';
import { bearer, startApi, type TestApi } from '../api/helpers';
import { bpmn, chain, endEvent, serviceTask, startEvent } from '../engine/helpers';
import { dropPrefix, FAST, plainWorker, REDIS_URL, testPrefix, until } from './jobQueues';

const LOOKUP = bpmn('lookup', [startEvent(), serviceTask('Lookup', 'cmdb', { retries: '3', inputs: [['=ci', 'item']] }), endEvent(), chain('Start', 'Lookup', 'End')]);

type JobView = { key: string; type: string; processInstanceId: string; variables: Record<string, unknown>; retries: number };

describe('HTTP workers with jobs on BullMQ', () => {
  const prefix = testPrefix('pull');
  let api: TestApi;
  let queue: Queue;

  beforeAll(async () => {
    api = await startApi({}, { redisUrl: REDIS_URL, redisPrefix: prefix, jobQueues: FAST });
    queue = new Queue(jobQueueName('cmdb'), { connection: { url: REDIS_URL }, prefix });
    await api.engine.deploy([{ name: 'lookup.bpmn', content: LOOKUP }]);
  });
  afterAll(async () => {
    await queue.close();
    await api.close();
    await dropPrefix(prefix);
  });

  const activate = async (body: Record<string, unknown>): Promise<JobView[]> => {
    const res = await request(api.app)
      .post('/api/jobs/activate')
      .set(bearer('admin'))
      .send({ type: 'cmdb', worker: 'http-1', maxJobs: 1, lockMs: 10_000, ...body });
    expect(res.status).toBe(200);
    return res.body.jobs;
  };
  const activateOne = async (body: Record<string, unknown> = {}): Promise<JobView> => {
    let jobs: JobView[] = [];
    await until(async () => (jobs = await activate(body)).length > 0, 5000, 'a job to activate');
    return jobs[0];
  };
  const state = async (id: string) => (await api.engine.getInstance(id)).state;

  test('activate takes the job from its queue with the variables of now (fetchVariables), holds it, and complete finishes it', async () => {
    const { id } = await api.engine.startInstance({ processId: 'lookup', variables: { ci: 'srv-1', other: 'x' } });
    await api.engine.setVariables(id, { ci: 'srv-2' }, 'admin'); // after the job was queued
    const job = await activateOne({ fetchVariables: ['item', 'ci'] });
    expect(job).toMatchObject({ processInstanceId: id, type: 'cmdb', retries: 3, variables: { item: 'srv-1', ci: 'srv-2' } });
    expect(Object.keys(job.variables).sort()).toEqual(['ci', 'item']);
    expect(await api.store.getJob(job.key)).toMatchObject({ state: 'activated', worker: 'http-1' });
    // Held: parked in Redis until the lock ends, so no other worker gets it.
    expect(await queue.getJobState(bullmqJobId(job.key))).toBe('delayed');
    expect(await activate({ worker: 'http-2', maxJobs: 5 })).toEqual([]);

    await request(api.app)
      .post(`/api/jobs/${encodeURIComponent(job.key)}/complete`)
      .set(bearer('admin'))
      .send({ variables: { owner: 'network' } })
      .expect(200);
    expect(await state(id)).toBe('completed');
    await until(async () => !(await queue.getJob(bullmqJobId(job.key))), 5000, 'the parked job to leave its queue');
    const late = await request(api.app)
      .post(`/api/jobs/${encodeURIComponent(job.key)}/complete`)
      .set(bearer('admin'))
      .send({});
    expect(late.status).toBe(409);
    expect(late.body.error.message).toBe(`job ${job.key} is completed`);
  });

  test('a failure with retries left is queued again after its backoff; a lock that runs out offers the job to any worker', async () => {
    const { id } = await api.engine.startInstance({ processId: 'lookup', variables: { ci: 'srv-3' } });
    const job = await activateOne({ lockMs: 300 });
    const failed = await request(api.app)
      .post(`/api/jobs/${encodeURIComponent(job.key)}/fail`)
      .set(bearer('admin'))
      .send({ retries: 2, errorMessage: 'CMDB timeout', retryBackOff: 200 });
    expect(failed.status).toBe(200);
    await until(async () => (await queue.getJobState(bullmqJobId(job.key))) === 'delayed', 5000, 'the retry to be queued');
    const retried = await activateOne({ worker: 'http-2', lockMs: 300 });
    expect(retried).toMatchObject({ key: job.key, retries: 2 });
    // http-2 never answers: when its lock ends a plain BullMQ worker gets the job.
    const worker = plainWorker(prefix, 'cmdb', async () => ({ owner: 'plain' }));
    try {
      await until(async () => (await state(id)) === 'completed', 5000, 'the plain worker to complete it');
      const late = await request(api.app)
        .post(`/api/jobs/${encodeURIComponent(job.key)}/complete`)
        .set(bearer('admin'))
        .send({});
      expect(late.status).toBe(409);
      expect((await api.engine.getInstance(id)).variables).toMatchObject({ owner: 'plain' });
    } finally {
      await worker.close();
    }
  });

  test('activating a type no job ever had answers no job and creates nothing in Redis', async () => {
    const redis = new Redis(REDIS_URL);
    try {
      const before = (await redis.keys(`${prefix}:*`)).sort();
      for (let i = 0; i < 20; i++) expect(await activate({ type: `made-up-${i}`, maxJobs: 5 })).toEqual([]);
      expect((await redis.keys(`${prefix}:*`)).sort()).toEqual(before);
      expect(await redis.sismember(`${prefix}:processdesk#job-types`, 'made-up-0')).toBe(0);
    } finally {
      redis.disconnect();
    }
  });

  test('HTTP workers and a BullMQ worker share 60 jobs; no job is ever held by two of them at once', async () => {
    const holders = new Map<string, string>();
    const overlaps: string[] = [];
    const done: string[] = [];
    const hold = (key: string, who: string) => {
      if (holders.has(key)) overlaps.push(`${key}: ${holders.get(key)} and ${who}`);
      holders.set(key, who);
    };
    const release = (key: string) => {
      holders.delete(key);
      done.push(key);
    };
    const ids = await Promise.all(Array.from({ length: 60 }, (_, i) => api.engine.startInstance({ processId: 'lookup', variables: { ci: `srv-${i}` } })));
    const worker = plainWorker(
      prefix,
      'cmdb',
      async (job) => {
        hold(job.data.key, 'plain');
        await new Promise((r) => setTimeout(r, 5));
        release(job.data.key);
        return { owner: 'plain' };
      },
      { concurrency: 4 },
    );
    let stop = false;
    const http = async (name: string) => {
      while (!stop) {
        const jobs = await activate({ worker: name, maxJobs: 3 });
        for (const job of jobs) hold(job.key, name);
        await Promise.all(
          jobs.map(async (job) => {
            const res = await request(api.app)
              .post(`/api/jobs/${encodeURIComponent(job.key)}/complete`)
              .set(bearer('admin'))
              .send({ variables: { owner: name } });
            expect(res.status).toBe(200);
            release(job.key);
          }),
        );
        if (!jobs.length) await new Promise((r) => setTimeout(r, 10));
      }
    };
    const pollers = [http('http-a'), http('http-b'), http('http-c')];
    try {
      await until(
        async () => {
          const states = await Promise.all(ids.map((i) => state(i.id)));
          return states.every((s) => s === 'completed');
        },
        20_000,
        'every instance to complete',
      );
    } finally {
      stop = true;
      await Promise.all(pollers);
      await worker.close();
    }
    expect(overlaps).toEqual([]);
    expect(new Set(done).size).toBe(60);
    expect(done).toHaveLength(60); // each job worked exactly once
    const owners = new Set((await Promise.all(ids.map((i) => api.engine.getInstance(i.id)))).map((i) => i.variables.owner));
    expect(owners.has('plain')).toBe(true);
    expect([...owners].some((o) => String(o).startsWith('http-'))).toBe(true);
  });
});
