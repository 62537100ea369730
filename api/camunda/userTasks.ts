/**
 * User tasks through /v2: search, get, assign, unassign, complete. The same rules as /api's task
 * routes (api/routes/tasks.ts): an agent sees and works only tasks assigned or offered to them or to
 * their groups (any other is a 403), claims only for themselves, and a form checks what a completion
 * writes. An update changes dates and priority (who works the task) or candidates (admins only).
 */
import type { Engine, TaskChanges, TaskRow } from '../../engine';
import { badRequest, forbidden } from '../errors';
import { completeChecked, taskFor, visibleTo } from '../routes/tasks';
import { idOf, keyOf } from './keys';
import { notImplemented } from './problem';
import { definitionReader, TENANT } from './processInstances';
import type { V2Context } from './router';
import { pageOf, rowFilter, scan, type SearchFields, type SearchRequest } from './search';

const STATE: Record<TaskRow['state'], string> = { created: 'CREATED', completed: 'COMPLETED', canceled: 'CANCELED' };
const iso = (ms: number | undefined): string | undefined => (ms === undefined || ms === null ? undefined : new Date(ms).toISOString());

const FIELDS: SearchFields<TaskRow> = {
  userTaskKey: { get: (t) => t.id, key: 'task' },
  processInstanceKey: { get: (t) => t.instanceId, key: 'instance' },
  processDefinitionId: { get: (t) => t.processId },
  elementId: { get: (t) => t.elementId },
  name: { get: (t) => t.name },
  state: { get: (t) => STATE[t.state] },
  assignee: { get: (t) => t.assignee },
  priority: { get: (t) => t.priority },
  creationDate: { get: (t) => iso(t.createdAt) },
  completionDate: { get: (t) => iso(t.completedAt) },
  dueDate: { get: (t) => iso(t.dueDate) },
  followUpDate: { get: (t) => iso(t.followUpDate) },
  tenantId: { get: () => TENANT },
};

async function taskResult(engine: Engine, t: TaskRow, definition: ReturnType<typeof definitionReader>): Promise<Record<string, unknown>> {
  const instance = await engine.getInstance(t.instanceId).catch(() => undefined);
  const def = instance && (await definition(instance.definitionKey));
  return {
    ...(t.name ? { name: t.name } : {}),
    state: STATE[t.state],
    ...(t.assignee ? { assignee: t.assignee } : {}),
    elementId: t.elementId,
    candidateGroups: t.candidateGroups ?? [],
    candidateUsers: t.candidateUsers ?? [],
    processDefinitionId: t.processId,
    creationDate: iso(t.createdAt),
    ...(t.completedAt ? { completionDate: iso(t.completedAt) } : {}),
    ...(t.followUpDate ? { followUpDate: iso(t.followUpDate) } : {}),
    ...(t.dueDate ? { dueDate: iso(t.dueDate) } : {}),
    tenantId: TENANT,
    ...(def ? { processDefinitionVersion: def.version, processName: def.name ?? def.processId, processDefinitionKey: await keyOf(engine, 'definition', def.key) } : {}),
    customHeaders: {},
    priority: t.priority ?? 50,
    userTaskKey: await keyOf(engine, 'task', t.id),
    elementInstanceKey: await keyOf(engine, 'element', `${t.instanceId}.${t.waitId}`),
    processInstanceKey: await keyOf(engine, 'instance', t.instanceId),
    ...(t.formId ? { formKey: await keyOf(engine, 'form', `form:${t.formId}`) } : {}),
  };
}

function dateOf(value: unknown, where: string): number {
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw badRequest(`${where} is not an ISO 8601 date-time`);
  return ms;
}

