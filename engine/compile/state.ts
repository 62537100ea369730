/**
 * The data an instance machine carries (its XState context), the events it accepts and the effects it
 * emits. All of it is plain JSON: the context is persisted in the snapshot, events arrive from the
 * runtime, effects are committed to the store by the runtime. Nothing here performs I/O.
 */
import type { TimerRepeat } from '../expr/timers';

export type Variables = Record<string, unknown>;

/**
 * A BPMN token. `waiting` tokens sit on an element that waits for something outside (a task, a job,
 * a timer...), `joining` ones wait in a converging gateway, `incident` ones are stuck until resolved.
 */
export interface Token {
  id: string;
  node: string;
  scope: string;
  status: 'active' | 'waiting' | 'joining' | 'incident';
  /** The sequence flow the token arrived on (joins count these). */
  via?: string;
  /** Ids of the waits this token owns (its own wait and its boundary events). */
  waits: string[];
  /** Local variables of the activity (input mappings). */
  locals?: Variables;
  /** Scope instance this token hosts (subprocess, event subprocess, multi-instance inner instance). */
  child?: string;
  /** Multi-instance: the body token state, or, for an inner instance, where it belongs. */
  mi?: MultiInstanceState;
  inner?: { body: string; index: number };
  /** A compensation handler's token (or the host of a compensation event subprocess): the throw event's token waiting for it. */
  compensates?: string;
  /** A compensation throw event's token: the handler tokens it waits for. */
  compensating?: string[];
  /** A subprocess's token as its scope completed: what of it can be compensated later (compensation.ts). */
  completedScope?: { vars: Variables; compensable: Compensable[] };
  /**
   * Set while an incident blocks the completion: `result` when the output mappings failed (resolving
   * completes again with it), `leave` when no outgoing flow could be taken (resolving tries to leave again).
   */
  resume?: { result: Variables } | { leave: { type: string; data?: unknown } };
}

export interface MultiInstanceState {
  items: unknown[];
  /** Next index to start (sequential) or items.length once all started. */
  next: number;
  completed: number;
  outputs: unknown[];
  /** Token ids of running inner instances, by index. */
  running: Record<string, string>;
}

/**
 * A completed activity that compensation may undo: its handler runs with `vars` (the activity's local
 * variables as it completed); a completed subprocess carries what of its own can be compensated, and
 * the variables its compensation event subprocess runs with.
 */
export interface Compensable {
  activity: string;
  vars?: Variables;
  nested?: Compensable[];
  scopeVars?: Variables;
}

/** A running process, subprocess, event subprocess or multi-instance inner instance. */
export interface ScopeInstance {
  id: string;
  /** Model scope id (process id or subprocess element id); inner instances use the activity's scope. */
  model: string;
  kind: 'process' | 'subProcess' | 'eventSubProcess' | 'adHoc' | 'inner';
  parent?: string;
  /** Token in the parent scope that hosts this one. */
  host?: string;
  vars: Variables;
  /** Waits of the event subprocess start events of this scope. */
  waits: string[];
  /** Whether those waits were opened (done when the scope's start event runs, so a failure is an incident). */
  armed?: boolean;
  /** Ad-hoc subprocess: its completion condition was met; it completes once its running elements are done. */
  completing?: boolean;
  /** Completed activities of this scope that compensation may undo, in completion order. */
  compensable?: Compensable[];
}

export type WaitKind = 'task' | 'job' | 'timer' | 'message' | 'signal' | 'child';
export type WaitRole = 'activity' | 'boundary' | 'gatewayTarget' | 'eventSubProcess';

/** Something the instance waits for from outside; its id keys the task/job/timer/subscription row. */
export interface Wait {
  id: string;
  kind: WaitKind;
  role: WaitRole;
  /** Element that defines the wait (activity, catch event, boundary event, event subprocess start). */
  node: string;
  /** Owning token (absent for event subprocess starts, which belong to a scope). */
  token?: string;
  scope: string;
  /** Remaining repetitions of a timer cycle. */
  repeat?: TimerRepeat;
  /** Message/signal name for subscriptions. */
  name?: string;
  /** A message subscription's correlation key (kept so that a migration can move the subscription row). */
  key?: string;
}

export interface MachineIncident {
  id: string;
  token: string;
  node: string;
  message: string;
}

export interface InstanceContext {
  instanceId: string;
  processId: string;
  definitionKey: string;
  /** Counter for deterministic ids of tokens, scopes and waits. */
  seq: number;
  status: 'new' | 'running' | 'completed' | 'terminated';
  hasParent: boolean;
  rootScope: string;
  scopes: Record<string, ScopeInstance>;
  tokens: Record<string, Token>;
  waits: Record<string, Wait>;
  incidents: Record<string, MachineIncident>;
  /**
   * Work a command left for the next one when it reached its step budget (limits.maxStepsPerCommand),
   * and the steps taken since the token game last came to rest (a loop of automatic elements ends in
   * an incident however many commands it spans).
   */
  pending?: { agenda: AgendaItem[]; steps: number };
}

/** One thing the token game still has to do in a command. */
export type AgendaItem =
  | { kind: 'enter'; token: string }
  | { kind: 'joins'; scope: string }
  | { kind: 'scopeEnd'; scope: string }
  /** A signal this instance threw: its own open signal waits catch it in this command. */
  | { kind: 'signal'; name: string; variables: Variables };

