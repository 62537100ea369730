/**
 * Failures of jobs on BullMQ, reported by plain BullMQ workers: the engine's job row counts the retries
 * (BullMQ's own attempts stay at 1), a failure comes back after the type's backoff, retries run out
 * into an incident whose resolution queues the job again, BpmnError is a BPMN error a boundary event
 * catches, BullMQ's UnrecoverableError uses every retry at once. Real Redis.
 */
import { UnrecoverableError, type Job } from 'bullmq';
import type { Engine } from '../../engine';
import { BpmnError, type ProcessDeskJobData } from '../../engine/queue/jobs';
import { boundary, bpmn, chain, endEvent, errorDef, errorRef, flow, serviceTask, startEvent } from '../engine/helpers';
import { bullmqEngine, dropPrefix, plainWorker, testPrefix, until } from './jobQueues';

const DEPLOY = bpmn(
  'deployChange',
  [
    startEvent(),
    serviceTask('Deploy', 'deploy', { retries: '3' }),
    boundary('Failed', 'Deploy', errorRef('Err_Deploy')),
    endEvent('BackedOut'),
    endEvent(),
    chain('Start', 'Deploy', 'End'),
    flow('F_failed', 'Failed', 'BackedOut'),
  ],
  [errorDef('Err_Deploy', 'DEPLOY_FAILED')],
);

interface Attempt {
  id: string;
  retries: number;
  delay: number | undefined;
  variables: Record<string, unknown>;
  /** The job row's notBefore when the attempt ran: when the engine planned it. */
  notBefore?: number;
}

