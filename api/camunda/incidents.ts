/**
 * Incidents through /v2: search, get, resolve. Resolving is Engine.resolveIncident with the caller:
 * owners of the instance's process and admins, as through /api.
 */
import type { Engine, IncidentRow } from '../../engine';
import { idOf, keyOf } from './keys';
import { definitionReader, TENANT } from './processInstances';
import type { V2Context } from './router';
import { pageOf, rowFilter, type SearchFields, type SearchRequest } from './search';

const ERROR_TYPE: Record<IncidentRow['type'], string> = {
  'job-no-retries': 'JOB_NO_RETRIES',
  expression: 'EXTRACT_VALUE_ERROR',
  'unhandled-error': 'UNHANDLED_ERROR_EVENT',
  condition: 'CONDITION_ERROR',
  other: 'UNKNOWN',
};
const STATE: Record<IncidentRow['state'], string> = { open: 'ACTIVE', resolved: 'RESOLVED' };

const FIELDS: SearchFields<IncidentRow> = {
  incidentKey: { get: (i) => i.id, key: 'incident' },
  processInstanceKey: { get: (i) => i.instanceId, key: 'instance' },
  processDefinitionId: { get: (i) => i.processId },
  elementId: { get: (i) => i.elementId },
  errorType: { get: (i) => ERROR_TYPE[i.type] },
  errorMessage: { get: (i) => i.message },
  state: { get: (i) => STATE[i.state] },
  jobKey: { get: (i) => i.jobKey, key: 'job' },
  creationTime: { get: (i) => new Date(i.createdAt).toISOString() },
  tenantId: { get: () => TENANT },
};

async function incidentResult(engine: Engine, i: IncidentRow, definition: ReturnType<typeof definitionReader>): Promise<Record<string, unknown>> {
  const instance = await engine.getInstance(i.instanceId).catch(() => undefined);
  const def = instance && (await definition(instance.definitionKey));
  return {
    processDefinitionId: i.processId,
    errorType: ERROR_TYPE[i.type],
    errorMessage: i.message,
    elementId: i.elementId,
    creationTime: new Date(i.createdAt).toISOString(),
    state: STATE[i.state],
    tenantId: TENANT,
    incidentKey: await keyOf(engine, 'incident', i.id),
    ...(def ? { processDefinitionKey: await keyOf(engine, 'definition', def.key) } : {}),
    processInstanceKey: await keyOf(engine, 'instance', i.instanceId),
    ...(i.waitId ? { elementInstanceKey: await keyOf(engine, 'element', `${i.instanceId}.${i.waitId}`) } : {}),
    ...(i.jobKey ? { jobKey: await keyOf(engine, 'job', i.jobKey) } : {}),
  };
}

export function incidentRoutes(v2: V2Context): void {
  const { engine } = v2;
  const incidentId = (key: unknown): Promise<string> => idOf(engine, 'incident', String(key), 'incident');

  v2.route('searchProcessInstanceIncidents', async (req) => {
    const id = await idOf(engine, 'instance', String(req.params.processInstanceKey), 'process instance');
    const body = (req.body ?? {}) as SearchRequest;
    return search({ ...body, filter: { ...body.filter, processInstanceKey: String(req.params.processInstanceKey) } }, id);
  });

  v2.route('searchIncidents', async (req) => search(req.body as SearchRequest));

  async function search(body: SearchRequest, knownInstanceId?: string): Promise<Record<string, unknown>> {
    const keep = await rowFilter(engine, FIELDS, body.filter);
    // one instance's or one state's incidents are read alone
    const { processInstanceKey, state } = body.filter ?? {};
    const instanceId =
      knownInstanceId ?? (typeof processInstanceKey === 'string' ? await idOf(engine, 'instance', processInstanceKey, 'process instance').catch(() => undefined) : undefined);
    if (typeof processInstanceKey === 'string' && !instanceId) return { items: [], page: { totalItems: 0 } };
    const rowState = state === 'ACTIVE' ? 'open' : state === 'RESOLVED' ? 'resolved' : undefined;
    const all = (await engine.listIncidents({ instanceId, state: rowState })).filter(keep);
    const truncated = all.length > v2.search.scanLimit;
    const { rows, page } = pageOf(all.slice(0, v2.search.scanLimit), body, FIELDS, v2.search, truncated);
    const definition = definitionReader(engine);
    const items = [];
    for (const i of rows) items.push(await incidentResult(engine, i, definition));
    return { items, page };
  }

  v2.route('getIncident', async (req) => {
    const incident = await engine.getIncident(await incidentId(req.params.incidentKey));
    return incidentResult(engine, incident, definitionReader(engine));
  });

  v2.route('resolveIncident', async (req, _res, caller) => {
    await engine.resolveIncident(await incidentId(req.params.incidentKey), caller.id, caller);
  });
}
