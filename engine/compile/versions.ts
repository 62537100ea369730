/**
 * Versions in flight. A running instance migrated to another version of its process (Camunda 8's
 * process instance migration: an element-id mapping, checked as a whole before anything moves), and
 * tokens moved by an administrator (Camunda's process instance modification: activate elements,
 * terminate what stands on others). Both change the instance outside the statechart's transitions on
 * purpose: they are corrections, each recorded in the history with who made it.
 */
import type { FlowNode, ProcessModel } from '../bpmn/model';
import type { Run } from './run';
import type { Compensable, InstanceContext, Variables } from './state';

export interface MappingInstruction {
  sourceElementId: string;
  targetElementId: string;
}

export interface MigrationPlan {
  /** The elements the instance uses now (where tokens stand, what waits, running scopes, incidents). */
  inUse: string[];
  /** Every element in use that has a place in the target, to that element (identity included). */
  mapping: Record<string, string>;
  problems: string[];
}

/** The elements an instance uses now: where tokens stand, what waits, the scopes running, incidents. */
function inUse(ctx: InstanceContext): Set<string> {
  const used = new Set<string>();
  for (const t of Object.values(ctx.tokens)) used.add(t.node);
  for (const w of Object.values(ctx.waits)) used.add(w.node);
  for (const s of Object.values(ctx.scopes)) if (s.kind !== 'process') used.add(s.model);
  for (const i of Object.values(ctx.incidents)) used.add(i.node);
  return used;
}

/** What must stay the same for a token, wait or scope to carry over from one element to another. */
function shape(n: FlowNode): string {
  const loop = n.loop ? (n.loop.sequential ? 'sequential multi-instance' : 'parallel multi-instance') : '';
  const event = n.event ? `${n.event.kind} ` : '';
  const sub = n.kind === 'subProcess' ? (n.triggeredByEvent ? 'event ' : n.adHoc ? 'ad-hoc ' : '') : '';
  return `${loop ? `${loop} ` : ''}${event}${sub}${n.kind}`;
}

/** The boundary events of an activity that a migration has to carry (compensation ones only link handlers). */
const catchingBoundaries = (model: ProcessModel, activity: FlowNode): string[] => (activity.boundaries ?? []).filter((b) => model.nodes[b].event?.kind !== 'compensation');

/** Event subprocess starts a scope listens on while it runs (compensation ones start when it is undone). */
function scopeStarts(model: ProcessModel, scopeId: string): string[] {
  return (model.scopes[scopeId]?.eventSubProcesses ?? [])
    .map((e) => model.scopes[e].startEvents[0])
    .filter((s): s is string => !!s && model.nodes[s].event?.kind !== 'compensation');
}

/**
 * Checks a migration of the instance `ctx` from `source` to `target` as a whole: every element in use
 * must map (explicitly, or to the element of the same id) to an element of the same kind in the
 * corresponding scope; an active activity's boundary events and an active scope's event subprocesses
 * must be the images of the source's (a subscription the target adds would start half-armed, so it is
 * refused rather than guessed); tokens waiting at a join are refused (which flows arrived does not
 * carry over). Returns the full mapping and every problem found.
 */
