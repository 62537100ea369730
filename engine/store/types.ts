/**
 * The Store port. Every adapter (embedded SQLite, PostgreSQL, MongoDB) implements it and passes
 * test/store/storeContract.ts. All times are epoch milliseconds; JSON-ish fields are plain values.
 *
 * The runtime never writes piecemeal: each command produces one CommitBatch that the store applies
 * atomically, with an optimistic check on the instance revision (docs/architecture.md, "The command path").
 */
import { int, json, list, mayBeEmpty, oneOf, opt, parts, text, type RowOf, type SpecOf } from './tableSpec';

// ---- the stored rows: one spec per table, the row type follows from it (tableSpec.ts) -----------

export const DEFINITIONS = {
  /** `${processId}:${version}` */
  key: text(),
  processId: text(),
  version: int(),
  name: opt(text()),
  deploymentId: text(),
  resourceName: text(),
  xml: text(),
  /** The ProcessModel as JSON (engine/bpmn/model.ts). */
  model: json<unknown>(),
  /** sha256 of the XML: deploying the same XML again does not make a new version. */
  checksum: text(),
  deployedAt: int(),
  /** Who deployed it (`system` for the processes deployed at start); absent on rows from before ownership. */
  deployedBy: opt(text()),
  /** Who may deploy its next version and act on its instances as process owner (user ids, `group:<id>`). */
  owners: opt(list<string>('string')),
} as const;
export type DefinitionRow = RowOf<typeof DEFINITIONS>;

/** Forms and other non-BPMN resources deployed with processes (form-js JSON, DMN, variable schemas). */
export const RESOURCES = {
  /** e.g. `form:incident-log`, `dmn:priority-matrix` */
  id: text(),
  kind: text(),
  name: text(),
  content: mayBeEmpty(text()),
  deploymentId: text(),
  deployedAt: int(),
  deployedBy: opt(text()),
  /** Who may replace it (user ids, `group:<id>`): the owners of the processes deployed with it. */
  owners: opt(list<string>('string')),
} as const;
export type ResourceRow = RowOf<typeof RESOURCES>;

/** A form kept with a draft: its file name and its form-js JSON. */
export interface DraftForm {
  name: string;
  content: string;
}

/**
 * The modeler's unsaved work on one process, per user (api/routes/drafts.ts): saved every few seconds
 * after a change, offered again when the modeler opens, cleared when that user deploys the process.
 */
export const DRAFTS = {
  /** `${processId}@${userId}` (a processId is an XML NCName: it has no `@`). */
  id: text(),
  userId: text(),
  processId: text(),
  name: opt(text()),
  xml: text(),
  forms: json<DraftForm[]>([]),
  /** Characters of xml and forms together: the size limit the API checked. */
  size: int(0),
  updatedAt: int(),
} as const;
export type DraftRow = RowOf<typeof DRAFTS>;
/** A draft without its content: what lists show (and all a count needs to read). */
export type DraftSummary = Omit<DraftRow, 'xml' | 'forms'>;

const INSTANCE_STATES = ['active', 'completed', 'terminated', 'incident'] as const;
export type InstanceState = (typeof INSTANCE_STATES)[number];

/** The last link of an instance's history chain and its signature (engine/runtime/sealing.ts). */
export interface SealedHead {
  seq: number;
  hash: string;
  /** Ed25519 signature (base64) of the head, the instance id, its process and its starter. */
  seal: string;
  /** Fingerprint of the public key that verifies `seal`. */
  keyId: string;
}

export const INSTANCES = {
  id: text(),
  processId: text(),
  version: int(),
  definitionKey: text(),
  businessKey: opt(text()),
  state: oneOf(INSTANCE_STATES),
  /** Optimistic concurrency: incremented by every commit. */
  rev: int(1),
  /** The persisted XState snapshot. */
  snapshot: json<unknown>(),
  /** Root-scope variables (denormalised from the snapshot for queries and the API). */
  variables: json<Record<string, unknown>>(),
  activeElements: list<string>('string'),
  parentInstanceId: opt(text()),
  /** The wait in the parent that this instance is a child of (call activity). */
  parentWaitId: opt(text()),
  startedAt: int(),
  endedAt: opt(int()),
  /** Who started it: the signed-in user (`engine` for timers, the caller's starter for call activities). Never changes. */
  startedBy: opt(text()),
  /** The head of the history chain as of this revision, sealed with the engine's history key. */
  head: opt(parts<SealedHead>({ seq: 'int', hash: 'text', seal: 'text', keyId: 'text' })),
} as const;
export type InstanceRow = RowOf<typeof INSTANCES>;

