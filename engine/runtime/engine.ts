/**
 * The library API of ProcessDesk: `new Engine({...})`, then deploy, start instances, complete tasks,
 * work jobs, publish messages and signals, resolve incidents, read and verify history. It knows
 * nothing of HTTP; the API layer and embedding applications call it the same way.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { MachineConfig } from '../compile/machine';
import type { DecisionResult } from '../dmn';
import { validateCalendar, validateCalendars, type BusinessCalendarConfig } from '../expr/businessCalendar';
import type { Queue } from 'bullmq';
import { createScheduler } from '../queue';
import {
  BullmqJobDelivery,
  JobTypeSettingsTable,
  type JobDelivery,
  type JobHandler,
  type JobQueueSettings,
  type JobQueueStats,
  type JobSink,
  type WorkOptions,
} from '../queue/jobs';
import type { Scheduler } from '../queue/types';
import { openStore, storeOptionsOf, type OpenStoreOptions } from '../store';
import type {
  CheckpointRow,
  CommitBatch,
  DefinitionRow,
  HistoryEvent,
  IncidentRow,
  InstanceQuery,
  InstanceRow,
  JobRow,
  Page,
  ResourceRow,
  Store,
  TaskQuery,
  TaskAssignedNotice,
  TaskRow,
  TimerRow,
} from '../store/types';
import { DECISION_JOB_TYPE, DECISION_WORKER, DecisionWorker } from './decisions';
import { DefinitionCache } from './definitions';
import { deploy, type DeployResource, type DeploymentResult } from './deploy';
import { Drafts } from './drafts';
import { EngineError, conflict, invalid, notFound } from './errors';
import { type Clock, Executor } from './executor';
import { Checkpointer, type CheckpointReport } from './checkpoints';
import { InstanceCache, type InstanceCacheOptions, type InstanceCacheStats } from './instanceCache';
import { HeadSealer } from './headSealer';
import { HISTORY_KEY_FILE, HistoryKey, sealHead } from './sealing';
import { deletedInstanceProblem, verifyInstance, type VerifyResult } from './verify';
import { Jobs } from './jobs';
import { Messaging } from './messaging';
import { segregationProblem } from './segregation';
import { seatProblem } from './seats';
import { EMPTY_DIRECTORY, type Directory } from '../expr/directory';
import { sandbox } from '../expr/feelSandbox';
import { jsonDepth, limitsOf, type Limits } from '../expr/limits';
import { agentMayActOn, checkMayStart, isAgentOnly, type Caller } from './access';
import { messageActions, type MessageAction } from './messageActions';
import type { MessageFormCheck } from './messaging';
import { startableProcesses, type StartableProcess } from './startForms';
import { identityError, withStarter } from './identity';
import { checkOwnsProcess } from './ownership';
import type { ProcessModel } from '../bpmn/model';
import { persisted } from './snapshot';
import { variablesAtWait } from '../compile/variables';
import { OutboxDispatcher } from './outbox';
import { withReportedAt } from './reportedAt';
import { slaReport, type SlaReport, type SlaReportQuery } from './slaReports';
import { Timers } from './timers';
import { TaskDesk } from './taskDesk';
import { TicketLinks } from './ticketLinks';
import { newLink } from './tickets';
import { checkMayModify, InstanceVersions, type MigrationReport, type MigrationRequest } from './versions';
import type { Modification } from '../compile/versions';

export interface EngineOptions {
  /** A Store adapter; default: the embedded SQLite store in `dataDir`. */
  store?: Store;
  /** Directory of the embedded store (default `./data`); `:memory:` for a throw-away engine. */
  dataDir?: string;
  /** The MongoDB store on this connection string instead of the embedded one (unless `store` is given). */
  mongodbUrl?: string;
  /** The PostgreSQL store (DATABASE_URL and pool settings) instead of the embedded one (unless `store` is given). */
  postgres?: { url: string; poolMax: number; schema: string; statementTimeoutMs: number };
  /** Durability and group commit of the embedded store (SQLITE_SYNCHRONOUS); see SqliteStoreOptions. Ignored with `store`. */
  sqlite?: Pick<OpenStoreOptions, 'synchronous' | 'groupCommitMax'>;
  scheduler?: Scheduler;
  /** Timers on BullMQ on this Redis (docs/architecture.md, "The adapters") unless `scheduler` is given; embedded otherwise. */
  redisUrl?: string;
  /** Redis key prefix of the BullMQ queues (default `processdesk`). */
  redisPrefix?: string;
  /**
   * Jobs on BullMQ, one queue per job type (engine/queue/jobs), with these per-type settings: the
   * default when `redisUrl` is given. `false` keeps jobs as rows that workers poll. The types' default
   * `retries` apply either way.
   */
  jobQueues?: JobQueueSettings | false;
  /** A job delivery adapter instead of the one `redisUrl` makes. */
  jobDelivery?: JobDelivery;
  /** Lines about refused job results and jobs that cannot be queued (default: console.warn). */
  jobLog?: (line: string) => void;
  clock?: Clock;
  /** Working days, hours, time zone and holidays of the business-time FEEL functions (businessDue...). */
  businessCalendar?: BusinessCalendarConfig;
  /** Named calendars (BUSINESS_CALENDARS), picked per instance by name; the engine-wide one stays the default. */
  businessCalendars?: Record<string, BusinessCalendarConfig>;
  /**
   * The people FEEL's groupMembers / managerOf look up, and whom tasks may be delegated or assigned to
   * (an unknown user is refused). Without one, nobody is known and those checks are skipped.
   */
  directory?: Directory;
  /**
   * How often the built-in decision worker looks for decision jobs it was not told about (created by
   * another process on the same store, or left by a crash); jobs committed here are worked at once.
   * Default 1000 ms.
   */
  decisionPollMs?: number;
  /** Called with errors of background work (timers, outbox); default: console.error. */
  onError?: (err: unknown, context: string) => void;
  /**
   * Tells a user that someone else gave them a task (assigned it, delegated it): a `task.assigned` outbox
   * row committed with the assignment is handed here after the commit, and again (at least once) until
   * this resolves; it runs beside the other dispatch, so a slow mail server holds nothing up. Every
   * process sharing a store should be given the same (the API and the workers: NOTIFY_CONFIG).
   */
  onTaskAssigned?: (notice: TaskAssignedNotice) => Promise<void>;
  /**
   * The Ed25519 key that seals history heads and checkpoints: a HistoryKey, or the path of its PEM file
   * (created with mode 0600 when missing). Default `history-key.pem` in `dataDir`; a key for the
   * process's lifetime when the engine keeps nothing on disk (`:memory:`, or a `store` without `dataDir`).
   * Engine processes sharing a store must share this key.
   */
  historyKey?: HistoryKey | string;
  /** How often heads of grown histories are written into a signed checkpoint (default 60000 ms; 0: only on stop and on demand). */
  checkpointIntervalMs?: number;
  /** How much work one request may cause (engine/expr/limits.ts for the defaults). */
  limits?: Partial<Limits>;
  /**
   * The store is checked for damage at start (a damaged one refuses to start) and again, when a health
   * check asks, at most this often (default 600000 ms; 0: only at start). The check reads all the data.
   */
  integrityCheckMs?: number;
  /**
   * Instances whose last committed row the engine keeps in memory, so the next command on one reads its
   * revision instead of its snapshot (instanceCache.ts; DEFAULT_INSTANCE_CACHE: 1,000 instances, 32 MiB of snapshots).
   */
  instanceCache?: InstanceCacheOptions;
}