describe('failures of jobs on BullMQ', () => {
  const prefix = testPrefix('failures');
  let env: Awaited<ReturnType<typeof bullmqEngine>>;
  let engine: Engine;

  beforeAll(async () => {
    env = await bullmqEngine(prefix, { types: { deploy: { backoff: { type: 'exponential', delayMs: 150 } } } });
    engine = env.engine;
    await engine.deploy([{ name: 'deploy.bpmn', content: DEPLOY }]);
  });
  afterAll(async () => {
    await env.close();
    await dropPrefix(prefix);
  });

  const state = async (id: string) => (await engine.getInstance(id)).state;
  const record = async (attempts: Attempt[], job: Job<ProcessDeskJobData>): Promise<void> => {
    const row = await env.store.getJob(job.data.key);
    attempts.push({ id: job.id!, retries: job.data.retries, delay: job.opts.delay, variables: job.data.variables, notBefore: row?.notBefore });
  };
  const history = async (id: string) => (await engine.getHistory(id)).map((e) => ({ type: e.type, element: e.elementId, actor: e.actor, data: e.data }));

  test('a thrown error uses one retry; the job comes back after the exponential backoff; the third attempt completes it', async () => {
    const attempts: Attempt[] = [];
    const worker = plainWorker(prefix, 'deploy', async (job) => {
      await record(attempts, job);
      if (attempts.length < 3) throw new Error(`SMTP 421 (attempt ${attempts.length})`);
      return { deployed: true };
    });
    try {
      const { id } = await engine.startInstance({ processId: 'deployChange' });
      await until(async () => (await state(id)) === 'completed', 10_000, 'the instance to complete');
      // One BullMQ job id throughout, each attempt queued with the retries left.
      expect(new Set(attempts.map((a) => a.id)).size).toBe(1);
      expect(attempts.map((a) => a.retries)).toEqual([3, 2, 1]);
      const events = (await engine.getHistory(id)).filter((e) => e.type === 'job.failed');
      expect(events.map((e) => e.data)).toEqual([
        { jobKey: expect.any(String), retries: 2, errorMessage: 'SMTP 421 (attempt 1)' },
        { jobKey: expect.any(String), retries: 1, errorMessage: 'SMTP 421 (attempt 2)' },
      ]);
      // The engine planned each retry the backoff after the failure (150 ms, then doubled) and queued it
      // as a BullMQ job delayed until then (less the few ms between the failure's commit and the enqueue).
      expect([attempts[1].notBefore! - events[0].at, attempts[2].notBefore! - events[1].at]).toEqual([150, 300]);
      expect(attempts[0].delay ?? 0).toBe(0);
      for (const [i, backoff] of [
        [1, 150],
        [2, 300],
      ]) {
        expect(attempts[i].delay).toBeGreaterThan(backoff - 100);
        expect(attempts[i].delay).toBeLessThanOrEqual(backoff);
      }
      const allEvents = await history(id);
      expect(allEvents.filter((e) => e.type === 'job.completed').map((e) => e.actor)).toEqual(['plain']);
      expect((await engine.getInstance(id)).variables).toMatchObject({ deployed: true });
    } finally {
      await worker.close();
    }
  });

  test('when the retries run out an incident is raised; resolving it queues the job again, with the variables as they are then', async () => {
    const attempts: Attempt[] = [];
    const worker = plainWorker(prefix, 'deploy', async (job) => {
      await record(attempts, job);
      if (!job.data.variables.fixed) throw new Error('target host unreachable');
      return {};
    });
    try {
      const { id } = await engine.startInstance({ processId: 'deployChange' });
      await until(async () => (await state(id)) === 'incident', 10_000, 'the incident');
      expect(attempts.map((a) => a.retries)).toEqual([3, 2, 1]);
      const [incident] = await engine.listIncidents({ instanceId: id, state: 'open' });
      expect(incident).toMatchObject({ type: 'job-no-retries', elementId: 'Deploy', message: 'no retries left: target host unreachable' });
      const job = (await env.store.getJob(incident.jobKey!))!;
      expect(job).toMatchObject({ state: 'failed', retries: 0 });
      // Nothing is left in Redis for a job waiting on an operator.
      await new Promise((r) => setTimeout(r, 500));
      expect(attempts).toHaveLength(3);

      await engine.setVariables(id, { fixed: true }, 'admin');
      await engine.resolveIncident(incident.id, 'admin');
      await until(async () => (await state(id)) === 'completed', 10_000, 'the instance to complete after the resolution');
      expect(attempts).toHaveLength(4);
      expect(attempts[3]).toMatchObject({ id: attempts[0].id, retries: 3, variables: { fixed: true } });
    } finally {
      await worker.close();
    }
  });

  test('BpmnError raises a BPMN error that the boundary event catches', async () => {
    const worker = plainWorker(prefix, 'deploy', async () => {
      throw new BpmnError('DEPLOY_FAILED', 'the canary failed');
    });
    try {
      const { id } = await engine.startInstance({ processId: 'deployChange' });
      await until(async () => (await state(id)) === 'completed', 10_000, 'the instance to end');
      const events = await history(id);
      expect(events.find((e) => e.type === 'error.thrown')).toMatchObject({ element: 'Deploy', data: { errorCode: 'DEPLOY_FAILED', errorMessage: 'the canary failed' } });
      expect(events.filter((e) => e.type === 'element.completed').map((e) => e.element)).toContain('BackedOut');
      expect(events.filter((e) => e.type === 'element.completed').map((e) => e.element)).not.toContain('End');
      expect(events.filter((e) => e.type === 'job.failed')).toEqual([]);
    } finally {
      await worker.close();
    }
  });

  test("BullMQ's UnrecoverableError uses every retry at once; a result that is no object of variables, or nests too deep, fails the attempt", async () => {
    let calls = 0;
    const deep = (levels: number): Record<string, unknown> => (levels ? { a: deep(levels - 1) } : {});
    const worker = plainWorker(prefix, 'deploy', async (job) => {
      calls++;
      if (job.data.variables.mode === 'fatal') throw new UnrecoverableError('licence expired');
      if (job.data.variables.mode === 'deep') return job.data.retries > 2 ? deep(100) : { fine: true };
      return job.data.retries > 1 ? 42 : {};
    });
    try {
      const fatal = await engine.startInstance({ processId: 'deployChange', variables: { mode: 'fatal' } });
      await until(async () => (await state(fatal.id)) === 'incident', 10_000, 'the incident');
      expect((await engine.listIncidents({ instanceId: fatal.id }))[0].message).toBe('no retries left: licence expired');

      const odd = await engine.startInstance({ processId: 'deployChange', variables: { mode: 'odd' } });
      await until(async () => (await state(odd.id)) === 'completed', 10_000, 'the instance to complete');
      expect((await history(odd.id)).filter((e) => e.type === 'job.failed').map((e) => e.data)).toEqual([
        { jobKey: expect.any(String), retries: 2, errorMessage: "the worker returned 42: a job's result must be an object of variables" },
        { jobKey: expect.any(String), retries: 1, errorMessage: "the worker returned 42: a job's result must be an object of variables" },
      ]);
      expect(calls).toBe(4);

      const nested = await engine.startInstance({ processId: 'deployChange', variables: { mode: 'deep' } });
      await until(async () => (await state(nested.id)) === 'completed', 10_000, 'the instance to complete');
      expect((await history(nested.id)).filter((e) => e.type === 'job.failed').map((e) => (e.data as { errorMessage: string }).errorMessage)).toEqual([
        'the worker returned variables nested deeper than 64 levels (maxJsonDepth)',
      ]);
      expect((await engine.getInstance(nested.id)).variables).toMatchObject({ fine: true });
    } finally {
      await worker.close();
    }
  });
});
