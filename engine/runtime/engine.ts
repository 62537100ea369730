/**
 * The library API of ProcessDesk: `new Engine({...})`, then deploy, start instances, complete tasks,
 * work jobs, publish messages and signals, resolve incidents, read and verify history. It knows
 * nothing of HTTP; the API layer and embedding applications call it the same way.
 */
import { randomUUID } from 'node:crypto';
import type { MachineConfig } from '../compile/machine';
import { validateCalendar, type BusinessCalendarConfig } from '../expr/businessCalendar';
import { createScheduler } from '../queue';
import type { Scheduler } from '../queue/types';
import { openStore } from '../store';
import type { CommitBatch, HistoryEvent, IncidentRow, InstanceQuery, InstanceRow, JobRow, Page, Store, TaskQuery, TaskRow, TimerRow } from '../store/types';
import { DECISION_JOB_TYPE, DecisionWorker } from './decisions';
import { DefinitionCache } from './definitions';
import { deploy, type DeployResource, type DeploymentResult } from './deploy';
import { EngineError, conflict, invalid, notFound } from './errors';
import { type Clock, Executor } from './executor';
import { verifyChain, type VerifyResult } from './history';
import { Jobs } from './jobs';
import { Messaging } from './messaging';
import { segregationProblem } from './segregation';
import { OutboxDispatcher } from './outbox';
import { Timers } from './timers';

export interface EngineOptions {
  /** A Store adapter; default: the embedded SQLite store in `dataDir`. */
  store?: Store;
  /** Directory of the embedded store (default `./data`); `:memory:` for a throw-away engine. */
  dataDir?: string;
  /** The MongoDB store on this connection string instead of the embedded one (unless `store` is given). */
  mongodbUrl?: string;
  scheduler?: Scheduler;
  /** Timers on BullMQ on this Redis (DESIGN.md section 4) unless `scheduler` is given; embedded otherwise. */
  redisUrl?: string;
  /** Redis key prefix of the BullMQ queues (default `processdesk`). */
  redisPrefix?: string;
  clock?: Clock;
  /** Working days, hours, time zone and holidays of the business-time FEEL functions (businessDue...). */
  businessCalendar?: BusinessCalendarConfig;
  /**
   * How often the built-in decision worker looks for decision jobs it was not told about (created by
   * another process on the same store, or left by a crash); jobs committed here are worked at once.
   * Default 1000 ms.
   */
  decisionPollMs?: number;
  /** Called with errors of background work (timers, outbox); default: console.error. */
  onError?: (err: unknown, context: string) => void;
}

export interface StartInstanceRequest {
  processId: string;
  version?: number;
  businessKey?: string;
  variables?: Record<string, unknown>;
  actor?: string;
}

export interface InstanceView {
  id: string;
  processId: string;
  version: number;
  definitionKey: string;
  businessKey?: string;
  state: InstanceRow['state'];
  variables: Record<string, unknown>;
  activeElements: string[];
  parentInstanceId?: string;
  startedAt: string;
  endedAt?: string;
}

export function toInstanceView(row: InstanceRow): InstanceView {
  return {
    id: row.id, processId: row.processId, version: row.version, definitionKey: row.definitionKey, businessKey: row.businessKey, state: row.state,
    variables: row.variables, activeElements: row.activeElements, parentInstanceId: row.parentInstanceId,
    startedAt: new Date(row.startedAt).toISOString(), endedAt: row.endedAt ? new Date(row.endedAt).toISOString() : undefined,
  };
}

export class Engine {
  readonly store: Store;
  readonly clock: Clock;
  private readonly definitions: DefinitionCache;
  private readonly executor: Executor;
  private readonly scheduler: Scheduler;
  private readonly outbox: OutboxDispatcher;
  private readonly jobs: Jobs;
  private readonly messaging: Messaging;
  private readonly timers: Timers;
  private started = false;
  private readonly commitListeners = new Set<(batch: CommitBatch) => void>();
  private readonly decisions: DecisionWorker;