export interface StartInstanceRequest {
  processId: string;
  version?: number;
  businessKey?: string;
  variables?: Record<string, unknown>;
  /** Who starts it, when no `caller` is given (default `engine`). */
  actor?: string;
  /** The signed-in user: checked against the process's `processdesk.startableBy`, recorded as starter. */
  caller?: Caller;
  /** The ticket this one is raised from (a problem from an incident): linked to it; the caller must be allowed to act on it. */
  raisedFrom?: string;
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
  /** Who started it (the signed-in user; `engine`/`timer` for automatic starts). */
  startedBy?: string;
}

export function toInstanceView(row: InstanceRow): InstanceView {
  return {
    id: row.id,
    processId: row.processId,
    version: row.version,
    definitionKey: row.definitionKey,
    businessKey: row.businessKey,
    state: row.state,
    // a row the engine just committed holds its kept, frozen variables (instanceCache.ts): the caller gets its own
    variables: Object.isFrozen(row.variables) ? structuredClone(row.variables) : row.variables,
    activeElements: row.activeElements,
    parentInstanceId: row.parentInstanceId,
    startedAt: new Date(row.startedAt).toISOString(),
    endedAt: row.endedAt ? new Date(row.endedAt).toISOString() : undefined,
    startedBy: row.startedBy,
  };
}

export class Engine {
  /** Private: callers (the API, embedding applications) use the methods below, never the rows directly. */
  private readonly store: Store;
  readonly clock: Clock;
  private readonly definitions: DefinitionCache;
  private readonly executor: Executor;
  private readonly instances: InstanceCache;
  private readonly versions: InstanceVersions;
  private readonly scheduler: Scheduler;
  private readonly outbox: OutboxDispatcher;
  private readonly jobs: Jobs;
  private readonly messaging: Messaging;
  private readonly timers: Timers;
  private started = false;
  private readonly commitListeners = new Set<(batch: CommitBatch) => void>();
  private readonly decisions: DecisionWorker;
  private readonly key: HistoryKey;
  private readonly directory: Directory;
  private readonly onTaskAssigned?: (notice: TaskAssignedNotice) => Promise<void>;
  readonly limits: Limits;
  /** The modeler's drafts per user and process id (drafts.ts). */
  readonly drafts: Drafts;
  /** Task list search, saved views, work notes and attachments (taskDesk.ts). */
  readonly desk: TaskDesk;
  /** Links between tickets (ticketLinks.ts). */
  readonly links: TicketLinks;
  private readonly checkpointer: Checkpointer;
  private readonly checkpointIntervalMs: number;
  private readonly integrityCheckMs: number;
  private integrity: { checkedAt: number; problem?: string } = { checkedAt: 0 };
  private readonly delivery?: JobDelivery;
  private stopDecisionWorker?: () => Promise<void>;

