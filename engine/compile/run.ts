/**
 * One step of the token game: the mutable working copy of an instance's context while one event is
 * applied, with the primitives every element behaviour uses (tokens, waits, variables, scopes, history).
 * Element-specific behaviour lives in the files named after the element kinds; this file knows none of it.
 */
import type { FlowNode } from '../bpmn/model';
import { commandFunctions } from '../expr/commandFunctions';
import { ExpressionError, evaluateExpression } from '../expr/feel';
import type { ProcessGraph } from './graph';
import { visibleVariables } from './variables';
import type { Effect, InstanceContext, ScopeInstance, Token, Variables, Wait, WaitKind, WaitRole } from './state';

/** A token game that never reaches a wait state (a cycle of pass-through elements) is stopped here. */
const MAX_AGENDA_STEPS = 20_000;

export type EnterHandler = (run: Run, token: Token, node: FlowNode) => void;

type AgendaItem = { kind: 'enter'; token: string } | { kind: 'joins'; scope: string } | { kind: 'scopeEnd'; scope: string };

export class Run {
  readonly effects: Effect[] = [];
  private readonly agenda: AgendaItem[] = [];

  constructor(
    readonly ctx: InstanceContext,
    readonly graph: ProcessGraph,
    readonly at: number,
    readonly actor: string,
    private readonly enterHandlers: Record<string, EnterHandler>,
    private readonly joinEvaluator: (run: Run, scope: string) => void,
  ) {}

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

  /** What a FEEL expression of this token sees: the command's functions (now, business time), then its variables. */
  feelContext(token: Token, extra?: Variables): Variables {
    this.functions ??= commandFunctions(this.graph.calendar, this.at);
    return { ...this.functions, ...this.visibleVariables(token.scope, token), ...extra };
  }

  /** Evaluates a FEEL expression or literal in the token's context. */
  evaluate(source: string, token: Token, extra?: Variables): unknown {
    return evaluateExpression(source, this.feelContext(token, extra));
  }

  createScope(kind: ScopeInstance['kind'], model: string, parent: string | undefined, host: string | undefined, vars: Variables = {}): ScopeInstance {
    const scope: ScopeInstance = { id: this.nextId('s'), model, kind, parent, host, vars, waits: [] };
    this.ctx.scopes[scope.id] = scope;
    return scope;
  }

  tokensIn(scopeId: string): Token[] {
    return Object.values(this.ctx.tokens).filter((t) => t.scope === scopeId);
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
  }

  /** Completes the element a token is on and moves on along its outgoing flows. */
  complete(token: Token): void {
    const node = this.graph.node(token.node);
    this.history('element.completed', node.id);
    this.leave(token, node);
  }

  /**
   * Leaves an element: unconditional flows are all taken (an implicit parallel split), conditional
   * ones when true, the default flow when nothing else was. No outgoing flow ends the token.
   */
  leave(token: Token, node: FlowNode, flows?: string[]): void {
    const outgoing = flows ?? this.selectOutgoing(token, node);
    if (outgoing === undefined) return; // an incident was raised
    const scope = token.scope;
    this.consume(token);
    for (const f of outgoing) this.arrive(this.graph.model.flows[f].targetRef, scope, f);
  }

  private selectOutgoing(token: Token, node: FlowNode): string[] | undefined {
    const taken: string[] = [];
    try {
      for (const f of node.outgoing) {
        if (f === node.defaultFlow) continue;
        const flow = this.graph.model.flows[f];
        if (!flow.condition || this.condition(flow.condition, token)) taken.push(f);
      }
    } catch (err) {
      this.raiseIncident(token, err);
      return undefined;
    }
    if (!taken.length && node.defaultFlow) taken.push(node.defaultFlow);
    return taken;
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
    if (token.mi) for (const inner of Object.values(token.mi.running)) {
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
    if (token.status !== 'joining') this.history('element.terminated', token.node);
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

  requestScopeCheck(scope: string): void {
    this.agenda.push({ kind: 'joins', scope }, { kind: 'scopeEnd', scope });
  }

  /** Runs until every token rests (waits, joins, incident) or is gone. */
  drain(onScopeEnd: (run: Run, scope: ScopeInstance) => void): void {
    let steps = 0;
    while (this.agenda.length) {
      if (++steps > MAX_AGENDA_STEPS) {
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
        const handler = this.enterHandlers[node.kind];
        if (!handler) {
          this.raiseIncident(token, new Error(`element kind ${node.kind} cannot be executed`), 'other');
          continue;
        }
        this.history('element.activated', node.id);
        try {
          handler(this, token, node);
        } catch (err) {
          if (this.ctx.tokens[token.id]) this.raiseIncident(token, err);
          else throw err;
        }
      } else if (item.kind === 'joins') {
        if (this.ctx.scopes[item.scope]) this.joinEvaluator(this, item.scope);
      } else {
        const scope = this.ctx.scopes[item.scope];
        if (scope && this.ctx.status === 'running' && !this.tokensIn(scope.id).length) onScopeEnd(this, scope);
      }
    }
  }
}
