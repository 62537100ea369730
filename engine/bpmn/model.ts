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
  /** Retries as written (default "3"), literal or FEEL. */
  retries: string;
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
  kind: 'process' | 'subProcess' | 'eventSubProcess';
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
