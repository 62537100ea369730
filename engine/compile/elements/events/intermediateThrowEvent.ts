/**
 * Intermediate throw events: none (passes), signal (thrown, signals.ts), escalation (thrown outwards),
 * link (the token continues at the link catch event of the same name) and message (a job for a worker).
 */
import type { FlowNode } from '../../../bpmn/model';
import type { Run } from '../../run';
import type { Token } from '../../state';
import { createJob } from '../tasks/jobTask';
import { throwCompensation } from './compensation';
import { throwEscalation } from './errorsAndEscalations';

export const intermediateThrowEvent = {
  enter(run: Run, token: Token, node: FlowNode): void {
    if (node.job) return createJob(run, token, node); // a message throw event sent by a worker
    const event = node.event;
    if (event?.kind === 'link') {
      run.complete(token); // the statechart's transition leads to the link catch event
      return;
    }
    if (event?.kind === 'compensation') return throwCompensation(run, token, node);
    if (event?.kind === 'signal') run.throwSignal(event.signalName, {}, node.id);
    if (event?.kind === 'escalation' && throwEscalation(run, token, event.escalationCode ?? '')) return;
    if (run.ctx.tokens[token.id]) run.complete(token);
  },
};
