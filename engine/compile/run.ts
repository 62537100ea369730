/**
 * One step of the token game: the mutable working copy of an instance's context while one event is
 * applied, with the primitives every element behaviour uses (tokens, waits, variables, scopes, history).
 * Element-specific behaviour lives in the element families (elements/, reached through Behaviors);
 * this file knows none of it.
 */
import type { FlowNode, NodeKind } from '../bpmn/model';
import type { Taken } from './chart';
import { changedFrozen, raw } from './copyOnWrite';
import { commandFunctions } from '../expr/commandFunctions';
import { layered } from '../expr/context';
import { ExpressionError, evaluateExpression } from '../expr/feel';
import type { ProcessGraph } from './graph';
import { applyMappings } from './mappings';
import { visibleVariables } from './variables';
import type { AgendaItem, Effect, InstanceContext, MachineEvent, ScopeInstance, Token, Variables, Wait, WaitKind, WaitRole } from './state';

/** Values in a JSON value (1 for a scalar), counted no further than `cap`. */
function sizeOf(value: unknown, cap: number): number {
  if (value === null || typeof value !== 'object') return 0;
  let n = 0;
  const stack: unknown[] = [value];
  while (stack.length && n < cap) {
    const v = stack.pop();
    n++;
    if (v !== null && typeof v === 'object') for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push(child);
  }
  return n;
}

/** A token game that never reaches a wait state (a cycle of pass-through elements) is stopped here. */
const MAX_AGENDA_STEPS = 20_000;

// ---- what the run is handed: the element families' behaviour (elements/index.ts) ------------------
//
// Each file under elements/ holds both halves of one family's behaviour: what happens when a token
// enters one of its elements, and how it reacts to what it waits for (a task completed, a timer fired,
// a child instance ended...). The run and the router (step.ts) know only these interfaces.

/** An event meant for one wait (a task, job, timer, subscription or child instance). */
export type WaitEvent = Extract<MachineEvent, { waitId: string }>;

export interface ElementBehavior {
  /** A token arrives on an element of this kind (the run has written `element.activated`). */
  enter(run: Run, token: Token, node: FlowNode): void;
}

/**
 * What an event for a wait does. Waits a token opened on its own element (role `activity`) react by
 * the wait's kind (any element may wait for a job: tasks, message throw and end events); waits opened
 * for other elements react by role (boundary events, event-based gateway targets, event subprocesses).
 */
export type WaitReaction = (run: Run, event: WaitEvent, wait: Wait, token: Token | undefined) => void;

export interface Behaviors {
  elements: Partial<Record<NodeKind, ElementBehavior>>;
  waits: Record<WaitKind, WaitReaction>;
  roles: Record<Exclude<WaitRole, 'activity'>, WaitReaction>;
  /** A scope instance ran out of tokens: the process, a subprocess or an event subprocess ends. */
  scopeEnd(run: Run, scope: ScopeInstance): void;
  /** An element completed (before its token moves on): what compensation may undo later is recorded. */
  elementCompleted(run: Run, token: Token, node: FlowNode): void;
  /** A compensation handler's token ended normally. */
  handlerEnded(run: Run, token: Token): void;
  /** A token of the scope completed its element and left: inclusive joins, an ad-hoc subprocess's completion. */
  tokenLeft(run: Run, scopeId: string): void;
  /** ACTIVATE_ELEMENTS: starts inner elements of a running ad-hoc subprocess; a reason when it cannot. */
  activate(run: Run, element: string, elements: string[]): string | undefined;
  /** A signal this instance threw reaches its own open signal waits (Run.throwSignal). */
  ownSignal(run: Run, name: string, variables: Variables): void;
  /** An incident on a token was resolved: retry what failed. */
  retry(run: Run, token: Token): void;
  /** Ends the whole instance abnormally (CANCEL). */
  cancel(run: Run, by: string): void;
}

const GATEWAYS = new Set<NodeKind>(['exclusiveGateway', 'inclusiveGateway', 'parallelGateway']);

export class Run {
  readonly effects: Effect[] = [];
  /** What is left to do: the work an earlier command left over first, then this command's own. */
  private readonly agenda: AgendaItem[];
  /** Steps since the token game last came to rest (across commands). */
  private steps: number;

