/**
 * Semantic rules on a ProcessModel that the engine relies on: start events per scope, which event
 * definitions may appear where, sequence flows of start/end/boundary events and gateways, event-based
 * gateway targets, what each task kind needs (job type, script, decision, called process, message),
 * multi-instance and link pairs. Expressions are checked in validateExpressions.ts.
 */
import type { Problems } from './elements';
import type { EventDefinition, FlowNode, ProcessModel, ScopeModel } from './model';
import { validateExpressions } from './validateExpressions';

type EventKind = EventDefinition['kind'];

const ALLOWED_EVENTS: Record<string, EventKind[]> = {
  'startEvent@process': ['none', 'message', 'timer', 'signal'],
  'startEvent@subProcess': ['none'],
  'startEvent@eventSubProcess': ['message', 'timer', 'signal', 'error', 'escalation', 'compensation'],
  endEvent: ['none', 'terminate', 'error', 'escalation', 'message', 'signal', 'compensation'],
  intermediateCatchEvent: ['message', 'timer', 'signal', 'link'],
  intermediateThrowEvent: ['none', 'message', 'signal', 'escalation', 'link', 'compensation'],
  boundaryEvent: ['message', 'timer', 'signal', 'error', 'escalation', 'compensation'],
};

const LABEL: Record<string, string> = {
  'startEvent@process': 'a start event of a process',
  'startEvent@subProcess': 'a start event of an embedded subprocess',
  'startEvent@eventSubProcess': 'a start event of an event subprocess',
  endEvent: 'an end event',
  intermediateCatchEvent: 'an intermediate catch event',
  intermediateThrowEvent: 'an intermediate throw event',
  boundaryEvent: 'a boundary event',
};

export function validateProcess(model: ProcessModel, problems: Problems): void {
  for (const scope of Object.values(model.scopes)) validateScope(model, scope, problems);
  for (const node of Object.values(model.nodes)) {
    validateEventPlacement(model, node, problems);
    validateFlows(model, node, problems);
    validateTask(node, problems);
    validateCompensation(model, node, problems);
  }
  validateLinks(model, problems);
  validateExpressions(model, problems);
}

function validateScope(model: ProcessModel, scope: ScopeModel, problems: Problems): void {
  const starts = scope.startEvents;
  switch (scope.kind) {
    case 'process':
      if (starts.length === 0 && model.eventStarts.length === 0) {
        const unusable = scope.nodes.some((id) => model.nodes[id].kind === 'startEvent');
        problems.add(
          scope.id,
          unusable
            ? 'process has no usable start event: it needs a none start event or a message, timer or signal start event'
            : 'process has no start event: add a none start event or a message, timer or signal start event',
        );
      }
      if (starts.length > 1) problems.add(scope.id, `process has ${starts.length} none start events (${starts.join(', ')}); only one is supported`);
      break;
    case 'subProcess':
      if (scope.nodes.length === 0) problems.add(scope.id, 'subprocess is empty: it needs a none start event');
      else if (starts.length === 0) problems.add(scope.id, 'subprocess has no none start event');
      if (starts.length > 1) problems.add(scope.id, `subprocess has ${starts.length} none start events (${starts.join(', ')}); exactly one is required`);
      break;
    case 'adHocSubProcess': {
      // Camunda 8: inner elements are started by the subprocess, not by start events; nothing ends it but its completion
      const inner = scope.nodes.map((id) => model.nodes[id]);
      if (!inner.some((n) => ACTIVITY.has(n.kind))) problems.add(scope.id, 'ad-hoc subprocess needs at least one activity');
      for (const n of inner)
        if (n.kind === 'startEvent' || n.kind === 'endEvent')
          problems.add(
            n.id,
            `an ad-hoc subprocess has no ${n.kind === 'startEvent' ? 'start' : 'end'} events: its inner elements are started by it and it completes when they are done (or its completion condition is met)`,
          );
      for (const n of inner)
        if (n.kind === 'intermediateCatchEvent' && !n.outgoing.length) problems.add(n.id, 'an intermediate catch event in an ad-hoc subprocess needs an outgoing sequence flow');
      break;
    }
    case 'eventSubProcess':
      if (starts.length !== 1) {
        problems.add(scope.id, `event subprocess must have exactly one start event, it has ${starts.length}${starts.length ? ` (${starts.join(', ')})` : ''}`);
      }
      for (const id of starts) {
        if (model.nodes[id].event?.kind === 'none') {
          problems.add(id, 'the start event of an event subprocess needs a message, timer, signal, error or escalation event definition');
        }
      }
      break;
  }
}