export function userTaskRoutes(v2: V2Context): void {
  const { engine } = v2;
  const taskId = (key: unknown): Promise<string> => idOf(engine, 'task', String(key), 'user task');

  v2.route('searchUserTasks', async (req, _res, caller) => {
    const body = req.body as SearchRequest;
    const filter = { ...(body.filter ?? {}) };
    // candidates are lists: `candidateGroup: "x"` matches a task offered to x among others
    const groups = filter.candidateGroup;
    const users = filter.candidateUser;
    delete filter.candidateGroup;
    delete filter.candidateUser;
    const keep = await rowFilter(engine, FIELDS, filter);
    const offered = (list: string[] | undefined, wanted: unknown): boolean => wanted === undefined || (typeof wanted === 'string' ? (list ?? []).includes(wanted) : false);
    if ((groups !== undefined && typeof groups !== 'string') || (users !== undefined && typeof users !== 'string')) {
      throw notImplemented('filter.candidateGroup / candidateUser with operators (give one name)');
    }
    const instanceId =
      typeof body.filter?.processInstanceKey === 'string' ? await idOf(engine, 'instance', body.filter.processInstanceKey, 'process instance').catch(() => undefined) : undefined;
    const { rows, truncated } = await scan(
      (cursor, limit) => engine.listTasks({ visibleTo: visibleTo(caller), instanceId, cursor, limit }),
      (t) => keep(t) && offered(t.candidateGroups, groups) && offered(t.candidateUsers, users),
      v2.search.scanLimit,
    );
    const { rows: page, page: info } = pageOf(rows, body, FIELDS, v2.search, truncated);
    const definition = definitionReader(engine);
    const items = [];
    for (const t of page) items.push(await taskResult(engine, t, definition));
    return { items, page: info };
  });

  v2.route('getUserTask', async (req, res) => {
    const { task } = await taskFor(engine, res, 'read', await taskId(req.params.userTaskKey));
    return taskResult(engine, task, definitionReader(engine));
  });

  v2.route('assignUserTask', async (req, res) => {
    const { task, me, all } = await taskFor(engine, res, 'work', await taskId(req.params.userTaskKey));
    const { assignee, allowOverride } = req.body as { assignee: string; allowOverride?: boolean | null };
    if (assignee !== me.id && !all) throw forbidden(`${me.id} may only claim tasks for themselves`);
    // allowOverride (default true in Camunda) takes a task from its assignee: only those who act on every task may
    await engine.assignTask(task.id, assignee, me.id, all && allowOverride !== false);
  });

  v2.route('unassignUserTask', async (req, res) => {
    const { task, me, all } = await taskFor(engine, res, 'work', await taskId(req.params.userTaskKey));
    await engine.assignTask(task.id, undefined, me.id, all);
  });

  v2.route('completeUserTask', async (req, res) => {
    const { task, me, all } = await taskFor(engine, res, 'work', await taskId(req.params.userTaskKey));
    const body = req.body as { variables?: Record<string, unknown> | null; action?: string | null } | null;
    await completeChecked(v2, task, body?.variables ?? {}, me, all);
  });

  v2.route('getUserTaskForm', async (req, res) => {
    const { task } = await taskFor(engine, res, 'read', await taskId(req.params.userTaskKey));
    const form = task.formId ? await engine.getResource(`form:${task.formId}`) : undefined;
    if (!form) {
      res.status(204).end(); // Camunda's answer for a task without a form
      return undefined;
    }
    return { tenantId: TENANT, formId: task.formId, schema: JSON.parse(form.content) as unknown, version: 1, formKey: await keyOf(engine, 'form', form.id) };
  });

  v2.route('updateUserTask', async (req, res) => {
    const { task, me, all } = await taskFor(engine, res, 'work', await taskId(req.params.userTaskKey));
    const changeset = ((req.body as { changeset?: Record<string, unknown> | null } | null)?.changeset ?? {}) as Record<string, unknown>;
    const changes: TaskChanges = {};
    for (const [field, value] of Object.entries(changeset)) {
      if (value === undefined) continue;
      if (field === 'dueDate' || field === 'followUpDate') changes[field] = value === null ? null : dateOf(value, `changeset.${field}`);
      else if (field === 'priority' && typeof value === 'number') changes.priority = value;
      else if ((field === 'candidateGroups' || field === 'candidateUsers') && Array.isArray(value) && value.every((v) => typeof v === 'string')) {
        // who a task is offered to decides who sees it: only those who act on every task re-route one
        if (!all) throw forbidden(`${me.id} may not change the candidates of a task`);
        changes[field] = value as string[];
      } else if (!(field === 'priority' && value === null))
        throw badRequest(`changeset.${field} is not supported (dueDate, followUpDate, priority, candidateGroups, candidateUsers)`);
    }
    if (!Object.keys(changes).length) throw badRequest('the changeset changes nothing');
    await engine.desk.updateTask(task.id, changes, me.id);
  });
}
