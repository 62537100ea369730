/**
 * The zeebe extension elements of one flow node: task definition and headers, user task assignment,
 * schedule and form, script, called decision, called element, input/output mappings and the
 * multi-instance loop. Values are kept as written (`=expr` is FEEL, anything else a literal); the
 * validator checks them.
 */
import { bool, child, expressionBody, extension, extensions, children, str, text, zeebeExtensions, type ModdleElement } from './elements';
import type { ReadContext } from './readEvents';
import type { AdHocDefinition, FlowNode, JobDefinition, LoopDefinition, Mapping, UserTaskDefinition } from './model';

/** zeebe extension elements that change behaviour the engine does not implement. */
const UNSUPPORTED_ZEEBE: Record<string, string> = {
  'zeebe:ExecutionListeners': 'execution listeners (zeebe:executionListeners) are not supported',
  'zeebe:TaskListeners': 'task listeners (zeebe:taskListeners) are not supported',
  'zeebe:ConditionalFilter': 'conditional event filters (zeebe:conditionalFilter) are not supported',
  'zeebe:AgentDefinition': 'agent definitions (zeebe:agentDefinition) are not supported',
};

export function checkUnsupportedZeebe(ctx: ReadContext, el: ModdleElement): void {
  for (const ext of zeebeExtensions(el)) {
    const reason = UNSUPPORTED_ZEEBE[ext.$type];
    if (reason) ctx.problems.add(el.id, reason);
  }
}

/** zeebe:taskHeaders as key -> value; a header without a key is a problem of the element. */
function readHeaders(ctx: ReadContext, el: ModdleElement): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const header of children(extension(el, 'zeebe:TaskHeaders'), 'values')) {
    const key = str(header, 'key');
    if (!key) {
      ctx.problems.add(el.id, 'a zeebe:header has no key');
      continue;
    }
    headers[key] = str(header, 'value') ?? '';
  }
  return headers;
}

export function readJob(ctx: ReadContext, el: ModdleElement): JobDefinition | undefined {
  const def = extension(el, 'zeebe:TaskDefinition');
  if (!def) return undefined;
  const retries = str(def, 'retries')?.trim();
  return { type: str(def, 'type')?.trim() ?? '', ...(retries ? { retries } : {}), headers: readHeaders(ctx, el) };
}

/** The user task header that names the variables whose users are excluded from the task. */
const SEGREGATION_HEADER = 'segregationOfDuties';
/** The user task header whose value (literal or FEEL) is the task's subject in task lists. */
const SUBJECT_HEADER = 'subject';
/** The user task header that makes a multi-instance task's instances seats, one per person. */
const ONE_PER_PERSON_HEADER = 'onePerPerson';
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function readUserTask(ctx: ReadContext, el: ModdleElement): UserTaskDefinition {
  const result: UserTaskDefinition = {};
  const assignment = extension(el, 'zeebe:AssignmentDefinition');
  const schedule = extension(el, 'zeebe:TaskSchedule');
  const form = extension(el, 'zeebe:FormDefinition');
  const priority = extension(el, 'zeebe:PriorityDefinition');
  const set = (key: Exclude<keyof UserTaskDefinition, 'segregationOfDuties' | 'onePerPerson'>, value: string | undefined): void => {
    if (value !== undefined) result[key] = value;
  };
  set('assignee', text(assignment, 'assignee'));
  set('candidateGroups', text(assignment, 'candidateGroups'));
  set('candidateUsers', text(assignment, 'candidateUsers'));
  set('dueDate', text(schedule, 'dueDate'));
  set('followUpDate', text(schedule, 'followUpDate'));
  set('formId', text(form, 'formId'));
  set('formKey', text(form, 'formKey') ?? text(form, 'externalReference'));
  set('priority', text(priority, 'priority'));
  const headers = readHeaders(ctx, el);
  if (headers[SUBJECT_HEADER]) result.subject = headers[SUBJECT_HEADER];
  const onePerPerson = headers[ONE_PER_PERSON_HEADER];
  if (onePerPerson !== undefined) {
    if (onePerPerson !== 'true' && onePerPerson !== 'false') ctx.problems.add(el.id, `task header ${ONE_PER_PERSON_HEADER} must be true or false (got "${onePerPerson}")`);
    else if (onePerPerson === 'true' && !child(el, 'loopCharacteristics')) ctx.problems.add(el.id, `task header ${ONE_PER_PERSON_HEADER} belongs on a multi-instance user task`);
    else if (onePerPerson === 'true') result.onePerPerson = true;
  }
  const segregation = headers[SEGREGATION_HEADER];
  if (segregation !== undefined) {
    const names = segregation
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean);
    const bad = names.filter((n) => !VARIABLE_NAME.test(n));
    if (!names.length || bad.length) {
      ctx.problems.add(el.id, `task header ${SEGREGATION_HEADER} must list process variable names separated by commas (got "${segregation}")`);
    } else {
      result.segregationOfDuties = names;
    }
  }
  return result;
}

