/**
 * ProcessModel -> XState v5 machine. The statechart mirrors the diagram: one region per flow node
 * (state id = BPMN element id) that is `active` while a token is on the element, subprocesses as
 * compound regions. Every event runs the pure token game of step.ts, which assigns the new context
 * and emits the effects (tasks, jobs, timers, ...) for the runtime; the machine performs no I/O and
 * uses no XState delays, because timers must survive restarts.
 */
import { enqueueActions, setup, type AnyStateMachine } from 'xstate';
import type { ProcessModel } from '../bpmn/model';
import type { BusinessCalendarConfig } from '../expr/businessCalendar';
import { ProcessGraph } from './graph';
import type { Effect, InstanceContext, MachineEvent } from './state';
import { applyEvent, emptyContext } from './step';

/** The JSON statechart config (what `GET /api/processes/:key/machine` returns). */
export type MachineConfig = Record<string, unknown>;

export interface CompiledProcess {
  processId: string;
  model: ProcessModel;
  graph: ProcessGraph;
  config: MachineConfig;
  machine: AnyStateMachine;
}

function regions(model: ProcessModel, scopeId: string): Record<string, unknown> {
  const states: Record<string, unknown> = {};
  for (const id of model.scopes[scopeId].nodes) {
    const node = model.nodes[id];
    const nested = (node.kind === 'subProcess') && model.scopes[id];
    const active: Record<string, unknown> = { always: { target: 'idle', guard: { type: 'noToken', params: { node: id } } } };
    if (nested && model.scopes[id].nodes.length) {
      active.type = 'parallel';
      active.states = regions(model, id);
    }
    states[id] = {
      id,
      initial: 'idle',
      states: {
        idle: { always: { target: 'active', guard: { type: 'hasToken', params: { node: id } } } },
        active,
      },
    };
  }
  return states;
}

export function machineConfig(model: ProcessModel): MachineConfig {
  return {
    id: model.id,
    initial: 'running',
    states: {
      running: {
        type: 'parallel',
        on: { '*': { actions: 'step' } },
        always: [
          { target: 'completed', guard: 'isCompleted' },
          { target: 'terminated', guard: 'isTerminated' },
        ],
        states: regions(model, model.id),
      },
      completed: { type: 'final' },
      terminated: { type: 'final' },
    },
  };
}

/** Elements holding a token, computed once per context object (guards ask for it per region). */
const activeCache = new WeakMap<InstanceContext, Set<string>>();
export function activeNodes(context: InstanceContext): Set<string> {
  let set = activeCache.get(context);
  if (!set) {
    set = new Set(Object.values(context.tokens).map((t) => t.node));
    activeCache.set(context, set);
  }
  return set;
}

export interface CompileOptions {
  /** Calendar of the business-time FEEL functions (default: Mon-Fri 09:00-17:00 UTC). */
  calendar?: BusinessCalendarConfig;
}

export function compileProcess(model: ProcessModel, options: CompileOptions = {}): CompiledProcess {
  const graph = new ProcessGraph(model, options.calendar);
  const config = machineConfig(model);
  const machine = setup({
    types: {} as { context: InstanceContext; events: MachineEvent; emitted: Effect },
    actions: {
      step: enqueueActions(({ context, event, enqueue }) => {
        const result = applyEvent(graph, context, event);
        enqueue.assign(() => result.context);
        for (const effect of result.effects) enqueue.emit(effect);
      }),
    },
    guards: {
      hasToken: ({ context }, params: { node: string }) => activeNodes(context).has(params.node),
      noToken: ({ context }, params: { node: string }) => !activeNodes(context).has(params.node),
      isCompleted: ({ context }) => context.status === 'completed',
      isTerminated: ({ context }) => context.status === 'terminated',
    },
  }).createMachine({ ...(config as object), context: () => emptyContext(model.id) } as never) as unknown as AnyStateMachine;
  return { processId: model.id, model, graph, config, machine };
}
