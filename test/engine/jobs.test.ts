/**
 * engine/runtime/jobs.ts (class Jobs) through the Engine, with jobs as rows that workers poll (no
 * Redis): what activation hands out (fetchVariables, the variables of now, maxJobs held to 1..1000, a
 * lock of at least 1 ms), the refusals of unknown and finished jobs, failures with retries left
 * (backoff) and without (an incident), the incident's resolution, and the retries and timeout
 * updates. On a frozen clock, so that every value Jobs writes (rows, incidents, history) is asserted
 * exactly: this file is what kills the mutants of jobs.ts (test/mutation/modules.ts). What only the
 * BullMQ queues reach (failAttempt, lock, variables) is in test/queue/jobSink.test.ts.
 */
import type { JobRow } from '../../engine/store/types';
import { frozenClock, type TestClock } from '../support/clock';
import { tempEngine } from '../support/engine';
import { boundary, bpmn, chain, deployXml, endEvent, errorDef, errorRef, flow, multiInstance, serviceTask, startEvent, userTask } from './helpers';

const T0 = Date.UTC(2030, 0, 1);

/** Its output mapping records who completed the job (the command's actor, FEEL currentUser()). */
const WORK = bpmn('work', [
  startEvent(),
  serviceTask('Work', 'work', {
    retries: '3',
    outputs: [
      ['=result', 'result'],
      ['=currentUser()', 'completedBy'],
    ],
  }),
  userTask('After'),
  endEvent(),
  chain('Start', 'Work', 'After', 'End'),
]);
const ONCE = bpmn('once', [startEvent(), serviceTask('Once', 'once', { retries: '0' }), endEvent(), chain('Start', 'Once', 'End')]);
/** A BPMN error CALL_FAILED goes to Handle, whose input records who threw it (FEEL currentUser()). */
const CALL = bpmn(
  'call',
  [
    startEvent(),
    serviceTask('Call', 'call'),
    boundary('Failed', 'Call', errorRef('Err_Call')),
    userTask('Handle', { inputs: [['=currentUser()', 'caughtFrom']] }),
    endEvent(),
    chain('Start', 'Call', 'End'),
    flow('F_failed', 'Failed', 'Handle'),
  ],
  [errorDef('Err_Call', 'CALL_FAILED')],
);
const BULK = bpmn('bulk', [startEvent(), serviceTask('Item', 'bulk', { inner: multiInstance({ cardinality: '1001' }) }), endEvent(), chain('Start', 'Item', 'End')]);

let env: Awaited<ReturnType<typeof tempEngine>>;
let time: TestClock;

beforeEach(async () => {
  time = frozenClock(T0);
  env = await tempEngine({ clock: time.clock });
  await deployXml(env.engine, WORK, ONCE, CALL);
});
afterEach(() => env.close());

const stored = async (key: string): Promise<JobRow> => (await env.store.getJob(key))!;
const history = async (instanceId: string) => (await env.engine.getHistory(instanceId)).map(({ type, elementId, actor, at, data }) => ({ type, elementId, actor, at, data }));
const lastEvents = async (instanceId: string, n: number) => (await history(instanceId)).slice(-n);

/** An instance of `processId` and its job, activated by w1 for a minute. */
async function activated(processId = 'work', variables: Record<string, unknown> = {}) {
  const { id } = await env.engine.startInstance({ processId, variables });
  const [job] = await env.engine.activateJobs({ type: processId, worker: 'w1', lockMs: 60_000 });
  expect(job.instanceId).toBe(id);
  return { id, key: job.key, job };
}

/** `call` is refused with `code` and `message`, and neither the job row nor the instance (row, history) changed. */
async function refused(key: string, instanceId: string, call: () => Promise<unknown>, code: string, message: string): Promise<void> {
  const before = [await stored(key), await env.store.getInstance(instanceId), await history(instanceId)];
  await expect((async () => call())()).rejects.toMatchObject({ code, message });
  expect([await stored(key), await env.store.getInstance(instanceId), await history(instanceId)]).toEqual(before);
}

