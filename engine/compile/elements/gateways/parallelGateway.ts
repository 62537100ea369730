/**
 * Parallel gateways: a split sends a token down every outgoing flow; a join fires when every incoming
 * flow holds a token (joins work without their split, and repeated arrivals queue for the next firing).
 */
import type { FlowNode } from '../../../bpmn/model';
import type { Run } from '../../run';
import type { Token } from '../../state';

/** Consumes one token per arrived flow: one of them leaves the gateway, the others end with it. */
export function fireJoin(run: Run, arrived: readonly Readonly<Token>[]): void {
  const [first, ...others] = arrived;
  const survivor = run.token(first.id); // taken by key: the one that changes
  survivor.status = 'active';
  if (!run.complete(survivor)) return; // an incident: the join fires again when it is resolved
  for (const t of others) delete run.ctx.tokens[t.id];
}

/** The first waiting token of each incoming flow (to look at: fireJoin takes the one that changes). */
export function arrivedByFlow(run: Run, scope: string, gateway: string): Map<string, Readonly<Token>> {
  const byFlow = new Map<string, Readonly<Token>>();
  for (const t of run.tokensSeenIn(scope)) if (t.node === gateway && t.status === 'joining' && t.via && !byFlow.has(t.via)) byFlow.set(t.via, t);
  return byFlow;
}

export const parallelGateway = {
  enter(run: Run, token: Token, node: FlowNode): void {
    if (node.incoming.length <= 1) {
      run.complete(token);
      return;
    }
    token.status = 'joining';
    const byFlow = arrivedByFlow(run, token.scope, node.id);
    if (!node.incoming.every((f) => byFlow.has(f))) return;
    fireJoin(run, [...byFlow.values()]);
  },
};