  constructor(options: EngineOptions = {}) {
    this.clock = options.clock ?? Date.now;
    const onError = options.onError ?? ((err, where) => console.error(`[processdesk] ${where}:`, err));
    this.store =
      options.store ??
      (options.postgres || options.mongodbUrl
        ? openStore({ mongodbUrl: options.mongodbUrl, ...storeOptionsOf(options.postgres) })
        : options.dataDir === ':memory:'
          ? openStore({ file: ':memory:', ...options.sqlite })
          : openStore({ dataDir: options.dataDir ?? 'data', ...options.sqlite }));
    this.directory = options.directory ?? EMPTY_DIRECTORY;
    this.onTaskAssigned = options.onTaskAssigned;
    this.limits = limitsOf(options.limits);
    this.drafts = new Drafts(this.store, this.clock);
    sandbox.configure({ timeoutMs: this.limits.feelTimeoutMs, maxResultBytes: this.limits.maxFeelResultBytes });
    const jobSettings = options.jobQueues ? new JobTypeSettingsTable(options.jobQueues) : undefined;
    this.definitions = new DefinitionCache(this.store, {
      calendar: options.businessCalendar && validateCalendar(options.businessCalendar),
      calendars: options.businessCalendars && validateCalendars(options.businessCalendars),
      directory: this.directory,
      limits: this.limits,
      jobRetries: jobSettings && ((type) => jobSettings.of(type).retries),
    });
    this.scheduler =
      options.scheduler ??
      createScheduler({
        store: this.store,
        redisUrl: options.redisUrl,
        redisPrefix: options.redisPrefix,
        clock: this.clock,
        onError: (e) => onError(e, 'timer'),
      });
    this.outbox = new OutboxDispatcher(this.store, onError);
    this.key = historyKeyOf(options, (message) => onError(new Error(message), 'history key'));
    this.checkpointer = new Checkpointer(this.store, this.key, this.clock, (e) => onError(e, 'checkpoint'));
    this.checkpointIntervalMs = options.checkpointIntervalMs ?? 60_000;
    this.integrityCheckMs = options.integrityCheckMs ?? 600_000;
    this.instances = new InstanceCache(this.store, options.instanceCache);
    this.executor = new Executor(this.store, this.definitions, this.clock, new HeadSealer(this.key), (batch) => this.committed(batch), this.instances);
    this.desk = new TaskDesk(this.store, this.executor, this.clock);
    this.links = new TicketLinks(this.store, this.executor, this.clock, this.limits, (id, caller) => this.checkMayActOn(id, caller));
    this.versions = new InstanceVersions(this.executor, this.definitions, this.clock);
    this.messaging = new Messaging(this.store, this.executor, this.definitions, this.clock, (id) => this.newInstanceId(id), this.limits);
    this.delivery =
      options.jobDelivery ??
      (options.redisUrl && options.jobQueues !== false
        ? new BullmqJobDelivery({
            redisUrl: options.redisUrl,
            prefix: options.redisPrefix,
            store: this.store,
            settings: options.jobQueues || undefined,
            clock: this.clock,
            onError,
            log: options.jobLog,
            maxJsonDepth: this.limits.maxJsonDepth,
          })
        : undefined);
    this.jobs = new Jobs(this.store, this.executor, this.clock, this.delivery);
    this.timers = new Timers(this.store, this.executor, this.definitions, this.clock);
    this.decisions = new DecisionWorker(this, { onError, pollMs: options.decisionPollMs });
    this.outbox.bind({
      executor: this.executor,
      definitions: this.definitions,
      messaging: this.messaging,
      scheduler: this.scheduler,
      clock: this.clock,
      taskAssigned: this.onTaskAssigned,
    });
  }

  /** Opens the store, re-dispatches what a crash left in the outbox and starts the timer loop. */
  async start(): Promise<this> {
    if (this.started) return this;
    await this.store.init();
    const damage = await this.store.checkIntegrity();
    if (damage) {
      await this.store.close();
      throw new Error(`${damage}; refusing to start on it: restore the database from a backup`);
    }
    this.integrity = { checkedAt: Date.now() };
    await this.sealUnsealedHeads();
    this.started = true;
    await this.outbox.start();
    await this.scheduler.start((timer) => this.timers.fire(timer));
    if (this.delivery) {
      await this.delivery.start(this.jobSink());
      // Decision jobs are queued like any other: a worker of their queue in every engine process.
      this.stopDecisionWorker = await this.delivery.work(DECISION_JOB_TYPE, (job) => this.decisions.decide(job), { workerId: DECISION_WORKER });
    } else {
      this.decisions.start();
    }
    this.checkpointer.start(this.checkpointIntervalMs);
    return this;
  }

  /** Instances stored before heads were sealed get their current head sealed once, at start. */
  private async sealUnsealedHeads(): Promise<void> {
    for (;;) {
      const rows = await this.store.unsealedInstances(500);
      let sealed = 0;
      for (const row of rows) {
        if (await this.store.sealHead(row.id, row.rev, sealHead(this.key, row, persisted(row).history))) sealed++;
      }
      if (!rows.length || !sealed) return;
    }
  }

  /** Stops taking background work and waits for in-flight dispatch; then closes the store. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.stopDecisionWorker?.();
    await this.decisions.stop();
    await this.delivery?.stop();
    await this.scheduler.stop();
    await this.outbox.stop();
    await this.checkpointer.stop();
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
    if (this.delivery && batch.jobs?.upsert?.length) this.delivery.committed(batch.jobs.upsert);
    if (batch.jobs?.upsert?.some((j) => j.type === DECISION_JOB_TYPE && j.state === 'activatable')) this.decisions.wake();
    for (const listener of this.commitListeners) {
      try {
        listener(batch);
      } catch {
        // a listener's failure is its own
      }
    }
  }

  /** Resolves once no outbox dispatch is in flight and committed jobs are handed to their queues (tests, shutdown). */
  async idle(): Promise<void> {
    await this.outbox.idle();
    await this.delivery?.idle();
  }

  private newInstanceId(seed?: string): string {
    return seed ?? randomUUID();
  }

  // ---- deployments ----------------------------------------------------------------------------

  /** Deploys; with `caller`, only the owners of what it replaces may (ownership.ts). */
  async deploy(resources: DeployResource[], caller?: Caller): Promise<DeploymentResult> {
    const result = await deploy(this.store, this.definitions, resources, this.clock(), this.limits, caller);
    // what the deployer drafted of these processes is deployed now: the drafts have done their work
    if (caller) for (const p of result.processes) await this.drafts.delete(caller.id, p.processId);
    // Timer start events of the new versions: let the scheduler know now rather than at its next poll.
    const next = await this.store.nextTimerDue();
    if (next !== undefined) await this.scheduler.scheduled('', next);
    return result;
  }

  /** The newest deployed version of a process, or undefined when it was never deployed. */
  async latestVersion(processId: string): Promise<number | undefined> {
    return (await this.store.getLatestDefinition(processId))?.version;
  }

  async getMachineConfig(key: string): Promise<MachineConfig> {
    return (await this.definitions.get(key)).compiled.config;
  }

