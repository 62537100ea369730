/**
 * Call activities start a child instance of another process (zeebe:calledElement) and wait for it.
 * The child's variables come back when it completes (propagateAllChildVariables or output mappings);
 * an error it does not catch comes back as a BPMN error on the call activity, an escalation as an
 * escalation; a child that cannot start is an incident (resolving it calls again).
 */
import type { FlowNode } from '../../../bpmn/model';
import { ExpressionError, evaluateString } from '../../../expr/feel';
import type { Run, WaitReaction } from '../../run';
import type { Token } from '../../state';
import { activity, completeActivity } from '../activity';
import { throwError, throwEscalation } from '../events/errorsAndEscalations';

function startChild(run: Run, token: Token, node: FlowNode): void {
  const called = node.calledElement!;
  const visible = run.visibleVariables(token.scope, token);
  const processId = evaluateString(called.processId, visible);
  if (!processId) throw new ExpressionError(`called process ${called.processId} is empty`, called.processId);
  const variables = called.propagateAllParentVariables ? visible : { ...(token.locals ?? {}) };
  const wait = run.openWait('child', 'activity', node.id, token.scope, token);
  run.emit({ type: 'child.start', waitId: wait.id, elementId: node.id, processId, variables });
}

export const callActivity = activity(startChild);

/** What the child instance reports: completed, failed to start, escalated, or ended in an error. */
export const childReported: WaitReaction = (run, event, wait, token) => {
  switch (event.type) {
    case 'CHILD_COMPLETE': {
      run.closeWait(wait.id, 'done');
      const node = run.graph.node(wait.node);
      completeActivity(run, token!, node.calledElement?.propagateAllChildVariables || node.outputs?.length ? event.variables : undefined);
      return;
    }
    case 'CHILD_START_FAILED':
      run.closeWait(wait.id, 'done');
      run.raiseIncident(token!, new Error(event.message), 'other');
      return;
    case 'CHILD_ESCALATION':
      throwEscalation(run, token!, event.escalationCode, true);
      return;
    case 'CHILD_ERROR':
      run.closeWait(wait.id, 'done');
      throwError(run, token!, event.errorCode, event.errorMessage, true);
      return;
  }
};