interface EventBase {
  /** Epoch ms of the command: the machine never reads the clock itself. */
  at: number;
  actor: string;
}

export type MachineEvent =
  | (EventBase & {
      type: 'START';
      instanceId: string;
      definitionKey: string;
      variables: Variables;
      /** Start event to use (message/timer/signal start); default: the none start event. */
      startEvent?: string;
      hasParent?: boolean;
      /** Who the instance counts as started by (recorded in instance.started). */
      startedBy?: string;
    })
  | (EventBase & { type: 'TASK_COMPLETE'; waitId: string; variables: Variables })
  | (EventBase & { type: 'JOB_COMPLETE'; waitId: string; variables: Variables })
  | (EventBase & { type: 'JOB_ERROR'; waitId: string; errorCode: string; errorMessage?: string; variables?: Variables })
  | (EventBase & { type: 'TIMER_FIRE'; waitId: string })
  | (EventBase & { type: 'MESSAGE'; waitId: string; variables: Variables })
  | (EventBase & { type: 'SIGNAL'; waitId: string; variables: Variables })
  | (EventBase & { type: 'CHILD_COMPLETE'; waitId: string; variables: Variables })
  | (EventBase & { type: 'CHILD_ERROR'; waitId: string; errorCode: string; errorMessage?: string })
  | (EventBase & { type: 'CHILD_ESCALATION'; waitId: string; escalationCode: string })
  /** The child could not be started (e.g. its process is not deployed): an incident; resolving retries the call. */
  | (EventBase & { type: 'CHILD_START_FAILED'; waitId: string; message: string })
  | (EventBase & { type: 'RESOLVE_INCIDENT'; incidentId: string })
  | (EventBase & { type: 'SET_VARIABLES'; variables: Variables })
  /** Starts inner elements of the running ad-hoc subprocess `element`. */
  | (EventBase & { type: 'ACTIVATE_ELEMENTS'; element: string; elements: string[] })
  /** Migration to another version (run with that version's graph): every id in use moves to its image (versions.ts). */
  | (EventBase & { type: 'MIGRATE'; mapping: Record<string, string>; fromKey: string; toKey: string })
  /** An administrator's instance modification: elements activated, tokens on others terminated (versions.ts). */
  | (EventBase & { type: 'MODIFY'; activate: { elementId: string; variables?: Variables }[]; terminate: string[] })
  /** Runs the work a command left over (the `continue` effect asks for it). */
  | (EventBase & { type: 'CONTINUE' })
  | (EventBase & { type: 'CANCEL' });

/** An SLA record a script task marked processdesk.slaRecord gave (elements/tasks/slaRecord.ts), epoch ms. */
export interface SlaRecordValue {
  kind: 'response' | 'resolution';
  round: number;
  ticket?: string;
  priority?: number;
  group?: string;
  calendar?: string;
  target?: string;
  dueAt?: number;
  breached: boolean;
  pausedSeconds: number;
  completedAt: number;
}

export type Effect =
  | { type: 'history'; event: string; elementId?: string; data?: unknown }
  /** Written to the SLA records with the command (runtime/effects.ts). */
  | { type: 'sla.record'; elementId: string; record: SlaRecordValue }
  | {
      type: 'task.create';
      waitId: string;
      elementId: string;
      name?: string;
      subject?: string;
      assignee?: string;
      candidateGroups: string[];
      candidateUsers: string[];
      dueDate?: number;
      followUpDate?: number;
      formId?: string;
      formKey?: string;
      priority?: number;
      excludedUsers?: { user: string; role: string }[];
      /** Seats of one multi-instance activation (header onePerPerson): one person holds at most one. */
      seatGroup?: string;
    }
  | { type: 'task.cancel'; waitId: string }
  | {
      type: 'job.create';
      waitId: string;
      elementId: string;
      jobType: string;
      retries: number;
      headers: Record<string, string>;
    }
  | { type: 'job.cancel'; waitId: string }
  | { type: 'timer.schedule'; waitId: string; elementId: string; dueAt: number }
  | { type: 'timer.cancel'; waitId: string }
  | { type: 'subscription.open'; waitId: string; kind: 'message' | 'signal'; name: string; correlationKey?: string; elementId: string }
  | { type: 'subscription.close'; waitId: string }
  /** A migration moved a wait to another element: its task, job, timer or subscription row follows. */
  | { type: 'wait.moved'; waitId: string; kind: WaitKind; elementId: string; name?: string; messageName?: string; correlationKey?: string }
  | { type: 'child.start'; waitId: string; elementId: string; processId: string; variables: Variables }
  | { type: 'child.cancel'; waitId: string }
  /** Broadcast to other instances and signal start events (the throwing instance caught it already). */
  | { type: 'signal.throw'; name: string; variables: Variables; elementId: string }
  | { type: 'incident.create'; incidentId: string; elementId: string; incidentType: 'expression' | 'unhandled-error' | 'condition' | 'other'; message: string }
  | { type: 'incident.resolve'; incidentId: string }
  | { type: 'parent.error'; errorCode: string; errorMessage?: string }
  | { type: 'parent.escalation'; escalationCode: string }
  | { type: 'instance.end'; state: 'completed' | 'terminated'; variables: Variables }
  /** The command stopped at its step budget: a CONTINUE command is to run the rest. */
  | { type: 'continue' }
  /** The event did not apply (unknown or finished wait): the runtime answers 409/404 and commits nothing. */
  | { type: 'rejected'; reason: string };
