/**
 * Jobs for workers (service, send, business-rule and script tasks with a job type): activation with
 * expiring locks, completion, failure with retries and backoff, BPMN errors, and the incident raised
 * when retries run out (resolving it gives the job its retries back).
 */
import type { IncidentRow, JobRow, Store } from '../store/types';
import type { InstanceContext } from '../compile/state';
import { variablesAtWait } from '../compile/variables';
import { conflict, notFound } from './errors';
import { persisted } from './snapshot';
import type { Clock, Executor } from './executor';

export class Jobs {
  constructor(
    private readonly store: Store,
    private readonly executor: Executor,
    private readonly clock: Clock,
  ) {}

  /** Locks jobs for a worker and hands them out with the variables as they are now (not at creation). */
  async activate(type: string, worker: string, max: number, lockMs: number): Promise<JobRow[]> {
    const jobs = await this.store.activateJobs(type, worker, Math.max(1, Math.min(max, 1000)), Math.max(1, lockMs), this.clock());
    const contexts = new Map<string, InstanceContext | undefined>();
    for (const job of jobs) {
      if (!contexts.has(job.instanceId)) {
        const row = await this.store.getInstance(job.instanceId);
        contexts.set(job.instanceId, row ? persisted(row).machine.context : undefined);
      }
      const ctx = contexts.get(job.instanceId);
      const current = ctx && variablesAtWait(ctx, job.waitId);
      if (current) job.variables = current;
    }
    return jobs;
  }

  private async live(key: string): Promise<JobRow> {
    const job = await this.store.getJob(key);
    if (!job) throw notFound(`job ${key}`);
    if (job.state !== 'activated' && job.state !== 'activatable') throw conflict(`job ${key} is ${job.state}`);
    return job;
  }

  async complete(key: string, variables: Record<string, unknown>, worker: string): Promise<void> {
    const job = await this.live(key);
    await this.executor.execute(job.instanceId, worker, async (_row, at) => {
      const current = await this.live(key);
      return {
        event: { type: 'JOB_COMPLETE', waitId: current.waitId, variables, at, actor: worker },
        extras: { jobs: [{ ...current, state: 'completed', worker, lockExpiresAt: undefined }] },
      };
    });
  }

  async throwError(key: string, errorCode: string, errorMessage: string | undefined, worker: string): Promise<void> {
    const job = await this.live(key);
    await this.executor.execute(job.instanceId, worker, async (_row, at) => {
      const current = await this.live(key);
      return {
        event: { type: 'JOB_ERROR', waitId: current.waitId, errorCode, errorMessage, at, actor: worker },
        extras: { jobs: [{ ...current, state: 'errored', errorMessage, lockExpiresAt: undefined }] },
      };
    });
  }

  /** A failed attempt: with retries left the job comes back after the backoff; without, an incident. */
  async fail(key: string, retries: number, errorMessage: string | undefined, backoffMs: number, worker: string): Promise<JobRow> {
    const job = await this.live(key);
    let updated: JobRow | undefined;
    await this.executor.execute(job.instanceId, worker, async (_row, at) => {
      const current = await this.live(key);
      const left = Math.max(0, Math.floor(retries));
      updated = {
        ...current, retries: left, errorMessage, lockExpiresAt: undefined, worker,
        state: left > 0 ? 'activatable' : 'failed', notBefore: left > 0 && backoffMs > 0 ? at + backoffMs : undefined,
      };
      const history = [{ type: 'job.failed', elementId: current.elementId, data: { jobKey: key, retries: left, errorMessage } }];
      if (left > 0) return { event: null, extras: { jobs: [updated], history } };
      const incident: IncidentRow = {
        id: `${key}.incident@${at}`, instanceId: current.instanceId, processId: current.processId, elementId: current.elementId, jobKey: key,
        type: 'job-no-retries', message: errorMessage ? `no retries left: ${errorMessage}` : 'no retries left', state: 'open', createdAt: at,
      };
      history.push({ type: 'incident.created', elementId: current.elementId, data: { incidentId: incident.id, jobKey: key, message: incident.message } as never });
      return { event: null, extras: { jobs: [updated], incidents: [incident], history, jobIncidents: { add: [incident.id] } } };
    });
    return updated!;
  }

  async resolveIncident(incident: IncidentRow, actor: string): Promise<IncidentRow> {
    let resolved: IncidentRow | undefined;
    await this.executor.execute(incident.instanceId, actor, async (_row, at) => {
      const current = await this.store.getIncident(incident.id);
      if (!current || current.state !== 'open') throw conflict(`incident ${incident.id} is not open`);
      const job = await this.store.getJob(incident.jobKey!);
      resolved = { ...current, state: 'resolved', resolvedAt: at };
      const jobs = job && job.state === 'failed' ? [{ ...job, state: 'activatable' as const, retries: Math.max(1, job.initialRetries), notBefore: undefined }] : [];
      return {
        event: null,
        extras: {
          jobs, incidents: [resolved], jobIncidents: { remove: [incident.id] },
          history: [{ type: 'incident.resolved', elementId: incident.elementId, data: { incidentId: incident.id, jobKey: incident.jobKey } }],
        },
      };
    });
    return resolved!;
  }
}