  constructor(
    readonly ctx: InstanceContext,
    readonly graph: ProcessGraph,
    readonly at: number,
    readonly actor: string,
    private readonly behaviors: Behaviors,
  ) {
    this.agenda = ctx.pending?.agenda ?? [];
    this.steps = ctx.pending?.steps ?? 0;
    delete ctx.pending;
  }

  // ---- ids, history, effects -------------------------------------------------------------------

  nextId(prefix: string): string {
    this.ctx.seq += 1;
    return `${prefix}${this.ctx.seq}`;
  }

  history(event: string, elementId?: string, data?: unknown): void {
    this.effects.push(data === undefined ? { type: 'history', event, elementId } : { type: 'history', event, elementId, data });
  }

  emit(effect: Effect): void {
    this.effects.push(effect);
  }

  // ---- scopes and variables --------------------------------------------------------------------

  scope(id: string): ScopeInstance {
    const scope = this.ctx.scopes[id];
    if (!scope) throw new Error(`unknown scope instance ${id}`);
    return scope;
  }

  /** All variables visible from a scope (outer scopes shadowed by inner), plus a token's locals. */
  visibleVariables(scopeId: string, token?: Token): Variables {
    return visibleVariables(this.ctx, scopeId, token);
  }

  /** Camunda semantics: a variable is written where it already exists, walking outwards; else at the root. */
  setVariables(scopeId: string, values: Variables): void {
    if (!values || !Object.keys(values).length) return;
    for (const [name, value] of Object.entries(values)) {
      let target: ScopeInstance | undefined;
      for (let s: ScopeInstance | undefined = this.ctx.scopes[scopeId]; s; s = s.parent ? this.ctx.scopes[s.parent] : undefined) {
        if (Object.prototype.hasOwnProperty.call(s.vars, name)) {
          target = s;
          break;
        }
      }
      (target ?? this.scope(this.ctx.rootScope)).vars[name] = value;
    }
    this.history('variables.updated', undefined, { variables: values });
  }

  /** The command's FEEL functions (now, business time): the same for every expression of one step. */
  private functions?: Variables;

  /**
   * What a FEEL expression of this token sees: its variables, then the command's functions (now,
   * business time, who acts), which no variable can shadow (a submitted `now` must not move an SLA).
   */
  feelContext(token: Token, extra?: Variables): Variables {
    return this.scopeContext(token.scope, extra, token);
  }

  /** What a FEEL expression sees in a scope (a token's locals too, when given). */
  scopeContext(scopeId: string, extra?: Variables, token?: Token): Variables {
    this.functions ??= commandFunctions(this.graph.calendar, this.at, this.actor, this.graph.directory, this.graph.calendars);
    return layered(this.visibleVariables(scopeId, token), extra, this.functions);
  }

  /**
   * The variables a catching event hands to `scopeId` from what arrived (a message's or signal's):
   * with output mappings only what they map (as in Zeebe), else all of it.
   */
  caught(node: FlowNode, scopeId: string, variables: Variables | undefined): Variables | undefined {
    if (!variables || !node.outputs?.length) return variables;
    return applyMappings(node.outputs, this.scopeContext(scopeId, variables));
  }

  /** Evaluates a FEEL expression or literal in the token's context; its result's size counts as work. */
  evaluate(source: string, token: Token, extra?: Variables): unknown {
    const value = evaluateExpression(source, this.feelContext(token, extra));
    this.addWork(sizeOf(value, this.graph.limits.maxStepsPerCommand));
    return value;
  }

  /** Work beyond agenda items and effects (large FEEL results, multi-instance fan-out), in steps. */
  private work = 0;

  addWork(steps: number): void {
    this.work += steps;
  }

  createScope(kind: ScopeInstance['kind'], model: string, parent: string | undefined, host: string | undefined, vars: Variables = {}): ScopeInstance {
    const scope: ScopeInstance = { id: this.nextId('s'), model, kind, parent, host, vars, waits: [] };
    this.ctx.scopes[scope.id] = scope;
    return scope;
  }