/** An instance's chain head as a checkpoint records it. */
export interface CheckpointHead {
  instanceId: string;
  seq: number;
  hash: string;
}

/**
 * A signed, chained record of the chain heads that changed since the previous checkpoint: deleting an
 * instance, truncating a chain or rolling a row back to an older sealed head shows against it, and an
 * auditor who keeps exported checkpoints can check them with the public key alone.
 */
export const CHECKPOINTS = {
  seq: int(),
  at: int(),
  heads: list<CheckpointHead>('object'),
  prevHash: text(),
  hash: text(),
  signature: text(),
  keyId: text(),
} as const;
export type CheckpointRow = RowOf<typeof CHECKPOINTS>;

const TASK_STATES = ['created', 'completed', 'canceled'] as const;
export type TaskState = (typeof TASK_STATES)[number];

export interface ExcludedUser {
  user: string;
  /** The process variable the user was named by: `requester`, `implementer`... */
  role: string;
}

export const TASKS = {
  id: text(),
  instanceId: text(),
  processId: text(),
  elementId: text(),
  waitId: text(),
  name: opt(text()),
  /** What the task is about (task header `subject`), e.g. "INC-42: VPN down". */
  subject: opt(text()),
  /** The business key of the task's instance (the ticket number), for the task list. */
  businessKey: opt(text()),
  state: oneOf(TASK_STATES),
  assignee: opt(text()),
  candidateGroups: list<string>('string'),
  candidateUsers: list<string>('string'),
  dueDate: opt(int()),
  followUpDate: opt(int()),
  formId: opt(text()),
  formKey: opt(text()),
  priority: opt(int()),
  /** Users segregation of duties keeps off this task, and the variable that named each (e.g. requester). */
  excludedUsers: opt(json<ExcludedUser[]>()),
  /** Tasks of one seat group (a multi-instance activation, header onePerPerson): one person holds or completes at most one. */
  seatGroup: opt(text()),
  createdAt: int(),
  completedAt: opt(int()),
  completedBy: opt(text()),
} as const;
export type TaskRow = RowOf<typeof TASKS>;

const JOB_STATES = ['activatable', 'activated', 'completed', 'failed', 'errored', 'canceled'] as const;
export type JobState = (typeof JOB_STATES)[number];

export const JOBS = {
  key: text(),
  type: text(),
  instanceId: text(),
  processId: text(),
  elementId: text(),
  waitId: text(),
  state: oneOf(JOB_STATES),
  retries: int(),
  /** Retries the job was created with; incident resolution restores this many. */
  initialRetries: int(),
  worker: opt(text()),
  lockExpiresAt: opt(int()),
  /** Not activatable before this time (retry backoff). */
  notBefore: opt(int()),
  /**
   * Filled when the job is handed to a worker: the variables visible to it then (Engine.activateJobs).
   * Not stored with the job: a copy per job made a 1,000-item multi-instance cost 1,000 x its variables.
   */
  variables: json<Record<string, unknown>>({}),
  customHeaders: json<Record<string, string>>({}),
  errorMessage: opt(text()),
  createdAt: int(),
} as const;
export type JobRow = RowOf<typeof JOBS>;

const TIMER_STATES = ['scheduled', 'fired', 'canceled'] as const;
export type TimerState = (typeof TIMER_STATES)[number];

export const TIMERS = {
  id: text(),
  /** Undefined for a timer start event of a definition. */
  instanceId: opt(text()),
  definitionKey: opt(text()),
  elementId: text(),
  waitId: opt(text()),
  dueAt: int(),
  state: oneOf(TIMER_STATES),
  /** Remaining repetitions of a cycle (-1 = unbounded), and its interval or cron, for start timers. */
  repeat: opt(json<{ remaining: number; intervalMs?: number; cron?: string }>()),
  createdAt: int(),
  firedAt: opt(int()),
} as const;
export type TimerRow = RowOf<typeof TIMERS>;

const SUBSCRIPTION_KINDS = ['message', 'signal'] as const;
export type SubscriptionKind = (typeof SUBSCRIPTION_KINDS)[number];

