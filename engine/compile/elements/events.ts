/**
 * Start, end, intermediate and boundary events. Boundary tokens are created by the wait or throw
 * that fired them and simply move on; catch events wait; throw events act and move on.
 */
import type { FlowNode } from '../../bpmn/model';
import type { Run } from '../run';
import type { Token } from '../state';
import { throwError, throwEscalation } from '../throwing';
import { openEventWait } from '../waits';

function startEvent(run: Run, token: Token): void {
  run.complete(token);
}

function endEvent(run: Run, token: Token, node: FlowNode): void {
  switch (node.event?.kind) {
    case 'terminate':
      // Ends every other token of the scope; the scope itself then completes normally.
      run.clearScope(token.scope, token);
      break;
    case 'error':
      throwError(run, token, node.event.errorCode ?? '', node.event.errorMessage, false);
      return;
    case 'escalation':
      if (throwEscalation(run, token, node.event.escalationCode ?? '')) return;
      break;
    case 'signal':
      run.emit({ type: 'signal.throw', name: node.event.signalName, variables: {}, elementId: node.id });
      break;
  }
  if (!run.ctx.tokens[token.id]) return;
  run.history('element.completed', node.id);
  run.consume(token);
}

function intermediateThrowEvent(run: Run, token: Token, node: FlowNode): void {
  const event = node.event;
  if (event?.kind === 'link') {
    const target = run.graph.linkCatch(node.scope, event.linkName)!;
    run.history('element.completed', node.id);
    const scope = token.scope;
    run.consume(token);
    run.arrive(target, scope);
    return;
  }
  if (event?.kind === 'signal') run.emit({ type: 'signal.throw', name: event.signalName, variables: {}, elementId: node.id });
  if (event?.kind === 'escalation' && throwEscalation(run, token, event.escalationCode ?? '')) return;
  if (run.ctx.tokens[token.id]) run.complete(token);
}

function intermediateCatchEvent(run: Run, token: Token, node: FlowNode): void {
  if (node.event?.kind === 'link' || !node.event) return run.complete(token);
  openEventWait(run, node.event, 'activity', node.id, token.scope, token);
}

function boundaryEvent(run: Run, token: Token): void {
  run.complete(token);
}

export const eventHandlers = { startEvent, endEvent, intermediateThrowEvent, intermediateCatchEvent, boundaryEvent };
