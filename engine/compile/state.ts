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
  /** Set while an incident blocks the completion (output mappings failed): resolving retries the completion. */
  resume?: { result: Variables };
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

/** A running process, subprocess, event subprocess or multi-instance inner instance. */
export interface ScopeInstance {
  id: string;
  /** Model scope id (process id or subprocess element id); inner instances use the activity's scope. */
  model: string;
  kind: 'process' | 'subProcess' | 'eventSubProcess' | 'inner';
  parent?: string;
  /** Token in the parent scope that hosts this one. */
  host?: string;
  vars: Variables;
  /** Waits of the event subprocess start events of this scope. */
  waits: string[];
  /** Whether those waits were opened (done when the scope's start event runs, so a failure is an incident). */
  armed?: boolean;
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
}

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
  | (EventBase & { type: 'CANCEL' });

export type Effect =
  | { type: 'history'; event: string; elementId?: string; data?: unknown }
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
      variables: Variables;
      excludedUsers?: { user: string; role: string }[];
    }
  | { type: 'task.cancel'; waitId: string }
  | {
      type: 'job.create';
      waitId: string;
      elementId: string;
      jobType: string;
      retries: number;
      headers: Record<string, string>;
      variables: Variables;
    }
  | { type: 'job.cancel'; waitId: string }
  | { type: 'timer.schedule'; waitId: string; elementId: string; dueAt: number }
  | { type: 'timer.cancel'; waitId: string }
  | { type: 'subscription.open'; waitId: string; kind: 'message' | 'signal'; name: string; correlationKey?: string; elementId: string }
  | { type: 'subscription.close'; waitId: string }
  | { type: 'child.start'; waitId: string; elementId: string; processId: string; variables: Variables }
  | { type: 'child.cancel'; waitId: string }
  | { type: 'signal.throw'; name: string; variables: Variables; elementId: string }
  | { type: 'incident.create'; incidentId: string; elementId: string; incidentType: 'expression' | 'unhandled-error' | 'condition' | 'other'; message: string }
  | { type: 'incident.resolve'; incidentId: string }
  | { type: 'parent.error'; errorCode: string; errorMessage?: string }
  | { type: 'parent.escalation'; escalationCode: string }
  | { type: 'instance.end'; state: 'completed' | 'terminated'; variables: Variables }
  /** The event did not apply (unknown or finished wait): the runtime answers 409/404 and commits nothing. */
  | { type: 'rejected'; reason: string };

export type EffectOf<T extends Effect['type']> = Extract<Effect, { type: T }>;
