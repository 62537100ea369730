/**
 * Static facts about a process that the token game asks for again and again: which flows lead where,
 * and which incoming flows of a converging inclusive gateway a token can still reach. Derived once per
 * process model and cached; never persisted.
 */
import type { FlowNode, ProcessModel } from '../bpmn/model';
import { defaultBusinessCalendar, type BusinessCalendarConfig } from '../expr/businessCalendar';

export class ProcessGraph {
  private readonly reachCache = new Map<string, Set<string>>();
  private readonly linkCatches = new Map<string, string>();

  constructor(
    readonly model: ProcessModel,
    /** Working hours for the business-time FEEL functions (engine configuration). */
    readonly calendar: BusinessCalendarConfig = defaultBusinessCalendar,
  ) {
    for (const node of Object.values(model.nodes)) {
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
