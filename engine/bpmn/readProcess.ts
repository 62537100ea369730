/**
 * One bpmn:Process (moddle tree) -> ProcessModel: flow nodes with their scope, sequence flows, scopes
 * (process, subprocesses, event subprocesses), boundary events attached to their activities and the
 * top-level event starts. Element types the engine cannot run are reported, not skipped. Semantic
 * rules that only need the model are in validate.ts.
 */
import { readElementProperties, readProcessPolicy } from './readPolicy';
import { bool, child, children, describe, expressionBody, extension, str, text, type ModdleElement } from './elements';
import { readEventDefinition, readMessageRef, reportMissingRef, type ReadContext } from './readEvents';
import { checkUnsupportedZeebe, readCalledDecision, readCalledElement, readJob, readAdHoc, readLoop, readMappings, readScript, readUserTask } from './readExtensions';
import type { FlowNode, NodeKind, ProcessModel, ScopeModel, SequenceFlow } from './model';

/** Elements that may declare the form people fill in: start events (start forms) and message catchers (message actions). */
const FORM_KINDS = new Set<string>(['startEvent', 'intermediateCatchEvent', 'boundaryEvent', 'receiveTask']);

const NODE_KINDS: Record<string, NodeKind> = {
  'bpmn:StartEvent': 'startEvent',
  'bpmn:EndEvent': 'endEvent',
  'bpmn:IntermediateCatchEvent': 'intermediateCatchEvent',
  'bpmn:IntermediateThrowEvent': 'intermediateThrowEvent',
  'bpmn:BoundaryEvent': 'boundaryEvent',
  'bpmn:Task': 'task',
  'bpmn:UserTask': 'userTask',
  'bpmn:ServiceTask': 'serviceTask',
  'bpmn:SendTask': 'sendTask',
  'bpmn:BusinessRuleTask': 'businessRuleTask',
  'bpmn:ScriptTask': 'scriptTask',
  'bpmn:ReceiveTask': 'receiveTask',
  'bpmn:ManualTask': 'manualTask',
  'bpmn:ExclusiveGateway': 'exclusiveGateway',
  'bpmn:ParallelGateway': 'parallelGateway',
  'bpmn:InclusiveGateway': 'inclusiveGateway',
  'bpmn:EventBasedGateway': 'eventBasedGateway',
  'bpmn:SubProcess': 'subProcess',
  'bpmn:AdHocSubProcess': 'subProcess',
  'bpmn:CallActivity': 'callActivity',
};

/** Flow elements that carry no behaviour: allowed and ignored. */
const IGNORED = new Set(['bpmn:DataObject', 'bpmn:DataObjectReference', 'bpmn:DataStoreReference']);

const UNSUPPORTED: Record<string, string> = {
  'bpmn:ComplexGateway': 'complex gateways are not supported',
  'bpmn:Transaction': 'transactions (transaction subprocesses) are not supported',
  'bpmn:ImplicitThrowEvent': 'implicit throw events are not supported',
  'bpmn:CallChoreography': 'choreographies are not supported',
  'bpmn:ChoreographyTask': 'choreographies are not supported',
  'bpmn:SubChoreography': 'choreographies are not supported',
};

export const EVENT_KINDS = new Set<NodeKind>(['startEvent', 'endEvent', 'intermediateCatchEvent', 'intermediateThrowEvent', 'boundaryEvent']);
export const GATEWAY_KINDS = new Set<NodeKind>(['exclusiveGateway', 'parallelGateway', 'inclusiveGateway', 'eventBasedGateway']);
export const ACTIVITY_KINDS = new Set<NodeKind>([
  'task',
  'userTask',
  'serviceTask',
  'sendTask',
  'businessRuleTask',
  'scriptTask',
  'receiveTask',
  'manualTask',
  'subProcess',
  'callActivity',
]);
/** Node kinds whose work is done by a job worker when they have a zeebe:taskDefinition. */
const JOB_KINDS = new Set<NodeKind>(['serviceTask', 'sendTask', 'businessRuleTask', 'scriptTask', 'endEvent', 'intermediateThrowEvent']);

interface PendingFlow {
  el: ModdleElement;
  scope: string;
}