export function planMigration(ctx: InstanceContext, source: ProcessModel, target: ProcessModel, instructions: MappingInstruction[]): MigrationPlan {
  const problems: string[] = [];
  const explicit = new Map<string, string>();
  for (const { sourceElementId: from, targetElementId: to } of instructions) {
    if (!source.nodes[from]) problems.push(`mapping: ${from} is no element of ${source.id} (the source version)`);
    else if (!target.nodes[to]) problems.push(`mapping: ${to} is no element of the target version`);
    else if (explicit.has(from)) problems.push(`mapping: ${from} is mapped twice`);
    else explicit.set(from, to);
  }
  const map = (id: string): string | undefined => explicit.get(id) ?? (target.nodes[id] ? id : undefined);
  const mapScope = (scopeId: string): string | undefined => (scopeId === source.id ? target.id : map(scopeId));
  const mapping: Record<string, string> = {};

  const used = [...inUse(ctx)].sort();
  for (const id of used) {
    const from = source.nodes[id];
    if (!from) {
      problems.push(`${id} is in use but is no element of the source version`);
      continue;
    }
    const to = map(id);
    if (!to) {
      problems.push(`${id} is active and has no mapping: the target version has no element ${id}`);
      continue;
    }
    mapping[id] = to;
    const dest = target.nodes[to];
    if (shape(from) !== shape(dest)) problems.push(`${id} (${shape(from)}) cannot become ${to} (${shape(dest)}): the element types differ`);
    if (mapScope(from.scope) !== dest.scope) {
      problems.push(
        `${id} lies in ${from.scope}, ${to} in ${dest.scope}: ${from.scope === source.id ? 'the process' : from.scope} must map to ${dest.scope} (elements cannot change their scope)`,
      );
    }
    if (from.kind !== 'boundaryEvent' && dest.kind !== 'boundaryEvent') {
      const images = new Set(catchingBoundaries(source, from).map(map));
      const extra = catchingBoundaries(target, dest).filter((b) => !images.has(b));
      if (extra.length) problems.push(`${to} has boundary events ${extra.join(', ')} that no boundary event of ${id} maps to`);
    }
    if (from.kind === 'subProcess') {
      const images = new Set(scopeStarts(source, id).map(map));
      const extra = scopeStarts(target, to).filter((s) => !images.has(s));
      if (extra.length) problems.push(`${to} has event subprocess starts ${extra.join(', ')} that nothing of ${id} maps to`);
    }
  }
  const rootImages = new Set(scopeStarts(source, source.id).map(map));
  const rootExtra = scopeStarts(target, target.id).filter((s) => !rootImages.has(s));
  if (rootExtra.length) problems.push(`the target version has event subprocess starts ${rootExtra.join(', ')} that nothing of the source maps to`);
  for (const t of Object.values(ctx.tokens)) {
    if (t.status === 'joining') problems.push(`a token waits at the join ${t.node}: migrate once the join has fired`);
  }
  for (const w of Object.values(ctx.waits)) {
    const event = source.nodes[w.node]?.event;
    if (w.kind === 'message' && mapping[w.node] && mapping[w.node] !== w.node && w.key === undefined && event?.kind === 'message' && event.correlationKey) {
      problems.push(`the message subscription of ${w.node} was opened by an older engine that did not keep its correlation key: it cannot move to ${mapping[w.node]}`);
    }
  }
  return { inUse: used, mapping, problems: [...new Set(problems)] };
}

/** MIGRATE, run with the target version's graph: every id in the context moves to its image. */
export function migrate(run: Run, mapping: Record<string, string>, fromKey: string, toKey: string): string | undefined {
  const { ctx } = run;
  const to = (id: string): string => mapping[id] ?? id;
  const missing = [...inUse(ctx)].filter((id) => !run.graph.model.nodes[to(id)]);
  if (missing.length) return `the target version has no element for ${missing.join(', ')}`;
  for (const t of Object.values(ctx.tokens)) {
    t.node = to(t.node);
    t.via = undefined; // flows are not mapped: only joins read them, and tokens at a join are not migrated
  }
  for (const s of Object.values(ctx.scopes)) s.model = s.kind === 'process' ? run.graph.model.id : to(s.model);
  for (const i of Object.values(ctx.incidents)) i.node = to(i.node);
  for (const w of Object.values(ctx.waits)) {
    const node = run.graph.node(to(w.node));
    const renamed = node.id !== w.node;
    w.node = node.id;
    if (renamed || w.kind === 'task') run.emit({ type: 'wait.moved', waitId: w.id, kind: w.kind, elementId: node.id, name: node.name, messageName: w.name, correlationKey: w.key });
  }
  const dropped: string[] = [];
  const keep = (entries: Compensable[] | undefined): Compensable[] | undefined =>
    entries?.flatMap((e) => {
      const node = run.graph.model.nodes[to(e.activity)];
      if (!node || (!node.compensationHandler && node.kind !== 'subProcess')) {
        dropped.push(e.activity);
        return [];
      }
      return [{ ...e, activity: node.id, nested: keep(e.nested) }];
    });
  for (const s of Object.values(ctx.scopes)) if (s.compensable) s.compensable = keep(s.compensable);
  for (const t of Object.values(ctx.tokens)) if (t.completedScope) t.completedScope.compensable = keep(t.completedScope.compensable) ?? [];
  ctx.definitionKey = toKey;
  const moved = Object.fromEntries(Object.entries(mapping).filter(([a, b]) => a !== b));
  run.history('instance.migrated', undefined, { from: fromKey, to: toKey, mapping: moved, ...(dropped.length ? { compensationDropped: dropped } : {}) });
  return undefined;
}

