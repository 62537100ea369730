/**
 * Inclusive gateways: a split takes every outgoing flow whose condition is true (the default flow when
 * none is); a join fires once some incoming flow holds a token and no other token of the scope can still
 * reach one of its empty incoming flows (checked whenever a token of the scope moves or ends).
 */
import type { FlowNode } from '../../../bpmn/model';
import type { Run } from '../../run';
import type { Token } from '../../state';
import { arrivedByFlow, fireJoin } from './parallelGateway';

export const inclusiveGateway = {
  enter(run: Run, token: Token, node: FlowNode): void {
    if (node.incoming.length <= 1) {
      run.complete(token);
      return;
    }
    token.status = 'joining';
    run.requestScopeCheck(token.scope);
  },
};

/**
 * Fires every converging inclusive gateway of a scope that may fire: some incoming flow has a token,
 * and no other token of the scope can still reach an incoming flow that has none.
 */
export function evaluateInclusiveJoins(run: Run, scopeId: string): void {
  const tokens = run.tokensSeenIn(scopeId);
  const gateways = new Set(tokens.filter((t) => t.status === 'joining' && run.graph.node(t.node).kind === 'inclusiveGateway').map((t) => t.node));
  for (const gatewayId of gateways) {
    const node = run.graph.node(gatewayId);
    const byFlow = arrivedByFlow(run, scopeId, gatewayId);
    if (!byFlow.size) continue;
    const empty = new Set(node.incoming.filter((f) => !byFlow.has(f)));
    const blocked =
      empty.size > 0 &&
      run.tokensSeenIn(scopeId).some((t) => {
        // A token still on its way into the gateway (not yet joining) will be counted once it enters.
        if (t.node === gatewayId) return t.status !== 'joining';
        for (const f of run.graph.reachableIncoming(t.node, gatewayId)) if (empty.has(f)) return true;
        return false;
      });
    if (blocked) continue;
    fireJoin(run, [...byFlow.values()]);
  }
}