export const SUBSCRIPTIONS = {
  id: text(),
  kind: oneOf(SUBSCRIPTION_KINDS),
  name: text(),
  correlationKey: opt(text()),
  instanceId: text(),
  elementId: text(),
  waitId: text(),
  createdAt: int(),
} as const;
export type SubscriptionRow = RowOf<typeof SUBSCRIPTIONS>;

export const MESSAGES = {
  id: text(),
  name: text(),
  correlationKey: mayBeEmpty(text()),
  variables: json<Record<string, unknown>>({}),
  /** Optional client id for deduplication. */
  messageId: opt(text()),
  publishedAt: int(),
  expiresAt: int(),
} as const;
export type MessageRow = RowOf<typeof MESSAGES>;

const INCIDENT_STATES = ['open', 'resolved'] as const;
export type IncidentState = (typeof INCIDENT_STATES)[number];

export const INCIDENTS = {
  id: text(),
  instanceId: text(),
  processId: text(),
  elementId: text(),
  /** The job whose retries ran out, or the wait/token whose evaluation failed. */
  jobKey: opt(text()),
  waitId: opt(text()),
  type: oneOf(['job-no-retries', 'expression', 'unhandled-error', 'condition', 'other']),
  message: text(),
  state: oneOf(INCIDENT_STATES),
  createdAt: int(),
  resolvedAt: opt(int()),
} as const;
export type IncidentRow = RowOf<typeof INCIDENTS>;

export const HISTORY = {
  instanceId: text(),
  seq: int(1),
  at: int(),
  type: text(),
  elementId: opt(text()),
  actor: text(),
  data: opt(json<unknown>()),
  prevHash: text(),
  hash: text(),
} as const;
export type HistoryEvent = RowOf<typeof HISTORY>;

/**
 * What must happen outside an instance once its command has committed (docs/architecture.md, "The
 * command path"): produced by runtime/effects.ts, dispatched by runtime/outbox.ts, declared here
 * because the store keeps them. Every handler is idempotent: a row may be dispatched twice after a crash.
 */
export type OutboxEntry =
  /** A timer row was scheduled: wake the scheduler for it. */
  | { kind: 'timer.scheduled'; payload: { timerId: string; dueAt: number } }
  | { kind: 'timer.canceled'; payload: { timerId: string } }
  /** A message subscription opened: a buffered message may be waiting for it. */
  | { kind: 'message.subscribed'; payload: { instanceId: string; waitId: string; name: string; correlationKey?: string } }
  /** A call activity starts its child instance (id derived from the parent's wait). */
  | { kind: 'child.start'; payload: { parentInstanceId: string; waitId: string; processId: string; variables: Record<string, unknown>; childId: string; startedBy?: string } }
  | { kind: 'child.cancel'; payload: { childId: string } }
  /** A signal thrown by an instance reaches every other waiting instance and signal start event. */
  | { kind: 'signal.throw'; payload: { name: string; variables: Record<string, unknown>; thrownBy: string } }
  /** A called instance ended, or threw an error or escalation its call activity may catch. */
  | { kind: 'parent.complete'; payload: { parentInstanceId: string; waitId: string; variables: Record<string, unknown> } }
  | { kind: 'parent.error'; payload: { parentInstanceId: string; waitId: string; errorCode: string; errorMessage?: string } }
  | { kind: 'parent.escalation'; payload: { parentInstanceId: string; waitId: string; escalationCode: string } }
  /** The command reached its step budget: another command runs the rest. */
  | { kind: 'instance.continue'; payload: { instanceId: string } }
  /** A user task was given to someone by someone else (assigned, delegated): they are told (Engine onTaskAssigned). */
  | { kind: 'task.assigned'; payload: TaskAssignedNotice };

/** Who got which task from whom: what a task.assigned outbox row hands to Engine's onTaskAssigned. */
export interface TaskAssignedNotice {
  taskId: string;
  instanceId: string;
  processId: string;
  elementId: string;
  name?: string;
  subject?: string;
  businessKey?: string;
  dueDate?: number;
  assignee: string;
  by: string;
  how: 'assigned' | 'delegated';
}

export type OutboxRow = OutboxEntry & {
  id: string;
  createdAt: number;
};

