/**
 * ProcessModel: the plain, JSON-serialisable description of one executable BPMN process that the parser
 * produces and the compiler consumes. It carries no moddle objects, so it can be stored with a
 * deployment and compiled again after a restart without re-reading XML.
 *
 * Expressions are kept as written: a string starting with `=` is FEEL, anything else a literal.
 */

export type NodeKind =
  | 'startEvent'
  | 'endEvent'
  | 'intermediateCatchEvent'
  | 'intermediateThrowEvent'
  | 'boundaryEvent'
  | 'task'
  | 'userTask'
  | 'serviceTask'
  | 'sendTask'
  | 'businessRuleTask'
  | 'scriptTask'
  | 'receiveTask'
  | 'manualTask'
  | 'exclusiveGateway'
  | 'parallelGateway'
  | 'inclusiveGateway'
  | 'eventBasedGateway'
  | 'subProcess'
  | 'callActivity';

export type TimerKind = 'duration' | 'date' | 'cycle';

/** What an event waits for or throws. `code` undefined on a catching error/escalation means "catch all". */
export type EventDefinition =
  | { kind: 'none' }
  | { kind: 'timer'; timer: { type: TimerKind; expression: string } }
  | { kind: 'message'; messageName: string; correlationKey?: string }
  | { kind: 'signal'; signalName: string }
  | { kind: 'error'; errorCode?: string; errorMessage?: string }
  | { kind: 'escalation'; escalationCode?: string }
  | { kind: 'terminate' }
  /** Compensation: on a throw event, `activity` names the one activity to compensate (else every completed one of the scope). */
  | { kind: 'compensation'; activity?: string }
  | { kind: 'link'; linkName: string };

export interface Mapping {
  /** FEEL (`=expr`) or literal source. */
  source: string;
  /** Variable name written (may be a dotted path such as `a.b`). */
  target: string;
}

export interface JobDefinition {
  /** Job type, literal or FEEL. */
  type: string;
  /** Retries as written, literal or FEEL; absent: the job type's default (JOB_QUEUES), else 3. */
  retries?: string;
  headers: Record<string, string>;
}

export interface UserTaskDefinition {
  assignee?: string;
  candidateGroups?: string;
  candidateUsers?: string;
  dueDate?: string;
  followUpDate?: string;
  /** `zeebe:formDefinition formId` (a form deployed with the process) */
  formId?: string;
  /** `zeebe:formDefinition formKey` or `zeebe:formDefinition externalReference` */
  formKey?: string;
  priority?: string;
  /**
   * Segregation of duties (task header `segregationOfDuties`): names of process variables holding the
   * user (or list of users) who may never complete, claim or be handed this task, e.g. `requester, implementer`.
   */
  segregationOfDuties?: string[];
  /** Task header `subject`: what this task is about, shown in task lists (literal or FEEL, e.g. `=incidentId + ": " + summary`). */
  subject?: string;
  /**
   * Task header `onePerPerson` = `true` on a multi-instance user task: the instances of one activation
   * are seats of which one person holds or completes at most one (one vote per person per approval).
   */
  onePerPerson?: boolean;
}

export interface LoopDefinition {
  sequential: boolean;
  inputCollection?: string;
  inputElement?: string;
  outputCollection?: string;
  outputElement?: string;
  completionCondition?: string;
  /** bpmn:loopCardinality when no input collection is given */
  cardinality?: string;
}

export interface AdHocDefinition {
  /** FEEL list of inner element ids started when the subprocess is entered; absent: every inner element without incoming flows. */
  activeElements?: string;
  /** FEEL, evaluated after each inner element completes: true completes the subprocess. */
  completionCondition?: string;
  /** When the completion condition is met: cancel the inner elements still running (default) or let them finish first. */
  cancelRemainingInstances: boolean;
  /** Collects `outputElement` of each completed inner element into this variable of the enclosing scope. */
  outputCollection?: string;
  outputElement?: string;
}

