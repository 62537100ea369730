/**
 * Applies one event to an instance context: the pure heart of the engine. Given the same context and
 * event it always yields the same new context and effects (ids come from a counter, time from the event).
 */
import { callActivityHandlers } from './elements/callActivity';
import { eventHandlers } from './elements/events';
import { evaluateInclusiveJoins, gatewayHandlers } from './elements/gateways';
import { completeActivity } from './elements/activity';
import { subProcessHandlers } from './elements/subProcess';
import { taskHandlers } from './elements/tasks';
import type { ProcessGraph } from './graph';
import { type EnterHandler, Run } from './run';
import { onScopeEnd } from './scopeEnd';
import type { Effect, InstanceContext, MachineEvent, Token, Variables, Wait } from './state';
import { fireBoundary, fireEventSubProcess, terminateInstance, throwError, throwEscalation } from './throwing';
import { rearmCycle } from './waits';

const handlers: Record<string, EnterHandler> = {
  ...eventHandlers,
  ...gatewayHandlers,
  ...taskHandlers,
  ...subProcessHandlers,
  ...callActivityHandlers,
};

export function emptyContext(processId: string): InstanceContext {
  return { instanceId: '', processId, definitionKey: '', seq: 0, status: 'new', hasParent: false, rootScope: '', scopes: {}, tokens: {}, waits: {}, incidents: {} };
}

export interface StepResult {
  context: InstanceContext;
  effects: Effect[];
}

export function applyEvent(graph: ProcessGraph, previous: InstanceContext, event: MachineEvent): StepResult {
  const ctx = structuredClone(previous);
  const run = new Run(ctx, graph, event.at, event.actor, handlers, evaluateInclusiveJoins);
  const reject = (reason: string): StepResult => ({ context: previous, effects: [{ type: 'rejected', reason }] });

  if (event.type === 'START') {
    if (ctx.status !== 'new') return reject('instance already started');
    const model = graph.model;
    const start = event.startEvent ?? model.scopes[model.id]?.startEvents[0];
    if (!start || !model.nodes[start]) return reject(`process ${model.id} has no start event ${event.startEvent ?? ''} to start from`);
    Object.assign(ctx, { instanceId: event.instanceId, definitionKey: event.definitionKey, status: 'running', hasParent: !!event.hasParent });
    const root = run.createScope('process', model.id, undefined, undefined, { ...event.variables });
    ctx.rootScope = root.id;
    run.history('instance.started', undefined, { variables: event.variables, startEvent: start });
    run.arrive(start, root.id);
  } else {
    if (ctx.status !== 'running') return reject(`instance is ${ctx.status}`);
    let problem: string | undefined;
    try {
      problem = dispatch(run, event);
    } catch (err) {
      // e.g. an output mapping that fails on completion: the token concerned gets an incident
      const wait = 'waitId' in event ? previous.waits[event.waitId] : undefined;
      const token = wait?.token ? ctx.tokens[wait.token] : undefined;
      if (!token) throw err;
      run.raiseIncident(token, err);
    }
    if (problem) return reject(problem);
  }
  run.drain(onScopeEnd);
  return { context: ctx, effects: run.effects };
}

