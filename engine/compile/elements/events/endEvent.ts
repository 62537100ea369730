/**
 * End events: none (the token ends), terminate (every other token of the scope ends too), error and
 * escalation (thrown outwards, errorsAndEscalations.ts), signal (thrown, signals.ts) and message
 * (a job for a worker, jobTask.ts).
 */
import type { FlowNode } from '../../../bpmn/model';
import type { Run } from '../../run';
import type { Token } from '../../state';
import { createJob } from '../tasks/jobTask';
import { throwCompensation } from './compensation';
import { throwError, throwEscalation } from './errorsAndEscalations';

export const endEvent = {
  enter(run: Run, token: Token, node: FlowNode): void {
    if (node.job) return createJob(run, token, node); // a message end event sent by a worker
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
        run.throwSignal(node.event.signalName, {}, node.id);
        break;
      case 'compensation':
        throwCompensation(run, token, node);
        return;
    }
    if (!run.ctx.tokens[token.id]) return;
    run.history('element.completed', node.id);
    run.consume(token);
  },
};
