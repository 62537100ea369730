/**
 * Script tasks: zeebe:script FEEL evaluated here into its result variable; with a job type, a job
 * (jobTask.ts). Marked processdesk.slaRecord, the result is also an SLA record the command writes.
 */
import type { FlowNode } from '../../../bpmn/model';
import type { Run } from '../../run';
import type { Token } from '../../state';
import { activity, completeActivity } from '../activity';
import { createJob } from './jobTask';
import { slaRecordOf } from './slaRecord';

function runScript(run: Run, token: Token, node: FlowNode): void {
  if (!node.script) return createJob(run, token, node);
  const value = run.evaluate(node.script.expression, token);
  if (node.slaRecord) run.emit({ type: 'sla.record', elementId: node.id, record: slaRecordOf(value) });
  completeActivity(run, token, { [node.script.resultVariable]: value });
}

export const scriptTask = activity(runScript);
