/**
 * Saved task list views, per user: the signed-in user's own only. A view of someone else is as
 * unknown as a missing one (404), so nobody learns which views exist. And the people a task may be
 * delegated or assigned to, for the task page's picker (the directory's agents and admins).
 */
import { Router } from 'express';
import { principalOf } from '../auth';
import { directoryUsers } from '../directory';
import { conflict } from '../errors';
import { mount, type ApiContext } from '../operation';
import { OPERATIONS } from '../operations';
import type { TaskViewQuery } from '../schemas';
import { inputOf } from '../validate';

const iso = (ms: number): string => new Date(ms).toISOString();

export function taskViewsRouter(ctx: ApiContext): Router {
  const router = Router();
  const { engine } = ctx;
  const assignable = directoryUsers(ctx.config)
    .filter((u) => u.roles.some((r) => r === 'agent' || r === 'admin'))
    .map((u) => ({ id: u.id, groups: [...u.groups] }))
    .sort((a, b) => a.id.localeCompare(b.id));

  mount(router, ctx, OPERATIONS.listTaskViews, async (_req, res) => {
    const views = await engine.desk.listViews(principalOf(res).id);
    res.json({ items: views.map((v) => ({ id: v.id, name: v.name, query: v.query, createdAt: iso(v.createdAt) })) });
  });

  mount(router, ctx, OPERATIONS.saveTaskView, async (_req, res) => {
    const me = principalOf(res);
    const { name, query } = inputOf<never, never, { name: string; query: TaskViewQuery }>(res).body;
    const max = ctx.config.taskDesk.maxViewsPerUser;
    if ((await engine.desk.listViews(me.id)).length >= max) throw conflict(`${me.id} already has ${max} saved views (TASK_VIEWS_MAX): delete one first`);
    const view = await engine.desk.saveView(me.id, name, query);
    res.status(201).json({ id: view.id, name: view.name, query: view.query, createdAt: iso(view.createdAt) });
  });

  mount(router, ctx, OPERATIONS.deleteTaskView, async (_req, res) => {
    await engine.desk.deleteView(inputOf<{ id: string }>(res).params.id, principalOf(res).id);
    res.status(204).end();
  });

  mount(router, ctx, OPERATIONS.listAssignableUsers, async (_req, res) => {
    res.json({ items: assignable });
  });

  return router;
}
