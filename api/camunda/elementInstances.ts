/**
 * Element instances through /v2, read from one instance's history: the instance is the filter's
 * `processInstanceKey`, or the one an `elementInstanceKey` or `incidentKey` belongs to (one of them is
 * required: a search never reads every history): each `element.activated` event is an element
 * instance, completed by the next `element.completed` of that element; one still open is ACTIVE while
 * the instance runs and TERMINATED once it ended. Its type comes from the process model; an active one
 * with an open incident at its element carries it (`hasIncident`, `incidentKey`).
 */
import type { DefinitionRow, Engine, HistoryEvent, InstanceView } from '../../engine';
import { badRequest } from '../errors';
import { idOf, keyOf } from './keys';
import { TENANT } from './processInstances';
import type { V2Context } from './router';
import { pageOf, rowFilter, type SearchFields, type SearchRequest } from './search';

const TYPES = new Set([
  'PROCESS',
  'SUB_PROCESS',
  'EVENT_SUB_PROCESS',
  'AD_HOC_SUB_PROCESS',
  'START_EVENT',
  'INTERMEDIATE_CATCH_EVENT',
  'INTERMEDIATE_THROW_EVENT',
  'BOUNDARY_EVENT',
  'END_EVENT',
  'SERVICE_TASK',
  'RECEIVE_TASK',
  'USER_TASK',
  'MANUAL_TASK',
  'TASK',
  'EXCLUSIVE_GATEWAY',
  'INCLUSIVE_GATEWAY',
  'PARALLEL_GATEWAY',
  'EVENT_BASED_GATEWAY',
  'CALL_ACTIVITY',
  'BUSINESS_RULE_TASK',
  'SCRIPT_TASK',
  'SEND_TASK',
]);

interface ElementInstance {
  id: string;
  instance: InstanceView;
  elementId: string;
  elementName: string;
  type: string;
  startDate: string;
  endDate?: string;
  state: 'ACTIVE' | 'COMPLETED' | 'TERMINATED';
  /** The open incident at this element while it is active. */
  incidentId?: string;
}

const FIELDS: SearchFields<ElementInstance> = {
  elementInstanceKey: { get: (e) => e.id, key: 'element' },
  processInstanceKey: { get: (e) => e.instance.id, key: 'instance' },
  processDefinitionId: { get: (e) => e.instance.processId },
  elementId: { get: (e) => e.elementId },
  elementName: { get: (e) => e.elementName },
  type: { get: (e) => e.type },
  state: { get: (e) => e.state },
  hasIncident: { get: (e) => !!e.incidentId },
  incidentKey: { get: (e) => e.incidentId, key: 'incident' },
  startDate: { get: (e) => e.startDate },
  endDate: { get: (e) => e.endDate },
  tenantId: { get: () => TENANT },
};

/** `userTask` -> USER_TASK; kinds Camunda has no name for are UNKNOWN. */
function typeOf(kind: string | undefined): string {
  const name = (kind ?? '').replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
  return TYPES.has(name) ? name : 'UNKNOWN';
}

function elementsOf(instance: InstanceView, history: HistoryEvent[], def: DefinitionRow): ElementInstance[] {
  const nodes = ((def.model as { nodes?: Record<string, { kind?: string; name?: string }> }).nodes ?? {}) as Record<string, { kind?: string; name?: string }>;
  const open = new Map<string, ElementInstance[]>();
  const out: ElementInstance[] = [];
  const ended = instance.state === 'completed' || instance.state === 'terminated';
  for (const e of history) {
    if (!e.elementId) continue;
    if (e.type === 'element.activated') {
      const node = nodes[e.elementId];
      const el: ElementInstance = {
        id: `${instance.id}#${e.seq}`,
        instance,
        elementId: e.elementId,
        elementName: node?.name ?? e.elementId,
        type: typeOf(node?.kind),
        startDate: new Date(e.at).toISOString(),
        state: ended ? 'TERMINATED' : 'ACTIVE',
      };
      out.push(el);
      open.set(e.elementId, [...(open.get(e.elementId) ?? []), el]);
    } else if (e.type === 'element.completed') {
      const el = open.get(e.elementId)?.shift();
      if (el) Object.assign(el, { state: 'COMPLETED', endDate: new Date(e.at).toISOString() });
    }
  }
  if (ended) for (const el of out) if (el.state === 'TERMINATED') el.endDate = instance.endedAt;
  return out;
}

async function elementResult(engine: Engine, e: ElementInstance, def: DefinitionRow): Promise<Record<string, unknown>> {
  return {
    processDefinitionId: e.instance.processId,
    startDate: e.startDate,
    ...(e.endDate ? { endDate: e.endDate } : {}),
    elementId: e.elementId,
    elementName: e.elementName,
    type: e.type,
    state: e.state,
    hasIncident: !!e.incidentId,
    tenantId: TENANT,
    elementInstanceKey: await keyOf(engine, 'element', e.id),
    processInstanceKey: await keyOf(engine, 'instance', e.instance.id),
    processDefinitionKey: await keyOf(engine, 'definition', def.key),
    ...(e.incidentId ? { incidentKey: await keyOf(engine, 'incident', e.incidentId) } : {}),
  };
}

/** The one instance a search reads: named by the filter, or the one its element instance or incident belongs to. */
async function instanceOf(engine: Engine, filter: SearchRequest['filter']): Promise<string> {
  const { processInstanceKey, elementInstanceKey, incidentKey } = filter ?? {};
  if (typeof processInstanceKey === 'string') return idOf(engine, 'instance', processInstanceKey, 'process instance');
  if (typeof elementInstanceKey === 'string') {
    const element = await idOf(engine, 'element', elementInstanceKey, 'element instance');
    return element.slice(0, element.lastIndexOf('#')); // `${instanceId}#${seq}`
  }
  if (typeof incidentKey === 'string') return (await engine.getIncident(await idOf(engine, 'incident', incidentKey, 'incident'))).instanceId;
  throw badRequest("filter.processInstanceKey, filter.elementInstanceKey or filter.incidentKey (one key) is required: element instances are read from one instance's history");
}

export function elementInstanceRoutes(v2: V2Context): void {
  const { engine } = v2;
  v2.route('searchElementInstances', async (req, _res, caller) => {
    const body = req.body as SearchRequest;
    const id = await instanceOf(engine, body.filter);
    await engine.checkMayActOn(id, caller);
    const instance = await engine.getInstance(id);
    const def = await engine.getProcess(instance.definitionKey);
    const keep = await rowFilter(engine, FIELDS, body.filter);
    const elements = elementsOf(instance, await engine.getHistory(id), def);
    for (const incident of await engine.listIncidents({ instanceId: id, state: 'open' })) {
      const active = elements.find((e) => e.state === 'ACTIVE' && e.elementId === incident.elementId && !e.incidentId);
      if (active) active.incidentId = incident.id;
    }
    const all = elements.filter(keep);
    const { rows, page } = pageOf(all.slice(0, v2.search.scanLimit), body, FIELDS, v2.search, all.length > v2.search.scanLimit);
    const items = [];
    for (const e of rows) items.push(await elementResult(engine, e, def));
    return { items, page };
  });
}