export function readProcess(ctx: ReadContext, process: ModdleElement): ProcessModel {
  const id = process.id ?? '';
  const model: ProcessModel = { id, nodes: {}, flows: {}, scopes: {}, eventStarts: [] };
  const name = text(process, 'name');
  if (name) model.name = name;
  const versionTag = text(extension(process, 'zeebe:VersionTag'), 'value');
  if (versionTag) model.versionTag = versionTag;
  const policy = readProcessPolicy(ctx, process);
  if (policy) model.policy = policy;
  checkUnsupportedZeebe(ctx, process);

  const flows: PendingFlow[] = [];
  const elements = new Map<string, ModdleElement>();
  readScope(ctx, model, process, { id, kind: 'process', nodes: [], startEvents: [], eventSubProcesses: [] }, flows, elements);
  linkFlows(ctx, model, flows);
  linkBoundaries(ctx, model, elements);
  linkCompensationHandlers(ctx, model, process);

  const top = model.scopes[id];
  for (const nodeId of top.nodes) {
    const node = model.nodes[nodeId];
    const kind = node.event?.kind;
    if (node.kind === 'startEvent' && (kind === 'message' || kind === 'timer' || kind === 'signal')) model.eventStarts.push(nodeId);
  }
  return model;
}

function readScope(ctx: ReadContext, model: ProcessModel, container: ModdleElement, scope: ScopeModel, flows: PendingFlow[], elements: Map<string, ModdleElement>): void {
  model.scopes[scope.id] = scope;
  for (const el of children(container, 'flowElements')) {
    if (el.$type === 'bpmn:SequenceFlow') {
      flows.push({ el, scope: scope.id });
      continue;
    }
    if (IGNORED.has(el.$type)) continue;
    const kind = NODE_KINDS[el.$type];
    if (!kind) {
      ctx.problems.add(el.id, UNSUPPORTED[el.$type] ?? `<${el.$type}> is not supported`);
      continue;
    }
    if (!el.id) {
      ctx.problems.add(scope.id, `a ${describe(el)} in ${scope.id} has no id`);
      continue;
    }
    const node = readNode(ctx, el, kind, scope);
    model.nodes[node.id] = node;
    elements.set(node.id, el);
    scope.nodes.push(node.id);

    if (kind === 'startEvent' && (scope.kind === 'eventSubProcess' || node.event?.kind === 'none')) scope.startEvents.push(node.id);
    if (kind === 'subProcess') {
      const eventSub = node.triggeredByEvent === true;
      if (eventSub) scope.eventSubProcesses.push(node.id);
      const inner: ScopeModel = {
        id: node.id,
        kind: eventSub ? 'eventSubProcess' : node.adHoc ? 'adHocSubProcess' : 'subProcess',
        parent: scope.id,
        nodes: [],
        startEvents: [],
        eventSubProcesses: [],
      };
      readScope(ctx, model, el, inner, flows, elements);
    }
  }
}

