/**
 * User tasks. Besides the role check of requireRole, each task is checked against the caller:
 * a caller who is only an agent sees and acts on a task only when it is assigned to them or offered to
 * them (candidateUsers) or to one of their groups (candidateGroups); any other task is 403. Designers and
 * auditors read every task; admins read and act on every task. An agent may not complete or unclaim a
 * task that someone else has claimed (403); claiming it is a 409 from the engine.
 */
import { Router, type Response } from 'express';
import type { TaskRow } from '../../engine';
import { principalOf, type Principal } from '../auth';
import { badRequest, conflict, forbidden } from '../errors';
import { formValidator } from '../forms';
import { mount, type ApiContext } from '../operation';
import { OPERATIONS } from '../operations';
import type { TaskListQuery, Variables } from '../schemas';
import { inputOf } from '../validate';
import { taskView } from '../views';
import { DEFAULT_LIMIT } from './instances';

const readsAllTasks = (p: Principal): boolean => p.roles.some((r) => r === 'admin' || r === 'auditor' || r === 'designer');
const actsOnAllTasks = (p: Principal): boolean => p.roles.includes('admin');

export function offeredTo(p: Principal, t: TaskRow): boolean {
  return t.assignee === p.id || (t.candidateUsers ?? []).includes(p.id) || (t.candidateGroups ?? []).some((g) => p.groups.includes(g));
}

export function tasksRouter(ctx: ApiContext): Router {
  const router = Router();
  const { engine } = ctx;

  /** The task of `:id`, if the caller may see it (read) or act on it (work). */
  async function taskFor(res: Response, mode: 'read' | 'work'): Promise<{ task: TaskRow; me: Principal; all: boolean }> {
    const me = principalOf(res);
    const task = await engine.getTask(inputOf<{ id: string }>(res).params.id);
    const all = mode === 'read' ? readsAllTasks(me) : actsOnAllTasks(me);
    if (!all && !offeredTo(me, task)) throw forbidden(`task ${task.id} is neither assigned nor offered to ${me.id}`);
    return { task, me, all };
  }

  async function formOf(task: TaskRow): Promise<{ json: string; form: unknown } | undefined> {
    if (!task.formId) return undefined;
    const resource = await engine.store.getResource(`form:${task.formId}`);
    if (!resource) return undefined;
    try {
      return { json: resource.content, form: JSON.parse(resource.content) };
    } catch {
      return undefined;
    }
  }

  mount(router, ctx, OPERATIONS.listTasks, async (_req, res) => {
    const me = principalOf(res);
    const q = inputOf<never, TaskListQuery>(res).query;
    const page = await engine.listTasks({
      state: q.state, assignee: q.assignee, candidateGroup: q.candidateGroup, instanceId: q.processInstanceId, processId: q.processId,
      limit: q.limit ?? DEFAULT_LIMIT, cursor: q.cursor, visibleTo: readsAllTasks(me) ? undefined : { user: me.id, groups: me.groups },
    });
    res.json({ items: page.items.map(taskView), next: page.next ?? null });
  });

  mount(router, ctx, OPERATIONS.getTask, async (_req, res) => {
    const { task } = await taskFor(res, 'read');
    const form = await formOf(task);
    res.json({ ...taskView(task), form: form?.form ?? null, variables: task.variables ?? {} });
  });

  mount(router, ctx, OPERATIONS.claimTask, async (_req, res) => {
    const { task, me, all } = await taskFor(res, 'work');
    const assignee = inputOf<never, never, { assignee?: string }>(res).body.assignee ?? me.id;
    if (assignee !== me.id && !all) throw forbidden(`${me.id} may only claim tasks for themselves`);
    res.json(taskView(await engine.assignTask(task.id, assignee, me.id, all)));
  });

  mount(router, ctx, OPERATIONS.unclaimTask, async (_req, res) => {
    const { task, me, all } = await taskFor(res, 'work');
    if (task.state !== 'created') throw conflict(`task ${task.id} is already ${task.state}`);
    if (task.assignee && task.assignee !== me.id && !all) throw forbidden(`task ${task.id} is claimed by ${task.assignee}`);
    res.json(taskView(await engine.assignTask(task.id, undefined, me.id)));
  });

  mount(router, ctx, OPERATIONS.delegateTask, async (_req, res) => {
    const { task, me, all } = await taskFor(res, 'work');
    const { to } = inputOf<never, never, { to: string }>(res).body;
    res.json(taskView(await engine.delegateTask(task.id, to, me.id, all)));
  });

  mount(router, ctx, OPERATIONS.completeTask, async (_req, res) => {
    const { task, me, all } = await taskFor(res, 'work');
    if (task.state !== 'created') throw conflict(`task ${task.id} is already ${task.state}`);
    if (task.assignee && task.assignee !== me.id && !all) throw forbidden(`task ${task.id} is claimed by ${task.assignee}`);
    const variables = inputOf<never, never, { variables?: Variables }>(res).body.variables ?? {};
    const form = await formOf(task);
    if (form) {
      const validate = formValidator(form.json, form.form);
      if (!validate(variables)) {
        const details = (validate.errors ?? []).map((e) => ({ ...e, in: 'body', instancePath: `/variables${e.instancePath}` }));
        throw badRequest(`variables do not match form ${task.formId}: ${details.map((d) => `${d.instancePath} ${d.message}`).join('; ')}`, details);
      }
    }
    res.json(taskView(await engine.completeTask(task.id, variables, me.id)));
  });

  return router;
}