  constructor(options: EngineOptions = {}) {
    this.clock = options.clock ?? Date.now;
    const onError = options.onError ?? ((err, where) => console.error(`[processdesk] ${where}:`, err));
    this.store = options.store ?? (options.mongodbUrl ? openStore({ mongodbUrl: options.mongodbUrl })
      : options.dataDir === ':memory:' ? openStore({ file: ':memory:' }) : openStore({ dataDir: options.dataDir ?? 'data' }));
    this.definitions = new DefinitionCache(this.store, { calendar: options.businessCalendar && validateCalendar(options.businessCalendar) });
    this.scheduler = options.scheduler ?? createScheduler({
      store: this.store, redisUrl: options.redisUrl, redisPrefix: options.redisPrefix, clock: this.clock, onError: (e) => onError(e, 'timer'),
    });
    this.outbox = new OutboxDispatcher(this.store, onError);
    this.executor = new Executor(this.store, this.definitions, this.clock, (batch) => this.committed(batch));
    this.messaging = new Messaging(this.store, this.executor, this.definitions, this.clock, (id) => this.newInstanceId(id));
    this.jobs = new Jobs(this.store, this.executor, this.clock);
    this.timers = new Timers(this.store, this.executor, this.definitions, this.clock);
    this.decisions = new DecisionWorker(this, { onError, pollMs: options.decisionPollMs });
    this.outbox.bind({ executor: this.executor, definitions: this.definitions, messaging: this.messaging, scheduler: this.scheduler, clock: this.clock });
  }

  /** Opens the store, re-dispatches what a crash left in the outbox and starts the timer loop. */
  async start(): Promise<this> {
    if (this.started) return this;
    await this.store.init();
    this.started = true;
    await this.outbox.start();
    await this.scheduler.start((timer) => this.timers.fire(timer));
    this.decisions.start();
    return this;
  }

  /** Stops taking background work and waits for in-flight dispatch; then closes the store. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.decisions.stop();
    await this.scheduler.stop();
    await this.outbox.stop();
    await this.store.close();
  }

  /**
   * Calls `listener` with every batch this engine commits (metrics, audit feeds); returns the
   * unsubscribe. Listeners run after the commit and never affect it.
   */
  onCommit(listener: (batch: CommitBatch) => void): () => void {
    this.commitListeners.add(listener);
    return () => this.commitListeners.delete(listener);
  }

  private committed(batch: CommitBatch): void {
    if (batch.outbox?.length) this.outbox.enqueue(batch.outbox);
    if (batch.jobs?.upsert?.some((j) => j.type === DECISION_JOB_TYPE && j.state === 'activatable')) this.decisions.wake();
    for (const listener of this.commitListeners) {
      try {
        listener(batch);
      } catch {
        // a listener's failure is its own
      }
    }
  }

  /** Resolves once no outbox dispatch is in flight (tests and graceful shutdown use it). */
  idle(): Promise<void> {
    return this.outbox.idle();
  }

  private newInstanceId(seed?: string): string {
    return seed ?? randomUUID();
  }

  // ---- deployments ----------------------------------------------------------------------------

  async deploy(resources: DeployResource[]): Promise<DeploymentResult> {
    const result = await deploy(this.store, this.definitions, resources, this.clock());
    // Timer start events of the new versions: let the scheduler know now rather than at its next poll.
    const next = await this.store.nextTimerDue();
    if (next !== undefined) await this.scheduler.scheduled('', next);
    return result;
  }

  async getMachineConfig(key: string): Promise<MachineConfig> {
    return (await this.definitions.get(key)).compiled.config;
  }

  // ---- instances ------------------------------------------------------------------------------

  async startInstance(req: StartInstanceRequest): Promise<InstanceView> {
    const def = await this.definitions.latest(req.processId, req.version);
    if (!def.compiled.model.scopes[def.row.processId].startEvents.length) {
      throw invalid(`process ${req.processId} has no none start event; it starts on messages, signals or timers only`);
    }
    const row = await this.executor.start(def, {
      id: this.newInstanceId(), variables: req.variables ?? {}, businessKey: req.businessKey, actor: req.actor ?? 'engine',
    });
    return toInstanceView(row);
  }

