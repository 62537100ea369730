/**
 * User tasks. Besides the role check of requireRole, each task is checked against the caller:
 * a caller who is only an agent sees and acts on a task only when it is assigned to them or offered to
 * them (candidateUsers) or to one of their groups (candidateGroups); any other task is 403. Designers and
 * auditors read every task; admins read and act on every task. An agent may not complete or unclaim a
 * task that someone else has claimed (403); claiming it is a 409 from the engine.
 */
import { Router, type Response } from 'express';
import type { Engine, TaskRow } from '../../engine';
import { principalOf, type Principal } from '../auth';
import { CHANGE_SCHEDULE_FORM, checkSchedule } from '../changeSchedule';
import { badRequest, conflict, forbidden } from '../errors';
import { describeError } from '../validate';
import { formValidator, withoutReadonly } from '../forms';
import { mount, type ApiContext } from '../operation';
import { OPERATIONS } from '../operations';
import type { TaskListQuery, Variables } from '../schemas';
import { inputOf } from '../validate';
import { taskView } from '../views';
import { DEFAULT_LIMIT } from './instances';
import { searchTasks } from './taskSearch';

const readsAllTasks = (p: Principal): boolean => p.roles.some((r) => r === 'admin' || r === 'auditor' || r === 'designer');
const actsOnAllTasks = (p: Principal): boolean => p.roles.includes('admin');

export function offeredTo(p: Principal, t: TaskRow): boolean {
  return t.assignee === p.id || (t.candidateUsers ?? []).includes(p.id) || (t.candidateGroups ?? []).some((g) => p.groups.includes(g));
}

/** Tasks `p` sees in the list: every task, or (an agent) those assigned or offered to them or their groups. */
export const visibleTo = (p: Principal): { user: string; groups: string[] } | undefined => (readsAllTasks(p) ? undefined : { user: p.id, groups: p.groups });

/** The task `id` (default: the route's `:id`), if the caller may see it (read) or act on it (work); 403 otherwise. */
export async function taskFor(
  engine: Engine,
  res: Response,
  mode: 'read' | 'work',
  id = inputOf<{ id: string }>(res).params.id,
): Promise<{ task: TaskRow; me: Principal; all: boolean }> {
  const me = principalOf(res);
  const task = await engine.getTask(id);
  const all = mode === 'read' ? readsAllTasks(me) : actsOnAllTasks(me);
  if (!all && !offeredTo(me, task)) throw forbidden(`task ${task.id} is neither assigned nor offered to ${me.id}`);
  return { task, me, all };
}

async function formOf(engine: Engine, task: TaskRow): Promise<{ json: string; form: unknown } | undefined> {
  if (!task.formId) return undefined;
  const resource = await engine.getResource(`form:${task.formId}`);
  if (!resource) return undefined;
  try {
    return { json: resource.content, form: JSON.parse(resource.content) };
  } catch {
    return undefined;
  }
}

/**
 * A form's submission: only the fields the form declares (anything else is a 400 naming it), valid
 * for them; read-only fields are shown by the form and never written.
 */
function checkSubmission(task: TaskRow, form: { json: string; form: unknown }, submitted: Variables): Variables {
  const { validate, readonly } = formValidator(form.json, form.form);
  if (!validate(submitted)) {
    const details = (validate.errors ?? []).map((e) => ({ ...e, in: 'body', instancePath: `/variables${e.instancePath}` }));
    throw badRequest(`variables do not match form ${task.formId}: ${details.map(describeError).join('; ')}`, details);
  }
  return withoutReadonly(submitted, readonly);
}

/**
 * Completes a task as /api and /v2 both do: with a form, only the fields it declares and valid for them
 * (read-only fields dropped), without one what was submitted; a change's schedule is checked against its
 * rules and the change calendar first (api/changeSchedule.ts), one schedule at a time (the gate is the
 * app's, shared by both APIs, so neither is a way around the other's check).
 */
export async function completeChecked(ctx: ApiContext, task: TaskRow, submitted: Variables, me: Principal, all: boolean): Promise<TaskRow> {
  const { engine } = ctx;
  const form = await formOf(engine, task);
  const variables = form ? checkSubmission(task, form, submitted) : submitted;
  const complete = (vars: Variables): Promise<TaskRow> => engine.completeTask(task.id, vars, me.id, { requireAssignee: !all, read: task });
  if (task.formId === CHANGE_SCHEDULE_FORM && form) return ctx.schedules.run(async () => complete(await checkSchedule(engine, ctx.config.change, task.instanceId, variables, me)));
  return complete(variables);
}

export function tasksRouter(ctx: ApiContext): Router {
  const router = Router();
  const { engine } = ctx;
  const taskOf = (res: Response, mode: 'read' | 'work') => taskFor(engine, res, mode);

  mount(router, ctx, OPERATIONS.listTasks, async (_req, res) => {
    const me = principalOf(res);
    const q = inputOf<never, TaskListQuery>(res).query;
    // a numbered page, a sort or the task desk's filters: the search, with its total
    if (q.page !== undefined || q.sort !== undefined || q.q !== undefined || q.priority !== undefined || q.due || q.dueFrom || q.dueTo || q.mine) {
      return res.json(await searchTasks(engine, ctx.config.taskDesk, q, q.mine ? { user: me.id, groups: me.groups } : visibleTo(me)));
    }
    const page = await engine.listTasks({
      state: q.state,
      assignee: q.assignee,
      candidateGroup: q.candidateGroup,
      instanceId: q.processInstanceId,
      processId: q.processId,
      limit: q.limit ?? DEFAULT_LIMIT,
      cursor: q.cursor,
      visibleTo: visibleTo(me),
    });
    res.json({ items: page.items.map(taskView), next: page.next ?? null });
  });

  mount(router, ctx, OPERATIONS.getTask, async (_req, res) => {
    const { task } = await taskOf(res, 'read');
    const form = await formOf(engine, task);
    const slaPaused = (await engine.desk.slaPaused([task.instanceId])).get(task.instanceId) ?? null;
    res.json({ ...taskView(task), slaPaused, form: form?.form ?? null, variables: await engine.taskVariables(task) });
  });

  mount(router, ctx, OPERATIONS.claimTask, async (_req, res) => {
    const { task, me, all } = await taskOf(res, 'work');
    const assignee = inputOf<never, never, { assignee?: string }>(res).body.assignee ?? me.id;
    if (assignee !== me.id && !all) throw forbidden(`${me.id} may only claim tasks for themselves`);
    res.json(taskView(await engine.assignTask(task.id, assignee, me.id, all)));
  });

  mount(router, ctx, OPERATIONS.unclaimTask, async (_req, res) => {
    const { task, me, all } = await taskOf(res, 'work');
    res.json(taskView(await engine.assignTask(task.id, undefined, me.id, all)));
  });

  mount(router, ctx, OPERATIONS.delegateTask, async (_req, res) => {
    const { task, me, all } = await taskOf(res, 'work');
    const { to } = inputOf<never, never, { to: string }>(res).body;
    res.json(taskView(await engine.delegateTask(task.id, to, me.id, all)));
  });

  mount(router, ctx, OPERATIONS.completeTask, async (_req, res) => {
    const { task, me, all } = await taskOf(res, 'work');
    if (task.state !== 'created') throw conflict(`task ${task.id} is already ${task.state}`);
    const submitted = inputOf<never, never, { variables?: Variables }>(res).body.variables ?? {};
    res.json(taskView(await completeChecked(ctx, task, submitted, me, all)));
  });

  return router;
}
