/**
 * Jobs for external workers: activate (lock), complete, fail (retries, backoff) and BPMN errors. With jobs
 * on BullMQ, activation takes the jobs from their queues (engine/queue/jobs/pull.ts); the rest is the same.
 */
import { Router } from 'express';
import { principalOf } from '../auth';
import { mount, type ApiContext } from '../operation';
import { OPERATIONS } from '../operations';
import type { ActivateBody, FailBody, JobErrorBody, Variables } from '../schemas';
import { inputOf } from '../validate';
import { jobView } from '../views';

export function jobsRouter(ctx: ApiContext): Router {
  const router = Router();
  const { engine } = ctx;
  const keyOf = (res: Parameters<typeof inputOf>[0]): string => inputOf<{ key: string }>(res).params.key;

  mount(router, ctx, OPERATIONS.activateJobs, async (_req, res) => {
    const { type, worker, maxJobs, lockMs, fetchVariables } = inputOf<never, never, ActivateBody>(res).body;
    const jobs = await engine.activateJobs({ type, worker, maxJobs: maxJobs ?? 1, lockMs: lockMs ?? 30_000, fetchVariables });
    res.json({ jobs: jobs.map(jobView) });
  });

  mount(router, ctx, OPERATIONS.completeJob, async (_req, res) => {
    const { variables } = inputOf<never, never, { variables?: Variables }>(res).body;
    await engine.completeJob(keyOf(res), variables ?? {}, principalOf(res).id);
    res.json({ ok: true });
  });

  mount(router, ctx, OPERATIONS.failJob, async (_req, res) => {
    const { retries, errorMessage, retryBackOff } = inputOf<never, never, FailBody>(res).body;
    const job = await engine.failJob(keyOf(res), { retries, errorMessage, backoffMs: retryBackOff }, principalOf(res).id);
    ctx.metrics.jobRetries.inc();
    res.json(jobView(job));
  });

  mount(router, ctx, OPERATIONS.throwJobError, async (_req, res) => {
    const { errorCode, errorMessage } = inputOf<never, never, JobErrorBody>(res).body;
    await engine.throwJobError(keyOf(res), errorCode, errorMessage, principalOf(res).id);
    res.json({ ok: true });
  });

  return router;
}
