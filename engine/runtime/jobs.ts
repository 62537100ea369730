/**
 * Jobs for workers (service, send, business-rule and script tasks with a job type): activation with
 * expiring locks, completion, failure with retries and backoff, BPMN errors, and the incident raised
 * when retries run out (resolving it gives the job its retries back).
 *
 * With job queues on BullMQ (engine/queue/jobs) the store stays the truth and this class is their
 * JobSink: every result from Redis comes through here and is checked against the job row. HTTP
 * workers then take jobs from the queues instead of locking rows, so that a job is never handed to a
 * BullMQ worker and an HTTP worker at once.
 */
import type { IncidentRow, InstanceRow, JobRow, Store } from '../store/types';
import { variablesAtWait } from '../compile/variables';
import type { JobDelivery, JobFailure, JobSink } from '../queue/jobs';
import { conflict, notFound } from './errors';
import { persisted } from './snapshot';
import type { Clock, Executor } from './executor';

const live = (job: JobRow): boolean => job.state === 'activated' || job.state === 'activatable';

/** Only the variables a worker asked for (Camunda's fetchVariables); all of them when it asked for none. */
function pick(variables: Record<string, unknown>, names: readonly string[] | undefined): Record<string, unknown> {
  if (!names) return variables;
  const out: Record<string, unknown> = {};
  for (const name of names) if (Object.prototype.hasOwnProperty.call(variables, name)) out[name] = variables[name];
  return out;
}

/** A refusal the caller adds to a job's command, run against the instance row the command runs on. */
export type InstanceCheck = (row: InstanceRow) => Promise<void>;

export class Jobs implements JobSink {
  constructor(
    private readonly store: Store,
    private readonly executor: Executor,
    private readonly clock: Clock,
    private readonly delivery?: JobDelivery,
  ) {}

  /**
   * Locks jobs for a worker and hands them out with the variables as they are now (not at creation),
   * only `fetchVariables` when given. On BullMQ the jobs are taken from their queue (pull.ts).
   */
  async activate(type: string, worker: string, max: number, lockMs: number, fetchVariables?: readonly string[]): Promise<JobRow[]> {
    const n = Math.max(1, Math.min(max, 1000));
    const jobs = this.delivery
      ? await this.delivery.take({ type, worker, max: n, lockMs: Math.max(1, lockMs) })
      : await this.store.activateJobs(type, worker, n, Math.max(1, lockMs), this.clock());
    // one look at each instance, however many of its jobs (a multi-instance fan-out) were activated
    const byInstance = new Map<string, JobRow[]>();
    for (const job of jobs) {
      const list = byInstance.get(job.instanceId);
      if (list) list.push(job);
      else byInstance.set(job.instanceId, [job]);
    }
    for (const [instanceId, ofInstance] of byInstance) {
      const now = await this.variablesNow(instanceId, ofInstance, fetchVariables);
      ofInstance.forEach((job, i) => (job.variables = now?.[i] ?? pick(job.variables, fetchVariables)));
    }
    return jobs;
  }

  /**
   * The variables each of `jobs` (of one instance) sees now, only `names` when given; undefined for a
   * job nothing waits for any more, and altogether when the instance is gone.
   */
  private variablesNow(instanceId: string, jobs: readonly JobRow[], names?: readonly string[]): Promise<(Record<string, unknown> | undefined)[] | undefined> {
    return this.executor.read(instanceId, (row, shared) => {
      const now = jobs.map((job) => {
        const current = variablesAtWait(persisted(row).machine.context, job.waitId);
        return current && pick(current, names);
      });
      // one copy of all of them: a value the jobs share (a fan-out's list) is copied once
      return shared ? structuredClone(now) : now;
    });
  }

  getJob(key: string): Promise<JobRow | undefined> {
    return this.store.getJob(key);
  }

  async variables(job: JobRow, names?: readonly string[]): Promise<Record<string, unknown>> {
    return (await this.variablesNow(job.instanceId, [job], names))?.[0] ?? {};
  }

  private async live(key: string): Promise<JobRow> {
    const job = await this.store.getJob(key);
    if (!job) throw notFound(`job ${key}`);
    if (!live(job)) throw conflict(`job ${key} is ${job.state}`);
    return job;
  }

  async complete(key: string, variables: Record<string, unknown>, worker: string, check?: InstanceCheck): Promise<void> {
    const job = await this.live(key);
    await this.executor.execute(job.instanceId, worker, async (row, at) => {
      const current = await this.live(key);
      await check?.(row);
      return {
        event: { type: 'JOB_COMPLETE', waitId: current.waitId, variables, at, actor: worker },
        extras: { jobs: [{ ...current, state: 'completed', worker, lockExpiresAt: undefined }] },
      };
    });
  }