  /** The latest version of every deployed process, ordered by process id. */
  async listProcesses(): Promise<DefinitionRow[]> {
    const defs = await this.store.listLatestDefinitions();
    return defs.sort((a, b) => (a.processId < b.processId ? -1 : a.processId > b.processId ? 1 : 0));
  }

  /** A deployed process by `processId:version`, or the latest version of `processId`; NOT_FOUND otherwise. */
  async getProcess(key: string): Promise<DefinitionRow> {
    const def = /^.*:\d+$/.test(key) ? await this.store.getDefinition(key) : await this.store.getLatestDefinition(key);
    if (!def) throw notFound(`process ${key}`);
    return def;
  }

  /** A resource deployed with processes, by id: `form:<formId>`, `dmn:<decisionId>`, `schema:<processId>`. */
  getResource(id: string): Promise<ResourceRow | undefined> {
    return this.store.getResource(id);
  }

  /** The resources of one kind deployed with processes (`form`, `dmn`, `schema`), for the modeler's pickers. */
  listResources(kind: string): Promise<ResourceRow[]> {
    return this.store.listResources(kind);
  }

  // ---- instances ------------------------------------------------------------------------------

  async startInstance(req: StartInstanceRequest): Promise<InstanceView> {
    const def = await this.definitions.latest(req.processId, req.version);
    const { model } = def.compiled;
    if (!model.scopes[def.row.processId].startEvents.length) {
      throw invalid(`process ${req.processId} has no none start event; it starts on messages, signals or timers only`);
    }
    if (req.caller) checkMayStart(req.processId, model.policy, req.caller);
    this.checkDepth(req.variables, 'start variables');
    const refused = identityError(model.policy, req.variables, 'start');
    if (refused) throw refused;
    if (model.policy?.ticketPrefix && req.businessKey !== undefined) {
      throw invalid(`process ${req.processId} numbers its tickets (${model.policy.ticketPrefix}0000001, ...): the engine gives the business key, leave businessKey out`);
    }
    const actor = req.caller?.id ?? req.actor ?? 'engine';
    if (req.raisedFrom !== undefined) {
      await this.getInstance(req.raisedFrom); // NOT_FOUND for an unknown ticket, whoever asks
      if (req.caller) await this.checkMayActOn(req.raisedFrom, req.caller);
      await this.links.checkRoom(req.raisedFrom);
    }
    const variables = withReportedAt(model, def.row.processId, req.variables ?? {}, this.clock(), this.limits.maxReportedAgeMs);
    const row = await this.executor.start(def, {
      id: this.newInstanceId(),
      variables: withStarter(model.policy, variables, actor),
      businessKey: req.businessKey,
      actor,
      raisedFrom: req.raisedFrom,
    });
    if (req.raisedFrom !== undefined) {
      // the raised ticket's start recorded the link; the ticket it was raised from records it too
      const from = await this.store.getInstance(req.raisedFrom);
      if (from) await this.links.record(from.id, newLink(from, row, 'raised', actor, row.startedAt), actor);
    }
    return toInstanceView(row);
  }

  async getInstance(id: string): Promise<InstanceView> {
    const row = await this.store.getInstance(id);
    if (!row) throw notFound(`process instance ${id}`);
    return toInstanceView(row);
  }

  /** Instances, oldest first; with `caller` an agent, only those the agent may act on (access.ts). */
  async listInstances(q: Omit<InstanceQuery, 'visibleTo'>, caller?: Caller): Promise<Page<InstanceView>> {
    const query: InstanceQuery = { ...q };
    if (caller && isAgentOnly(caller)) {
      const granted = (await this.store.listLatestDefinitions()).filter((d) => {
        const groups = (d.model as ProcessModel).policy?.visibleToGroups ?? [];
        return groups.some((g) => caller.groups.includes(g));
      });
      query.visibleTo = { user: caller.id, groups: [...caller.groups], processIds: granted.map((d) => d.processId) };
    }
    const page = await this.store.listInstances(query);
    return { items: page.items.map(toInstanceView), next: page.next };
  }

  /** The processes the caller may start, with their start forms (startForms.ts). */
  async startableProcesses(caller: Caller): Promise<StartableProcess[]> {
    return startableProcesses(await this.listProcesses(), caller);
  }

  /** The messages the caller may send to an instance now (messageActions.ts); NOT_FOUND for an unknown one. */
  async messageActions(id: string, caller: Caller): Promise<MessageAction[]> {
    const row = await this.store.getInstance(id);
    if (!row) throw notFound(`process instance ${id}`);
    return messageActions(this.store, row, (await this.definitions.get(row.definitionKey)).compiled.model, caller);
  }

  /** Refuses (FORBIDDEN) an agent who may not act on this instance (access.ts); others pass. */
  async checkMayActOn(id: string, caller: Caller): Promise<void> {
    if (!isAgentOnly(caller)) return;
    const row = await this.store.getInstance(id);
    if (!row) throw notFound(`process instance ${id}`);
    const { model } = (await this.definitions.get(row.definitionKey)).compiled;
    if (!(await agentMayActOn(this.store, row, model.policy, caller))) {
      throw new EngineError('FORBIDDEN', `${caller.id} may not see instance ${id}: not its starter, no task of theirs or their groups in it`);
    }
  }

  /** Refuses an owner's action on an instance whose process the caller does not own. */
  async checkOwnsInstance(id: string, caller: Caller, action: string): Promise<void> {
    if (caller.roles.includes('admin')) return;
    const row = await this.store.getInstance(id);
    if (!row) throw notFound(`instance ${id}`);
    checkOwnsProcess((await this.definitions.latest(row.processId)).row, caller, action);
  }

  /** Whether the caller owns the instance's process (what the web app offers them). */
  async ownsInstance(id: string, caller: Caller): Promise<boolean> {
    try {
      await this.checkOwnsInstance(id, caller, 'act');
      return true;
    } catch (err) {
      if (err instanceof EngineError && err.code === 'FORBIDDEN') return false;
      throw err;
    }
  }