export interface FlowNode {
  id: string;
  kind: NodeKind;
  name?: string;
  /** Id of the scope the node lives in: the process id or the id of its (event) subprocess. */
  scope: string;
  incoming: string[];
  outgoing: string[];
  /** Default flow id of an exclusive/inclusive gateway or an activity. */
  defaultFlow?: string;
  event?: EventDefinition;
  /** Boundary event: the activity it is attached to, and whether it interrupts it. */
  attachedTo?: string;
  cancelActivity?: boolean;
  /** Activities: ids of the boundary events attached to them, in document order. */
  boundaries?: string[];
  /** Start events of event subprocesses: interrupting (default true). */
  isInterrupting?: boolean;
  job?: JobDefinition;
  userTask?: UserTaskDefinition;
  /** scriptTask with zeebe:script: FEEL expression and result variable. */
  script?: { expression: string; resultVariable: string };
  /** businessRuleTask with zeebe:calledDecision. */
  calledDecision?: { decisionId: string; resultVariable: string };
  /** callActivity */
  calledElement?: { processId: string; propagateAllChildVariables: boolean; propagateAllParentVariables: boolean };
  inputs?: Mapping[];
  outputs?: Mapping[];
  loop?: LoopDefinition;
  /** subProcess: true for an event subprocess. */
  triggeredByEvent?: boolean;
  /** An activity with a compensation boundary event: the handler (isForCompensation) its association points to. */
  compensationHandler?: string;
  /** A compensation handler (isForCompensation="true"): started by compensation, never by a sequence flow. */
  isForCompensation?: boolean;
  /** An ad-hoc subprocess (bpmn:adHocSubProcess with zeebe:adHoc): which inner elements start and when it completes. */
  adHoc?: AdHocDefinition;
  /** Catching message elements: roles besides workers and admins that may publish the message (readPolicy.ts). */
  publishers?: string[];
  /** Elements that wait for a message: `waiting` when the message is correlated only while waited for (readPolicy.ts). */
  correlation?: 'waiting';
  /** None start events: the variable that holds when the subject was reported (readPolicy.ts). */
  reportedAt?: string;
  /** Script tasks whose result is an SLA record (runtime/slaRecords.ts). */
  slaRecord?: boolean;
  /**
   * None start events and catching message elements: `zeebe:formDefinition formId`, the form people fill
   * in to start the process or to send the message (as Camunda 8 declares start forms).
   */
  formId?: string;
}

/** Who may do what with a process (extension properties `processdesk.*`, see readPolicy.ts). */
export interface ProcessPolicy {
  /** The variable the engine sets to the signed-in user who starts an instance. */
  starterVariable?: string;
  /** Variables that hold user ids: never given at start, by messages, jobs or operators; set once, by a form field. */
  identityVariables: string[];
  /** Who may start it through the API (roles, `group:<id>`); empty: nobody (call activities, messages, timers only). */
  startableBy?: string[];
  /** Groups whose agents may read every instance. */
  visibleToGroups: string[];
  /** Its process owners (user ids, `group:<id>`): who deploys its next versions, cancels its instances, retries its incidents. */
  owners?: string[];
  /** The prefix of its ticket numbers (`INC`: INC0000001, ...): the engine numbers its instances, the number is the business key. */
  ticketPrefix?: string;
}

export interface SequenceFlow {
  id: string;
  sourceRef: string;
  targetRef: string;
  /** FEEL condition (`=...`) when the flow is conditional. */
  condition?: string;
}

/** A process or (event) subprocess: the container whose tokens complete together. */
export interface ScopeModel {
  id: string;
  kind: 'process' | 'subProcess' | 'eventSubProcess' | 'adHocSubProcess';
  /** Parent scope id; undefined for the process. */
  parent?: string;
  /** Ids of the flow nodes directly inside (boundary events included, event subprocesses included). */
  nodes: string[];
  /** None start events (or, for an event subprocess, its one start event). */
  startEvents: string[];
  /** Ids of the event subprocesses directly inside. */
  eventSubProcesses: string[];
}

export interface ProcessModel {
  id: string;
  name?: string;
  nodes: Record<string, FlowNode>;
  flows: Record<string, SequenceFlow>;
  scopes: Record<string, ScopeModel>;
  /** Top-level start events that start instances on a message, timer or signal (for the runtime). */
  eventStarts: string[];
  /** Process-level `zeebe:versionTag` or documentation, kept for display. */
  versionTag?: string;
  /** Declared identities and permissions (absent: none declared). */
  policy?: ProcessPolicy;
}

/** One problem found while reading or validating a diagram. */
export interface ModelProblem {
  /** BPMN element id, or undefined when the problem is with the document itself. */
  elementId?: string;
  message: string;
}

export class DeploymentError extends Error {
  constructor(
    message: string,
    readonly problems: ModelProblem[],
  ) {
    super(message);
    this.name = 'DeploymentError';
  }
}