function readNode(ctx: ReadContext, el: ModdleElement, kind: NodeKind, scope: ScopeModel): FlowNode {
  const id = el.id as string;
  const node: FlowNode = { id, kind, scope: scope.id, incoming: [], outgoing: [] };
  const name = text(el, 'name');
  if (name) node.name = name;
  checkUnsupportedZeebe(ctx, el);

  if (EVENT_KINDS.has(kind)) {
    const event = readEventDefinition(ctx, el);
    if (event) node.event = event;
  }
  if (kind === 'startEvent' && scope.kind === 'eventSubProcess') node.isInterrupting = bool(el, 'isInterrupting', true);
  if (kind === 'boundaryEvent') {
    const attached = child(el, 'attachedToRef');
    if (attached?.id) node.attachedTo = attached.id;
    else reportMissingRef(ctx, el, el, 'attachedToRef', 'activity to attach to');
    node.cancelActivity = bool(el, 'cancelActivity', true);
  }

  if (GATEWAY_KINDS.has(kind) || ACTIVITY_KINDS.has(kind)) {
    const defaultFlow = child(el, 'default');
    if (defaultFlow?.id) node.defaultFlow = defaultFlow.id;
    else if (ctx.unresolved.get(el)?.has('default')) reportMissingRef(ctx, el, el, 'default', 'sequence flow');
  }
  if (kind === 'eventBasedGateway') {
    if (bool(el, 'instantiate', false)) ctx.problems.add(id, 'event-based gateways that start a process (instantiate="true") are not supported');
    if (str(el, 'eventGatewayType') === 'Parallel') ctx.problems.add(id, 'parallel event-based gateways are not supported');
  }

  if (ACTIVITY_KINDS.has(kind)) {
    if (bool(el, 'isForCompensation', false)) node.isForCompensation = true;
    // BPMN 2.0 (13.2.1): an activity starts once startQuantity tokens arrived and emits completionQuantity
    // tokens on each flow; the engine runs the default of 1 only, and 0 is not valid BPMN.
    for (const quantity of ['startQuantity', 'completionQuantity']) {
      const value = el.get(quantity);
      if (value !== undefined && Number(value) !== 1) ctx.problems.add(id, `${quantity}="${value}" is not supported: only 1 (the default) is`);
    }
    const loop = readLoop(ctx, el);
    if (loop) node.loop = loop;
  }
  const props = readElementProperties(ctx, el);
  const catchesMessage = (node.event?.kind === 'message' && kind !== 'intermediateThrowEvent' && kind !== 'endEvent') || kind === 'receiveTask';
  if (props.publishers) {
    if (node.event?.kind === 'message' || kind === 'receiveTask') node.publishers = props.publishers;
    else ctx.problems.add(id, 'processdesk.publishers belongs on an element that catches a message');
  }
  if (props.correlation) {
    if (catchesMessage && kind !== 'startEvent') node.correlation = props.correlation;
    else ctx.problems.add(id, 'processdesk.correlation belongs on an element that waits for a message');
  }
  if (props.reportedAt) {
    if (kind === 'startEvent' && scope.kind === 'process' && (!node.event || node.event.kind === 'none')) node.reportedAt = props.reportedAt;
    else ctx.problems.add(id, 'processdesk.reportedAt belongs on a none start event of the process');
  }
  if (props.slaRecord) {
    if (kind === 'scriptTask') node.slaRecord = true;
    else ctx.problems.add(id, 'processdesk.slaRecord belongs on a script task');
  }
  if (FORM_KINDS.has(kind)) {
    const formId = text(extension(el, 'zeebe:FormDefinition'), 'formId');
    if (formId) node.formId = formId;
  }
  const { inputs, outputs } = readMappings(ctx, el);
  if (inputs) node.inputs = inputs;
  if (outputs) node.outputs = outputs;

  if (JOB_KINDS.has(kind)) {
    const job = readJob(ctx, el);
    if (job) node.job = job;
  }
  switch (kind) {
    case 'userTask':
      node.userTask = readUserTask(ctx, el);
      break;
    case 'scriptTask': {
      const script = readScript(el);
      if (script) node.script = script;
      break;
    }
    case 'businessRuleTask': {
      const decision = readCalledDecision(el);
      if (decision) node.calledDecision = decision;
      break;
    }
    case 'callActivity': {
      const called = readCalledElement(el);
      if (called) node.calledElement = called;
      break;
    }
    case 'receiveTask': {
      if (bool(el, 'instantiate', false)) ctx.problems.add(id, 'receive tasks that start a process (instantiate="true") are not supported');
      const event = readMessageRef(ctx, el, el);
      if (event) node.event = event;
      break;
    }
    case 'subProcess':
      node.triggeredByEvent = bool(el, 'triggeredByEvent', false);
      if (el.$type === 'bpmn:AdHocSubProcess') node.adHoc = readAdHoc(ctx, el);
      break;
    default:
      break;
  }
  return node;
}