/** Routes a non-start event; returns a reason when the event does not apply. */
function dispatch(run: Run, event: Exclude<MachineEvent, { type: 'START' }>): string | undefined {
  const { ctx } = run;
  if (event.type === 'CANCEL') {
    terminateInstance(run, { reason: 'canceled', by: event.actor });
    return undefined;
  }
  if (event.type === 'SET_VARIABLES') {
    // An operator's correction (e.g. before retrying an incident): process-level variables, recorded.
    run.setVariables(ctx.rootScope, event.variables);
    run.history('variables.set', undefined, { variables: event.variables });
    return undefined;
  }
  if (event.type === 'RESOLVE_INCIDENT') {
    const incident = ctx.incidents[event.incidentId];
    if (!incident) return `no open incident ${event.incidentId}`;
    delete ctx.incidents[incident.id];
    run.emit({ type: 'incident.resolve', incidentId: incident.id });
    run.history('incident.resolved', incident.node, { incidentId: incident.id });
    const token = ctx.tokens[incident.token];
    if (token?.resume) {
      const { result } = token.resume;
      delete token.resume;
      completeActivity(run, token, result);
    } else if (token) {
      for (const w of [...token.waits]) run.closeWait(w, 'cancel');
      run.reenter(token);
    }
    return undefined;
  }
  const wait = ctx.waits[event.waitId];
  const expected = { TASK_COMPLETE: 'task', JOB_COMPLETE: 'job', JOB_ERROR: 'job', TIMER_FIRE: 'timer', MESSAGE: 'message', SIGNAL: 'signal', CHILD_COMPLETE: 'child', CHILD_ERROR: 'child', CHILD_ESCALATION: 'child', CHILD_START_FAILED: 'child' }[event.type];
  if (!wait) return `nothing waits for ${event.waitId} any more`;
  if (wait.kind !== expected) return `${event.waitId} is a ${wait.kind}, not a ${expected}`;
  const token = wait.token ? ctx.tokens[wait.token] : undefined;

  switch (event.type) {
    case 'TASK_COMPLETE':
      run.closeWait(wait.id, 'done');
      run.history('task.completed', wait.node, { waitId: wait.id, variables: event.variables });
      completeActivity(run, token!, event.variables);
      return undefined;
    case 'JOB_COMPLETE':
      run.closeWait(wait.id, 'done');
      run.history('job.completed', wait.node, { waitId: wait.id, variables: event.variables });
      completeActivity(run, token!, event.variables);
      return undefined;
    case 'JOB_ERROR':
      run.closeWait(wait.id, 'done');
      if (event.variables) run.setVariables(token!.scope, event.variables);
      throwError(run, token!, event.errorCode, event.errorMessage, true);
      return undefined;
    case 'CHILD_COMPLETE': {
      run.closeWait(wait.id, 'done');
      const called = run.graph.node(wait.node).calledElement;
      const node = run.graph.node(wait.node);
      completeActivity(run, token!, called?.propagateAllChildVariables || node.outputs?.length ? event.variables : undefined);
      return undefined;
    }
    case 'CHILD_START_FAILED':
      run.closeWait(wait.id, 'done');
      run.raiseIncident(token!, new Error(event.message), 'other');
      return undefined;
    case 'CHILD_ESCALATION':
      throwEscalation(run, token!, event.escalationCode, true);
      return undefined;
    case 'CHILD_ERROR':
      run.closeWait(wait.id, 'done');
      throwError(run, token!, event.errorCode, event.errorMessage, true);
      return undefined;
    case 'TIMER_FIRE':
      run.history('timer.fired', wait.node, { waitId: wait.id });
      trigger(run, wait, token, undefined);
      return undefined;
    case 'MESSAGE':
      run.history('message.correlated', wait.node, { waitId: wait.id, name: wait.name, variables: event.variables });
      trigger(run, wait, token, event.variables);
      return undefined;
    case 'SIGNAL':
      run.history('signal.received', wait.node, { waitId: wait.id, name: wait.name, variables: event.variables });
      trigger(run, wait, token, event.variables);
      return undefined;
  }
}

/** A timer, message or signal arrived for a wait: what it means depends on the wait's role. */
function trigger(run: Run, wait: Wait, token: Token | undefined, variables: Variables | undefined): void {
  const node = run.graph.node(wait.node);
  switch (wait.role) {
    case 'activity':
      run.closeWait(wait.id, 'done');
      completeActivity(run, token!, variables);
      return;
    case 'boundary': {
      const interrupting = node.cancelActivity !== false;
      // Non-interrupting message and signal boundaries stay armed while the activity runs.
      const stays = !interrupting && (wait.kind === 'timer' ? rearmCycle(run, wait) : true);
      if (!stays) run.closeWait(wait.id, 'done');
      fireBoundary(run, token!, node, variables);
      return;
    }
    case 'gatewayTarget': {
      run.closeWait(wait.id, 'done');
      const gateway = token!;
      run.history('element.completed', gateway.node);
      const scope = gateway.scope;
      run.consume(gateway);
      const target = run.place(node.id, scope, 'active');
      run.history('element.activated', node.id);
      completeActivity(run, target, variables);
      return;
    }
    case 'eventSubProcess': {
      const scope = run.scope(wait.scope);
      const interrupting = node.isInterrupting !== false;
      // Non-interrupting starts stay armed: a message may start the event subprocess again.
      if (interrupting || (wait.kind === 'timer' && !rearmCycle(run, wait))) run.closeWait(wait.id, 'done');
      fireEventSubProcess(run, scope, node.id, variables);
      return;
    }
  }
}