/** The outbox row's spec: `kind` and `payload` hold an OutboxEntry. */
export const OUTBOX = { id: text(), kind: text(), payload: json<unknown>(), createdAt: int() } as const satisfies SpecOf<OutboxRow>;

/** A task list view an agent saved: its filters and sort, readable and deletable only by its owner. */
export const TASK_VIEWS = {
  id: text(),
  /** The signed-in user who saved it. */
  owner: text(),
  name: text(),
  /** The task list query it restores (filters, sort, page size), as the API validated it. */
  query: json<Record<string, unknown>>(),
  createdAt: int(),
} as const;
export type TaskViewRow = RowOf<typeof TASK_VIEWS>;

/**
 * A file attached to a task. The instance's history records its name, type, size and SHA-256
 * (sealed), so the evidence pack lists it and a changed file no longer matches its record.
 */
export const ATTACHMENTS = {
  id: text(),
  taskId: text(),
  instanceId: text(),
  name: text(),
  contentType: text(),
  size: int(),
  sha256: text(),
  /** The file's bytes, base64. */
  content: mayBeEmpty(text()),
  uploadedBy: text(),
  uploadedAt: int(),
} as const;
export type AttachmentRow = RowOf<typeof ATTACHMENTS>;

const LINK_KINDS = ['raised', 'related', 'caused-by', 'fixed-by'] as const;
export type LinkKind = (typeof LINK_KINDS)[number];

/**
 * A link between two tickets (instances): `raised` when a process raised one from the other (a problem
 * from an incident, a change from a problem), the other kinds when an agent linked them. Read both ways
 * (Store.listLinks); each instance's sealed history records a `ticket.linked` event.
 */
export const LINKS = {
  /** `${fromId}>${toId}`: one link per ordered pair. */
  id: text(),
  fromId: text(),
  toId: text(),
  kind: oneOf(LINK_KINDS),
  /** The business keys (ticket numbers) of both ends when the link was made, for lists and the history. */
  fromKey: opt(text()),
  toKey: opt(text()),
  createdAt: int(),
  createdBy: text(),
} as const;
export type LinkRow = RowOf<typeof LINKS>;
export const SLA_KINDS = ['response', 'resolution'] as const;
export const SLA_STATUSES = ['met', 'breached'] as const;

/**
 * One SLA target of one instance, met or breached: what SLA reports count. Written with the command
 * that completes a script task marked processdesk.slaRecord (runtime/slaRecords.ts), so a record and
 * the instance state it describes commit together; the same target recorded again (a reopen that
 * continues the clock) replaces its row.
 */
export const SLA_RECORDS = {
  /** `${instanceId}.${kind}.${round}` */
  id: text(),
  instanceId: text(),
  processId: text(),
  /** The ticket number (the process's business identifier, e.g. the incident id). */
  ticket: opt(text()),
  kind: oneOf(SLA_KINDS),
  /** 1, and one more for each fresh target of the same kind (a reopen with a fresh target). */
  round: int(1),
  priority: opt(int()),
  assignmentGroup: opt(text()),
  calendar: opt(text()),
  /** The target as an ISO 8601 duration. */
  target: opt(text()),
  dueAt: opt(int()),
  /** Breached when the target was breached at any time (a later, longer target does not undo it). */
  status: oneOf(SLA_STATUSES),
  /** Wall-clock seconds the clock stood still (pending the customer, resolved before a reopen). */
  pausedSeconds: int(0),
  completedAt: int(),
} as const;
export type SlaRecordRow = RowOf<typeof SLA_RECORDS>;
/**
 * Numeric keys for ids the engine names with strings (instances, tasks, jobs, incidents...): clients of
 * APIs that only take numbers (Camunda 8's `/v2`, api/camunda/) address entities by these. A key is
 * allocated the first time an entity is shown, from a sequence, once per (kind, id), and never changes.
 */
export const EXTERNAL_KEYS = {
  key: int(1),
  /** What the id names: `instance`, `task`, `job`, `incident`, `definition`... */
  kind: text(),
  id: text(),
} as const;
export type ExternalKeyRow = RowOf<typeof EXTERNAL_KEYS>;

