/**
 * Call activities start a child instance of another process (zeebe:calledElement) and wait for it.
 * The child's variables come back when it completes (propagateAllChildVariables) and an error it does
 * not catch comes back as a BPMN error on the call activity.
 */
import type { FlowNode } from '../../bpmn/model';
import { ExpressionError, evaluateString } from '../../expr/feel';
import type { Run } from '../run';
import type { Token } from '../state';
import { enterActivity } from './activity';

function callBody(run: Run, token: Token, node: FlowNode): void {
  const called = node.calledElement!;
  const visible = run.visibleVariables(token.scope, token);
  const processId = evaluateString(called.processId, visible);
  if (!processId) throw new ExpressionError(`called process ${called.processId} is empty`, called.processId);
  const variables = called.propagateAllParentVariables ? visible : { ...(token.locals ?? {}) };
  const wait = run.openWait('child', 'activity', node.id, token.scope, token);
  run.emit({ type: 'child.start', waitId: wait.id, elementId: node.id, processId, variables });
}

export const callActivityHandlers = {
  callActivity: (run: Run, token: Token, node: FlowNode) => enterActivity(run, token, node, callBody),
};
