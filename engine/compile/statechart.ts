/**
 * ProcessModel -> the XState v5 statechart of the process, the one the engine runs and
 * `GET /api/processes/:key/machine` serves:
 *
 * - a state per flow node (its id as state id, its kind and name in `meta`/`description`); embedded and
 *   event subprocesses are compound states holding theirs; end events are final states;
 * - a transition per sequence flow, on the event that makes the element leave: `task.completed`,
 *   `job.completed`, `child.completed`, `multiInstance.completed`, `message.<name>`, `signal.<name>`,
 *   `timer` for elements that wait, `leave` for those that do not; a subprocess leaves when it is done
 *   (`onDone`: XState's `xstate.done.state.<id>`, raised when a token reaches one of its end events);
 *   A conditional flow's FEEL condition is its guard (`condition`), the default flow comes last
 *   (`default`); a link throw event's transition goes to its link catch event;
 * - events that fire elsewhere are transitions too: a boundary event is a transition of its activity's
 *   state (`timer.<boundaryId>`, `message.<boundaryId>`, `error.<boundaryId>`...), an event subprocess
 *   start one of its enclosing scope's state (`message.<startId>`...), an event-based gateway's targets
 *   transitions of the gateway (`message.<targetId>`...).
 *
 * Every transition carries the action `take` with the state it leaves, the flow (if any) and the
 * element it leads to: what the token game (chart.ts) reads from XState's answer. What one statechart configuration cannot say is
 * the coordinator's (run.ts): several tokens, forks (an element takes every flow whose guard passes,
 * an exclusive gateway the first), joins, and scope lifetimes.
 */
import type { EventDefinition, FlowNode, ProcessModel, ScopeModel } from '../bpmn/model';

/** The JSON statechart config (what `GET /api/processes/:key/machine` returns). */
export type MachineConfig = Record<string, unknown>;

type Transition = {
  target: string;
  guard?: { type: string; params: Record<string, string> };
  actions: { type: 'take'; params: { from: string; flow?: string; to: string } }[];
  description?: string;
};
type StateConfig = Record<string, unknown> & { on?: Record<string, Transition[]> };

/** How an event definition names the events that fire it (`timer`, `message`, ...). */
function eventKind(event: EventDefinition | undefined, node: FlowNode): string {
  if (node.kind === 'receiveTask') return 'message';
  return event?.kind ?? 'none';
}

/** The event that makes a waiting catch element leave: `timer`, `message.<name>`, `signal.<name>`. */
function caughtEvent(event: EventDefinition): string {
  switch (event.kind) {
    case 'timer':
      return 'timer';
    case 'message':
      return event.messageName && !event.messageName.startsWith('=') ? `message.${event.messageName}` : 'message';
    case 'signal':
      return `signal.${event.signalName}`;
    default:
      return 'leave';
  }
}

/** The event on which an element leaves along its outgoing flows (see the file comment). */
export function leaveEvent(node: FlowNode): string {
  if (node.kind === 'subProcess') return node.adHoc ? 'adHoc.completed' : `xstate.done.state.${node.id}`;
  if (node.event?.kind === 'compensation' && node.kind === 'intermediateThrowEvent') return 'compensation.completed';
  if (node.loop) return 'multiInstance.completed';
  if (node.job && (node.kind === 'intermediateThrowEvent' || node.kind === 'endEvent')) return 'job.completed';
  switch (node.kind) {
    case 'userTask':
      return 'task.completed';
    case 'serviceTask':
    case 'sendTask':
    case 'businessRuleTask':
      return 'job.completed';
    case 'scriptTask':
      return node.script ? 'leave' : 'job.completed';
    case 'receiveTask':
      return caughtEvent(node.event ?? { kind: 'message', messageName: '' });
    case 'intermediateCatchEvent':
      return node.event ? caughtEvent(node.event) : 'leave';
    case 'callActivity':
      return 'child.completed';
    default:
      return 'leave';
  }
}

/** The event that fires a boundary event, an event subprocess start or an event-based gateway's target `id`. */
export function fireEvent(node: FlowNode): string {
  return `${eventKind(node.event, node)}.${node.id}`;
}

const take = (from: string, to: string, flow?: string): Transition['actions'] => [{ type: 'take', params: flow ? { from, flow, to } : { from, to } }];

/** One transition per outgoing flow: guarded by its condition, the default flow last. */
function flowTransitions(model: ProcessModel, node: FlowNode): Transition[] {
  const out: Transition[] = [];
  const ordered = [...node.outgoing.filter((f) => f !== node.defaultFlow), ...(node.defaultFlow ? [node.defaultFlow] : [])];
  for (const id of ordered) {
    const flow = model.flows[id];
    const t: Transition = { target: `#${flow.targetRef}`, actions: take(node.id, flow.targetRef, id) };
    // A parallel gateway ignores conditions (BPMN 2.0, 13.3.4).
    if (id === node.defaultFlow) t.guard = { type: 'default', params: { flow: id } };
    else if (flow.condition && node.kind !== 'parallelGateway') t.guard = { type: 'condition', params: { flow: id, condition: flow.condition } };
    else t.guard = { type: 'flow', params: { flow: id } };
    if (flow.condition) t.description = flow.condition;
    out.push(t);
  }
  return out;
}