  /** Cancels; with `caller`, only an owner of the instance's process or an admin may (ownership.ts). */
  async cancelInstance(id: string, actor = 'engine', caller?: Caller): Promise<InstanceView> {
    if (caller) await this.checkOwnsInstance(id, caller, `cancel instance ${id}`);
    const { row } = await this.executor.execute(id, actor, async (current) => {
      if (current.state === 'completed' || current.state === 'terminated') throw conflict(`instance ${id} is already ${current.state}`);
      return { event: { type: 'CANCEL', at: this.clock(), actor } };
    });
    return toInstanceView(row);
  }

  /**
   * Starts inner elements of a running ad-hoc subprocess (as Camunda's "activate activities within an
   * ad-hoc sub-process"); with `caller`, only an owner of the process or an admin may.
   */
  async activateElements(id: string, adHocElement: string, elements: string[], actor = 'engine', caller?: Caller): Promise<InstanceView> {
    if (caller) await this.checkOwnsInstance(id, caller, `start elements of ${adHocElement} in instance ${id}`);
    const current = await this.store.getInstance(id);
    if (!current) throw notFound(`instance ${id}`);
    const { model } = (await this.definitions.get(current.definitionKey)).compiled;
    const node = model.nodes[adHocElement];
    if (!node?.adHoc) throw invalid(`${adHocElement} is no ad-hoc subprocess of process ${model.id}`);
    const inner = new Set(model.scopes[adHocElement].nodes.filter((n) => model.nodes[n].kind !== 'boundaryEvent'));
    const unknown = elements.filter((e) => !inner.has(e));
    if (!elements.length || unknown.length)
      throw invalid(
        elements.length
          ? `${unknown.join(', ')} ${unknown.length === 1 ? 'is no inner element' : 'are no inner elements'} of ${adHocElement} (its elements: ${[...inner].join(', ')})`
          : 'no elements to start',
      );
    const { row } = await this.executor.execute(id, actor, async (row) => {
      if (row.state === 'completed' || row.state === 'terminated') throw conflict(`instance ${id} is already ${row.state}`);
      return { event: { type: 'ACTIVATE_ELEMENTS', element: adHocElement, elements, at: this.clock(), actor } };
    });
    return toInstanceView(row);
  }

  /**
   * Moves a running instance to another version of its process (versions.ts): with `caller`, only an
   * owner of the process or an admin may; `dryRun` only reports the mapping and the problems.
   */
  async migrateInstance(id: string, req: MigrationRequest, actor = 'engine', caller?: Caller): Promise<{ report: MigrationReport; instance?: InstanceView }> {
    if (caller) await this.checkOwnsInstance(id, caller, `migrate instance ${id}`);
    const { report, row } = await this.versions.migrate(id, req, actor);
    return { report, instance: row && toInstanceView(row) };
  }

  /** Activates elements and terminates tokens of a running instance; with `caller`, administrators only. */
  async modifyInstance(id: string, m: Modification, actor = 'engine', caller?: Caller): Promise<InstanceView> {
    if (caller) checkMayModify(caller, id);
    // variables an activation sets meet the same rules as an operator's setVariables: depth, no identity variable
    for (const a of m.activate) if (a.variables) this.checkDepth(a.variables, 'variables');
    const checkIdentity = async (row: InstanceRow, variables: Record<string, unknown>): Promise<void> => {
      const refused = identityError(await this.policyOf(row), variables, 'operator');
      if (refused) throw refused;
    };
    return toInstanceView(await this.versions.modify(id, m, actor, checkIdentity));
  }

