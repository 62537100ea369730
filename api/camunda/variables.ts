/**
 * Variables through /v2: the process-level variables of the instances the caller may see (an agent:
 * those Engine.listInstances shows them), one item per name; `value` is JSON text as Camunda's is.
 * A variable's key names (instance, name); its scope is the instance.
 */
import type { Engine, InstanceView, TaskRow } from '../../engine';
import { notFound } from '../errors';
import { taskFor } from '../routes/tasks';
import { idOf, keyOf } from './keys';
import { TENANT } from './processInstances';
import type { V2Context } from './router';
import { pageOf, rowFilter, type SearchFields, type SearchRequest } from './search';

interface Variable {
  instanceId: string;
  name: string;
  value: string;
  /** What the variable's key names: `${instanceId}/${name}` (process level) or `task:${taskId}/${name}` (what a task sees). */
  id: string;
}

/** Longest value answered whole; longer ones are cut and marked `isTruncated` (as Camunda does). */
const MAX_VALUE_CHARS = 8192;

const FIELDS: SearchFields<Variable> = {
  processInstanceKey: { get: (v) => v.instanceId, key: 'instance' },
  scopeKey: { get: (v) => v.instanceId, key: 'instance' },
  variableKey: { get: (v) => v.id, key: 'variable' },
  name: { get: (v) => v.name },
  value: { get: (v) => v.value },
  isTruncated: { get: (v) => v.value.length > MAX_VALUE_CHARS },
  tenantId: { get: () => TENANT },
};

const variablesOf = (i: InstanceView): Variable[] =>
  Object.entries(i.variables).map(([name, value]) => ({ instanceId: i.id, name, value: JSON.stringify(value) ?? 'null', id: `${i.id}/${name}` }));

const taskVariables = (task: TaskRow, variables: Record<string, unknown>): Variable[] =>
  Object.entries(variables).map(([name, value]) => ({ instanceId: task.instanceId, name, value: JSON.stringify(value) ?? 'null', id: `task:${task.id}/${name}` }));

/** A search's item (`whole`: GET /v2/variables/:key, the value uncut and no truncation flag). */
async function variableResult(engine: Engine, v: Variable, scopeKey?: string, whole = false): Promise<Record<string, unknown>> {
  const instanceKey = await keyOf(engine, 'instance', v.instanceId);
  const truncated = !whole && v.value.length > MAX_VALUE_CHARS;
  return {
    name: v.name,
    value: truncated ? v.value.slice(0, MAX_VALUE_CHARS) : v.value,
    ...(whole ? {} : { isTruncated: truncated }),
    tenantId: TENANT,
    variableKey: await keyOf(engine, 'variable', v.id),
    scopeKey: scopeKey ?? instanceKey,
    processInstanceKey: instanceKey,
  };
}

export function variableRoutes(v2: V2Context): void {
  const { engine } = v2;
  v2.route('searchVariables', async (req, _res, caller) => {
    const body = req.body as SearchRequest;
    const keep = await rowFilter(engine, FIELDS, body.filter);
    const rows: Variable[] = [];
    let truncated = false;
    const instanceKey = body.filter?.processInstanceKey;
    if (typeof instanceKey === 'string') {
      // one instance: read it alone (an unknown key finds nothing)
      const id = await idOf(engine, 'instance', instanceKey, 'process instance').catch(() => undefined);
      if (id) {
        await engine.checkMayActOn(id, caller);
        rows.push(...variablesOf(await engine.getInstance(id)).filter(keep));
      }
    } else {
      let cursor: string | undefined;
      do {
        const page = await engine.listInstances({ cursor, limit: 500 }, caller);
        for (const i of page.items) rows.push(...variablesOf(i).filter(keep));
        cursor = page.next;
        if (rows.length > v2.search.scanLimit) {
          truncated = true;
          rows.length = v2.search.scanLimit;
          break;
        }
      } while (cursor);
    }
    const { rows: page, page: info } = pageOf(rows, body, FIELDS, v2.search, truncated);
    const items = [];
    for (const v of page) items.push(await variableResult(engine, v));
    return { items, page: info };
  });

  v2.route('searchUserTaskVariables', async (req, res) => {
    const { task } = await taskFor(engine, res, 'read', await idOf(engine, 'task', String(req.params.userTaskKey), 'user task'));
    const body = (req.body ?? {}) as SearchRequest;
    const keep = await rowFilter(engine, { name: FIELDS.name }, body.filter);
    const rows = taskVariables(task, await engine.taskVariables(task)).filter(keep);
    const { rows: page, page: info } = pageOf(rows.slice(0, v2.search.scanLimit), body, FIELDS, v2.search, rows.length > v2.search.scanLimit);
    const scopeKey = await keyOf(engine, 'element', `${task.instanceId}.${task.waitId}`);
    const items = [];
    for (const v of page) items.push(await variableResult(engine, v, scopeKey));
    return { items, page: info };
  });

  v2.route('getVariable', async (req, res, caller) => {
    const id = await idOf(engine, 'variable', String(req.params.variableKey), 'variable');
    const slash = id.lastIndexOf('/');
    const [owner, name] = [id.slice(0, slash), id.slice(slash + 1)];
    if (owner.startsWith('task:')) {
      const { task } = await taskFor(engine, res, 'read', owner.slice('task:'.length));
      const variables = await engine.taskVariables(task);
      if (!Object.prototype.hasOwnProperty.call(variables, name)) throw notFound(`variable ${name} is no longer there`);
      return variableResult(engine, taskVariables(task, { [name]: variables[name] })[0], await keyOf(engine, 'element', `${task.instanceId}.${task.waitId}`), true);
    }
    await engine.checkMayActOn(owner, caller);
    const instance = await engine.getInstance(owner);
    if (!Object.prototype.hasOwnProperty.call(instance.variables, name)) throw notFound(`variable ${name} is no longer there`);
    return variableResult(
      engine,
      variablesOf(instance).find((v) => v.name === name)!,
      undefined,
      true,
    );
  });
}