export interface Modification {
  /** Elements to start a token on, in their flow scope (which must be running), with variables set on that scope first. */
  activate: { elementId: string; variables?: Variables }[];
  /** Elements whose tokens are terminated (a multi-instance or subprocess with what it holds). */
  terminate: string[];
}

/** Why a modification cannot apply to the instance now, one line per problem. */
export function checkModification(ctx: InstanceContext, model: ProcessModel, m: Modification): string[] {
  const problems: string[] = [];
  if (!m.activate.length && !m.terminate.length) problems.push('nothing to activate or terminate');
  for (const { elementId } of m.activate) {
    const node = model.nodes[elementId];
    if (!node) {
      problems.push(`${elementId} is no element of ${model.id}`);
      continue;
    }
    if (node.kind === 'boundaryEvent' || node.kind === 'startEvent') problems.push(`${elementId} is a ${node.kind}: activate the element it leads to`);
    if (node.isForCompensation) problems.push(`${elementId} is a compensation handler: compensation starts it`);
    if (node.incoming.some((f) => model.nodes[model.flows[f]?.sourceRef ?? '']?.kind === 'eventBasedGateway'))
      problems.push(`${elementId} is a target of an event-based gateway: activate the gateway`);
    const parent = model.nodes[node.scope];
    if (parent?.loop) problems.push(`${elementId} lies inside the multi-instance ${parent.id}: activate ${parent.id} itself`);
    if (node.scope !== model.id) {
      const running = Object.values(ctx.scopes).filter((s) => s.model === node.scope).length;
      if (running !== 1)
        problems.push(
          running
            ? `${node.scope} runs ${running} times: which one to activate ${elementId} in is unclear`
            : `${elementId} lies in ${node.scope}, which is not running: activate ${node.scope} instead`,
        );
    }
  }
  for (const elementId of m.terminate) {
    if (!Object.values(ctx.tokens).some((t) => t.node === elementId && !t.inner)) problems.push(`no token stands on ${elementId}`);
  }
  return problems;
}

/** MODIFY: activations first (so a scope emptied by the terminations goes on), then terminations. */
export function modify(run: Run, m: Modification): string | undefined {
  const problems = checkModification(run.ctx, run.graph.model, m);
  if (problems.length) return problems.join('; ');
  const { ctx } = run;
  const activated: string[] = [];
  for (const { elementId, variables } of m.activate) {
    const node = run.graph.node(elementId);
    const scope = node.scope === run.graph.model.id ? ctx.scopes[ctx.rootScope] : Object.values(ctx.scopes).find((s) => s.model === node.scope)!;
    if (variables && Object.keys(variables).length) run.setVariables(scope.id, variables);
    activated.push(run.arrive(elementId, scope.id).id);
  }
  let terminated = 0;
  for (const elementId of m.terminate) {
    for (const t of Object.values(ctx.tokens).filter((x) => x.node === elementId && !x.inner && !activated.includes(x.id))) {
      run.terminate(t);
      run.requestScopeCheck(t.scope);
      terminated++;
    }
  }
  run.history('instance.modified', undefined, { activated: m.activate.map((a) => a.elementId), terminated: m.terminate, tokensTerminated: terminated });
  return undefined;
}
