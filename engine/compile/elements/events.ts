/**
 * Start, end, intermediate and boundary events. Boundary tokens are created by the wait or throw
 * that fired them and simply move on; catch events wait; throw events act and move on.
 */
import type { FlowNode } from '../../bpmn/model';
import type { Run } from '../run';
import type { Token } from '../state';
import { throwError, throwEscalation } from '../throwing';
import { openEventWait } from '../waits';
import { openEventSubProcessWaits } from './subProcess';
import { jobBody } from './tasks';

function startEvent(run: Run, token: Token): void {
  const scope = run.scope(token.scope);
  if (!scope.armed) {
    // Re-arming after a failed attempt (incident resolved) must not open a wait twice.
    for (const w of [...scope.waits]) run.closeWait(w, 'cancel');
    openEventSubProcessWaits(run, scope);
    scope.armed = true;
  }
  run.complete(token);
}

function endEvent(run: Run, token: Token, node: FlowNode): void {
  if (node.job) return jobBody(run, token, node); // a message end event sent by a worker
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
  if (node.job) return jobBody(run, token, node); // a message throw event sent by a worker
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
