/**
 * The Store port. Every adapter (embedded SQLite, MongoDB) implements it and passes
 * test/store/storeContract.ts. All times are epoch milliseconds; JSON-ish fields are plain values.
 *
 * The runtime never writes piecemeal: each command produces one CommitBatch that the store applies
 * atomically, with an optimistic check on the instance revision (see DESIGN.md section 2).
 */

export interface DefinitionRow {
  /** `${processId}:${version}` */
  key: string;
  processId: string;
  version: number;
  name?: string;
  deploymentId: string;
  resourceName: string;
  xml: string;
  /** The ProcessModel as JSON (engine/bpmn/model.ts). */
  model: unknown;
  /** sha256 of the XML: deploying the same XML again does not make a new version. */
  checksum: string;
  deployedAt: number;
}

/** Forms and other non-BPMN resources deployed with processes (form-js JSON, DMN, variable schemas). */
export interface ResourceRow {
  /** e.g. `form:incident-log`, `dmn:priority-matrix` */
  id: string;
  kind: string;
  name: string;
  content: string;
  deploymentId: string;
  deployedAt: number;
}

export type InstanceState = 'active' | 'completed' | 'terminated' | 'incident';

export interface InstanceRow {
  id: string;
  processId: string;
  version: number;
  definitionKey: string;
  businessKey?: string;
  state: InstanceState;
  /** Optimistic concurrency: incremented by every commit. */
  rev: number;
  /** The persisted XState snapshot. */
  snapshot: unknown;
  /** Root-scope variables (denormalised from the snapshot for queries and the API). */
  variables: Record<string, unknown>;
  activeElements: string[];
  parentInstanceId?: string;
  /** The wait in the parent that this instance is a child of (call activity). */
  parentWaitId?: string;
  startedAt: number;
  endedAt?: number;
}

export type TaskState = 'created' | 'completed' | 'canceled';

export interface TaskRow {
  id: string;
  instanceId: string;
  processId: string;
  elementId: string;
  waitId: string;
  name?: string;
  /** What the task is about (task header `subject`), e.g. "INC-42: VPN down". */
  subject?: string;
  state: TaskState;
  assignee?: string;
  candidateGroups: string[];
  candidateUsers: string[];
  dueDate?: number;
  followUpDate?: number;
  formId?: string;
  formKey?: string;
  priority?: number;
  /** Variables visible to the task when it was created. */
  variables: Record<string, unknown>;
  /** Users segregation of duties keeps off this task, and the variable that named each (e.g. requester). */
  excludedUsers?: ExcludedUser[];
  createdAt: number;
  completedAt?: number;
  completedBy?: string;
}

export interface ExcludedUser {
  user: string;
  /** The process variable the user was named by: `requester`, `implementer`... */
  role: string;
}

export type JobState = 'activatable' | 'activated' | 'completed' | 'failed' | 'errored' | 'canceled';

export interface JobRow {
  key: string;
  type: string;
  instanceId: string;
  processId: string;
  elementId: string;
  waitId: string;
  state: JobState;
  retries: number;
  /** Retries the job was created with; incident resolution restores this many. */
  initialRetries: number;
  worker?: string;
  lockExpiresAt?: number;
  /** Not activatable before this time (retry backoff). */
  notBefore?: number;
  variables: Record<string, unknown>;
  customHeaders: Record<string, string>;
  errorMessage?: string;
  createdAt: number;
}

export type TimerState = 'scheduled' | 'fired' | 'canceled';

export interface TimerRow {
  id: string;
  /** Undefined for a timer start event of a definition. */
  instanceId?: string;
  definitionKey?: string;
  elementId: string;
  waitId?: string;
  dueAt: number;
  state: TimerState;
  /** Remaining repetitions of a cycle (-1 = unbounded), and its interval or cron, for start timers. */
  repeat?: { remaining: number; intervalMs?: number; cron?: string };
  createdAt: number;
  firedAt?: number;
}

export type SubscriptionKind = 'message' | 'signal';

export interface SubscriptionRow {
  id: string;
  kind: SubscriptionKind;
  name: string;
  correlationKey?: string;
  instanceId: string;
  elementId: string;
  waitId: string;
  createdAt: number;
}

export interface MessageRow {
  id: string;
  name: string;
  correlationKey: string;
  variables: Record<string, unknown>;
  /** Optional client id for deduplication. */
  messageId?: string;
  publishedAt: number;
  expiresAt: number;
}

export type IncidentState = 'open' | 'resolved';

export interface IncidentRow {
  id: string;
  instanceId: string;
  processId: string;
  elementId: string;
  /** The job whose retries ran out, or the wait/token whose evaluation failed. */
  jobKey?: string;
  waitId?: string;
  type: 'job-no-retries' | 'expression' | 'unhandled-error' | 'condition' | 'other';
  message: string;
  state: IncidentState;
  createdAt: number;
  resolvedAt?: number;
}

export interface HistoryEvent {
  instanceId: string;
  seq: number;
  at: number;
  type: string;
  elementId?: string;
  actor: string;
  data?: unknown;
  prevHash: string;
  hash: string;
}