function validateEventPlacement(model: ProcessModel, node: FlowNode, problems: Problems): void {
  if (!node.event || node.kind === 'receiveTask') return;
  const key = node.kind === 'startEvent' ? `startEvent@${model.scopes[node.scope].kind}` : node.kind;
  const allowed = ALLOWED_EVENTS[key];
  if (!allowed) return;
  const kind = node.event.kind;
  if (!allowed.includes(kind)) {
    if (kind === 'none' && (node.kind === 'intermediateCatchEvent' || node.kind === 'boundaryEvent')) {
      problems.add(node.id, `${LABEL[key]} needs an event definition (${allowed.join(', ')})`);
    } else if (!(key === 'startEvent@eventSubProcess' && kind === 'none')) {
      // (a none start of an event subprocess is reported by validateScope)
      problems.add(node.id, `${LABEL[key]} cannot be ${article(kind)} event (supported: ${allowed.join(', ')})`);
    }
    return;
  }
  const event = node.event;
  if (event.kind === 'timer' && event.timer.type === 'cycle' && node.kind === 'intermediateCatchEvent') {
    // A catch event waits once; a cycle would have to fire it again with no token there (Camunda 8 refuses it too).
    problems.add(node.id, 'an intermediate timer catch event cannot have a timeCycle: use timeDuration or timeDate (cycles belong on start events and boundary events)');
  }
  if (event.kind === 'error') {
    if (node.kind === 'endEvent' && !event.errorCode) {
      problems.add(node.id, 'error end event must reference a bpmn:error with an errorCode');
    }
    if (node.kind === 'boundaryEvent' && node.cancelActivity === false) {
      problems.add(node.id, 'error boundary events cannot be non-interrupting (cancelActivity="false")');
    }
    if (node.kind === 'startEvent' && node.isInterrupting === false) {
      problems.add(node.id, 'error start events of event subprocesses cannot be non-interrupting (isInterrupting="false")');
    }
  }
  if (event.kind === 'escalation' && (node.kind === 'endEvent' || node.kind === 'intermediateThrowEvent') && !event.escalationCode) {
    problems.add(node.id, 'escalation throw event must reference a bpmn:escalation with an escalationCode');
  }
}

function needsCorrelationKey(model: ProcessModel, node: FlowNode): boolean {
  if (node.event?.kind !== 'message') return false;
  if (node.kind === 'startEvent') return model.scopes[node.scope].kind !== 'process';
  return node.kind === 'intermediateCatchEvent' || node.kind === 'boundaryEvent' || node.kind === 'receiveTask';
}

/** Compensation: boundaries and handlers stand outside the sequence flow; a throw names an activity of its scope. */
function validateCompensation(model: ProcessModel, node: FlowNode, problems: Problems): void {
  if (node.event?.kind !== 'compensation' && !node.isForCompensation) return;
  if (node.kind === 'boundaryEvent' && node.outgoing.length)
    problems.add(node.id, 'a compensation boundary event has no outgoing sequence flows: its handler is linked by an association');
  if (node.isForCompensation && (node.incoming.length || node.outgoing.length))
    problems.add(node.id, 'a compensation handler has no incoming or outgoing sequence flows: compensation starts it');
  if (node.isForCompensation && !Object.values(model.nodes).some((n) => n.compensationHandler === node.id))
    problems.add(node.id, "this compensation handler is no compensation boundary event's handler, so it would never run");
  if (node.kind === 'startEvent' && model.scopes[node.scope]?.kind === 'eventSubProcess' && model.scopes[model.scopes[node.scope].parent!]?.kind !== 'subProcess') {
    problems.add(node.id, 'a compensation event subprocess belongs in an embedded subprocess: it runs when that subprocess is compensated');
  }
  const target = node.event?.kind === 'compensation' ? node.event.activity : undefined;
  if (target && (node.kind === 'intermediateThrowEvent' || node.kind === 'endEvent')) {
    const activity = model.nodes[target];
    if (!activity || activity.scope !== node.scope) problems.add(node.id, `activityRef "${target}" is not an activity of the scope this event is in`);
    else if (!activity.compensationHandler && activity.kind !== 'subProcess')
      problems.add(node.id, `activityRef "${target}" has no compensation boundary event, so there is nothing to compensate`);
  }
}

