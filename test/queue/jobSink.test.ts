/**
 * The part of engine/runtime/jobs.ts (class Jobs) that only jobs on BullMQ reach: the JobSink the
 * engine hands its job delivery (failAttempt, lock, variables) and activation taking jobs from their
 * queues. Real Redis and the real BullmqJobDelivery; the delivery here only keeps the sink the engine
 * starts it with, so that the cases no queue produces on demand (a failure reported twice, a lock on a
 * finished job) are called as the queues call them. On a frozen clock, so that every value is exact.
 * The rest of Jobs: test/engine/jobs.test.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Engine, openStore, type Store } from '../../engine';
import { BullmqJobDelivery, bullmqJobId, jobQueueName, type JobSink } from '../../engine/queue/jobs';
import type { JobRow } from '../../engine/store/types';
import { bpmn, chain, endEvent, serviceTask, startEvent, userTask } from '../engine/helpers';
import { frozenClock } from '../support/clock';
import { dropPrefix, FAST, REDIS_URL, testPrefix, until } from './jobQueues';

/** The real delivery, keeping the sink the engine starts it with. */
class KeepsSink extends BullmqJobDelivery {
  sink?: JobSink;
  override start(sink: JobSink): Promise<void> {
    this.sink = sink;
    return super.start(sink);
  }
}

const diagram = (type: string) => bpmn(type, [startEvent(), serviceTask('Work', type, { retries: '3' }), userTask('After'), endEvent(), chain('Start', 'Work', 'After', 'End')]);

const prefix = testPrefix('sink');
const time = frozenClock();
let dir: string;
let store: Store;
let engine: Engine;
let sink: JobSink;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-sink-'));
  store = openStore({ dataDir: dir });
  const settings = { ...FAST, types: { worked: { fetchVariables: ['b'], backoff: { type: 'fixed' as const, delayMs: 50 } } } };
  const delivery = new KeepsSink({ redisUrl: REDIS_URL, prefix, store, settings, clock: time.clock, log: () => undefined });
  engine = await new Engine({ store, jobDelivery: delivery, clock: time.clock }).start();
  sink = delivery.sink!;
  await engine.deploy(['pulled', 'sunk', 'worked'].map((type) => ({ name: `${type}.bpmn`, content: diagram(type) })));
});
afterAll(async () => {
  await engine.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  await dropPrefix(prefix);
});

const stored = async (key: string): Promise<JobRow> => (await store.getJob(key))!;
const history = async (id: string) => (await engine.getHistory(id)).map(({ type, elementId, actor, at, data }) => ({ type, elementId, actor, at, data }));

/** A started instance of `type` and its queued job row. */
async function queued(type: string, variables: Record<string, unknown> = {}) {
  const { id } = await engine.startInstance({ processId: type, variables });
  await engine.idle(); // handed to Redis
  const [row] = (await store.liveJobs(undefined, 100)).filter((j) => j.instanceId === id);
  return { id, key: row.key, row };
}

test('activation takes jobs from their queue: one for maxJobs 0, locked 1 ms for lockMs 0, parked for the worker, with only fetchVariables of now', async () => {
  const queue = new Queue(jobQueueName('pulled'), { connection: { url: REDIS_URL }, prefix });
  try {
    const first = await queued('pulled', { a: 1, b: 2 });
    const second = await queued('pulled', { a: 1, b: 2 });
    for (const { key } of [first, second]) await until(async () => (await queue.getJobState(bullmqJobId(key))) === 'waiting', 5000, `job ${key} to be queued`);
    await engine.setVariables(first.id, { b: 3 });
    const now = time.clock();
    const jobs = await engine.activateJobs({ type: 'pulled', worker: 'http-1', maxJobs: 0, lockMs: 0, fetchVariables: ['b', 'missing', 'toString'] });
    expect(jobs.map((j) => [j.key, j.state, j.worker, j.lockExpiresAt])).toEqual([[first.key, 'activated', 'http-1', now + 1]]);
    expect(jobs[0].variables).toStrictEqual({ b: 3 });
    expect(await stored(first.key)).toEqual({ ...first.row, state: 'activated', worker: 'http-1', lockExpiresAt: now + 1 });
    expect((await queue.getJob(bullmqJobId(first.key)))?.data).toMatchObject({ pulledBy: 'http-1', lockExpiresAt: now + 1 });
    expect(await stored(second.key)).toEqual(second.row);
  } finally {
    await queue.close();
  }
});

