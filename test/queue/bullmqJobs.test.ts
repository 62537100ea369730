/**
 * Jobs on BullMQ: every job the engine creates is a BullMQ job on the queue of its type, with the
 * engine's job key as its id; a plain BullMQ worker's returned variables complete it. Real Redis.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue, type Job } from 'bullmq';
import { Engine } from '../../engine';
import { openStore } from '../../engine/store';
import { BullmqJobDelivery, bullmqJobId, engineJobKey, jobQueueName, type ProcessDeskJobData } from '../../engine/queue/jobs';
import { bpmn, chain, endEvent, messageDef, serviceTask, startEvent, timerDate } from '../engine/helpers';
import { bullmqEngine, dropPrefix, FAST, plainWorker, REDIS_URL, testPrefix, until } from './jobQueues';

const NOTIFY = bpmn('notifyOnce', [
  startEvent(),
  serviceTask('Notify', 'notify', { retries: '4', headers: { template: 'opened', priority: '5' }, inputs: [['=ticket', 'ticketId']] }),
  endEvent(),
  chain('Start', 'Notify', 'End'),
]);

async function completed(engine: Engine, id: string): Promise<void> {
  await until(async () => (await engine.getInstance(id)).state === 'completed', 10_000, `instance ${id} to complete`);
}

describe('jobs on BullMQ', () => {
  const prefix = testPrefix('jobs');
  afterAll(() => dropPrefix(prefix));

  test('a plain BullMQ worker gets the job on its type queue, id = job key, and its returned variables complete it', async () => {
    const { engine, store, close, log } = await bullmqEngine(prefix, { types: { notify: { fetchVariables: ['ticketId', 'missing'] } } });
    const seen: Job<ProcessDeskJobData>[] = [];
    const worker = plainWorker(prefix, 'notify', async (job) => {
      seen.push(job);
      return { sent: true, to: job.data.variables.ticketId };
    });
    try {
      await engine.deploy([{ name: 'notify.bpmn', content: NOTIFY }]);
      const instance = await engine.startInstance({ processId: 'notifyOnce', variables: { ticket: 'INC-1', secret: 'not for workers' } });
      await completed(engine, instance.id);
      expect(seen).toHaveLength(1);
      const [job] = seen;
      const key = engineJobKey(job.id)!;
      const row = (await store.getJob(key))!;
      expect(job.id).toBe(bullmqJobId(row.key));
      expect(job.queueName).toBe('notify');
      expect(job.name).toBe('Notify');
      expect(job.data).toEqual({
        key: row.key,
        type: 'notify',
        processInstanceId: instance.id,
        processId: 'notifyOnce',
        elementId: 'Notify',
        retries: 4,
        variables: { ticketId: 'INC-1' },
        customHeaders: { template: 'opened', priority: '5' },
        timeoutMs: 30_000,
        createdAt: row.createdAt,
      });
      expect(job.opts).toMatchObject({ priority: 5, attempts: 1 });
      expect(row).toMatchObject({ state: 'completed', worker: 'plain' });
      const done = await engine.getInstance(instance.id);
      expect(done.variables).toMatchObject({ ticket: 'INC-1', sent: true, to: 'INC-1' });
      const history = await engine.getHistory(instance.id);
      expect(history.filter((e) => e.type === 'job.completed').map((e) => e.actor)).toEqual(['plain']);
      // Once the engine has the result, the BullMQ job is gone: Redis holds only what is still to do.
      const queue = new Queue(jobQueueName('notify'), { connection: { url: REDIS_URL }, prefix });
      await until(async () => !(await queue.getJob(job.id!)), 5000, 'the consumed job to be removed');
      expect(await queue.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized')).toEqual({
        waiting: 0,
        active: 0,
        completed: 0,
        failed: 0,
        delayed: 0,
        prioritized: 0,
      });
      await queue.close();
      expect(log).toEqual([]);
    } finally {
      await worker.close();
      await close();
    }
  });

  test("a message throw event sent by a worker, in an instance a timer started: type and key with ':' are URI-encoded, reversibly", async () => {
    const type = 'io.camunda:publish-message:1';
    const { engine, close } = await bullmqEngine(prefix);
    const seen: Job<ProcessDeskJobData>[] = [];
    const worker = plainWorker(prefix, type, async (job) => {
      seen.push(job);
      return { published: true };
    });
    try {
      const xml = bpmn(
        'timedAnnounce',
        [
          startEvent('Start', timerDate('2020-01-01T00:00:00Z')),
          `<bpmn:intermediateThrowEvent id="Announce"><bpmn:extensionElements><zeebe:taskDefinition type="${type}" /></bpmn:extensionElements>` +
            '<bpmn:messageEventDefinition messageRef="Msg" /></bpmn:intermediateThrowEvent>',
          endEvent(),
          chain('Start', 'Announce', 'End'),
        ],
        [messageDef('Msg', 'Announcement')],
      );
      await engine.deploy([{ name: 'announce.bpmn', content: xml }]);
      await until(() => seen.length > 0, 10_000, 'the message job');
      const [job] = seen;
      expect(job.queueName).toBe(jobQueueName(type));
      expect(jobQueueName(type)).toBe('io.camunda%3Apublish-message%3A1');
      expect(job.data.key).toContain(':'); // the instance id of a timer start holds the definition key
      expect(job.id).toBe(bullmqJobId(job.data.key));
      expect(job.id).not.toContain(':');
      expect(engineJobKey(job.id)).toBe(job.data.key);
      await completed(engine, job.data.processInstanceId);
      expect((await engine.getInstance(job.data.processInstanceId)).variables).toMatchObject({ published: true });
    } finally {
      await worker.close();
      await close();
    }
  });

  test('without event readers (maxEventReaders 0, as for types beyond the cap) the sweep brings the results', async () => {
    const p = testPrefix('sweep');
    const { engine, close } = await bullmqEngine(p, { maxEventReaders: 0 });
    const worker = plainWorker(p, 'notify', async () => ({ sent: 'swept' }));
    try {
      await engine.deploy([{ name: 'notify.bpmn', content: NOTIFY }]);
      const instance = await engine.startInstance({ processId: 'notifyOnce', variables: { ticket: 'INC-3' } });
      await completed(engine, instance.id);
      expect((await engine.getInstance(instance.id)).variables).toMatchObject({ sent: 'swept' });
    } finally {
      await worker.close();
      await close();
      await dropPrefix(p);
    }
  });

  test('a job is queued once however often its sync is asked for, by one process or several', async () => {
    const p = testPrefix('once');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-once-'));
    const store = openStore({ dataDir: dir });
    const delivery = new BullmqJobDelivery({ redisUrl: REDIS_URL, prefix: p, store, settings: FAST });
    const engine = await new Engine({ store, jobDelivery: delivery }).start();
    const queue = new Queue(jobQueueName('notify'), { connection: { url: REDIS_URL }, prefix: p });
    let second: Engine | undefined;
    try {
      await engine.deploy([{ name: 'notify.bpmn', content: NOTIFY }]);
      const instance = await engine.startInstance({ processId: 'notifyOnce', variables: { ticket: 'INC-2' } });
      await engine.idle();
      const [row] = await store.liveJobs(undefined, 10);
      expect(row.instanceId).toBe(instance.id);
      // The same commit handed over again and again (a re-dispatch), then a second engine process on the
      // same store and Redis, which compares every live job with Redis at start and every resyncMs.
      for (let i = 0; i < 5; i++) delivery.committed([row, row]);
      await delivery.idle();
      second = await new Engine({ dataDir: dir, redisUrl: REDIS_URL, redisPrefix: p, jobQueues: FAST }).start();
      await new Promise((r) => setTimeout(r, 1500)); // a few resync passes of both processes
      const queued = await queue.getJobs(['waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed']);
      expect(queued.map((j) => j.id)).toEqual([bullmqJobId(row.key)]);
    } finally {
      await queue.close();
      await second?.stop();
      await engine.stop();
      fs.rmSync(dir, { recursive: true, force: true });
      await dropPrefix(p);
    }
  });
});
