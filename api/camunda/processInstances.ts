/**
 * Process instances through /v2: create (by processDefinitionId and version, or processDefinitionKey;
 * `awaitCompletion` waits for the end, woken by the engine's commits), get, search, cancel. The same
 * Engine calls as /api with the caller: `startableBy`, ownership for cancel, and an agent sees only
 * the instances Engine.listInstances shows them.
 */
import type { Response } from 'express';
import type { DefinitionRow, Engine, InstanceView } from '../../engine';
import { badRequest } from '../errors';
import { idOf, keyOf } from './keys';
import { Problem } from './problem';
import type { V2Context } from './router';
import { pageOf, rowFilter, scan, type SearchFields, type SearchRequest } from './search';

export const TENANT = '<default>';

/** Camunda's instance states: an instance with an open incident is ACTIVE with hasIncident. */
const STATE: Record<InstanceView['state'], string> = { active: 'ACTIVE', incident: 'ACTIVE', completed: 'COMPLETED', terminated: 'TERMINATED' };

export function checkTenant(tenantId: unknown): void {
  if (tenantId !== undefined && tenantId !== null && tenantId !== TENANT) throw badRequest(`tenantId ${JSON.stringify(tenantId)}: ProcessDesk has one tenant, ${TENANT}`);
}

/** Definitions by key, read once per request. */
export function definitionReader(engine: Engine): (key: string) => Promise<DefinitionRow | undefined> {
  const cache = new Map<string, Promise<DefinitionRow | undefined>>();
  return (key) => {
    let p = cache.get(key);
    if (!p) {
      p = engine.getProcess(key).catch(() => undefined);
      cache.set(key, p);
    }
    return p;
  };
}

export async function instanceResult(engine: Engine, i: InstanceView, definition: (key: string) => Promise<DefinitionRow | undefined>): Promise<Record<string, unknown>> {
  const def = await definition(i.definitionKey);
  return {
    processDefinitionId: i.processId,
    processDefinitionName: def?.name ?? i.processId,
    processDefinitionVersion: i.version,
    startDate: i.startedAt,
    ...(i.endedAt ? { endDate: i.endedAt } : {}),
    state: STATE[i.state],
    hasIncident: i.state === 'incident',
    tenantId: TENANT,
    processInstanceKey: await keyOf(engine, 'instance', i.id),
    processDefinitionKey: await keyOf(engine, 'definition', i.definitionKey),
    ...(i.parentInstanceId ? { parentProcessInstanceKey: await keyOf(engine, 'instance', i.parentInstanceId) } : {}),
  };
}

const FIELDS: SearchFields<InstanceView> = {
  processInstanceKey: { get: (i) => i.id, key: 'instance' },
  processDefinitionId: { get: (i) => i.processId },
  processDefinitionVersion: { get: (i) => i.version },
  processDefinitionKey: { get: (i) => i.definitionKey, key: 'definition' },
  parentProcessInstanceKey: { get: (i) => i.parentInstanceId, key: 'instance' },
  state: { get: (i) => STATE[i.state] },
  hasIncident: { get: (i) => i.state === 'incident' },
  startDate: { get: (i) => i.startedAt },
  endDate: { get: (i) => i.endedAt },
  tenantId: { get: () => TENANT },
};

interface CreateBody {
  processDefinitionId?: string;
  processDefinitionVersion?: number;
  processDefinitionKey?: string;
  variables?: Record<string, unknown>;
  tenantId?: string;
  awaitCompletion?: boolean;
  requestTimeout?: number | string;
  fetchVariables?: string[];
  startInstructions?: unknown[];
  runtimeInstructions?: unknown[];
  tags?: unknown[];
}

/**
 * Watches commits for instances that end, from before an instance is started until `ended(id)` says
 * whether that one ended within `ms` (false after `ms`, when the client went away or on `abort`).
 */
function endOf(engine: Engine, ms: number, res: Response): { ended: (id: string) => Promise<boolean>; cancel: () => void; abort: () => void } {
  const done = new Set<string>();
  let watched: string | undefined;
  let finish: (value: boolean) => void = () => undefined;
  const result = new Promise<boolean>((resolve) => (finish = resolve));
  const unsubscribe = engine.onCommit((batch) => {
    if (batch.instance.state !== 'completed' && batch.instance.state !== 'terminated') return;
    done.add(batch.instance.id);
    if (batch.instance.id === watched) finish(true);
  });
  const timer = setTimeout(() => finish(false), ms);
  const gone = (): void => finish(false);
  res.once('close', gone);
  const cancel = (): void => {
    clearTimeout(timer);
    unsubscribe();
    res.off('close', gone);
  };
  return {
    ended: async (id) => {
      watched = id;
      if (done.has(id)) finish(true);
      try {
        return await result;
      } finally {
        cancel();
      }
    },
    cancel,
    abort: gone,
  };
}