/** Every table by name, with its spec. */
export const TABLES = {
  definitions: DEFINITIONS,
  resources: RESOURCES,
  instances: INSTANCES,
  history: HISTORY,
  tasks: TASKS,
  jobs: JOBS,
  timers: TIMERS,
  subscriptions: SUBSCRIPTIONS,
  messages: MESSAGES,
  incidents: INCIDENTS,
  outbox: OUTBOX,
  checkpoints: CHECKPOINTS,
  drafts: DRAFTS,
  task_views: TASK_VIEWS,
  attachments: ATTACHMENTS,
  links: LINKS,
  sla_records: SLA_RECORDS,
  external_keys: EXTERNAL_KEYS,
} as const;
export type TableName = keyof typeof TABLES;

/** The row type of each table. */
export interface RowTypes {
  definitions: DefinitionRow;
  resources: ResourceRow;
  instances: InstanceRow;
  history: HistoryEvent;
  tasks: TaskRow;
  jobs: JobRow;
  timers: TimerRow;
  subscriptions: SubscriptionRow;
  messages: MessageRow;
  incidents: IncidentRow;
  outbox: OutboxRow;
  checkpoints: CheckpointRow;
  drafts: DraftRow;
  task_views: TaskViewRow;
  attachments: AttachmentRow;
  links: LinkRow;
  sla_records: SlaRecordRow;
  external_keys: ExternalKeyRow;
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
  /** SLA records the command completed (upserted by id). */
  slaRecords?: { upsert?: SlaRecordRow[] };
  /** Ids of buffered messages this instance consumed (recorded so each is correlated once per instance). */
  consumedMessages?: string[];
  outbox?: OutboxRow[];
  /**
   * A ticket number taken with this commit: the counter of `prefix` moves from `number - 1` to `number`
   * in the same transaction, or the commit fails with ConflictError (another commit took that number).
   */
  ticket?: { prefix: string; number: number };
  /** Links between tickets to record (a link that exists already is left as it is). */
  links?: LinkRow[];
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

export const TASK_SORT_FIELDS = ['createdAt', 'dueDate', 'priority', 'name', 'subject', 'businessKey'] as const;
export type TaskSortField = (typeof TASK_SORT_FIELDS)[number];

/**
 * The task list's search (Store.searchTasks): filters, a sort and a numbered page with the total
 * count. The caller bounds `limit` and `offset`; tasks without the sorted value come last.
 */
export interface TaskSearch {
  state?: TaskState;
  processId?: string;
  instanceId?: string;
  priority?: number;
  assignee?: string;
  candidateGroup?: string;
  /** Due at or after / before these times (epoch ms). */
  dueFrom?: number;
  dueTo?: number;
  /** Case-insensitive substring of the subject or the business key. */
  text?: string;
  visibleTo?: { user: string; groups: string[] };
  sort: { field: TaskSortField; desc: boolean };
  offset: number;
  limit: number;
}

export interface InstanceQuery {
  processId?: string;
  state?: InstanceState;
  businessKey?: string;
  parentInstanceId?: string;
  /**
   * Only instances this user started, has or had a task in (assigned, offered to the user or to one of
   * the groups), or of one of `processIds` (processes that grant the user's groups).
   */
  visibleTo?: { user: string; groups: string[]; processIds: string[] };
  limit?: number;
  cursor?: string;
}

/** SLA records completed in [from, to), oldest first, at most `limit` (a report's bounded scan). */
export interface SlaRecordQuery {
  from: number;
  to: number;
  limit: number;
}

export interface Store {
  /** Creates tables/indexes and runs migrations. Idempotent. */
  init(): Promise<void>;
  close(): Promise<void>;
  /** Cheap round trip for health checks. */
  ping(): Promise<void>;
  /**
   * Checks the stored data for damage (SQLite: PRAGMA quick_check on a fresh connection, so what is on
   * disk is read, not cached pages); returns what is wrong, or undefined. Costs a pass over the data.
   */
  checkIntegrity(): Promise<string | undefined>;

  // definitions and resources
  saveDefinitions(defs: DefinitionRow[], resources: ResourceRow[]): Promise<void>;
  getDefinition(key: string): Promise<DefinitionRow | undefined>;
  getLatestDefinition(processId: string): Promise<DefinitionRow | undefined>;
  listLatestDefinitions(): Promise<DefinitionRow[]>;
  getResource(id: string): Promise<ResourceRow | undefined>;
  listResources(kind?: string): Promise<ResourceRow[]>;