  /**
   * The tokens of a scope to look at, not to change (nothing is copied, copyOnWrite.ts): a join checking
   * a thousand tokens copies none of them. Take one by key (`token`) to change it.
   */
  tokensSeenIn(scopeId: string): readonly Readonly<Token>[] {
    return Object.values(raw(this.ctx.tokens)).filter((t) => t.scope === scopeId);
  }

  /** The tokens of a scope, to change: found without copying, then taken by key. */
  tokensIn(scopeId: string): Token[] {
    return this.tokensSeenIn(scopeId).map((t) => this.ctx.tokens[t.id]);
  }

  // ---- tokens ------------------------------------------------------------------------------------

  token(id: string): Token {
    const token = this.ctx.tokens[id];
    if (!token) throw new Error(`unknown token ${id}`);
    return token;
  }

  /** Puts a new token on an element and schedules its activation. */
  arrive(node: string, scope: string, via?: string, extra?: Partial<Token>): Token {
    const token = this.place(node, scope, 'active', extra);
    token.via = via;
    this.agenda.push({ kind: 'enter', token: token.id });
    return token;
  }

  /** Puts a token on an element without activating it (the caller drives it). */
  place(node: string, scope: string, status: Token['status'], extra?: Partial<Token>): Token {
    const token: Token = { id: this.nextId('t'), node, scope, status, waits: [], ...extra };
    this.ctx.tokens[token.id] = token;
    return token;
  }

  /** Removes a token that finished normally, and lets joins and the scope react. */
  consume(token: Token): void {
    for (const w of [...token.waits]) this.closeWait(w, 'cancel');
    delete this.ctx.tokens[token.id];
    this.agenda.push({ kind: 'joins', scope: token.scope });
    this.agenda.push({ kind: 'scopeEnd', scope: token.scope });
    if (token.compensates) this.behaviors.handlerEnded(this, token);
  }

  /**
   * Completes the element a token is on and moves on where the statechart's transitions lead (the
   * outgoing flows, a link's catch event), writing `completed` (default `element.completed`) first.
   * Returns false when the token could not move (an incident was raised; resolving it tries again).
   */
  complete(token: Token, completed: { type: string; data?: unknown } = { type: 'element.completed' }): boolean {
    const node = this.graph.node(token.node);
    const taken = this.takeFlows(token, node);
    if (!taken) {
      // a gateway decides again when re-entered; anything else tries to leave again (its work is done)
      if (!GATEWAYS.has(node.kind)) token.resume = { leave: completed };
      return false;
    }
    this.history(completed.type, node.id, completed.data);
    this.behaviors.elementCompleted(this, token, node);
    const scope = token.scope;
    this.consume(token);
    for (const t of taken) this.arrive(t.to, scope, t.flow);
    return true;
  }

  /**
   * Which transitions of the element's state its leave event takes (statechart.ts). An exclusive
   * gateway takes the first whose guard passes; any other element every one (BPMN 2.0, 13.2.1: each
   * unconditional flow, each conditional flow whose condition is true, and the default flow when no
   * conditional flow was; a parallel gateway's flows have no conditions). An element with outgoing flows
   * of which none can be taken gets an incident.
   */
  private takeFlows(token: Token, node: FlowNode): Taken[] | undefined {
    const { chart } = this.graph;
    const type = this.graph.leaveEvent(node.id);
    const test = (condition: string): boolean => this.condition(condition, token);
    try {
      let taken: Taken[];
      if (node.kind === 'exclusiveGateway' || !node.outgoing.length) {
        taken = chart.move(node.id, { type, test });
      } else {
        taken = [];
        let conditionTrue = false;
        for (const flow of node.outgoing) {
          if (flow === node.defaultFlow) continue;
          const moved = chart.move(node.id, { type, flow, test });
          taken.push(...moved);
          if (moved.length && this.graph.model.flows[flow].condition && node.kind !== 'parallelGateway') conditionTrue = true;
        }
        if (!conditionTrue && node.defaultFlow) taken.push(...chart.move(node.id, { type, flow: node.defaultFlow, test }));
      }
      if (!taken.length && node.outgoing.length) {
        this.raiseIncident(token, new Error(`no outgoing flow of ${node.kind} ${node.id} can be taken: no condition is true and there is no default flow`), 'condition');
        return undefined;
      }
      return taken;
    } catch (err) {
      this.raiseIncident(token, err);
      return undefined;
    }
  }

