/**
 * Jobs for workers: service, send and business-rule tasks, script tasks with a job type, and message
 * throw and end events implemented by a worker (zeebe:taskDefinition). A business-rule task with
 * zeebe:calledDecision is a job of the engine's own decision worker (runtime/decisions.ts). A job
 * completes with the worker's variables or ends in a BPMN error the boundaries may catch.
 */
import type { FlowNode } from '../../../bpmn/model';
import { ExpressionError, evaluateString, isFeel } from '../../../expr/feel';
import type { Run, WaitReaction } from '../../run';
import type { Token } from '../../state';
import { activity, completeActivity } from '../activity';
import { throwError } from '../events/errorsAndEscalations';

/** Retries of a job when neither its task definition nor its type's settings give any (Zeebe's default). */
const DEFAULT_JOB_RETRIES = 3;

/** Job type of business rule tasks with zeebe:calledDecision; the Engine's built-in decision worker takes them. */
export const DECISION_JOB_TYPE = 'processdesk.decision';

export function createJob(run: Run, token: Token, node: FlowNode): void {
  const job = node.job!;
  const vars = run.visibleVariables(token.scope, token);
  const jobType = evaluateString(job.type, vars);
  if (!jobType) throw new ExpressionError(`job type ${job.type} is empty`, job.type);
  const source = job.retries ?? String(run.graph.jobRetries(jobType) ?? DEFAULT_JOB_RETRIES);
  const retries = Number(isFeel(source) ? run.evaluate(source, token) : source);
  const wait = run.openWait('job', 'activity', node.id, token.scope, token);
  run.emit({
    type: 'job.create',
    waitId: wait.id,
    elementId: node.id,
    jobType,
    retries: Number.isInteger(retries) && retries >= 0 ? retries : DEFAULT_JOB_RETRIES,
    headers: job.headers,
  });
  run.history('job.created', node.id, { waitId: wait.id, type: jobType });
}

/** zeebe:calledDecision stays pure: a job for the decision worker, which evaluates the deployed DMN. */
function createDecisionJob(run: Run, token: Token, node: FlowNode): void {
  if (!node.calledDecision) return createJob(run, token, node);
  const vars = run.visibleVariables(token.scope, token);
  const { decisionId: source, resultVariable } = node.calledDecision;
  const decisionId = evaluateString(source, vars);
  if (!decisionId) throw new ExpressionError(`decisionId ${source} is empty`, source);
  const wait = run.openWait('job', 'activity', node.id, token.scope, token);
  run.emit({ type: 'job.create', waitId: wait.id, elementId: node.id, jobType: DECISION_JOB_TYPE, retries: 1, headers: { decisionId, resultVariable } });
  run.history('job.created', node.id, { waitId: wait.id, type: DECISION_JOB_TYPE, decisionId });
}

export const serviceTask = activity(createJob);
export const sendTask = activity(createJob);
export const businessRuleTask = activity(createDecisionJob);

/** JOB_COMPLETE moves on with the worker's variables; JOB_ERROR throws its BPMN error from the element. */
export const jobDone: WaitReaction = (run, event, wait, token) => {
  if (event.type === 'JOB_COMPLETE') {
    run.closeWait(wait.id, 'done');
    run.history('job.completed', wait.node, { waitId: wait.id, variables: event.variables });
    completeActivity(run, token!, event.variables);
  } else if (event.type === 'JOB_ERROR') {
    run.closeWait(wait.id, 'done');
    if (event.variables) run.setVariables(token!.scope, event.variables);
    throwError(run, token!, event.errorCode, event.errorMessage, true);
  }
};
