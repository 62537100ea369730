/**
 * User tasks: a task row for people (assignee, candidate groups and users, due and follow-up dates,
 * form, priority, subject, segregation of duties, seats of a multi-instance vote), completed with the
 * variables of its form.
 */
import type { FlowNode } from '../../../bpmn/model';
import { ExpressionError, evaluateString, evaluateStringList, isFeel } from '../../../expr/feel';
import type { Run, WaitReaction } from '../../run';
import type { Token, Variables } from '../../state';
import { activity, completeActivity } from '../activity';

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

function createTask(run: Run, token: Token, node: FlowNode): void {
  const def = node.userTask ?? {};
  const vars = run.visibleVariables(token.scope, token);
  const priority = def.priority ? Number(run.evaluate(def.priority, token)) : undefined;
  const wait = run.openWait('task', 'activity', node.id, token.scope, token);
  const feel = run.feelContext(token);
  const assignee = def.assignee ? evaluateString(def.assignee, feel) : undefined;
  const excluded = excludedUsers(def.segregationOfDuties, vars);
  const subject = def.subject ? (isFeel(def.subject) ? evaluateString(def.subject, feel) : def.subject) : undefined;
  const seatGroup = def.onePerPerson && token.inner ? token.inner.body : undefined;
  const candidateGroups = evaluateStringList(def.candidateGroups, feel);
  run.emit({
    type: 'task.create',
    waitId: wait.id,
    elementId: node.id,
    name: node.name,
    subject,
    assignee,
    candidateGroups,
    candidateUsers: evaluateStringList(def.candidateUsers, feel),
    dueDate: dateValue(run, token, def.dueDate),
    followUpDate: dateValue(run, token, def.followUpDate),
    formId: def.formId,
    formKey: def.formKey,
    priority: Number.isFinite(priority) ? priority : undefined,
    excludedUsers: excluded,
    seatGroup,
  });
  // the groups as evaluated (who was offered the task), not the expression
  run.history('task.created', node.id, { waitId: wait.id, assignee, candidateGroups, excludedUsers: excluded, seatGroup });
}

export const userTask = activity(createTask);

/** TASK_COMPLETE: the task's variables go through the output mappings and the token moves on. */
export const taskCompleted: WaitReaction = (run, event, wait, token) => {
  if (event.type !== 'TASK_COMPLETE') return;
  run.closeWait(wait.id, 'done');
  run.history('task.completed', wait.node, { waitId: wait.id, variables: event.variables });
  completeActivity(run, token!, event.variables);
};