export function readScript(el: ModdleElement): FlowNode['script'] {
  const script = extension(el, 'zeebe:Script');
  if (!script) return undefined;
  return { expression: str(script, 'expression')?.trim() ?? '', resultVariable: str(script, 'resultVariable')?.trim() ?? '' };
}

export function readCalledDecision(el: ModdleElement): FlowNode['calledDecision'] {
  const decision = extension(el, 'zeebe:CalledDecision');
  if (!decision) return undefined;
  return { decisionId: str(decision, 'decisionId')?.trim() ?? '', resultVariable: str(decision, 'resultVariable')?.trim() ?? '' };
}

export function readCalledElement(el: ModdleElement): FlowNode['calledElement'] {
  const called = extension(el, 'zeebe:CalledElement');
  if (!called) return undefined;
  return {
    processId: str(called, 'processId')?.trim() ?? '',
    propagateAllChildVariables: bool(called, 'propagateAllChildVariables', true),
    propagateAllParentVariables: bool(called, 'propagateAllParentVariables', true),
  };
}

/** zeebe:ioMapping inputs and outputs (undefined when the element has none of that direction). */
export function readMappings(ctx: ReadContext, el: ModdleElement): { inputs?: Mapping[]; outputs?: Mapping[] } {
  const io = extensions(el, 'zeebe:IoMapping');
  const read = (prop: string, direction: string): Mapping[] | undefined => {
    const params = io.flatMap((m) => children(m, prop));
    if (params.length === 0) return undefined;
    const mappings: Mapping[] = [];
    for (const param of params) {
      const source = str(param, 'source')?.trim();
      const target = str(param, 'target')?.trim();
      if (!target) {
        ctx.problems.add(el.id, `an ${direction} mapping has no target variable`);
        continue;
      }
      if (!source) {
        ctx.problems.add(el.id, `the ${direction} mapping to "${target}" has no source`);
        continue;
      }
      mappings.push({ source, target });
    }
    return mappings;
  };
  const result: { inputs?: Mapping[]; outputs?: Mapping[] } = {};
  const inputs = read('inputParameters', 'input');
  const outputs = read('outputParameters', 'output');
  if (inputs) result.inputs = inputs;
  if (outputs) result.outputs = outputs;
  return result;
}

/** bpmn:adHocSubProcess with its zeebe:adHoc; sequential ordering is refused (inner elements run in parallel). */
export function readAdHoc(ctx: ReadContext, el: ModdleElement): AdHocDefinition {
  if (str(el, 'ordering') === 'Sequential') ctx.problems.add(el.id, 'ad-hoc subprocesses with ordering Sequential are not supported: their inner elements run in parallel');
  const zeebe = extension(el, 'zeebe:AdHoc');
  const adHoc: AdHocDefinition = { cancelRemainingInstances: bool(el, 'cancelRemainingInstances', true) };
  const set = (key: 'activeElements' | 'completionCondition' | 'outputCollection' | 'outputElement', value: string | undefined): void => {
    if (value) adHoc[key] = value;
  };
  set('activeElements', text(zeebe, 'activeElementsCollection'));
  set('completionCondition', expressionBody(el, 'completionCondition'));
  set('outputCollection', text(zeebe, 'outputCollection'));
  set('outputElement', text(zeebe, 'outputElement'));
  return adHoc;
}

/** bpmn:multiInstanceLoopCharacteristics with its zeebe:loopCharacteristics; standard loops are refused. */
export function readLoop(ctx: ReadContext, el: ModdleElement): LoopDefinition | undefined {
  const loop = child(el, 'loopCharacteristics');
  if (!loop) return undefined;
  if (loop.$type !== 'bpmn:MultiInstanceLoopCharacteristics') {
    ctx.problems.add(el.id, 'standard loops (bpmn:standardLoopCharacteristics) are not supported; use multi-instance');
    return undefined;
  }
  // Only behavior All (the default: every completed instance counts, no event per instance) is run.
  const behavior = str(loop, 'behavior') ?? 'All';
  if (behavior !== 'All') ctx.problems.add(el.id, `multi-instance behavior ${behavior} is not supported: only All (the default) is`);
  for (const ref of ['oneBehaviorEventRef', 'noneBehaviorEventRef', 'complexBehaviorDefinition']) {
    const value: unknown = loop.get(ref);
    if (value !== undefined && !(Array.isArray(value) && !value.length)) ctx.problems.add(el.id, `multi-instance ${ref} is not supported`);
  }
  const result: LoopDefinition = { sequential: bool(loop, 'isSequential', false) };
  const zeebe = extension(loop, 'zeebe:LoopCharacteristics');
  const set = (key: 'inputCollection' | 'inputElement' | 'outputCollection' | 'outputElement' | 'completionCondition' | 'cardinality', value: string | undefined): void => {
    if (value !== undefined) result[key] = value;
  };
  set('inputCollection', text(zeebe, 'inputCollection'));
  set('inputElement', text(zeebe, 'inputElement'));
  set('outputCollection', text(zeebe, 'outputCollection'));
  set('outputElement', text(zeebe, 'outputElement'));
  set('completionCondition', expressionBody(loop, 'completionCondition'));
  set('cardinality', expressionBody(loop, 'loopCardinality'));
  return result;
}