function validateFlows(model: ProcessModel, node: FlowNode, problems: Problems): void {
  const { id, kind, incoming, outgoing } = node;
  if (kind === 'startEvent' && incoming.length) problems.add(id, 'start event cannot have incoming sequence flows');
  if (kind === 'endEvent' && outgoing.length) problems.add(id, 'end event cannot have outgoing sequence flows');
  if (kind === 'boundaryEvent' && incoming.length) problems.add(id, 'boundary event cannot have incoming sequence flows');
  if (kind === 'intermediateThrowEvent' && node.event?.kind === 'link' && outgoing.length) {
    problems.add(id, 'link throw event cannot have outgoing sequence flows; it continues at its link catch event');
  }
  if (kind === 'subProcess' && node.triggeredByEvent && (incoming.length || outgoing.length)) {
    problems.add(id, 'event subprocess cannot have incoming or outgoing sequence flows');
  }
  if (needsCorrelationKey(model, node) && node.event?.kind === 'message' && !node.event.correlationKey) {
    problems.add(id, `message "${node.event.messageName}" has no correlation key: add zeebe:subscription correlationKey to the bpmn:message`);
  }

  const flows = outgoing.map((f) => model.flows[f]);
  if (node.defaultFlow !== undefined) {
    if (!outgoing.includes(node.defaultFlow)) {
      problems.add(id, `default flow "${node.defaultFlow}" is not an outgoing sequence flow of this element`);
    } else if (model.flows[node.defaultFlow].condition) {
      problems.add(node.defaultFlow, 'the default flow cannot have a condition');
    }
  }
  const conditional = flows.filter((f) => f.condition);
  switch (kind) {
    case 'exclusiveGateway':
    case 'inclusiveGateway':
      if (!outgoing.length) problems.add(id, `${label(kind)} has no outgoing sequence flow`);
      if (flows.length > 1) {
        for (const flow of flows) {
          if (!flow.condition && flow.id !== node.defaultFlow) {
            problems.add(flow.id, `leaves ${label(kind)} "${id}" with other flows but has no condition and is not its default flow`);
          }
        }
      }
      break;
    case 'parallelGateway':
      if (!outgoing.length) problems.add(id, 'parallel gateway has no outgoing sequence flow');
      for (const flow of conditional) problems.add(flow.id, `conditional flow out of parallel gateway "${id}" is not supported; a parallel gateway takes every flow`);
      break;
    case 'eventBasedGateway':
      validateEventGateway(model, node, problems);
      break;
    default:
      if (!ACTIVITY.has(kind)) {
        for (const flow of conditional) problems.add(flow.id, `conditional flow out of ${kind} "${id}" is not supported; conditions belong on flows out of gateways or activities`);
      }
  }
}

const ACTIVITY = new Set(['task', 'userTask', 'serviceTask', 'sendTask', 'businessRuleTask', 'scriptTask', 'receiveTask', 'manualTask', 'subProcess', 'callActivity']);

const EVENT = new Set(['startEvent', 'endEvent', 'intermediateCatchEvent', 'intermediateThrowEvent', 'boundaryEvent']);

function article(words: string): string {
  return /^[aeio]/.test(words) ? `an ${words}` : `a ${words}`;
}

function label(kind: string): string {
  return kind.replace(/([A-Z])/g, ' $1').toLowerCase();
}