function linkFlows(ctx: ReadContext, model: ProcessModel, pending: PendingFlow[]): void {
  for (const { el, scope } of pending) {
    if (!el.id) {
      ctx.problems.add(scope, `a sequence flow in ${scope} has no id`);
      continue;
    }
    const source = child(el, 'sourceRef');
    const target = child(el, 'targetRef');
    if (!source) reportMissingRef(ctx, el, el, 'sourceRef', 'source element');
    if (!target) reportMissingRef(ctx, el, el, 'targetRef', 'target element');
    if (!source || !target) continue;

    const from = source.id ? model.nodes[source.id] : undefined;
    const to = target.id ? model.nodes[target.id] : undefined;
    let ok = true;
    for (const [end, node, ref] of [
      ['source', from, source],
      ['target', to, target],
    ] as const) {
      if (!node) {
        ctx.problems.add(el.id, `its ${end} "${ref.id}" is not a flow node of this process that the engine can run`);
        ok = false;
      } else if (node.scope !== scope) {
        ctx.problems.add(el.id, `sequence flow in ${scope} connects to "${node.id}" in ${node.scope}; sequence flows cannot cross subprocess boundaries`);
        ok = false;
      }
    }
    if (!ok || !from || !to) continue;
    const flow: SequenceFlow = { id: el.id, sourceRef: from.id, targetRef: to.id };
    // An empty <conditionExpression/> (written by some tools) means no condition.
    const condition = expressionBody(el, 'conditionExpression');
    if (condition) flow.condition = condition;
    model.flows[flow.id] = flow;
    from.outgoing.push(flow.id);
    to.incoming.push(flow.id);
  }
}

/**
 * A compensation boundary event names its handler by an association (not a sequence flow): the handler
 * becomes the activity's `compensationHandler`. Associations of the process and of its subprocesses.
 */
function linkCompensationHandlers(ctx: ReadContext, model: ProcessModel, process: ModdleElement): void {
  const associations: ModdleElement[] = [];
  const collect = (container: ModdleElement): void => {
    for (const a of children(container, 'artifacts')) if (a.$type === 'bpmn:Association') associations.push(a);
    for (const el of children(container, 'flowElements')) if (el.$type === 'bpmn:SubProcess' || el.$type === 'bpmn:AdHocSubProcess') collect(el);
  };
  collect(process);
  for (const boundary of Object.values(model.nodes)) {
    if (boundary.kind !== 'boundaryEvent' || boundary.event?.kind !== 'compensation') continue;
    const handlers = associations
      .filter((a) => child(a, 'sourceRef')?.id === boundary.id)
      .map((a) => child(a, 'targetRef')?.id)
      .filter((id): id is string => !!id);
    const activity = boundary.attachedTo ? model.nodes[boundary.attachedTo] : undefined;
    if (handlers.length !== 1) {
      ctx.problems.add(boundary.id, `a compensation boundary event needs exactly one association to its compensation handler (found ${handlers.length})`);
      continue;
    }
    const handler = model.nodes[handlers[0]];
    if (!handler || !handler.isForCompensation) {
      ctx.problems.add(boundary.id, `its association leads to "${handlers[0]}", which is no compensation handler (an activity with isForCompensation="true")`);
      continue;
    }
    if (activity) activity.compensationHandler = handler.id;
  }
}

function linkBoundaries(ctx: ReadContext, model: ProcessModel, elements: Map<string, ModdleElement>): void {
  for (const node of Object.values(model.nodes)) {
    if (node.kind !== 'boundaryEvent' || !node.attachedTo) continue;
    const host = model.nodes[node.attachedTo];
    if (!host) {
      const el = elements.get(node.id);
      const hostEl = el && child(el, 'attachedToRef');
      ctx.problems.add(
        node.id,
        hostEl ? `is attached to <${hostEl.$type}> "${node.attachedTo}", which is not an activity the engine can run` : `is attached to "${node.attachedTo}", which does not exist`,
      );
      continue;
    }
    if (!ACTIVITY_KINDS.has(host.kind)) {
      ctx.problems.add(node.id, `is attached to ${host.kind} "${host.id}"; boundary events can only be attached to activities`);
      continue;
    }
    if (host.kind === 'subProcess' && host.triggeredByEvent) {
      ctx.problems.add(node.id, `is attached to event subprocess "${host.id}"; event subprocesses cannot have boundary events`);
      continue;
    }
    if (host.scope !== node.scope) {
      ctx.problems.add(node.id, `is attached to "${host.id}" in ${host.scope} but lies in ${node.scope}; it must be in the same scope as its activity`);
      continue;
    }
    (host.boundaries ??= []).push(node.id);
  }
}
