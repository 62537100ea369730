/** Script tasks: zeebe:script FEEL evaluated here into its result variable; with a job type, a job (jobTask.ts). */
import type { FlowNode } from '../../../bpmn/model';
import type { Run } from '../../run';
import type { Token } from '../../state';
import { activity, completeActivity } from '../activity';
import { createJob } from './jobTask';

function runScript(run: Run, token: Token, node: FlowNode): void {
  if (!node.script) return createJob(run, token, node);
  const value = run.evaluate(node.script.expression, token);
  completeActivity(run, token, { [node.script.resultVariable]: value });
}

export const scriptTask = activity(runScript);
