/**
 * Embedded subprocesses: the token on the subprocess hosts a scope instance whose start events get
 * tokens; the subprocess completes (output mappings, then on along its flows) when its scope runs out
 * of tokens. Ad-hoc subprocesses start differently (adHocSubProcess.ts).
 */
import type { FlowNode } from '../../../bpmn/model';
import type { Run } from '../../run';
import type { ScopeInstance, Token } from '../../state';
import { activity, completeActivity } from '../activity';
import { startAdHoc } from './adHocSubProcess';

function startScope(run: Run, token: Token, node: FlowNode): void {
  if (node.adHoc) return startAdHoc(run, token, node);
  const scope = run.createScope('subProcess', node.id, token.scope, token.id, { ...(token.locals ?? {}) });
  token.child = scope.id;
  token.status = 'waiting';
  for (const start of run.graph.model.scopes[node.id].startEvents) run.arrive(start, scope.id);
}

export const subProcess = activity(startScope);

/** The subprocess's scope ran out of tokens: the subprocess completes. */
export function subProcessEnded(run: Run, scope: ScopeInstance, host: Token): void {
  completeActivity(run, host, undefined);
}
