/**
 * Process instances through /v2: create (by processDefinitionId and version, or processDefinitionKey;
 * `awaitCompletion` waits for the end, woken by the engine's commits), get, search, cancel. The same
 * Engine calls as /api with the caller: `startableBy`, ownership for cancel, and an agent sees only
 * the instances Engine.listInstances shows them.
 */
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

/** Resolves once the instance has ended, or after `ms` (false then). */
function ended(engine: Engine, id: string, ms: number): { done: Promise<boolean>; cancel: () => void } {
  let cancel = (): void => undefined;
  const done = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => finish(false), ms);
    const unsubscribe = engine.onCommit((batch) => {
      if (batch.instance.id === id && (batch.instance.state === 'completed' || batch.instance.state === 'terminated')) finish(true);
    });
    function finish(value: boolean): void {
      clearTimeout(timer);
      unsubscribe();
      resolve(value);
    }
    cancel = () => finish(false);
  });
  return { done, cancel };
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
    const requested = Number(body.requestTimeout ?? 0);
    const waitMs = requested > 0 ? Math.min(requested, v2.config.camunda.maxLongPollMs) : v2.config.camunda.maxLongPollMs;
    // subscribe before the start: an instance that ends within its first command is seen
    let watch: ReturnType<typeof ended> | undefined;
    let startedId: string | undefined;
    const pending: string[] = [];
    const early = body.awaitCompletion
      ? engine.onCommit((batch) => {
          if (batch.instance.state === 'completed' || batch.instance.state === 'terminated') pending.push(batch.instance.id);
        })
      : undefined;
    let instance: InstanceView;
    try {
      instance = await engine.startInstance({ processId, version, variables: body.variables ?? {}, caller });
      startedId = instance.id;
      if (body.awaitCompletion && !pending.includes(startedId)) {
        watch = ended(engine, startedId, waitMs);
        res.once('close', () => watch?.cancel());
      }
    } finally {
      early?.();
    }
    if (watch && !(await watch.done) && !pending.includes(startedId)) {
      const now = await engine.getInstance(startedId);
      if (now.state !== 'completed' && now.state !== 'terminated') throw new Problem(504, `instance ${await keyOf(engine, 'instance', startedId)} did not end within ${waitMs} ms`);
    }
    if (body.awaitCompletion) instance = await engine.getInstance(startedId);
    const variables = body.awaitCompletion
      ? body.fetchVariables
        ? Object.fromEntries(body.fetchVariables.filter((n) => Object.prototype.hasOwnProperty.call(instance.variables, n)).map((n) => [n, instance.variables[n]]))
        : instance.variables
      : {};
    return {
      processDefinitionId: instance.processId,
      processDefinitionVersion: instance.version,
      tenantId: TENANT,
      variables,
      processDefinitionKey: await keyOf(engine, 'definition', instance.definitionKey),
      processInstanceKey: await keyOf(engine, 'instance', instance.id),
    };
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