  condition(source: string, token: Token, extra?: Variables): boolean {
    const value = this.evaluate(source, token, extra);
    if (value === null) return false;
    if (typeof value !== 'boolean') throw new ExpressionError(`condition ${source} gave ${JSON.stringify(value)}, not a boolean`, source);
    return value;
  }

  // ---- waits -------------------------------------------------------------------------------------

  openWait(kind: WaitKind, role: WaitRole, node: string, scope: string, token?: Token, extra?: Partial<Wait>): Wait {
    const wait: Wait = { id: this.nextId('w'), kind, role, node, scope, token: token?.id, ...extra };
    this.ctx.waits[wait.id] = wait;
    if (token) {
      token.waits.push(wait.id);
      token.status = token.status === 'active' ? 'waiting' : token.status;
    } else {
      this.scope(scope).waits.push(wait.id);
    }
    return wait;
  }

  /** Forgets a wait; `cancel` also tells the outside world to withdraw its task, job, timer... */
  closeWait(waitId: string, how: 'done' | 'cancel'): void {
    const wait = this.ctx.waits[waitId];
    if (!wait) return;
    delete this.ctx.waits[waitId];
    const owner = wait.token ? this.ctx.tokens[wait.token] : undefined;
    if (owner) owner.waits = owner.waits.filter((w) => w !== waitId);
    const scope = this.ctx.scopes[wait.scope];
    if (!wait.token && scope) scope.waits = scope.waits.filter((w) => w !== waitId);
    if (how === 'done') return;
    switch (wait.kind) {
      case 'task':
        this.emit({ type: 'task.cancel', waitId });
        break;
      case 'job':
        this.emit({ type: 'job.cancel', waitId });
        break;
      case 'timer':
        this.emit({ type: 'timer.cancel', waitId });
        break;
      case 'message':
      case 'signal':
        this.emit({ type: 'subscription.close', waitId });
        break;
      case 'child':
        this.emit({ type: 'child.cancel', waitId });
        break;
    }
  }

  // ---- termination -------------------------------------------------------------------------------

  /** Ends a token abnormally: its waits are withdrawn and everything it hosts is terminated. */
  terminate(token: Token): void {
    if (!this.ctx.tokens[token.id]) return;
    for (const w of [...token.waits]) this.closeWait(w, 'cancel');
    if (token.child) this.terminateScope(token.child);
    if (token.inner) delete this.ctx.scopes[token.scope];
    if (token.mi)
      for (const inner of Object.values(token.mi.running)) {
        const t = this.ctx.tokens[inner];
        if (t) this.terminate(t);
      }
    for (const inc of Object.values(this.ctx.incidents)) {
      if (inc.token === token.id) {
        delete this.ctx.incidents[inc.id];
        this.emit({ type: 'incident.resolve', incidentId: inc.id });
      }
    }
    delete this.ctx.tokens[token.id];
    const body = token.mi !== undefined || (this.graph.node(token.node).loop !== undefined && !token.inner && token.status === 'waiting');
    if (token.status !== 'joining')
      this.history(body ? 'multiInstance.terminated' : 'element.terminated', token.node, token.inner ? { loopCounter: token.inner.index + 1 } : undefined);
  }

  /** Terminates every token of a scope instance and the scope itself. */
  terminateScope(scopeId: string): void {
    const scope = this.ctx.scopes[scopeId];
    if (!scope) return;
    for (const t of this.tokensIn(scopeId)) this.terminate(t);
    for (const w of [...scope.waits]) this.closeWait(w, 'cancel');
    delete this.ctx.scopes[scopeId];
  }

  /** Terminates all tokens of a scope but keeps the scope (interrupting event subprocess, terminate end). */
  clearScope(scopeId: string, except?: Token): void {
    const scope = this.scope(scopeId);
    for (const t of this.tokensIn(scopeId)) if (t !== except) this.terminate(t);
    for (const w of [...scope.waits]) this.closeWait(w, 'cancel');
  }

  // ---- incidents ---------------------------------------------------------------------------------