  /** A BPMN error from the job's element; `variables` are set in its scope first (a catching boundary sees them). */
  async throwError(key: string, errorCode: string, errorMessage: string | undefined, worker: string, variables?: Record<string, unknown>, check?: InstanceCheck): Promise<void> {
    const job = await this.live(key);
    await this.executor.execute(job.instanceId, worker, async (row, at) => {
      const current = await this.live(key);
      await check?.(row);
      return {
        event: { type: 'JOB_ERROR', waitId: current.waitId, errorCode, errorMessage, at, actor: worker, ...(variables && Object.keys(variables).length ? { variables } : {}) },
        extras: { jobs: [{ ...current, state: 'errored', errorMessage, worker, lockExpiresAt: undefined }] },
      };
    });
  }

  /** A failed attempt: with retries left the job comes back after the backoff; without, an incident. */
  async fail(key: string, retries: number, errorMessage: string | undefined, backoffMs: number, worker: string): Promise<JobRow> {
    return (await this.applyFailure(key, retries, errorMessage, backoffMs, worker))!;
  }

  /** A failed attempt reported by a queue: counted once, however often it is reported. */
  failAttempt(key: string, failure: JobFailure, worker: string): Promise<JobRow | undefined> {
    return this.applyFailure(key, failure.retries, failure.errorMessage, failure.backoffMs, worker, failure.expectedRetries);
  }

  private async applyFailure(
    key: string,
    retries: number,
    errorMessage: string | undefined,
    backoffMs: number,
    worker: string,
    expectedRetries?: number,
  ): Promise<JobRow | undefined> {
    const job = await this.live(key);
    let updated: JobRow | undefined;
    await this.executor.execute(job.instanceId, worker, async (_row, at) => {
      const current = await this.live(key);
      if (expectedRetries !== undefined && current.retries !== expectedRetries) return { event: null, skip: true };
      const left = Math.max(0, Math.floor(retries));
      updated = {
        ...current,
        retries: left,
        errorMessage,
        lockExpiresAt: undefined,
        worker,
        state: left > 0 ? 'activatable' : 'failed',
        notBefore: left > 0 && backoffMs > 0 ? at + backoffMs : undefined,
      };
      const history = [{ type: 'job.failed', elementId: current.elementId, data: { jobKey: key, retries: left, errorMessage } }];
      if (left > 0) return { event: null, extras: { jobs: [updated], history } };
      const incident: IncidentRow = {
        id: `${key}.incident@${at}`,
        instanceId: current.instanceId,
        processId: current.processId,
        elementId: current.elementId,
        jobKey: key,
        type: 'job-no-retries',
        message: errorMessage ? `no retries left: ${errorMessage}` : 'no retries left',
        state: 'open',
        createdAt: at,
      };
      history.push({ type: 'incident.created', elementId: current.elementId, data: { incidentId: incident.id, jobKey: key, message: incident.message } as never });
      return { event: null, extras: { jobs: [updated], incidents: [incident], history, jobIncidents: { add: [incident.id] } } };
    });
    return updated;
  }

  /** Gives a live job another number of retries (an operator's or a worker's correction); recorded in history. */
  async setRetries(key: string, retries: number, actor: string): Promise<JobRow> {
    const job = await this.live(key);
    let updated: JobRow | undefined;
    await this.executor.execute(job.instanceId, actor, async () => {
      const current = await this.live(key);
      updated = { ...current, retries };
      return { event: null, extras: { jobs: [updated], history: [{ type: 'job.updated', elementId: current.elementId, data: { jobKey: key, retries } }] } };
    });
    return updated!;
  }

  /** Moves the end of an activated job's lock to `timeoutMs` after `from` (its worker needs more or less time); recorded in history as asked. */
  async setLock(key: string, timeoutMs: number, from: number, actor: string): Promise<JobRow> {
    const lockExpiresAt = from + timeoutMs;
    const job = await this.live(key);
    let updated: JobRow | undefined;
    await this.executor.execute(job.instanceId, actor, async () => {
      const current = await this.live(key);
      if (current.state !== 'activated') throw conflict(`job ${key} is not activated: there is no lock to change`);
      updated = { ...current, lockExpiresAt };
      return { event: null, extras: { jobs: [updated], history: [{ type: 'job.updated', elementId: current.elementId, data: { jobKey: key, timeoutMs } }] } };
    });
    return updated!;
  }

  /** Records that `worker` holds a job until `lockExpiresAt` (a job taken from its queue over HTTP). */
  async lock(key: string, worker: string, lockExpiresAt: number): Promise<JobRow | undefined> {
    const job = await this.store.getJob(key);
    if (!job || !live(job)) return undefined;
    let locked: JobRow | undefined;
    await this.executor.execute(job.instanceId, worker, async () => {
      const current = await this.store.getJob(key);
      if (!current || !live(current)) return { event: null, skip: true };
      locked = { ...current, state: 'activated', worker, lockExpiresAt };
      return { event: null, extras: { jobs: [locked] } };
    });
    return locked;
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
          jobs,
          incidents: [resolved],
          jobIncidents: { remove: [incident.id] },
          history: [{ type: 'incident.resolved', elementId: incident.elementId, data: { incidentId: incident.id, jobKey: incident.jobKey } }],
        },
      };
    });
    return resolved!;
  }
}
