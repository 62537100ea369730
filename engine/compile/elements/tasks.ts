/**
 * Tasks. User tasks become task rows for people; service, send and business-rule tasks (and script
 * tasks with a job type) become jobs for workers; script tasks with zeebe:script are FEEL evaluated
 * here; receive tasks wait for a message; manual and plain tasks just pass.
 */
import type { FlowNode } from '../../bpmn/model';
import { ExpressionError, evaluateString, evaluateStringList, isFeel } from '../../expr/feel';
import type { Run } from '../run';
import type { Token, Variables } from '../state';
import { openEventWait } from '../waits';
import { completeActivity, enterActivity } from './activity';

function dateValue(run: Run, token: Token, source: string | undefined): number | undefined {
  if (!source) return undefined;
  const value = run.evaluate(source, token);
  if (value === null || value === undefined || value === '') return undefined;
  const time = typeof value === 'number' ? value : Date.parse(String(value));
  if (!Number.isFinite(time)) throw new ExpressionError(`${source} gave ${JSON.stringify(value)}, not a date`, source);
  return time;
}

/**
 * The users segregation of duties keeps off the task: each variable the task names holds a user id or a
 * list of them; a missing variable excludes nobody.
 */
function excludedUsers(names: string[] | undefined, vars: Variables): { user: string; role: string }[] | undefined {
  if (!names) return undefined;
  const excluded: { user: string; role: string }[] = [];
  for (const role of names) {
    const value = vars[role];
    if (value === null || value === undefined) continue;
    const users = Array.isArray(value) ? value : [value];
    for (const user of users) {
      if (typeof user !== 'string') throw new ExpressionError(`segregation of duties: variable ${role} must hold a user id or a list of them, not ${JSON.stringify(value)}`, role);
      excluded.push({ user, role });
    }
  }
  return excluded.length ? excluded : undefined;
}

function userTaskBody(run: Run, token: Token, node: FlowNode): void {
  const def = node.userTask ?? {};
  const vars = run.visibleVariables(token.scope, token);
  const priority = def.priority ? Number(run.evaluate(def.priority, token)) : undefined;
  const wait = run.openWait('task', 'activity', node.id, token.scope, token);
  const feel = run.feelContext(token);
  const assignee = def.assignee ? evaluateString(def.assignee, feel) : undefined;
  const excluded = excludedUsers(def.segregationOfDuties, vars);
  const subject = def.subject ? (isFeel(def.subject) ? evaluateString(def.subject, feel) : def.subject) : undefined;
  run.emit({
    type: 'task.create',
    waitId: wait.id,
    elementId: node.id,
    name: node.name,
    subject,
    assignee,
    candidateGroups: evaluateStringList(def.candidateGroups, feel),
    candidateUsers: evaluateStringList(def.candidateUsers, feel),
    dueDate: dateValue(run, token, def.dueDate),
    followUpDate: dateValue(run, token, def.followUpDate),
    formId: def.formId,
    formKey: def.formKey,
    priority: Number.isFinite(priority) ? priority : undefined,
    variables: vars,
    excludedUsers: excluded,
  });
  run.history('task.created', node.id, { waitId: wait.id, assignee, candidateGroups: def.candidateGroups, excludedUsers: excluded });
}

export function jobBody(run: Run, token: Token, node: FlowNode): void {
  const job = node.job!;
  const vars = run.visibleVariables(token.scope, token);
  const jobType = evaluateString(job.type, vars);
  if (!jobType) throw new ExpressionError(`job type ${job.type} is empty`, job.type);
  const retries = Number(isFeel(job.retries) ? run.evaluate(job.retries, token) : job.retries);
  const wait = run.openWait('job', 'activity', node.id, token.scope, token);
  run.emit({
    type: 'job.create',
    waitId: wait.id,
    elementId: node.id,
    jobType,
    retries: Number.isInteger(retries) && retries >= 0 ? retries : 3,
    headers: job.headers,
    variables: vars,
  });
  run.history('job.created', node.id, { waitId: wait.id, type: jobType });
}

/** Job type of business rule tasks with zeebe:calledDecision; the Engine's built-in decision worker takes them. */
export const DECISION_JOB_TYPE = 'processdesk.decision';

/** zeebe:calledDecision stays pure: a job for the decision worker, which evaluates the deployed DMN. */
function decisionBody(run: Run, token: Token, node: FlowNode): void {
  if (!node.calledDecision) return jobBody(run, token, node);
  const vars = run.visibleVariables(token.scope, token);
  const { decisionId: source, resultVariable } = node.calledDecision;
  const decisionId = evaluateString(source, vars);
  if (!decisionId) throw new ExpressionError(`decisionId ${source} is empty`, source);
  const wait = run.openWait('job', 'activity', node.id, token.scope, token);
  run.emit({ type: 'job.create', waitId: wait.id, elementId: node.id, jobType: DECISION_JOB_TYPE, retries: 1, headers: { decisionId, resultVariable }, variables: vars });
  run.history('job.created', node.id, { waitId: wait.id, type: DECISION_JOB_TYPE, decisionId });
}

function scriptBody(run: Run, token: Token, node: FlowNode): void {
  if (!node.script) return jobBody(run, token, node);
  const value = run.evaluate(node.script.expression, token);
  completeActivity(run, token, { [node.script.resultVariable]: value });
}

function receiveBody(run: Run, token: Token, node: FlowNode): void {
  openEventWait(run, node.event!, 'activity', node.id, token.scope, token);
}

function passBody(run: Run, token: Token): void {
  completeActivity(run, token, undefined);
}

export const taskHandlers = {
  userTask: (run: Run, token: Token, node: FlowNode) => enterActivity(run, token, node, userTaskBody),
  serviceTask: (run: Run, token: Token, node: FlowNode) => enterActivity(run, token, node, jobBody),
  sendTask: (run: Run, token: Token, node: FlowNode) => enterActivity(run, token, node, jobBody),
  businessRuleTask: (run: Run, token: Token, node: FlowNode) => enterActivity(run, token, node, decisionBody),
  scriptTask: (run: Run, token: Token, node: FlowNode) => enterActivity(run, token, node, scriptBody),
  receiveTask: (run: Run, token: Token, node: FlowNode) => enterActivity(run, token, node, receiveBody),
  manualTask: (run: Run, token: Token, node: FlowNode) => enterActivity(run, token, node, passBody),
  task: (run: Run, token: Token, node: FlowNode) => enterActivity(run, token, node, passBody),
};
