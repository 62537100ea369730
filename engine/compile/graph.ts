/**
 * Static facts about a process that the token game asks for again and again: its statechart (chart.ts)
 * and the events that leave or fire each element, and which incoming flows of a converging inclusive
 * gateway a token can still reach. Derived once per process model and cached; never persisted.
 */
import type { FlowNode, ProcessModel } from '../bpmn/model';
import { defaultBusinessCalendar, type BusinessCalendarConfig } from '../expr/businessCalendar';
import { EMPTY_DIRECTORY, type Directory } from '../expr/directory';
import { DEFAULT_LIMITS, type Limits } from '../expr/limits';
import { Chart, type Taken } from './chart';
import { fireEvent, leaveEvent, statechartConfig } from './statechart';

export class ProcessGraph {
  private readonly reachCache = new Map<string, Set<string>>();
  private readonly linkCatches = new Map<string, string>();
  private readonly leaveEvents = new Map<string, string>();
  /** The process statechart the token game moves tokens with. */
  readonly chart: Chart;

  constructor(
    readonly model: ProcessModel,
    /** Working hours for the business-time FEEL functions (engine configuration). */
    readonly calendar: BusinessCalendarConfig = defaultBusinessCalendar,
    /** The people `groupMembers` and `managerOf` look up (engine configuration). */
    readonly directory: Directory = EMPTY_DIRECTORY,
    /** How much work the token game may do (multi-instance size, timer cycles, steps per command). */
    readonly limits: Limits = DEFAULT_LIMITS,
    /** Retries of a job whose task definition gives none, by job type (engine configuration). */
    readonly jobRetries: (type: string) => number | undefined = () => undefined,
    /** Named calendars a process picks by name (BUSINESS_CALENDARS). */
    readonly calendars: Record<string, BusinessCalendarConfig> = {},
  ) {
    this.chart = new Chart(statechartConfig(model), model);
    for (const node of Object.values(model.nodes)) {
      this.leaveEvents.set(node.id, leaveEvent(node));
      if (node.kind === 'intermediateCatchEvent' && node.event?.kind === 'link') {
        this.linkCatches.set(`${node.scope}/${node.event.linkName}`, node.id);
      }
    }
  }

  node(id: string): FlowNode {
    const node = this.model.nodes[id];
    if (!node) throw new Error(`unknown element ${id}`);
    return node;
  }

  /** The event on which an element leaves along its outgoing flows (statechart.ts). */
  leaveEvent(id: string): string {
    return this.leaveEvents.get(id) ?? 'leave';
  }

  /**
   * Where the event that fires `fired` (a boundary event, an event subprocess start, an event-based
   * gateway's target; with `kind`, `<kind>.<fired>`: a compensation handler) takes a token standing on
   * `from` (the activity, the scope, the gateway, the compensation throw event): the statechart's
   * transition for it. Throws when the chart has none (a model the validator let through).
   */
  fire(from: string, fired: string, kind?: string): Taken {
    const type = kind ? `${kind}.${fired}` : fireEvent(this.node(fired));
    const [taken] = this.chart.move(from, { type });
    if (!taken) throw new Error(`the statechart has no transition from ${from} for ${type}`);
    return taken;
  }

  linkCatch(scope: string, linkName: string): string | undefined {
    return this.linkCatches.get(`${scope}/${linkName}`);
  }

  /** Elements a token can move to next from `id` in the same scope (flows, boundary events, links). */
  private successors(id: string): string[] {
    const node = this.node(id);
    const next = node.outgoing.map((f) => this.model.flows[f].targetRef);
    for (const b of node.boundaries ?? []) next.push(b);
    if (node.kind === 'intermediateThrowEvent' && node.event?.kind === 'link') {
      const target = this.linkCatch(node.scope, node.event.linkName);
      if (target) next.push(target);
    }
    return next;
  }

  /**
   * Incoming flows of `gateway` reachable from element `from` without passing through the gateway.
   * The inclusive join waits while some token can still reach one of its empty incoming flows.
   */
  reachableIncoming(from: string, gateway: string): Set<string> {
    const key = `${from}>${gateway}`;
    const cached = this.reachCache.get(key);
    if (cached) return cached;
    const incoming = new Set(this.node(gateway).incoming);
    const found = new Set<string>();
    const seen = new Set<string>([from]);
    const queue = [from];
    while (queue.length) {
      const id = queue.shift() as string;
      if (id === gateway) continue;
      for (const f of this.node(id).outgoing) if (incoming.has(f)) found.add(f);
      for (const next of this.successors(id)) {
        if (!seen.has(next)) {
          seen.add(next);
          queue.push(next);
        }
      }
    }
    this.reachCache.set(key, found);
    return found;
  }
}