describe('activation', () => {
  test('only the fetchVariables named are handed out: a name the instance lacks or an inherited one is absent', async () => {
    const { id } = await env.engine.startInstance({ processId: 'work', variables: { a: 1, b: 'two', c: { deep: true } } });
    const [job] = await env.engine.activateJobs({ type: 'work', worker: 'w1', fetchVariables: ['c', 'a', 'missing', 'toString', 'constructor', 'hasOwnProperty'] });
    expect(job.variables).toStrictEqual({ c: { deep: true }, a: 1 });
    expect(job).toMatchObject({ instanceId: id, elementId: 'Work', state: 'activated', worker: 'w1', retries: 3, lockExpiresAt: T0 + 30_000 });
  });

  test('without fetchVariables every variable is handed out as it is now, not as it was at creation; an empty list hands out none', async () => {
    const { id } = await env.engine.startInstance({ processId: 'work', variables: { a: 1 } });
    await env.engine.setVariables(id, { a: 2, added: 'later' });
    const [job] = await env.engine.activateJobs({ type: 'work', worker: 'w1' });
    expect(job.variables).toStrictEqual({ a: 2, added: 'later' });
    time.advance(30_000); // the default lock of 30 s has ended
    const [again] = await env.engine.activateJobs({ type: 'work', worker: 'w2', fetchVariables: [] });
    expect({ key: again.key, variables: again.variables }).toStrictEqual({ key: job.key, variables: {} });
  });

  test('maxJobs of 0 or less hands out one job, and a lock of less than 1 ms lasts 1 ms', async () => {
    for (let i = 0; i < 3; i++) await env.engine.startInstance({ processId: 'work', variables: { i } });
    const zero = await env.engine.activateJobs({ type: 'work', worker: 'w1', maxJobs: 0, lockMs: 0 });
    const negative = await env.engine.activateJobs({ type: 'work', worker: 'w2', maxJobs: -5, lockMs: -100 });
    expect([...zero, ...negative].map((j) => [j.worker, j.lockExpiresAt])).toEqual([
      ['w1', T0 + 1],
      ['w2', T0 + 1],
    ]);
    expect((await stored(zero[0].key)).lockExpiresAt).toBe(T0 + 1);
    time.advance(1); // both locks end
    const two = await env.engine.activateJobs({ type: 'work', worker: 'w3', maxJobs: 2, lockMs: 500 });
    expect(two.map((j) => j.lockExpiresAt)).toEqual([T0 + 501, T0 + 501]);
    expect(await env.engine.activateJobs({ type: 'work', worker: 'w4', maxJobs: 5 })).toHaveLength(1);
  });

  test('maxJobs above 1000 hands out 1000 jobs', async () => {
    await deployXml(env.engine, BULK);
    await env.engine.startInstance({ processId: 'bulk' });
    await env.engine.idle();
    expect(await env.engine.activateJobs({ type: 'bulk', worker: 'w1', maxJobs: 5000, fetchVariables: ['loopCounter'] })).toHaveLength(1000);
    expect(await env.engine.activateJobs({ type: 'bulk', worker: 'w1', maxJobs: 5000 })).toHaveLength(1);
  });
});

