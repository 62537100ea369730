/**
 * Steps of the shipped change process over HTTP, shared by the change tests: submit (start, RFC, plan),
 * the approval's votes, the schedule (a window on the engine's clock, which the test then moves past the
 * planned start), the deployment job. The engine runs on a test clock (test/support/clock.ts): the
 * implementation waits for the planned start, and no test sleeps through it.
 */
import request from 'supertest';
import { bearer } from '../api/helpers';
import type { TestClock } from '../support/clock';
import { childInstance, completeTask, eventually, start, waitTasks, type Itsm } from './helpers';

export const RFC = { title: 'Upgrade core switch firmware', description: 'CVE fix', impact: 'medium', affectedServices: 3, hasBackoutPlan: true, testedInStaging: true };
export const HOUR = 3_600_000;

/** An ISO date-time `ms` after the engine's now. */
export const inFuture = (time: TestClock, ms: number): string => new Date(time.clock() + ms).toISOString();

export function changeSteps(itsm: Itsm, time: TestClock) {
  /**
   * A change requested by `requester` (whoever starts it: alice unless told), its RFC, and its plan,
   * where a change manager (bob) names the implementer (dave unless told).
   */
  async function submit(
    changeType: string,
    rfc: Record<string, unknown> = {},
    { requester = 'alice', implementer = 'dave' }: { requester?: string; implementer?: string } = {},
  ): Promise<string> {
    const id = await start(itsm.app, 'change', {}, requester);
    const [task] = await waitTasks(itsm.app, id, 'SubmitRfc');
    expect(task).toMatchObject({ assignee: requester, formId: 'change-rfc' });
    await completeTask(itsm.app, id, 'SubmitRfc', { ...RFC, changeType, ...rfc }, requester);
    await completeTask(itsm.app, id, 'PlanChange', { implementer, implementationPlan: 'helm upgrade' }, 'bob');
    return id;
  }

  /** Completes ScheduleChange with a window starting `startIn` from now, `hours` long; answers the response. */
  async function trySchedule(
    id: string,
    { startIn = HOUR, hours = 1, user = 'bob', extra = {} }: { startIn?: number; hours?: number; user?: string; extra?: Record<string, unknown> } = {},
  ) {
    const [task] = await waitTasks(itsm.app, id, 'ScheduleChange');
    const plannedStart = inFuture(time, startIn);
    const plannedEnd = inFuture(time, startIn + hours * HOUR);
    const res = await request(itsm.app)
      .post(`/api/tasks/${task.id}/complete`)
      .set(bearer(user))
      .send({ variables: { plannedStart, plannedEnd, ...extra } });
    return { res, task, plannedStart, plannedEnd };
  }

  /** Schedules the change an hour ahead and lets the hour pass (the implementation waits for it). */
  async function scheduleAndStart(id: string, user = 'bob'): Promise<void> {
    const { res } = await trySchedule(id, { user });
    expect(res.status).toBe(200);
    time.advance(HOUR);
  }

  /** The deployment-hook job, worked over HTTP: complete it, or throw DEPLOYMENT_FAILED. */
  async function deployment(id: string, fail = false): Promise<void> {
    const job = await eventually(async () => {
      const res = await request(itsm.app).post('/api/jobs/activate').set(bearer('admin')).send({ type: 'deployment-hook', worker: 'ci', maxJobs: 1, lockMs: 10_000 });
      const found = res.body.jobs?.[0];
      if (!found) throw new Error('no deployment-hook job');
      return found as { key: string; processInstanceId: string; customHeaders: Record<string, string> };
    });
    expect(job.processInstanceId).toBe(id);
    expect(job.customHeaders).toEqual({ action: 'deploy' });
    const res = fail
      ? await request(itsm.app)
          .post(`/api/jobs/${encodeURIComponent(job.key)}/error`)
          .set(bearer('admin'))
          .send({ errorCode: 'DEPLOYMENT_FAILED', errorMessage: 'helm rollout failed' })
      : await request(itsm.app)
          .post(`/api/jobs/${encodeURIComponent(job.key)}/complete`)
          .set(bearer('admin'))
          .send({ variables: { deploymentId: 'd-42' } });
    expect(res.status).toBeLessThan(300);
  }

  /** The open votes of the approval the change's call activity started. */
  async function votesOf(id: string, count: number): Promise<{ approvalId: string; votes: Record<string, unknown>[] }> {
    const approvalId = await childInstance(itsm.app, id, 'approval');
    return { approvalId, votes: await waitTasks(itsm.app, approvalId, 'Vote', count) };
  }

  /** Each vote cast by its own voter (one person, one vote: nobody casts another's). */
  async function castVotes(votes: Record<string, unknown>[], decision: (voter: string) => 'approve' | 'reject' = () => 'approve'): Promise<void> {
    for (const t of votes) {
      const voter = String(t.assignee);
      await request(itsm.app)
        .post(`/api/tasks/${t.id}/complete`)
        .set(bearer(voter))
        .send({ variables: { decision: decision(voter), comment: `from ${voter}` } })
        .expect(200);
    }
  }

  async function implementAndVerify(id: string, result: 'success' | 'failed' = 'success'): Promise<void> {
    await scheduleAndStart(id);
    await deployment(id);
    await completeTask(itsm.app, id, 'VerifyChange', { verificationResult: result });
  }

  return { submit, trySchedule, scheduleAndStart, deployment, votesOf, castVotes, implementAndVerify };
}