function nodeState(model: ProcessModel, node: FlowNode): StateConfig {
  const state: StateConfig = { id: node.id, meta: { kind: node.kind } };
  if (node.name) state.description = node.name;
  const on: Record<string, Transition[]> = {};
  if (node.kind === 'endEvent') state.type = 'final';
  else if (node.kind === 'intermediateThrowEvent' && node.event?.kind === 'link') {
    const target = Object.values(model.nodes).find(
      (n) => n.scope === node.scope && n.kind === 'intermediateCatchEvent' && n.event?.kind === 'link' && n.event.linkName === (node.event as { linkName: string }).linkName,
    );
    if (target)
      on.leave = [{ target: `#${target.id}`, actions: take(node.id, target.id), description: `link ${target.event && 'linkName' in target.event ? target.event.linkName : ''}` }];
  } else if (node.kind === 'eventBasedGateway') {
    for (const f of node.outgoing) {
      const target = model.nodes[model.flows[f].targetRef];
      on[fireEvent(target)] = [{ target: `#${target.id}`, actions: take(node.id, target.id, f) }];
    }
  } else if (node.kind === 'subProcess' && !node.adHoc) {
    if (node.outgoing.length) state.onDone = flowTransitions(model, node);
  } else if (node.outgoing.length) {
    on[leaveEvent(node)] = flowTransitions(model, node);
  }
  if (node.event?.kind === 'compensation' && (node.kind === 'intermediateThrowEvent' || node.kind === 'endEvent')) {
    // the handlers this throw may start (the compensation events of what it compensates)
    for (const target of compensationTargets(model, node)) on[`compensate.${target}`] = [{ target: `#${target}`, actions: take(node.id, target) }];
  }
  for (const b of node.boundaries ?? []) {
    const boundary = model.nodes[b];
    // a compensation boundary only links the handler (compensationTargets): nothing fires it
    if (boundary.event?.kind === 'compensation') continue;
    const t: Transition = { target: `#${b}`, actions: take(node.id, b) };
    if (boundary.cancelActivity === false) t.description = 'non-interrupting: the activity goes on';
    on[fireEvent(boundary)] = [t];
  }
  if (node.loop) (state.meta as Record<string, unknown>).multiInstance = node.loop.sequential ? 'sequential' : 'parallel';
  if (node.kind === 'subProcess') Object.assign(state, scopeStates(model, model.scopes[node.id]), { id: node.id });
  if (node.adHoc) {
    // an ad-hoc subprocess starts its inner elements itself (activeElementsCollection, or the API)
    (state.meta as Record<string, unknown>).kind = 'adHocSubProcess';
    for (const inner of model.scopes[node.id].nodes) {
      if (model.nodes[inner].kind !== 'boundaryEvent') on[`activate.${inner}`] = [{ target: `#${inner}`, actions: take(node.id, inner) }];
    }
  }
  if (Object.keys(on).length) state.on = { ...(state.on ?? {}), ...on };
  return state;
}

/**
 * What a compensation throw event may start: the handlers of the compensable activities of its scope
 * (or of its activityRef), and inside compensable subprocesses their compensation event subprocess
 * start or, without one, the handlers within (nested subprocesses included).
 */
function compensationTargets(model: ProcessModel, thrower: FlowNode): string[] {
  const out: string[] = [];
  const visit = (activityIds: string[]): void => {
    for (const id of activityIds) {
      const activity = model.nodes[id];
      if (activity.compensationHandler) out.push(activity.compensationHandler);
      else if (activity.kind === 'subProcess' && !activity.triggeredByEvent) {
        const esStart = model.scopes[id].eventSubProcesses.map((e) => model.scopes[e].startEvents[0]).find((s) => s && model.nodes[s].event?.kind === 'compensation');
        if (esStart) out.push(esStart);
        else visit(model.scopes[id].nodes);
      }
    }
  };
  const ref = thrower.event?.kind === 'compensation' ? thrower.event.activity : undefined;
  visit(ref ? [ref] : model.scopes[thrower.scope].nodes.filter((id) => !model.nodes[id].isForCompensation));
  return [...new Set(out)];
}

/** A scope's states, its initial state (its none start event) and its event subprocess starts. */
function scopeStates(model: ProcessModel, scope: ScopeModel): StateConfig {
  const states: Record<string, StateConfig> = {};
  const on: Record<string, Transition[]> = {};
  for (const id of scope.nodes) {
    const node = model.nodes[id];
    if (node.kind === 'subProcess' && node.triggeredByEvent) {
      const inner = model.scopes[id];
      states[id] = { id, meta: { kind: 'eventSubProcess' }, ...(node.name ? { description: node.name } : {}), ...scopeStates(model, inner) };
      const start = inner.startEvents[0];
      // a compensation event subprocess is started by the compensation throw event (compensationTargets)
      if (start && model.nodes[start].event?.kind !== 'compensation') {
        const startNode = model.nodes[start];
        const t: Transition = { target: `#${start}`, actions: take(scope.id, start) };
        if (startNode.isInterrupting === false) t.description = 'non-interrupting: the scope goes on';
        on[fireEvent(startNode)] = [t];
      }
    } else {
      states[id] = nodeState(model, node);
    }
  }
  const initial =
    scope.startEvents[0] ??
    (scope.kind === 'process' ? model.eventStarts[0] : undefined) ??
    scope.nodes.find((n) => model.nodes[n].kind === 'startEvent') ??
    scope.nodes.find((n) => model.nodes[n].kind !== 'boundaryEvent') ??
    scope.nodes[0];
  const config: StateConfig = { initial, states };
  if (Object.keys(on).length) config.on = on;
  return config;
}

export function statechartConfig(model: ProcessModel): MachineConfig {
  return { id: model.id, ...(model.name ? { description: model.name } : {}), ...scopeStates(model, model.scopes[model.id]) };
}