test('lock records the worker and the end of its lock on a live job; an unknown or finished job is not locked and nothing changes', async () => {
  const { id, key, row } = await queued('sunk');
  const end = time.clock() + 5000;
  const locked = await sink.lock(key, 'http-2', end);
  expect(locked).toEqual({ ...row, state: 'activated', worker: 'http-2', lockExpiresAt: end });
  expect(await stored(key)).toEqual(locked);
  expect(await sink.lock('nope', 'http-2', end)).toBeUndefined();
  expect(await store.getJob('nope')).toBeUndefined();

  await engine.completeJob(key, {}, 'http-2');
  const done = [await stored(key), await store.getInstance(id), await history(id)];
  expect(await sink.lock(key, 'http-3', end + 1)).toBeUndefined();
  expect([await stored(key), await store.getInstance(id), await history(id)]).toEqual(done);
});

test('a lock queued behind the cancellation of its instance finds the job no longer live and changes nothing', async () => {
  const { id, key } = await queued('sunk');
  const { rev } = (await store.getInstance(id))!;
  // The cancellation takes the instance's turn at once; the lock reads the job live, then waits its turn.
  const [, locked] = await Promise.all([engine.cancelInstance(id), sink.lock(key, 'http-4', time.clock() + 5000)]);
  expect(locked).toBeUndefined();
  expect((await store.getInstance(id))!.rev).toBe(rev + 1); // the cancellation's commit, and none of the lock
  expect(await stored(key)).toMatchObject({ state: 'canceled' });
  expect((await stored(key)).worker).toBeUndefined();
});

test('failAttempt is counted once however often it is reported: a report whose expectedRetries no longer match changes nothing', async () => {
  const { id, key, row } = await queued('sunk');
  const at = time.clock();
  const report = { expectedRetries: 3, retries: 2, errorMessage: 'SMTP 421', backoffMs: 250 };
  const failed = await sink.failAttempt(key, report, 'queue-w');
  const expected = { ...row, state: 'activatable', retries: 2, errorMessage: 'SMTP 421', worker: 'queue-w', notBefore: at + 250, lockExpiresAt: undefined };
  expect(failed).toEqual(expected);
  expect(await stored(key)).toEqual(expected);
  const events = await history(id);
  expect(events.filter((e) => e.type === 'job.failed')).toEqual([
    { type: 'job.failed', elementId: 'Work', actor: 'queue-w', at, data: { jobKey: key, retries: 2, errorMessage: 'SMTP 421' } },
  ]);

  const instance = await store.getInstance(id);
  expect(await sink.failAttempt(key, report, 'queue-w')).toBeUndefined();
  expect([await stored(key), await store.getInstance(id), await history(id)]).toEqual([expected, instance, events]);

  // The next failure reported by the worker and by the sync at once: one of them is counted.
  const next = { expectedRetries: 2, retries: 1, errorMessage: 'SMTP 421 again', backoffMs: 0 };
  const results = await Promise.all([sink.failAttempt(key, next, 'queue-w'), sink.failAttempt(key, next, 'sync')]);
  expect(results.filter((r) => r === undefined)).toHaveLength(1);
  expect(await stored(key)).toMatchObject({ retries: 1, state: 'activatable' });
  expect((await history(id)).filter((e) => e.type === 'job.failed')).toHaveLength(2);
});

test('variables: those the job sees now, only the names asked for; none once its wait is gone', async () => {
  const { id, key, row } = await queued('sunk', { a: 1, b: 2 });
  await engine.setVariables(id, { b: 3, c: 'new' });
  expect(await sink.variables(row)).toStrictEqual({ a: 1, b: 3, c: 'new' });
  expect(await sink.variables(row, ['c', 'missing', 'constructor'])).toStrictEqual({ c: 'new' });
  await engine.completeJob(key);
  expect(await sink.variables(row)).toStrictEqual({});
});

test('a worker in the engine gets its type’s fetchVariables; its failure uses one retry and it gets the job again', async () => {
  const { id, key } = await queued('worked', { a: 1, b: 2 });
  const seen: Record<string, unknown>[] = [];
  const stop = await engine.workJobs('worked', (job) => {
    seen.push(job.variables);
    if (seen.length === 1) throw new Error('first attempt fails');
    return { done: true };
  });
  try {
    await until(async () => (await stored(key)).state === 'completed', 15_000, 'the job to complete');
  } finally {
    await stop();
  }
  expect(seen).toEqual([{ b: 2 }, { b: 2 }]);
  expect((await history(id)).filter((e) => e.type === 'job.failed').map((e) => e.data)).toEqual([{ jobKey: key, retries: 2, errorMessage: 'first attempt fails' }]);
});