  raiseIncident(token: Token, err: unknown, type: 'expression' | 'unhandled-error' | 'condition' | 'other' = 'expression'): void {
    if (changedFrozen(err)) throw err; // not the process's fault: the command runs again (copyOnWrite.ts)
    const message = err instanceof Error ? err.message : String(err);
    const id = this.nextId('i');
    token.status = 'incident';
    this.ctx.incidents[id] = { id, token: token.id, node: token.node, message };
    this.emit({ type: 'incident.create', incidentId: id, elementId: token.node, incidentType: type, message });
    this.history('incident.created', token.node, { incidentId: id, message });
  }

  // ---- the agenda --------------------------------------------------------------------------------

  /** Activates a token now (used when re-trying after an incident). */
  reenter(token: Token): void {
    token.status = 'active';
    this.agenda.push({ kind: 'enter', token: token.id });
  }

  /**
   * Throws a signal: this instance's open signal waits of that name (boundaries of running scopes,
   * event subprocess starts, catch events) catch it in this command, before anything that comes after
   * the throw runs; other instances and signal start events get it by broadcast.
   */
  throwSignal(name: string, variables: Variables, elementId: string): void {
    this.agenda.push({ kind: 'signal', name, variables });
    this.emit({ type: 'signal.throw', name, variables, elementId });
  }

  requestScopeCheck(scope: string): void {
    this.agenda.push({ kind: 'joins', scope }, { kind: 'scopeEnd', scope });
  }

  /**
   * Runs until every token rests (waits, joins, incident) or is gone, or until this command's step
   * budget is spent: then the rest is kept in the context and a `continue` effect asks for a command
   * of its own, so one huge start never holds the engine (and the server) for long.
   */
  drain(): void {
    const budget = Math.max(1, this.graph.limits.maxStepsPerCommand);
    // Steps are agenda items, the effects they emit (what this command's commit writes) and the size of
    // what FEEL computed (a script over a thousand approvers is a thousand steps): counted, not timed, so
    // where a command ends is the same on every machine. It never changes what the instance does.
    const effectsBefore = this.effects.length;
    this.work = 0;
    let taken = 0;
    while (this.agenda.length) {
      const steps = taken++ + this.effects.length - effectsBefore + this.work;
      if (steps >= budget && taken > 1 && this.ctx.status === 'running') {
        this.ctx.pending = { agenda: [...this.agenda], steps: this.steps };
        this.agenda.length = 0;
        this.emit({ type: 'continue' });
        return;
      }
      if (++this.steps > MAX_AGENDA_STEPS) {
        const stuck = this.agenda.find((a) => a.kind === 'enter') as { token: string } | undefined;
        const token = stuck && this.ctx.tokens[stuck.token];
        this.agenda.length = 0;
        if (token) this.raiseIncident(token, new Error(`more than ${MAX_AGENDA_STEPS} steps without waiting: a loop of automatic elements?`), 'other');
        return;
      }
      const item = this.agenda.shift() as AgendaItem;
      if (item.kind === 'enter') {
        const token = this.ctx.tokens[item.token];
        if (!token || token.status !== 'active') continue;
        const node = this.graph.node(token.node);
        const behavior = this.behaviors.elements[node.kind];
        if (!behavior) {
          this.raiseIncident(token, new Error(`element kind ${node.kind} cannot be executed`), 'other');
          continue;
        }
        // a multi-instance body has events of its own, so that history counts the inner instances only
        if (node.loop && !token.inner) this.history('multiInstance.activated', node.id);
        else this.history('element.activated', node.id, token.inner ? { loopCounter: token.inner.index + 1 } : undefined);
        try {
          behavior.enter(this, token, node);
        } catch (err) {
          if (this.ctx.tokens[token.id]) this.raiseIncident(token, err);
          else throw err;
        }
      } else if (item.kind === 'signal') {
        this.behaviors.ownSignal(this, item.name, item.variables);
      } else if (item.kind === 'joins') {
        if (raw(this.ctx.scopes)[item.scope]) this.behaviors.tokenLeft(this, item.scope);
      } else if (raw(this.ctx.scopes)[item.scope] && this.ctx.status === 'running' && !this.tokensSeenIn(item.scope).length) {
        this.behaviors.scopeEnd(this, this.scope(item.scope));
      }
    }
  }
}