  /**
   * Sets process-level variables of a running instance (an operator fixing data before retrying an
   * incident); the change is in the history with who made it.
   */
  async setVariables(id: string, variables: Record<string, unknown>, actor = 'engine'): Promise<InstanceView> {
    if (!Object.keys(variables).length) throw invalid('no variables to set');
    this.checkDepth(variables, 'variables');
    const { row } = await this.executor.execute(id, actor, async (current) => {
      if (current.state === 'completed' || current.state === 'terminated') throw conflict(`instance ${id} is already ${current.state}`);
      const refused = identityError(await this.policyOf(current), variables, 'operator');
      if (refused) throw refused;
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

  /**
   * The variables a task sees now (its form shows them): those of its scope chain and its input
   * mappings while it is open, the instance's process variables once it is done.
   */
  async taskVariables(task: TaskRow): Promise<Record<string, unknown>> {
    const variables = await this.executor.read(task.instanceId, (row, shared) => {
      const now = variablesAtWait(persisted(row).machine.context, task.waitId) ?? row.variables;
      return shared ? structuredClone(now) : now;
    });
    return variables ?? {};
  }

  listTasks(q: TaskQuery): Promise<Page<TaskRow>> {
    return this.store.listTasks(q);
  }

  /**
   * Completes a task as `actor`. The checks run against the task as the committing command reads it:
   * with `requireAssignee` (an agent acting for themselves), a claim by someone else that lands first
   * is seen and refused (FORBIDDEN). `options.read` is the task as the caller read it just before (an
   * API route checking who may work it): it tells the instance to run on without a read of its own.
   */
  async completeTask(id: string, variables: Record<string, unknown> = {}, actor = 'engine', options: { requireAssignee?: boolean; read?: TaskRow } = {}): Promise<TaskRow> {
    this.checkDepth(variables, 'task variables');
    const task = options.read?.id === id ? options.read : await this.getTask(id);
    let done: TaskRow | undefined;
    await this.executor.execute(task.instanceId, actor, async (row, at) => {
      const current = await this.getTask(id);
      // a task never changes instance: a `read` of another instance's task is the caller's mistake
      if (current.instanceId !== task.instanceId) throw invalid(`task ${id} belongs to instance ${current.instanceId}, not ${task.instanceId}`);
      if (current.state !== 'created') throw conflict(`task ${id} is already ${current.state}`);
      if (options.requireAssignee && current.assignee && current.assignee !== actor) throw new EngineError('FORBIDDEN', `task ${id} is claimed by ${current.assignee}`);
      const segregation = segregationProblem(current, actor, 'complete') ?? (await seatProblem(this.store, current, actor, 'complete'));
      if (segregation) throw new EngineError('FORBIDDEN', segregation);
      const source = current.formId ? 'task' : 'formless-task';
      const refused = identityError(await this.policyOf(row), variables, source, variablesAtWait(persisted(row).machine.context, current.waitId));
      if (refused) throw refused;
      done = { ...current, state: 'completed', completedAt: at, completedBy: actor };
      return { event: { type: 'TASK_COMPLETE', waitId: current.waitId, variables, at, actor }, extras: { tasks: [done] } };
    });
    return done!;
  }

  /**
   * Assigns a task to `user` (claim) or clears the assignee (`user` undefined: unclaim). Without `force`
   * (an admin) nobody takes over or clears another user's claim.
   */
  assignTask(id: string, user: string | undefined, actor: string, force = false): Promise<TaskRow> {
    return this.reassign(id, user, actor, user ? 'task.claimed' : 'task.unclaimed', async (current) => {
      if (user && current.assignee && current.assignee !== user && !force) throw conflict(`task ${id} is already claimed by ${current.assignee}`);
      if (!user && current.assignee && current.assignee !== actor && !force) throw new EngineError('FORBIDDEN', `task ${id} is claimed by ${current.assignee}`);
      if (!user) return;
      if (user !== actor) this.checkCanWorkTasks(user);
      const problem =
        segregationProblem(current, user, user === actor ? 'claim' : 'be assigned') ?? (await seatProblem(this.store, current, user, user === actor ? 'claim' : 'be given'));
      if (problem) throw new EngineError('FORBIDDEN', problem);
    });
  }

  /** Refuses handing a task to someone the directory does not know or who cannot work tasks. */
  private checkCanWorkTasks(user: string): void {
    if (!this.directory.known) return;
    const entry = this.directory.user(user);
    if (!entry) throw invalid(`${user} is no known user`);
    if (!entry.roles.some((r) => r === 'agent' || r === 'admin')) throw invalid(`${user} cannot work tasks (roles: ${entry.roles.join(', ') || 'none'})`);
  }

  /**
   * Hands a task to a substitute (approvals: an approver who is away delegates). Only its assignee may
   * delegate it (or anyone with `force`, i.e. an admin); history records who delegated to whom.
   */
  delegateTask(id: string, to: string, actor: string, force = false): Promise<TaskRow> {
    return this.reassign(id, to, actor, 'task.delegated', async (current) => {
      if (!force && current.assignee !== actor) throw new EngineError('FORBIDDEN', `only the assignee of task ${id} (${current.assignee ?? 'nobody'}) may delegate it`);
      if (to === actor) throw invalid(`task ${id} cannot be delegated to its own assignee`);
      this.checkCanWorkTasks(to);
      const problem = segregationProblem(current, to, 'be assigned') ?? (await seatProblem(this.store, current, to, 'be given'));
      if (problem) throw new EngineError('FORBIDDEN', problem);
    });
  }

  private async reassign(id: string, assignee: string | undefined, actor: string, event: string, check: (task: TaskRow) => Promise<void>): Promise<TaskRow> {
    const task = await this.getTask(id);
    let updated: TaskRow | undefined;
    await this.executor.execute(task.instanceId, actor, async () => {
      const current = await this.getTask(id);
      if (current.state !== 'created') throw conflict(`task ${id} is already ${current.state}`);
      await check(current);
      updated = { ...current, assignee };
      // someone else gave the task to `assignee`: they hear of it (a claim of one's own needs no word)
      const notice: TaskAssignedNotice | undefined =
        this.onTaskAssigned && assignee && assignee !== actor
          ? {
              taskId: id,
              instanceId: current.instanceId,
              processId: current.processId,
              elementId: current.elementId,
              ...(current.name ? { name: current.name } : {}),
              ...(current.subject ? { subject: current.subject } : {}),
              ...(current.businessKey ? { businessKey: current.businessKey } : {}),
              ...(current.dueDate !== undefined ? { dueDate: current.dueDate } : {}),
              assignee,
              by: actor,
              how: event === 'task.delegated' ? 'delegated' : 'assigned',
            }
          : undefined;
      return {
        event: null,
        extras: {
          tasks: [updated],
          history: [{ type: event, elementId: current.elementId, data: { taskId: id, from: current.assignee ?? null, assignee } }],
          outbox: notice ? [{ kind: 'task.assigned', payload: notice }] : [],
        },
      };
    });
    return updated!;
  }

  // ---- jobs -----------------------------------------------------------------------------------

  /** Locks jobs for an HTTP or polling worker; `fetchVariables` limits the variables handed out. */
  activateJobs(req: { type: string; worker: string; maxJobs?: number; lockMs?: number; fetchVariables?: string[] }): Promise<JobRow[]> {
    return this.jobs.activate(req.type, req.worker, req.maxJobs ?? 1, req.lockMs ?? 30_000, req.fetchVariables);
  }

  async completeJob(key: string, variables: Record<string, unknown> = {}, worker = 'worker'): Promise<void> {
    this.checkDepth(variables, 'job variables');
    return this.jobs.complete(key, variables, worker, (row) => this.checkJobVariables(row, variables));
  }

  /** Job results never set identity variables: checked inside the command, against the row it runs on. */
  private async checkJobVariables(row: InstanceRow, variables: Record<string, unknown>): Promise<void> {
    const refused = identityError(await this.policyOf(row), variables, 'job');
    if (refused) throw refused;
  }

  private async policyOf(row: InstanceRow): Promise<ProcessModel['policy']> {
    return (await this.definitions.get(row.definitionKey)).compiled.model.policy;
  }

  failJob(key: string, req: { retries: number; errorMessage?: string; backoffMs?: number }, worker = 'worker'): Promise<JobRow> {
    return this.jobs.fail(key, req.retries, req.errorMessage, req.backoffMs ?? 0, worker);
  }

  async throwJobError(key: string, errorCode: string, errorMessage?: string, worker = 'worker', variables?: Record<string, unknown>): Promise<void> {
    if (variables) this.checkDepth(variables, 'job variables');
    return this.jobs.throwError(key, errorCode, errorMessage, worker, variables, variables && ((row) => this.checkJobVariables(row, variables)));
  }

  /**
   * Gives an activated job's worker `timeoutMs` from now (Camunda's job timeout update). On BullMQ the
   * parked queue job of an HTTP worker's activation waits until the new end too; a job a queue worker
   * holds keeps its BullMQ lock (a 409).
   */
  async updateJobTimeout(key: string, timeoutMs: number, actor = 'engine'): Promise<JobRow> {
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw invalid('timeout must be at least 1 ms');
    const now = this.clock();
    const lockExpiresAt = now + timeoutMs;
    if (this.delivery) {
      const job = await this.jobs.getJob(key);
      if (!job) throw notFound(`job ${key}`);
      if (job.state !== 'activated') throw conflict(`job ${key} is not activated: there is no lock to change`);
      if (!(await this.delivery.moveLock(job, lockExpiresAt)))
        throw conflict(`job ${key} is not held by an HTTP worker's activation (its lock ended, or a queue worker holds it): its timeout cannot be changed`);
    }
    return this.jobs.setLock(key, timeoutMs, now, actor);
  }

  /** Sets the retries of a live job (Camunda's job update); 0 is refused: failing a job is what raises its incident. */
  async updateJobRetries(key: string, retries: number, actor = 'engine'): Promise<JobRow> {
    if (!Number.isInteger(retries) || retries < 1) throw invalid('retries must be at least 1 (fail the job to leave it without retries)');
    return this.jobs.setRetries(key, retries, actor);
  }

  /**
   * What the job queues call: Jobs, but a result goes through completeJob, so that a result from Redis
   * meets the checks an HTTP worker's does (nesting depth, identity variables).
   */
  private jobSink(): JobSink {
    const jobs = this.jobs;
    return {
      getJob: (key) => jobs.getJob(key),
      variables: (job, names) => jobs.variables(job, names),
      complete: (key, variables, worker) => this.completeJob(key, variables, worker),
      throwError: (key, code, message, worker) => jobs.throwError(key, code, message, worker),
      failAttempt: (key, failure, worker) => jobs.failAttempt(key, failure, worker),
      lock: (key, worker, lockExpiresAt) => jobs.lock(key, worker, lockExpiresAt),
    };
  }

  /** True when jobs are BullMQ jobs (a queue per type) rather than rows workers poll. */
  get jobsOnBullmq(): boolean {
    return !!this.delivery;
  }

  /**
   * Works the jobs of `type` in this process with `handler` (a BullMQ worker on the type's queue that
   * applies each outcome to the engine); resolves to a function that stops it. Jobs on BullMQ only.
   */
  workJobs(type: string, handler: JobHandler, options?: WorkOptions): Promise<() => Promise<void>> {
    if (!this.delivery) throw invalid('jobs are not on BullMQ here (no Redis): poll them with activateJobs');
    return this.delivery.work(type, handler, options);
  }

  /** Jobs waiting and in progress per job type (jobs on BullMQ; none otherwise). */
  async jobQueueStats(): Promise<JobQueueStats[]> {
    return this.delivery ? this.delivery.stats() : [];
  }

  /** The BullMQ queues of the jobs (job types and sync requests), for the dashboard; none when jobs are polled. */
  async jobQueues(): Promise<Queue[]> {
    return this.delivery ? this.delivery.queues() : [];
  }

  // ---- messages and signals -------------------------------------------------------------------

  /** Publishes a message; a `caller` who is only an agent is held to the rules of messaging.ts. */
  publishMessage(
    req: { name: string; correlationKey?: string; variables?: Record<string, unknown>; timeToLiveMs?: number; messageId?: string },
    actor = 'engine',
    caller?: Caller,
    checkForm?: MessageFormCheck,
  ) {
    this.checkDepth(req.variables, 'message variables');
    return this.messaging.publish(req, caller?.id ?? actor, caller, checkForm);
  }

  broadcastSignal(req: { name: string; variables?: Record<string, unknown> }, actor = 'engine') {
    this.checkDepth(req.variables, 'signal variables');
    return this.messaging.broadcastSignal(req.name, req.variables ?? {}, actor);
  }

  /** Refuses values nested deeper than the limit (they would exhaust the stack of whatever walks them). */
  private checkDepth(variables: Record<string, unknown> | undefined, what: string): void {
    const max = this.limits.maxJsonDepth;
    if (variables && jsonDepth(variables, max) > max) throw invalid(`${what} nest deeper than ${max} levels (maxJsonDepth)`);
  }

  // ---- incidents ------------------------------------------------------------------------------

  /** SLA records completed in a range, counted per kind and the keys asked for (slaReports.ts); at most `scanLimit` read. */
  slaReport(q: SlaReportQuery, scanLimit: number): Promise<SlaReport> {
    return slaReport(this.store, q, scanLimit);
  }

  listIncidents(q: { instanceId?: string; state?: IncidentRow['state'] }): Promise<IncidentRow[]> {
    return this.store.listIncidents(q);
  }

  async getIncident(id: string): Promise<IncidentRow> {
    const incident = await this.store.getIncident(id);
    if (!incident) throw notFound(`incident ${id}`);
    return incident;
  }

  /** Resolves (retries); with `caller`, only an owner of the instance's process or an admin may (ownership.ts). */
  async resolveIncident(id: string, actor = 'engine', caller?: Caller): Promise<IncidentRow> {
    const incident = await this.store.getIncident(id);
    if (!incident) throw notFound(`incident ${id}`);
    if (caller) await this.checkOwnsInstance(incident.instanceId, caller, `retry incident ${id}`);
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

  /**
   * Verifies an instance's history: the chain, its sealed head and what checkpoints recorded of it.
   * An instance that checkpoints know but the store lost is reported as deleted (not as unknown).
   */
  async verifyHistory(instanceId: string): Promise<VerifyResult> {
    const [row, checkpointed] = await Promise.all([this.store.getInstance(instanceId), this.store.checkpointedHeads(instanceId)]);
    if (!row) {
      if (!checkpointed.length) throw notFound(`process instance ${instanceId}`);
      const last = checkpointed[checkpointed.length - 1];
      const problem = deletedInstanceProblem(last);
      return { valid: false, events: 0, problems: [problem], brokenAt: problem.seq, reason: problem.message };
    }
    return verifyInstance({ instance: row, events: await this.store.getHistory(instanceId), checkpointed }, this.key);
  }

  /**
   * Everything needed to verify an instance's history away from this engine, with the public key
   * alone: its chain, its sealed head (with the starter the seal covers) and the signed checkpoints that
   * recorded it (verify with verifyInstance / checkpointProblems, as `npm run verify-evidence` does).
   */
  async historyEvidence(
    instanceId: string,
  ): Promise<{ instance: Pick<InstanceRow, 'id' | 'processId' | 'startedBy' | 'head'>; events: HistoryEvent[]; checkpoints: CheckpointRow[] }> {
    const row = await this.store.getInstance(instanceId);
    if (!row) throw notFound(`process instance ${instanceId}`);
    const numbers = [...new Set((await this.store.checkpointedHeads(instanceId)).map((h) => h.checkpoint))];
    const checkpoints = (await Promise.all(numbers.map((n) => this.store.listCheckpoints(n - 1, 1)))).flat().filter((c) => numbers.includes(c.seq));
    return {
      instance: { id: row.id, processId: row.processId, startedBy: row.startedBy, head: row.head },
      events: await this.store.getHistory(instanceId),
      checkpoints,
    };
  }

  /** How the kept instance rows served commands (instanceCache.ts). */
  instanceCacheStats(): InstanceCacheStats {
    return this.instances.stats();
  }

  /** Writes signed checkpoints of the heads of every history that grew since the last one. */
  checkpoint(): Promise<CheckpointRow[]> {
    return this.checkpointer.checkpoint();
  }

  /** Checkpoints after `afterSeq` (auditors export and keep them). */
  listCheckpoints(afterSeq = 0, limit = 1000): Promise<CheckpointRow[]> {
    return this.store.listCheckpoints(afterSeq, limit);
  }

  /** Checks every checkpoint (signature, link) and that no checkpointed instance was deleted or put back. */
  verifyCheckpoints(): Promise<CheckpointReport> {
    return this.checkpointer.verify();
  }

  /** The public half of the history key: what verifies seals and checkpoints. */
  get historyPublicKey(): { keyId: string; publicKeyPem: string } {
    return { keyId: this.key.keyId, publicKeyPem: this.key.publicKeyPem };
  }

  /**
   * Whether the store answers and was found undamaged at its last check (done again when older than
   * integrityCheckMs): what /api/health reports. Undefined when healthy, else what is wrong.
   */
  async storeProblem(): Promise<string | undefined> {
    try {
      await this.store.ping();
    } catch (err) {
      return `the store does not answer: ${(err as Error).message}`;
    }
    if (this.integrityCheckMs > 0 && Date.now() - this.integrity.checkedAt >= this.integrityCheckMs) {
      this.integrity = { checkedAt: Date.now(), problem: await this.store.checkIntegrity() };
    }
    return this.integrity.problem;
  }

  /** Checks the store for damage now (what storeProblem reports until the next check). */
  async checkStoreIntegrity(): Promise<string | undefined> {
    this.integrity = { checkedAt: Date.now(), problem: await this.store.checkIntegrity() };
    return this.integrity.problem;
  }

  // ---- decisions -----------------------------------------------------------------------------

  /**
   * Evaluates the latest deployed version of a decision (a `.dmn` resource) against variables, as a
   * business rule task would: NOT_FOUND when it is not deployed, INVALID when the evaluation fails.
   */
  async evaluateDecision(decisionId: string, variables: Record<string, unknown>): Promise<DecisionResult> {
    this.checkDepth(variables, 'decision variables');
    let result;
    try {
      result = await this.decisions.evaluate(decisionId, variables);
    } catch (err) {
      throw invalid((err as Error).message);
    }
    if (!result) throw notFound(`decision ${decisionId}`);
    return result;
  }

  // ---- numeric keys --------------------------------------------------------------------------

  /**
   * The numeric key of an entity (kind `instance`, `task`, `job`...; id its ProcessDesk id), allocated
   * on first use and stable from then on: what APIs with numeric keys (Camunda 8's /v2) show.
   */
  externalKey(kind: string, id: string): Promise<number> {
    return this.store.externalKey(kind, id);
  }

  /** What a numeric key names, or undefined for a key never allocated. */
  resolveExternalKey(key: number): Promise<{ kind: string; id: string } | undefined> {
    return this.store.resolveExternalKey(key);
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

function historyKeyOf(options: EngineOptions, warn: (message: string) => void): HistoryKey {
  if (options.historyKey instanceof HistoryKey) return options.historyKey;
  if (typeof options.historyKey === 'string') return HistoryKey.fromFile(options.historyKey, warn);
  if (options.dataDir === ':memory:' || (options.store && !options.dataDir)) return HistoryKey.ephemeral();
  return HistoryKey.fromFile(path.join(options.dataDir ?? 'data', HISTORY_KEY_FILE), warn);
}

export { EngineError };