  async getInstance(id: string): Promise<InstanceView> {
    const row = await this.store.getInstance(id);
    if (!row) throw notFound(`process instance ${id}`);
    return toInstanceView(row);
  }

  async listInstances(q: InstanceQuery): Promise<Page<InstanceView>> {
    const page = await this.store.listInstances(q);
    return { items: page.items.map(toInstanceView), next: page.next };
  }

  async cancelInstance(id: string, actor = 'engine'): Promise<InstanceView> {
    const { row } = await this.executor.execute(id, actor, async (current) => {
      if (current.state === 'completed' || current.state === 'terminated') throw conflict(`instance ${id} is already ${current.state}`);
      return { event: { type: 'CANCEL', at: this.clock(), actor } };
    });
    return toInstanceView(row);
  }

  /**
   * Sets process-level variables of a running instance (an operator fixing data before retrying an
   * incident); the change is in the history with who made it.
   */
  async setVariables(id: string, variables: Record<string, unknown>, actor = 'engine'): Promise<InstanceView> {
    if (!Object.keys(variables).length) throw invalid('no variables to set');
    const { row } = await this.executor.execute(id, actor, async (current) => {
      if (current.state === 'completed' || current.state === 'terminated') throw conflict(`instance ${id} is already ${current.state}`);
      return { event: { type: 'SET_VARIABLES', variables, at: this.clock(), actor } };
    });
    return toInstanceView(row);
  }

  // ---- user tasks -----------------------------------------------------------------------------

  async getTask(id: string): Promise<TaskRow> {
    const task = await this.store.getTask(id);
    if (!task) throw notFound(`task ${id}`);
    return task;
  }

  listTasks(q: TaskQuery): Promise<Page<TaskRow>> {
    return this.store.listTasks(q);
  }

  async completeTask(id: string, variables: Record<string, unknown> = {}, actor = 'engine'): Promise<TaskRow> {
    const task = await this.getTask(id);
    const segregation = segregationProblem(task, actor, 'complete');
    if (segregation) throw new EngineError('FORBIDDEN', segregation);
    let done: TaskRow | undefined;
    await this.executor.execute(task.instanceId, actor, async (_row, at) => {
      const current = await this.getTask(id);
      if (current.state !== 'created') throw conflict(`task ${id} is already ${current.state}`);
      done = { ...current, state: 'completed', completedAt: at, completedBy: actor };
      return { event: { type: 'TASK_COMPLETE', waitId: current.waitId, variables, at, actor }, extras: { tasks: [done] } };
    });
    return done!;
  }

  /** Assigns a task to `user` (claim) or clears the assignee (`user` undefined: unclaim). */
  assignTask(id: string, user: string | undefined, actor: string, force = false): Promise<TaskRow> {
    return this.reassign(id, user, actor, user ? 'task.claimed' : 'task.unclaimed', (current) => {
      if (user && current.assignee && current.assignee !== user && !force) throw conflict(`task ${id} is already claimed by ${current.assignee}`);
      const segregation = user && segregationProblem(current, user, user === actor ? 'claim' : 'be assigned');
      if (segregation) throw new EngineError('FORBIDDEN', segregation);
    });
  }

  /**
   * Hands a task to a substitute (approvals: an approver who is away delegates). Only its assignee may
   * delegate it (or anyone with `force`, i.e. an admin); history records who delegated to whom.
   */
  delegateTask(id: string, to: string, actor: string, force = false): Promise<TaskRow> {
    return this.reassign(id, to, actor, 'task.delegated', (current) => {
      if (!force && current.assignee !== actor) throw new EngineError('FORBIDDEN', `only the assignee of task ${id} (${current.assignee ?? 'nobody'}) may delegate it`);
      if (to === actor) throw invalid(`task ${id} cannot be delegated to its own assignee`);
      const segregation = segregationProblem(current, to, 'be assigned');
      if (segregation) throw new EngineError('FORBIDDEN', segregation);
    });
  }

