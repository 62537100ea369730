/**
 * Applies one event to an instance context: the pure heart of the engine. Given the same context and
 * event it always yields the same new context and effects (ids come from a counter, time from the event).
 * This file only routes: what an element does is in its family's file under elements/ (behaviour.ts).
 */
import type { Behaviors, WaitEvent } from './run';
import type { ProcessGraph } from './graph';
import { settled, workingCopy } from './copyOnWrite';
import { Run } from './run';
import type { Effect, InstanceContext, MachineEvent, WaitKind } from './state';
import { migrate, modify } from './versions';

export function emptyContext(processId: string): InstanceContext {
  return { instanceId: '', processId, definitionKey: '', seq: 0, status: 'new', hasParent: false, rootScope: '', scopes: {}, tokens: {}, waits: {}, incidents: {} };
}

export interface StepResult {
  context: InstanceContext;
  effects: Effect[];
}

/** Which kind of wait each event is for. */
const WAIT_KIND: Record<WaitEvent['type'], WaitKind> = {
  TASK_COMPLETE: 'task',
  JOB_COMPLETE: 'job',
  JOB_ERROR: 'job',
  TIMER_FIRE: 'timer',
  MESSAGE: 'message',
  SIGNAL: 'signal',
  CHILD_COMPLETE: 'child',
  CHILD_ERROR: 'child',
  CHILD_ESCALATION: 'child',
  CHILD_START_FAILED: 'child',
};

/**
 * How the step may treat the context it is given: `owned` changes it in place (a rejected event leaves
 * it changed, and its caller drops it); `shared` is a frozen committed context, worked on through a
 * copy-on-write copy (copyOnWrite.ts); `copy` copies it whole first.
 */
export type Ownership = 'copy' | 'owned' | 'shared';

export function applyEvent(graph: ProcessGraph, behaviors: Behaviors, previous: InstanceContext, event: MachineEvent, ownership: Ownership = 'copy'): StepResult {
  const ctx = ownership === 'shared' ? workingCopy(previous) : ownership === 'owned' ? previous : structuredClone(previous);
  const run = new Run(ctx, graph, event.at, event.actor, behaviors);
  const reject = (reason: string): StepResult => ({ context: previous, effects: [{ type: 'rejected', reason }] });

  if (event.type === 'START') {
    if (ctx.status !== 'new') return reject('instance already started');
    const model = graph.model;
    const start = event.startEvent ?? model.scopes[model.id]?.startEvents[0];
    if (!start || !model.nodes[start]) return reject(`process ${model.id} has no start event ${event.startEvent ?? ''} to start from`);
    Object.assign(ctx, { instanceId: event.instanceId, definitionKey: event.definitionKey, status: 'running', hasParent: !!event.hasParent });
    const root = run.createScope('process', model.id, undefined, undefined, { ...event.variables });
    ctx.rootScope = root.id;
    run.history('instance.started', undefined, { variables: event.variables, startEvent: start, startedBy: event.startedBy ?? event.actor });
    run.arrive(start, root.id);
  } else {
    if (ctx.status !== 'running') return reject(`instance is ${ctx.status}`);
    let problem: string | undefined;
    const waitToken = 'waitId' in event ? ctx.waits[event.waitId]?.token : undefined;
    try {
      problem = dispatch(run, behaviors, event);
    } catch (err) {
      // e.g. an output mapping that fails on completion: the token concerned gets an incident
      const token = waitToken ? ctx.tokens[waitToken] : undefined;
      if (!token) throw err;
      run.raiseIncident(token, err);
    }
    if (problem) return reject(problem);
  }
  run.drain();
  return { context: ownership === 'shared' ? settled(ctx) : ctx, effects: run.effects };
}

/** Routes a non-start event; returns a reason when the event does not apply. */
function dispatch(run: Run, behaviors: Behaviors, event: Exclude<MachineEvent, { type: 'START' }>): string | undefined {
  const { ctx } = run;
  switch (event.type) {
    case 'CONTINUE':
      return undefined; // the run picks up the work left over
    case 'CANCEL':
      behaviors.cancel(run, event.actor);
      return undefined;
    case 'SET_VARIABLES':
      // An operator's correction (e.g. before retrying an incident): process-level variables, recorded.
      run.setVariables(ctx.rootScope, event.variables);
      run.history('variables.set', undefined, { variables: event.variables });
      return undefined;
    case 'ACTIVATE_ELEMENTS':
      return behaviors.activate(run, event.element, event.elements);
    case 'MIGRATE':
      return migrate(run, event.mapping, event.fromKey, event.toKey);
    case 'MODIFY':
      return modify(run, { activate: event.activate, terminate: event.terminate });
    case 'RESOLVE_INCIDENT': {
      const incident = ctx.incidents[event.incidentId];
      if (!incident) return `no open incident ${event.incidentId}`;
      delete ctx.incidents[incident.id];
      run.emit({ type: 'incident.resolve', incidentId: incident.id });
      run.history('incident.resolved', incident.node, { incidentId: incident.id });
      const token = ctx.tokens[incident.token];
      if (token) behaviors.retry(run, token);
      return undefined;
    }
  }
  const wait = ctx.waits[event.waitId];
  const expected = WAIT_KIND[event.type];
  if (!wait) return `nothing waits for ${event.waitId} any more`;
  if (wait.kind !== expected) return `${event.waitId} is a ${wait.kind}, not a ${expected}`;
  if (event.type === 'TIMER_FIRE') run.history('timer.fired', wait.node, { waitId: wait.id });
  if (event.type === 'MESSAGE') run.history('message.correlated', wait.node, { waitId: wait.id, name: wait.name, variables: event.variables });
  if (event.type === 'SIGNAL') run.history('signal.received', wait.node, { waitId: wait.id, name: wait.name, variables: event.variables });
  const react = wait.role === 'activity' ? behaviors.waits[wait.kind] : behaviors.roles[wait.role];
  react(run, event, wait, wait.token ? ctx.tokens[wait.token] : undefined);
  return undefined;
}