function validateEventGateway(model: ProcessModel, node: FlowNode, problems: Problems): void {
  if (node.outgoing.length === 0) {
    problems.add(node.id, 'event-based gateway has no outgoing sequence flow');
    return;
  }
  if (node.outgoing.length < 2) problems.add(node.id, 'event-based gateway needs at least two outgoing sequence flows');
  for (const flowId of node.outgoing) {
    const flow = model.flows[flowId];
    if (flow.condition) problems.add(flow.id, `conditional flow out of event-based gateway "${node.id}" is not supported`);
    const target = model.nodes[flow.targetRef];
    if (EVENT.has(target.kind) && !target.event) continue; // its event definition was already reported
    const kind = target.event?.kind;
    const ok = target.kind === 'receiveTask' || (target.kind === 'intermediateCatchEvent' && (kind === 'message' || kind === 'timer' || kind === 'signal'));
    if (!ok) {
      problems.add(
        node.id,
        `event-based gateway target "${target.id}" is ${article(label(target.kind))}${kind && kind !== 'none' ? ` (${kind})` : ''}; targets must be message, timer or signal intermediate catch events or receive tasks`,
      );
    }
  }
}

function validateTask(node: FlowNode, problems: Problems): void {
  const { id, kind } = node;
  if (node.job && !node.job.type) problems.add(id, 'zeebe:taskDefinition has no type');
  switch (kind) {
    case 'serviceTask':
    case 'sendTask':
      if (!node.job) problems.add(id, `${label(kind)} has no job type: add zeebe:taskDefinition with a type`);
      break;
    case 'businessRuleTask':
      if (node.calledDecision && node.job) problems.add(id, 'business rule task has both zeebe:calledDecision and zeebe:taskDefinition; use one');
      else if (!node.calledDecision && !node.job) {
        problems.add(id, 'business rule task needs zeebe:calledDecision (decisionId, resultVariable) or zeebe:taskDefinition with a type');
      }
      if (node.calledDecision && !node.calledDecision.decisionId) problems.add(id, 'zeebe:calledDecision has no decisionId');
      if (node.calledDecision && !node.calledDecision.resultVariable) problems.add(id, 'zeebe:calledDecision has no resultVariable');
      break;
    case 'scriptTask':
      if (node.script && node.job) problems.add(id, 'script task has both zeebe:script and zeebe:taskDefinition; use one');
      else if (!node.script && !node.job) {
        problems.add(id, 'script task needs zeebe:script (a FEEL expression and resultVariable) or zeebe:taskDefinition with a type');
      }
      if (node.script && !node.script.expression) problems.add(id, 'zeebe:script has no expression');
      if (node.script && !node.script.resultVariable) problems.add(id, 'zeebe:script has no resultVariable');
      break;
    case 'callActivity':
      if (!node.calledElement?.processId) problems.add(id, 'call activity has no called process: add zeebe:calledElement with a processId');
      break;
    default:
      break;
  }
  const loop = node.loop;
  if (loop) {
    if (!loop.inputCollection && !loop.cardinality) {
      problems.add(id, 'multi-instance needs an inputCollection (zeebe:loopCharacteristics) or a loopCardinality');
    }
    if (loop.inputElement && !loop.inputCollection) problems.add(id, 'multi-instance has an inputElement but no inputCollection');
    if (!!loop.outputCollection !== !!loop.outputElement) {
      problems.add(id, 'multi-instance needs both outputCollection and outputElement, or neither');
    }
  }
}

function validateLinks(model: ProcessModel, problems: Problems): void {
  const catches = new Map<string, string>();
  for (const node of Object.values(model.nodes)) {
    if (node.kind !== 'intermediateCatchEvent' || node.event?.kind !== 'link') continue;
    const key = `${node.scope}\u0000${node.event.linkName}`;
    const other = catches.get(key);
    if (other) problems.add(node.id, `link catch event "${node.event.linkName}" is defined twice in ${node.scope} (also "${other}")`);
    else catches.set(key, node.id);
  }
  for (const node of Object.values(model.nodes)) {
    if (node.kind !== 'intermediateThrowEvent' || node.event?.kind !== 'link') continue;
    if (!catches.has(`${node.scope}\u0000${node.event.linkName}`)) {
      problems.add(node.id, `link throw event "${node.event.linkName}" has no link catch event with that name in ${node.scope}`);
    }
  }
}
