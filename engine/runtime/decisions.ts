/**
 * The built-in decision worker. A business rule task with zeebe:calledDecision becomes a job of type
 * `processdesk.decision` (headers decisionId, resultVariable: see compile/elements/tasks.ts), so the
 * machine stays pure. This worker, started and stopped with the Engine, activates those jobs, evaluates
 * the latest deployed decision (`dmn:<decisionId>` resource) against the job's variables and completes
 * the job with `{ [resultVariable]: result }`. An evaluation that fails (decision not deployed, UNIQUE
 * with several matches, FEEL error) fails the job without retries: an incident with the reason, which
 * can be resolved after deploying a corrected DMN. With jobs on BullMQ the Engine runs `decide` as the
 * worker of the decision queue instead of this poll (BullMQ's UnrecoverableError: no retries).
 */
import { UnrecoverableError } from 'bullmq';
import { DECISION_JOB_TYPE } from '../compile/elements/tasks/jobTask';
import { type DecisionResult, type DmnModel, evaluateDecision, parseDmn } from '../dmn';
import type { JobRow, ResourceRow } from '../store/types';

export { DECISION_JOB_TYPE };

export const DECISION_WORKER = 'processdesk-decisions';

/** What the worker needs of the Engine (its public API). */
export interface DecisionHost {
  getResource(id: string): Promise<ResourceRow | undefined>;
  activateJobs(req: { type: string; worker: string; maxJobs?: number; lockMs?: number }): Promise<JobRow[]>;
  completeJob(key: string, variables: Record<string, unknown>, worker?: string): Promise<void>;
  failJob(key: string, req: { retries: number; errorMessage?: string }, worker?: string): Promise<unknown>;
}

/**
 * Jobs this process creates wake the worker at once (see `wake`); the poll only finds what other
 * processes sharing the store created and left, or what a crash left behind.
 */
const DEFAULT_POLL_MS = 1000;

export class DecisionWorker {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private inFlight: Promise<void> | undefined;
  /** A wake-up came while a round was running: run another one right after it. */
  private wokenDuringRound = false;
  private readonly models = new Map<string, DmnModel>();

  constructor(
    private readonly host: DecisionHost,
    private readonly options: { pollMs?: number; onError?: (err: unknown, context: string) => void } = {},
  ) {}

  start(): this {
    if (this.running) return this;
    this.running = true;
    this.schedule(0);
    return this;
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  /** A decision job was just committed here: work it now instead of at the next poll. */
  wake(): void {
    if (!this.running) return;
    if (this.inFlight) {
      this.wokenDuringRound = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.wokenDuringRound = false;
      this.inFlight = this.poll()
        .then(() => undefined)
        .catch((err) => (this.options.onError ?? ((e, where) => console.error(`[processdesk] ${where}:`, e)))(err, 'decision worker'))
        .finally(() => {
          this.inFlight = undefined;
          this.schedule(this.wokenDuringRound ? 0 : (this.options.pollMs ?? DEFAULT_POLL_MS));
        });
    }, ms);
    this.timer.unref?.();
  }

  /** One round: activates and works the waiting decision jobs; returns how many were worked. */
  async poll(): Promise<number> {
    let worked = 0;
    for (;;) {
      if (!this.running) return worked; // stopping: the store may be closing
      const jobs = await this.host.activateJobs({ type: DECISION_JOB_TYPE, worker: DECISION_WORKER, maxJobs: 32, lockMs: 30_000 });
      for (const job of jobs) await this.work(job);
      worked += jobs.length;
      if (jobs.length < 32) return worked;
    }
  }

  private async model(resource: ResourceRow): Promise<DmnModel> {
    const key = `${resource.deploymentId}/${resource.name}`;
    let model = this.models.get(key);
    if (!model) {
      model = await parseDmn(resource.content);
      this.models.set(key, model);
    }
    return model;
  }

  private async work(job: JobRow): Promise<void> {
    let variables: Record<string, unknown>;
    try {
      variables = await this.decide(job);
    } catch (err) {
      await this.host.failJob(job.key, { retries: 0, errorMessage: (err as Error).message }, DECISION_WORKER);
      return;
    }
    await this.host.completeJob(job.key, variables, DECISION_WORKER);
  }

  /** Evaluates the latest deployed version of a decision against variables (undefined: not deployed). */
  async evaluate(decisionId: string, variables: Record<string, unknown>): Promise<DecisionResult | undefined> {
    const resource = await this.host.getResource(`dmn:${decisionId}`);
    return resource && evaluateDecision(await this.model(resource), decisionId, variables);
  }

  /** Evaluates the job's decision: `{ [resultVariable]: result }`, or an UnrecoverableError that says why not. */
  async decide(job: JobRow): Promise<Record<string, unknown>> {
    const { decisionId, resultVariable } = job.customHeaders;
    try {
      if (!decisionId || !resultVariable) throw new Error('the job has no decisionId or resultVariable header');
      const resource = await this.host.getResource(`dmn:${decisionId}`);
      if (!resource) throw new Error(`decision ${decisionId} is not deployed (deploy a .dmn file defining it)`);
      return { [resultVariable]: evaluateDecision(await this.model(resource), decisionId, job.variables).result };
    } catch (err) {
      throw new UnrecoverableError(`decision evaluation failed at ${job.elementId}: ${(err as Error).message}`);
    }
  }
}