describe('complete and BPMN errors', () => {
  test('complete records who completed the job and ends its lock; a job not yet handed out can be completed too', async () => {
    const { id, key } = await activated('work');
    const before = await stored(key);
    time.advance(5);
    await env.engine.completeJob(key, { result: 'ok' }, 'w2');
    expect(await stored(key)).toEqual({ ...before, state: 'completed', worker: 'w2', lockExpiresAt: undefined });
    expect((await stored(key)).lockExpiresAt).toBeUndefined();
    expect((await history(id)).find((e) => e.type === 'job.completed')).toEqual({
      type: 'job.completed',
      elementId: 'Work',
      actor: 'w2',
      at: T0 + 5,
      data: { waitId: before.waitId, variables: { result: 'ok' } },
    });
    expect((await env.engine.getInstance(id)).variables).toEqual({ result: 'ok', completedBy: 'w2' });

    // Created but never activated: still live.
    const other = await env.engine.startInstance({ processId: 'once' });
    const [waiting] = (await env.store.liveJobs(undefined, 10)).filter((j) => j.instanceId === other.id);
    expect(waiting.state).toBe('activatable');
    await env.engine.completeJob(waiting.key, {}, 'w3');
    expect((await env.engine.getInstance(other.id)).state).toBe('completed');
  });

  test('a completed job refuses complete, fail, error and updates (CONFLICT); an unknown job is NOT_FOUND; nothing changes', async () => {
    const { id, key } = await activated('work');
    await env.engine.completeJob(key, {}, 'w1');
    const completed = `job ${key} is completed`;
    await refused(key, id, () => env.engine.completeJob(key, { again: true }), 'CONFLICT', completed);
    await refused(key, id, () => env.engine.failJob(key, { retries: 1 }), 'CONFLICT', completed);
    await refused(key, id, () => env.engine.throwJobError(key, 'CALL_FAILED'), 'CONFLICT', completed);
    await refused(key, id, () => env.engine.updateJobRetries(key, 5), 'CONFLICT', completed);
    await refused(key, id, () => env.engine.updateJobTimeout(key, 1000), 'CONFLICT', completed);
    for (const call of [
      () => env.engine.completeJob('nope'),
      () => env.engine.failJob('nope', { retries: 1 }),
      () => env.engine.throwJobError('nope', 'CALL_FAILED'),
      () => env.engine.updateJobRetries('nope', 2),
      () => env.engine.updateJobTimeout('nope', 1000),
    ])
      await expect((async () => call())()).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'job nope not found' });
    expect(await env.store.getJob('nope')).toBeUndefined();
  });

  test('a BPMN error: the row is errored with its message; variables sent with it are set where the catching boundary sees them', async () => {
    const { id, key } = await activated('call');
    const before = await stored(key);
    await env.engine.throwJobError(key, 'CALL_FAILED', 'gateway timeout', 'w2', { reason: 'timeout' });
    expect(await stored(key)).toEqual({ ...before, state: 'errored', errorMessage: 'gateway timeout', worker: 'w2', lockExpiresAt: undefined });
    expect((await stored(key)).lockExpiresAt).toBeUndefined();
    expect((await env.engine.getInstance(id)).variables).toEqual({ reason: 'timeout' });
    const [handle] = (await env.engine.listTasks({ instanceId: id, state: 'created' })).items;
    expect([handle.elementId, await env.engine.taskVariables(handle)]).toEqual(['Handle', { reason: 'timeout', caughtFrom: 'w2' }]);
    expect((await history(id)).filter((e) => e.type === 'variables.updated' || e.type === 'error.thrown')).toEqual([
      { type: 'variables.updated', elementId: undefined, actor: 'w2', at: T0, data: { variables: { reason: 'timeout' } } },
      { type: 'error.thrown', elementId: 'Call', actor: 'w2', at: T0, data: { errorCode: 'CALL_FAILED', errorMessage: 'gateway timeout' } },
    ]);
    await refused(key, id, () => env.engine.throwJobError(key, 'CALL_FAILED', 'again', 'w2', { reason: 'again' }), 'CONFLICT', `job ${key} is errored`);
  });

  test('a BPMN error without variables or message sets none', async () => {
    const { id, key } = await activated('call');
    await env.engine.throwJobError(key, 'CALL_FAILED');
    expect(await stored(key)).toMatchObject({ state: 'errored', worker: 'worker' });
    expect((await stored(key)).errorMessage).toBeUndefined();
    expect((await env.engine.getInstance(id)).variables).toEqual({});
    expect((await history(id)).map((e) => e.type)).not.toContain('variables.updated');
  });
});