  // instances and the atomic commit
  getInstance(id: string): Promise<InstanceRow | undefined>;
  /**
   * The stored revision of an instance (undefined: no such instance): lets the engine reuse the row it
   * committed last while nobody else committed since (a read of one column, not of the snapshot).
   */
  instanceRev(id: string): Promise<number | undefined>;
  listInstances(q: InstanceQuery): Promise<Page<InstanceRow>>;
  commit(batch: CommitBatch): Promise<void>;

  // reads used by commands and the API
  getTask(id: string): Promise<TaskRow | undefined>;
  listTasks(q: TaskQuery): Promise<Page<TaskRow>>;
  /** The tasks matching `q`, in its order, and how many match in all. */
  searchTasks(q: TaskSearch): Promise<{ items: TaskRow[]; total: number }>;
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
  /**
   * Live jobs (activatable or activated) of every type, ordered by type, createdAt and key, starting
   * after `after` (the last job of the previous page), at most `limit`. The BullMQ job queues compare
   * them with Redis to re-queue what a crash or a lost Redis left undelivered.
   */
  liveJobs(after: Pick<JobRow, 'type' | 'createdAt' | 'key'> | undefined, limit: number): Promise<JobRow[]>;
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

  // the task desk: saved views and attachments
  saveTaskView(view: TaskViewRow): Promise<void>;
  /** The views of `owner`, by name. */
  listTaskViews(owner: string): Promise<TaskViewRow[]>;
  /** Deletes the view `id` if `owner` owns it; false when there is no such view of theirs. */
  deleteTaskView(id: string, owner: string): Promise<boolean>;
  saveAttachment(a: AttachmentRow): Promise<void>;
  getAttachment(id: string): Promise<AttachmentRow | undefined>;
  /** The attachments of an instance's tasks, oldest first, without their content. */
  listAttachments(instanceId: string): Promise<Omit<AttachmentRow, 'content'>[]>;

  // ticket numbers and links
  /** The last ticket number a commit took for `prefix` (0 before the first). */
  lastTicketNumber(prefix: string): Promise<number>;
  /** The links from or to an instance, oldest first, at most `limit`. */
  listLinks(instanceId: string, limit: number): Promise<LinkRow[]>;

  // sealing
  /**
   * Writes the next checkpoint, atomically: up to `limit` heads of instances whose chain grew since it
   * was last checkpointed, handed with the latest checkpoint to `build` (which signs them; undefined:
   * nothing to write). Returns the checkpoint written, or undefined. ConflictError when another
   * process wrote the same checkpoint number first.
   */
  writeCheckpoint(build: (heads: CheckpointHead[], previous: CheckpointRow | undefined) => CheckpointRow | undefined, limit: number): Promise<CheckpointRow | undefined>;
  /** Checkpoints after `afterSeq`, oldest first. */
  listCheckpoints(afterSeq: number, limit: number): Promise<CheckpointRow[]>;
  /** Every head of `instanceId` that a checkpoint recorded, oldest first. */
  checkpointedHeads(instanceId: string): Promise<(CheckpointHead & { checkpoint: number })[]>;
  /** Instances stored before heads were sealed (no `head`), for sealing at start. */
  unsealedInstances(limit: number): Promise<InstanceRow[]>;
  /** Records a sealed head on an instance still at revision `rev`; false when it moved on. */
  sealHead(instanceId: string, rev: number, head: SealedHead): Promise<boolean>;

  // the modeler's drafts, per user and process id
  getDraft(userId: string, processId: string): Promise<DraftRow | undefined>;
  /** The user's drafts without their content, most recently saved first. */
  listDrafts(userId: string): Promise<DraftSummary[]>;
  /** Inserts or replaces the draft of (userId, processId). */
  saveDraft(draft: DraftRow): Promise<void>;
  /** Removes the draft; false when there was none. */
  deleteDraft(userId: string, processId: string): Promise<boolean>;

  // SLA records (reports)
  listSlaRecords(q: SlaRecordQuery): Promise<SlaRecordRow[]>;
  // numeric keys of ids (EXTERNAL_KEYS)
  /**
   * The key of (kind, id), allocated from the sequence on first use. Atomic: two concurrent calls for
   * one (kind, id), in one process or several, answer the same key.
   */
  externalKey(kind: string, id: string): Promise<number>;
  /** What a key names, or undefined when no key was allocated with that number. */
  resolveExternalKey(key: number): Promise<{ kind: string; id: string } | undefined>;
}
