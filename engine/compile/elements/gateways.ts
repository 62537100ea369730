/**
 * Gateways. Exclusive: first true condition in document order, else the default flow. Parallel: a
 * join fires when every incoming flow holds a token (joins without their split work, as do repeated
 * arrivals, which queue). Inclusive: the split takes every true flow; the join fires once no token
 * of the scope can still reach one of its empty incoming flows. Event-based: waits on the events after it.
 */
import type { FlowNode } from '../../bpmn/model';
import type { Run } from '../run';
import type { Token } from '../state';
import { openEventWait } from '../waits';

function noFlow(node: FlowNode): Error {
  return new Error(`no outgoing flow of gateway ${node.id} can be taken: no condition is true and there is no default flow`);
}

function exclusiveGateway(run: Run, token: Token, node: FlowNode): void {
  let chosen: string | undefined;
  for (const f of node.outgoing) {
    if (f === node.defaultFlow) continue;
    const flow = run.graph.model.flows[f];
    if (!flow.condition || run.condition(flow.condition, token)) {
      chosen = f;
      break;
    }
  }
  chosen ??= node.defaultFlow;
  if (!chosen) return run.raiseIncident(token, noFlow(node), 'condition');
  run.history('element.completed', node.id);
  run.leave(token, node, [chosen]);
}

function parallelGateway(run: Run, token: Token, node: FlowNode): void {
  if (node.incoming.length <= 1) {
    run.history('element.completed', node.id);
    return run.leave(token, node, node.outgoing);
  }
  token.status = 'joining';
  const waiting = run.tokensIn(token.scope).filter((t) => t.node === node.id && t.status === 'joining');
  const byFlow = new Map<string, Token>();
  for (const t of waiting) if (t.via && !byFlow.has(t.via)) byFlow.set(t.via, t);
  if (!node.incoming.every((f) => byFlow.has(f))) return;
  fireJoin(run, [...byFlow.values()], node, node.outgoing);
}

/** Consumes one token per arrived flow and sends one token down each chosen outgoing flow. */
function fireJoin(run: Run, arrived: Token[], node: FlowNode, outgoing: string[]): void {
  for (const t of arrived.slice(1)) delete run.ctx.tokens[t.id];
  const survivor = arrived[0];
  survivor.status = 'active';
  run.history('element.completed', node.id);
  run.leave(survivor, node, outgoing);
}

function inclusiveSplit(run: Run, token: Token, node: FlowNode): void {
  const taken = chooseInclusive(run, token, node);
  if (!taken) return run.raiseIncident(token, noFlow(node), 'condition');
  run.history('element.completed', node.id);
  run.leave(token, node, taken);
}

function inclusiveGateway(run: Run, token: Token, node: FlowNode): void {
  if (node.incoming.length <= 1) return inclusiveSplit(run, token, node);
  token.status = 'joining';
  run.requestScopeCheck(token.scope);
}

/**
 * Fires every converging inclusive gateway of a scope that may fire: some incoming flow has a token,
 * and no other token of the scope can still reach an incoming flow that has none.
 */
export function evaluateInclusiveJoins(run: Run, scopeId: string): void {
  const tokens = run.tokensIn(scopeId);
  const gateways = new Set(tokens.filter((t) => t.status === 'joining' && run.graph.node(t.node).kind === 'inclusiveGateway').map((t) => t.node));
  for (const gatewayId of gateways) {
    const node = run.graph.node(gatewayId);
    const waiting = run.tokensIn(scopeId).filter((t) => t.node === gatewayId && t.status === 'joining');
    if (!waiting.length) continue;
    const byFlow = new Map<string, Token>();
    for (const t of waiting) if (t.via && !byFlow.has(t.via)) byFlow.set(t.via, t);
    const empty = new Set(node.incoming.filter((f) => !byFlow.has(f)));
    const blocked = empty.size > 0 && run.tokensIn(scopeId).some((t) => {
      // A token still on its way into the gateway (not yet joining) will be counted once it enters.
      if (t.node === gatewayId) return t.status !== 'joining';
      for (const f of run.graph.reachableIncoming(t.node, gatewayId)) if (empty.has(f)) return true;
      return false;
    });
    if (blocked) continue;
    const survivor = [...byFlow.values()][0];
    try {
      const outgoing = chooseInclusive(run, survivor, node);
      if (!outgoing) {
        run.raiseIncident(survivor, noFlow(node), 'condition');
        continue;
      }
      fireJoin(run, [...byFlow.values()], node, outgoing);
    } catch (err) {
      run.raiseIncident(survivor, err);
    }
  }
}

function chooseInclusive(run: Run, token: Token, node: FlowNode): string[] | undefined {
  const taken = node.outgoing.filter((f) => f !== node.defaultFlow && (!run.graph.model.flows[f].condition || run.condition(run.graph.model.flows[f].condition!, token)));
  if (!taken.length && node.defaultFlow) taken.push(node.defaultFlow);
  return taken.length ? taken : undefined;
}

function eventBasedGateway(run: Run, token: Token, node: FlowNode): void {
  token.status = 'waiting';
  for (const f of node.outgoing) {
    const target = run.graph.node(run.graph.model.flows[f].targetRef);
    if (target.event) openEventWait(run, target.event, 'gatewayTarget', target.id, token.scope, token);
  }
}

export const gatewayHandlers = { exclusiveGateway, parallelGateway, inclusiveGateway, eventBasedGateway };