describe('failures', () => {
  test('with retries left (a fraction rounded down): activatable, no lock, by the reporting worker, and not handed out before the backoff', async () => {
    const { id, key } = await activated('work');
    const before = await stored(key);
    time.advance(10);
    const failed = await env.engine.failJob(key, { retries: 2.7, errorMessage: 'db down', backoffMs: 500 }, 'w2');
    const expected = { ...before, state: 'activatable', retries: 2, errorMessage: 'db down', worker: 'w2', lockExpiresAt: undefined, notBefore: T0 + 510 };
    expect(failed).toEqual(expected);
    expect(await stored(key)).toEqual(expected);
    expect(failed.lockExpiresAt).toBeUndefined();
    expect(await lastEvents(id, 1)).toEqual([{ type: 'job.failed', elementId: 'Work', actor: 'w2', at: T0 + 10, data: { jobKey: key, retries: 2, errorMessage: 'db down' } }]);
    expect((await env.engine.getInstance(id)).state).toBe('active');
    expect(await env.engine.listIncidents({ instanceId: id })).toEqual([]);

    time.advance(499);
    expect(await env.engine.activateJobs({ type: 'work', worker: 'w3' })).toEqual([]);
    time.advance(1);
    const [again] = await env.engine.activateJobs({ type: 'work', worker: 'w3' });
    expect(again).toMatchObject({ key, retries: 2, worker: 'w3' });
    // A job waiting out its backoff is live: its worker may still complete it.
    await env.engine.failJob(key, { retries: 1, backoffMs: 1000 });
    await env.engine.completeJob(key);
    expect((await stored(key)).state).toBe('completed');
  });

  test('without a backoff (0 or negative) the job is handed out again at once', async () => {
    const { key } = await activated('work');
    expect((await env.engine.failJob(key, { retries: 2, backoffMs: 0 })).notBefore).toBeUndefined();
    expect((await stored(key)).notBefore).toBeUndefined();
    expect((await env.engine.activateJobs({ type: 'work', worker: 'w2' })).map((j) => j.key)).toEqual([key]);
    expect((await env.engine.failJob(key, { retries: 1, backoffMs: -5 })).notBefore).toBeUndefined();
    expect((await env.engine.failJob(key, { retries: 1 })).notBefore).toBeUndefined();
    expect((await env.engine.activateJobs({ type: 'work', worker: 'w3' })).map((j) => j.key)).toEqual([key]);
  });

  test('without retries left (negative is 0): failed, an incident job-no-retries, the instance in incident', async () => {
    const { id, key } = await activated('work');
    const before = await stored(key);
    time.advance(10);
    const failed = await env.engine.failJob(key, { retries: -1, errorMessage: 'boom', backoffMs: 100 }, 'w2');
    const expected = { ...before, state: 'failed', retries: 0, errorMessage: 'boom', worker: 'w2', lockExpiresAt: undefined, notBefore: undefined };
    expect(failed).toEqual(expected);
    expect(await stored(key)).toEqual(expected);
    expect([failed.notBefore, failed.lockExpiresAt]).toEqual([undefined, undefined]);
    const incidentId = `${key}.incident@${T0 + 10}`;
    expect(await env.engine.listIncidents({ instanceId: id })).toEqual([
      {
        id: incidentId,
        instanceId: id,
        processId: 'work',
        elementId: 'Work',
        jobKey: key,
        type: 'job-no-retries',
        message: 'no retries left: boom',
        state: 'open',
        createdAt: T0 + 10,
      },
    ]);
    expect(await lastEvents(id, 2)).toEqual([
      { type: 'job.failed', elementId: 'Work', actor: 'w2', at: T0 + 10, data: { jobKey: key, retries: 0, errorMessage: 'boom' } },
      { type: 'incident.created', elementId: 'Work', actor: 'w2', at: T0 + 10, data: { incidentId, jobKey: key, message: 'no retries left: boom' } },
    ]);
    expect((await env.engine.getInstance(id)).state).toBe('incident');
    expect(await env.engine.activateJobs({ type: 'work', worker: 'w3' })).toEqual([]);
    await refused(key, id, () => env.engine.completeJob(key), 'CONFLICT', `job ${key} is failed`);
    await refused(key, id, () => env.engine.failJob(key, { retries: 1 }), 'CONFLICT', `job ${key} is failed`);
  });

  test('a failure to less than 1 retry without a message: the incident says no retries left', async () => {
    const { id, key } = await activated('work');
    expect(await env.engine.failJob(key, { retries: 0.9 })).toMatchObject({ state: 'failed', retries: 0 });
    const [incident] = await env.engine.listIncidents({ instanceId: id });
    expect(incident.message).toBe('no retries left');
    expect((await lastEvents(id, 2)).map((e) => e.data)).toEqual([
      { jobKey: key, retries: 0 },
      { incidentId: incident.id, jobKey: key, message: 'no retries left' },
    ]);
  });
});

