/**
 * The process statechart (statechart.ts) as the token game runs it: where does this event take a
 * token standing on this element? XState answers, with `machine.transition` on a snapshot of that
 * state: it picks the transitions, evaluates their guards (FEEL conditions, through the event's `test`)
 * and bubbles events up to enclosing states (a boundary event of a subprocess, an event subprocess
 * start); the `take` actions of the transitions it took name where the token goes.
 *
 * Tokens carry no XState context (variables live in the instance's scopes), so every token on one
 * element shares one snapshot, cached per element: a command costs a transition, never a restore of
 * the whole chart. A snapshot comes from the transition that first led to its element; an element no
 * transition reached yet in this process (after a restart) is resolved once.
 */
import { createActor, setup, type AnyMachineSnapshot, type AnyStateMachine, type StateValue } from 'xstate';
import type { ProcessModel } from '../bpmn/model';
import type { MachineConfig } from './statechart';

/** An event for one token: its type, and for a fork the one flow to try; `test` evaluates a FEEL condition for that token. */
export interface ChartEvent {
  type: string;
  flow?: string;
  test?: (condition: string) => boolean;
}

/** A transition XState took: the element it leads to and the sequence flow, if any. */
export interface Taken {
  to: string;
  flow?: string;
}

type TakeParams = { from: string; flow?: string; to: string };
type FlowParams = { flow: string; condition?: string };
type GuardArgs = { event: ChartEvent };

const forFlow = (event: ChartEvent, flow: string): boolean => event.flow === undefined || event.flow === flow;

/** The machine of a statechart config, with the guards and actions its transitions name. */
export function createChartMachine(config: MachineConfig): AnyStateMachine {
  return setup({
    guards: {
      /** an unconditional flow: always (when a fork tries this flow) */
      flow: ({ event }: GuardArgs, { flow }: FlowParams) => forFlow(event, flow),
      /** a conditional flow: its FEEL condition is true */
      condition: ({ event }: GuardArgs, { flow, condition }: FlowParams) => forFlow(event, flow) && !!event.test?.(condition!),
      /** the default flow: reached last, or tried alone when no conditional flow was taken */
      default: ({ event }: GuardArgs, { flow }: FlowParams) => forFlow(event, flow),
    },
    actions: {
      take: (_: unknown, _params: TakeParams) => undefined,
    },
  }).createMachine(config as never) as unknown as AnyStateMachine;
}

export class Chart {
  readonly machine: AnyStateMachine;
  private readonly scope: Parameters<AnyStateMachine['transition']>[2];
  private readonly snapshots = new Map<string, AnyMachineSnapshot>();
  private taken: TakeParams[] = [];
  /** Each element's path of enclosing subprocess states, for resolving a snapshot of it. */
  private readonly paths = new Map<string, string[]>();
  /**
   * Moves that no FEEL condition decides (a flow out of a task, a boundary, a join's way on) are the
   * same every time: kept by element, event and flow, so XState is asked once per process and move.
   */
  private readonly fixed = new Map<string, Taken[]>();
  /** Whether a FEEL condition decides an element's move on an event, by `element\u0000type` (the chart never changes). */
  private readonly conditional = new Map<string, boolean>();

  constructor(
    readonly config: MachineConfig,
    private readonly model: ProcessModel,
  ) {
    this.machine = createChartMachine(config);
    // An actor scope of our own, as XState's pure `transition()` makes one, but made once: actions are
    // collected (never executed) and no actor ever runs.
    const self = createActor(this.machine);
    this.scope = {
      self,
      id: '',
      sessionId: '',
      system: self.system,
      logger: () => undefined,
      defer: () => undefined,
      stopChild: () => undefined,
      emit: () => undefined,
      actionExecutor: (action: { type: string; params?: unknown }) => {
        if (action.type === 'take') this.taken.push(action.params as TakeParams);
      },
    } as never;
    this.snapshots.set(model.id, this.machine.getInitialSnapshot(this.scope));
  }

  /**
   * Where `event` takes a token standing on `element` by the transitions of that element's own state
   * (nothing: none is enabled). What XState does after them in the same step (a subprocess done when
   * a token reaches its end event) is the coordinator's to decide, not this token's move.
   */
  move(element: string, event: ChartEvent): Taken[] {
    const key = this.decidedByCondition(element, event.type) ? undefined : `${element}\u0000${event.type}\u0000${event.flow ?? ''}`;
    const known = key === undefined ? undefined : this.fixed.get(key);
    if (known) return known.map((t) => ({ ...t }));
    const taken = this.ask(element, event);
    if (key !== undefined)
      this.fixed.set(
        key,
        taken.map((t) => ({ ...t })),
      );
    return taken;
  }

  /** Whether a transition for `type` of the element's state, or of a state around it, has a FEEL condition as guard. */
  private decidedByCondition(element: string, type: string): boolean {
    const key = `${element}\u0000${type}`;
    let decided = this.conditional.get(key);
    if (decided === undefined) {
      decided = this.guardedByCondition(element, type);
      this.conditional.set(key, decided);
    }
    return decided;
  }

  private guardedByCondition(element: string, type: string): boolean {
    type Node = { transitions: Map<string, { guard?: { type?: string } }[]>; parent?: Node };
    let node: Node | undefined;
    try {
      node = this.machine.getStateNodeById(element) as unknown as Node;
    } catch {
      return true; // not a state of its own (the process root): ask XState every time
    }
    for (; node; node = node.parent) {
      if (node.transitions.get(type)?.some((t) => t.guard?.type === 'condition')) return true;
    }
    return false;
  }

  private ask(element: string, event: ChartEvent): Taken[] {
    const from = this.snapshotAt(element);
    this.taken = [];
    const next = this.machine.transition(from, event, this.scope) as AnyMachineSnapshot;
    const taken = this.taken.filter((t) => (t as TakeParams).from === element).map(({ to, flow }) => (flow ? { to, flow } : { to }));
    this.taken = [];
    // the next snapshot stands on where the last transition led, unless XState went on from there
    const last = taken[taken.length - 1];
    if (last && !this.snapshots.has(last.to) && next.matches(this.valueOf(last.to))) this.snapshots.set(last.to, next);
    return taken;
  }

  /** A snapshot of the chart standing on `element` (the process id: the initial state). */
  snapshotAt(element: string): AnyMachineSnapshot {
    const cached = this.snapshots.get(element);
    if (cached) return cached;
    const resolved = this.machine.resolveState({ value: this.valueOf(element), context: {} }) as AnyMachineSnapshot;
    this.snapshots.set(element, resolved);
    return resolved;
  }

  /** XState's state value of an element: `{ Sub: { Inner: 'Task' } }` for a task two subprocesses deep. */
  private valueOf(element: string): StateValue {
    let path = this.paths.get(element);
    if (!path) {
      path = [];
      for (let scope: string | undefined = this.model.nodes[element]?.scope; scope && scope !== this.model.id; scope = this.model.scopes[scope]?.parent) path.unshift(scope);
      this.paths.set(element, path);
    }
    let value: StateValue = element;
    for (let i = path.length - 1; i >= 0; i--) value = { [path[i]]: value };
    return value;
  }
}