async function creationResult(engine: Engine, instance: InstanceView, variables: Record<string, unknown>): Promise<Record<string, unknown>> {
  return {
    processDefinitionId: instance.processId,
    processDefinitionVersion: instance.version,
    tenantId: TENANT,
    variables,
    processDefinitionKey: await keyOf(engine, 'definition', instance.definitionKey),
    processInstanceKey: await keyOf(engine, 'instance', instance.id),
  };
}

export function processInstanceRoutes(v2: V2Context): void {
  const { engine } = v2;

  v2.route('createProcessInstance', async (req, res, caller) => {
    const body = req.body as CreateBody;
    checkTenant(body.tenantId);
    for (const field of ['startInstructions', 'runtimeInstructions', 'tags'] as const) {
      if (body[field] !== undefined && !(Array.isArray(body[field]) && body[field]!.length === 0)) throw badRequest(`${field} is not supported by ProcessDesk`);
    }
    let processId: string;
    let version: number | undefined;
    if (body.processDefinitionKey !== undefined) {
      const definitionKey = await idOf(engine, 'definition', body.processDefinitionKey, 'process definition');
      const def = await engine.getProcess(definitionKey);
      processId = def.processId;
      version = def.version;
    } else if (body.processDefinitionId !== undefined) {
      processId = body.processDefinitionId;
      version = body.processDefinitionVersion === undefined || body.processDefinitionVersion === -1 ? undefined : body.processDefinitionVersion;
    } else {
      throw badRequest('processDefinitionId or processDefinitionKey is required');
    }
    if (!body.awaitCompletion) {
      const instance = await engine.startInstance({ processId, version, variables: body.variables ?? {}, caller });
      return creationResult(engine, instance, {});
    }
    const requested = Number(body.requestTimeout ?? 0);
    const waitMs = requested > 0 ? Math.min(requested, v2.config.camunda.maxLongPollMs) : v2.config.camunda.maxLongPollMs;
    // listen before the start: an instance that ends within its first command is seen
    const wait = endOf(engine, waitMs, res);
    let release: () => void;
    try {
      release = v2.longPolls.reserve(wait.abort); // the server stopping ends the wait
    } catch (err) {
      wait.cancel();
      throw err;
    }
    try {
      let instance: InstanceView;
      try {
        instance = await engine.startInstance({ processId, version, variables: body.variables ?? {}, caller });
      } catch (err) {
        wait.cancel();
        throw err;
      }
      if (!(await wait.ended(instance.id))) throw new Problem(504, `instance ${await keyOf(engine, 'instance', instance.id)} did not end within ${waitMs} ms`);
      instance = await engine.getInstance(instance.id);
      const variables = body.fetchVariables
        ? Object.fromEntries(body.fetchVariables.filter((n) => Object.prototype.hasOwnProperty.call(instance.variables, n)).map((n) => [n, instance.variables[n]]))
        : instance.variables;
      return creationResult(engine, instance, variables);
    } finally {
      release();
    }
  });

  v2.route('getProcessInstance', async (req, _res, caller) => {
    const id = await idOf(engine, 'instance', String(req.params.processInstanceKey), 'process instance');
    await engine.checkMayActOn(id, caller);
    return instanceResult(engine, await engine.getInstance(id), definitionReader(engine));
  });

  v2.route('searchProcessInstances', async (req, _res, caller) => {
    const body = req.body as SearchRequest;
    const keep = await rowFilter(engine, FIELDS, body.filter);
    const processId = typeof body.filter?.processDefinitionId === 'string' ? body.filter.processDefinitionId : undefined;
    const { rows, truncated } = await scan((cursor, limit) => engine.listInstances({ processId, cursor, limit }, caller), keep, v2.search.scanLimit);
    const { rows: page, page: info } = pageOf(rows, body, FIELDS, v2.search, truncated);
    const definition = definitionReader(engine);
    const items = [];
    for (const i of page) items.push(await instanceResult(engine, i, definition));
    return { items, page: info };
  });

  v2.route('cancelProcessInstance', async (req, _res, caller) => {
    const id = await idOf(engine, 'instance', String(req.params.processInstanceKey), 'process instance');
    await engine.cancelInstance(id, caller.id, caller);
  });
}