describe('incident resolution', () => {
  test('gives the job back its initial retries, activatable at once, and the instance active; a second resolution is a CONFLICT', async () => {
    const { id, key } = await activated('work');
    const failed = await env.engine.failJob(key, { retries: 0, errorMessage: 'boom' }, 'w1');
    const [incident] = await env.engine.listIncidents({ instanceId: id });
    time.advance(20);
    const resolved = await env.engine.resolveIncident(incident.id, 'ops');
    expect(resolved).toEqual({ ...incident, state: 'resolved', resolvedAt: T0 + 20 });
    expect(await env.engine.getIncident(incident.id)).toEqual(resolved);
    expect(await stored(key)).toEqual({ ...failed, state: 'activatable', retries: 3 });
    expect((await stored(key)).notBefore).toBeUndefined();
    expect((await env.engine.getInstance(id)).state).toBe('active');
    expect(await lastEvents(id, 1)).toEqual([{ type: 'incident.resolved', elementId: 'Work', actor: 'ops', at: T0 + 20, data: { incidentId: incident.id, jobKey: key } }]);
    await refused(key, id, () => env.engine.resolveIncident(incident.id, 'ops'), 'CONFLICT', `incident ${incident.id} is already resolved`);
    expect(await env.engine.activateJobs({ type: 'work', worker: 'w2' })).toMatchObject([{ key, retries: 3 }]);
  });

  test('a job created with 0 retries gets 1 back', async () => {
    const { id, key } = await activated('once');
    expect(await stored(key)).toMatchObject({ retries: 0, initialRetries: 0 });
    await env.engine.failJob(key, { retries: 0 });
    const [incident] = await env.engine.listIncidents({ instanceId: id });
    await env.engine.resolveIncident(incident.id);
    expect(await stored(key)).toMatchObject({ state: 'activatable', retries: 1 });
  });

  test('two resolutions at once: one resolves, the other is a CONFLICT and records nothing', async () => {
    const { id, key } = await activated('work');
    await env.engine.failJob(key, { retries: 0 });
    const [incident] = await env.engine.listIncidents({ instanceId: id });
    const results = await Promise.allSettled([env.engine.resolveIncident(incident.id, 'a'), env.engine.resolveIncident(incident.id, 'b')]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'CONFLICT', message: `incident ${incident.id} is not open` } });
    expect((await history(id)).filter((e) => e.type === 'incident.resolved')).toHaveLength(1);
  });
});

describe('updates', () => {
  test('updateJobRetries sets the retries of a live job and records it', async () => {
    const { id, key } = await activated('work');
    const before = await stored(key);
    time.advance(7);
    const updated = await env.engine.updateJobRetries(key, 5, 'ops');
    expect(updated).toEqual({ ...before, retries: 5 });
    expect(await stored(key)).toEqual({ ...before, retries: 5 });
    expect(await lastEvents(id, 1)).toEqual([{ type: 'job.updated', elementId: 'Work', actor: 'ops', at: T0 + 7, data: { jobKey: key, retries: 5 } }]);
  });

  test('updateJobRetries refuses 0, negative and fractional retries (INVALID), and a failed job (CONFLICT); nothing changes', async () => {
    const { id, key } = await activated('work');
    for (const retries of [0, -1, 2.5, NaN])
      await refused(key, id, () => env.engine.updateJobRetries(key, retries), 'INVALID', 'retries must be at least 1 (fail the job to leave it without retries)');
    await env.engine.failJob(key, { retries: 0 });
    await refused(key, id, () => env.engine.updateJobRetries(key, 3), 'CONFLICT', `job ${key} is failed`);
    // a refusal is a rejected promise, never a throw before it (a caller's .catch() sees it)
    await expect(env.engine.updateJobRetries(key, 0).catch((e: { code: string }) => e.code)).resolves.toBe('INVALID');
  });

  test('updateJobTimeout moves the lock of an activated job to now + timeout and records the timeout', async () => {
    const { id, key } = await activated('work');
    const before = await stored(key);
    time.advance(100);
    const updated = await env.engine.updateJobTimeout(key, 2500, 'w1');
    expect(updated).toEqual({ ...before, lockExpiresAt: T0 + 2600 });
    expect(await stored(key)).toEqual({ ...before, lockExpiresAt: T0 + 2600 });
    expect(await lastEvents(id, 1)).toEqual([{ type: 'job.updated', elementId: 'Work', actor: 'w1', at: T0 + 100, data: { jobKey: key, timeoutMs: 2500 } }]);
    time.advance(2499);
    expect(await env.engine.activateJobs({ type: 'work', worker: 'w2' })).toEqual([]);
    time.advance(1);
    expect(await env.engine.activateJobs({ type: 'work', worker: 'w2' })).toMatchObject([{ key, worker: 'w2' }]);
  });

  test('updateJobTimeout of a job not activated is a CONFLICT, of a timeout under 1 ms INVALID; nothing changes', async () => {
    const { id, key } = await activated('work');
    await refused(key, id, () => env.engine.updateJobTimeout(key, 0), 'INVALID', 'timeout must be at least 1 ms');
    await env.engine.failJob(key, { retries: 2 });
    await refused(key, id, () => env.engine.updateJobTimeout(key, 1000), 'CONFLICT', `job ${key} is not activated: there is no lock to change`);
  });
});