  private async reassign(id: string, assignee: string | undefined, actor: string, event: string, check: (task: TaskRow) => void): Promise<TaskRow> {
    const task = await this.getTask(id);
    let updated: TaskRow | undefined;
    await this.executor.execute(task.instanceId, actor, async () => {
      const current = await this.getTask(id);
      if (current.state !== 'created') throw conflict(`task ${id} is already ${current.state}`);
      check(current);
      updated = { ...current, assignee };
      return {
        event: null,
        extras: { tasks: [updated], history: [{ type: event, elementId: current.elementId, data: { taskId: id, from: current.assignee ?? null, assignee } }] },
      };
    });
    return updated!;
  }

  // ---- jobs -----------------------------------------------------------------------------------

  activateJobs(req: { type: string; worker: string; maxJobs?: number; lockMs?: number }): Promise<JobRow[]> {
    return this.jobs.activate(req.type, req.worker, req.maxJobs ?? 1, req.lockMs ?? 30_000);
  }

  completeJob(key: string, variables: Record<string, unknown> = {}, worker = 'worker'): Promise<void> {
    return this.jobs.complete(key, variables, worker);
  }

  failJob(key: string, req: { retries: number; errorMessage?: string; backoffMs?: number }, worker = 'worker'): Promise<JobRow> {
    return this.jobs.fail(key, req.retries, req.errorMessage, req.backoffMs ?? 0, worker);
  }

  throwJobError(key: string, errorCode: string, errorMessage?: string, worker = 'worker'): Promise<void> {
    return this.jobs.throwError(key, errorCode, errorMessage, worker);
  }

  // ---- messages and signals -------------------------------------------------------------------

  publishMessage(req: { name: string; correlationKey?: string; variables?: Record<string, unknown>; timeToLiveMs?: number; messageId?: string }, actor = 'engine') {
    return this.messaging.publish(req, actor);
  }

  broadcastSignal(req: { name: string; variables?: Record<string, unknown> }, actor = 'engine') {
    return this.messaging.broadcastSignal(req.name, req.variables ?? {}, actor);
  }

  // ---- incidents ------------------------------------------------------------------------------

  listIncidents(q: { instanceId?: string; state?: IncidentRow['state'] }): Promise<IncidentRow[]> {
    return this.store.listIncidents(q);
  }

  async resolveIncident(id: string, actor = 'engine'): Promise<IncidentRow> {
    const incident = await this.store.getIncident(id);
    if (!incident) throw notFound(`incident ${id}`);
    if (incident.state !== 'open') throw conflict(`incident ${id} is already ${incident.state}`);
    if (incident.jobKey) return this.jobs.resolveIncident(incident, actor);
    const local = id.slice(incident.instanceId.length + 1);
    await this.executor.execute(incident.instanceId, actor, async () => ({ event: { type: 'RESOLVE_INCIDENT', incidentId: local, at: this.clock(), actor } }));
    return (await this.store.getIncident(id))!;
  }

  // ---- history --------------------------------------------------------------------------------

  async getHistory(instanceId: string): Promise<HistoryEvent[]> {
    if (!(await this.store.getInstance(instanceId))) throw notFound(`process instance ${instanceId}`);
    return this.store.getHistory(instanceId);
  }

  async verifyHistory(instanceId: string): Promise<VerifyResult> {
    return verifyChain(await this.getHistory(instanceId));
  }

  /** The scheduler in use (health checks, lateness statistics of the BullMQ adapter). */
  get timerScheduler(): Scheduler {
    return this.scheduler;
  }

  /** Fires one timer now (used by schedulers). */
  fireTimer(timer: TimerRow): Promise<void> {
    return this.timers.fire(timer);
  }
}

export { EngineError };