export interface OutboxRow {
  id: string;
  kind: string;
  payload: unknown;
  createdAt: number;
}

/** Everything one command changes, applied atomically. */
export interface CommitBatch {
  instance: InstanceRow;
  /** null inserts the instance (fails with ConflictError if it exists); a number must equal the stored rev. */
  expectedRev: number | null;
  history: HistoryEvent[];
  tasks?: { upsert?: TaskRow[] };
  jobs?: { upsert?: JobRow[] };
  timers?: { upsert?: TimerRow[] };
  subscriptions?: { insert?: SubscriptionRow[]; deleteIds?: string[] };
  incidents?: { upsert?: IncidentRow[] };
  /** Ids of buffered messages this instance consumed (recorded so each is correlated once per instance). */
  consumedMessages?: string[];
  outbox?: OutboxRow[];
}

export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

export interface Page<T> {
  items: T[];
  /** Opaque cursor for the next page, undefined on the last page. */
  next?: string;
}

export interface TaskQuery {
  state?: TaskState;
  assignee?: string;
  candidateGroup?: string;
  /** Tasks assigned to this user, or offered to one of these groups or to the user as a candidate. */
  visibleTo?: { user: string; groups: string[] };
  instanceId?: string;
  processId?: string;
  limit?: number;
  cursor?: string;
}

export interface InstanceQuery {
  processId?: string;
  state?: InstanceState;
  businessKey?: string;
  parentInstanceId?: string;
  limit?: number;
  cursor?: string;
}

export interface Store {
  /** Creates tables/indexes and runs migrations. Idempotent. */
  init(): Promise<void>;
  close(): Promise<void>;
  /** Cheap round trip for health checks. */
  ping(): Promise<void>;

  // definitions and resources
  saveDefinitions(defs: DefinitionRow[], resources: ResourceRow[]): Promise<void>;
  getDefinition(key: string): Promise<DefinitionRow | undefined>;
  getLatestDefinition(processId: string): Promise<DefinitionRow | undefined>;
  listLatestDefinitions(): Promise<DefinitionRow[]>;
  getResource(id: string): Promise<ResourceRow | undefined>;
  listResources(kind?: string): Promise<ResourceRow[]>;

  // instances and the atomic commit
  getInstance(id: string): Promise<InstanceRow | undefined>;
  listInstances(q: InstanceQuery): Promise<Page<InstanceRow>>;
  commit(batch: CommitBatch): Promise<void>;

  // reads used by commands and the API
  getTask(id: string): Promise<TaskRow | undefined>;
  listTasks(q: TaskQuery): Promise<Page<TaskRow>>;
  /** Claim/unclaim: sets the assignee only when the task is still `created`; returns the updated row. */
  setTaskAssignee(id: string, assignee: string | undefined): Promise<TaskRow | undefined>;
  getJob(key: string): Promise<JobRow | undefined>;
  /**
   * Atomically locks up to `max` activatable jobs of `type` (state activatable, or activated with an
   * expired lock; notBefore <= now) for `worker` until `now + lockMs`, and returns them.
   */
  activateJobs(type: string, worker: string, max: number, lockMs: number, now: number): Promise<JobRow[]>;
  /** Updates the retry bookkeeping of a job outside a command (fail with retries left). */
  updateJob(job: JobRow): Promise<void>;
  listIncidents(q: { instanceId?: string; state?: IncidentState }): Promise<IncidentRow[]>;
  getIncident(id: string): Promise<IncidentRow | undefined>;

  // timers
  /** Scheduled timers due at or before `now`, oldest first. */
  dueTimers(now: number, limit: number): Promise<TimerRow[]>;
  /** Earliest dueAt of a scheduled timer, for the embedded scheduler's sleep. */
  nextTimerDue(): Promise<number | undefined>;
  getTimer(id: string): Promise<TimerRow | undefined>;
  /** Timers of definitions (timer start events); upsert, and cancel those of older versions. */
  saveStartTimers(timers: TimerRow[], cancelDefinitionKeys: string[]): Promise<void>;
  /** Marks a start timer fired and, for a cycle, inserts the next occurrence, atomically. */
  fireStartTimer(id: string, next: TimerRow | undefined, now: number): Promise<boolean>;

  // messages and signals
  findSubscriptions(kind: 'message', name: string, correlationKey: string): Promise<SubscriptionRow[]>;
  findSubscriptions(kind: 'signal', name: string): Promise<SubscriptionRow[]>;
  /** Buffers a message; returns false (and stores nothing) if `messageId` was already published and is live. */
  bufferMessage(m: MessageRow): Promise<boolean>;
  /** Live buffered messages for name + key not yet consumed by `instanceId`, oldest first. */
  findBufferedMessages(name: string, correlationKey: string, instanceId: string, now: number): Promise<MessageRow[]>;
  deleteExpiredMessages(now: number): Promise<number>;

  // history
  getHistory(instanceId: string): Promise<HistoryEvent[]>;

  // outbox
  pendingOutbox(limit: number): Promise<OutboxRow[]>;
  markOutboxDone(ids: string[]): Promise<void>;
}
