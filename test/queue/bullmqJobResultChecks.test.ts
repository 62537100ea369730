/**
 * A result from Redis meets the checks an HTTP worker's result meets: a job may never set an identity
 * variable of its process (processdesk.identityVariables). A plain BullMQ worker's or an engine-side
 * worker's result that tries is refused with the reason, each attempt uses a retry, and with none left
 * the incident says why; the variable is never set. Real Redis.
 */
import type { Engine } from '../../engine';
import { chain, definitions, endEvent, processEl, serviceTask, startEvent } from '../engine/helpers';
import { bullmqEngine, dropPrefix, plainWorker, testPrefix, until } from './jobQueues';

const policy = '<bpmn:extensionElements><zeebe:properties><zeebe:property name="processdesk.identityVariables" value="requester" /></zeebe:properties></bpmn:extensionElements>';
const withIdentity = (id: string, type: string) =>
  definitions(processEl(id, policy, startEvent(), serviceTask('Lookup', type, { retries: '2' }), endEvent(), chain('Start', 'Lookup', 'End')));
const REASON = "the worker's result is refused: requester is an identity variable of this process and cannot be set by a job result";

describe('results from Redis are checked as HTTP results are', () => {
  const prefix = testPrefix('checks');
  let env: Awaited<ReturnType<typeof bullmqEngine>>;
  let engine: Engine;
  beforeAll(async () => {
    env = await bullmqEngine(prefix, { defaults: { backoff: { type: 'fixed', delayMs: 0 } } });
    engine = env.engine;
    await engine.deploy([
      { name: 'plain.bpmn', content: withIdentity('fromPlain', 'hr-plain') },
      { name: 'inside.bpmn', content: withIdentity('fromInside', 'hr-inside') },
    ]);
  });
  afterAll(async () => {
    await env.close();
    await dropPrefix(prefix);
  });

  async function expectRefusedTwice(processId: string): Promise<void> {
    const { id } = await engine.startInstance({ processId });
    await until(async () => (await engine.getInstance(id)).state === 'incident', 10_000, 'the incident');
    const failures = (await engine.getHistory(id)).filter((e) => e.type === 'job.failed').map((e) => (e.data as { errorMessage: string }).errorMessage);
    expect(failures).toEqual([REASON, REASON]);
    expect((await engine.listIncidents({ instanceId: id }))[0].message).toBe(`no retries left: ${REASON}`);
    expect((await engine.getInstance(id)).variables).not.toHaveProperty('requester');
  }

  test('from a plain BullMQ worker', async () => {
    const worker = plainWorker(prefix, 'hr-plain', async () => ({ requester: 'mallory', department: 'sales' }));
    try {
      await expectRefusedTwice('fromPlain');
    } finally {
      await worker.close();
    }
  });

  test('from an engine-side worker', async () => {
    const stop = await engine.workJobs('hr-inside', () => ({ requester: 'mallory' }), { workerId: 'w-inside', log: () => undefined });
    try {
      await expectRefusedTwice('fromInside');
    } finally {
      await stop();
    }
  });
});
