/**
 * Process instances: start, list, read, cancel; their hash-chained history (JSON or CSV), its
 * verification, and the auditors' bulk export.
 */
import { Router } from 'express';
import { isAllowed, principalOf, type Principal } from '../auth';
import { mount, type ApiContext } from '../operation';
import { OPERATIONS } from '../operations';
import type { InstanceView, MigrationRequest } from '../../engine';
import type { InstanceListQuery, ModifyBody, StartBody } from '../schemas';
import { inputOf } from '../validate';
import { buildEvidence, evidenceCsv } from '../evidence';
import { messageActionsOf } from '../ticketActions';
import { checkStartVariables } from '../variableSchemas';
import { historyCsvHeader, historyCsvRow, historyView } from '../views';

/** API default page size: a little larger than the store's, lists are for people and scripts alike. */
export const DEFAULT_LIMIT = 100;

export function instancesRouter(ctx: ApiContext): Router {
  const router = Router();
  const { engine } = ctx;

  mount(router, ctx, OPERATIONS.startInstance, async (_req, res) => {
    const { body } = inputOf<never, never, StartBody>(res);
    await checkStartVariables(engine, body.processId, body.variables, principalOf(res));
    const view = await engine.startInstance({ ...body, caller: principalOf(res) });
    res
      .status(201)
      .location(`/api/process-instances/${encodeURIComponent(view.id)}`)
      .json(view);
  });

  mount(router, ctx, OPERATIONS.listInstances, async (_req, res) => {
    const { query } = inputOf<never, InstanceListQuery>(res);
    const page = await engine.listInstances({ ...query, limit: query.limit ?? DEFAULT_LIMIT }, principalOf(res));
    res.json({ items: page.items, next: page.next ?? null });
  });

  mount(router, ctx, OPERATIONS.getInstance, async (_req, res) => {
    const { id } = inputOf<{ id: string }>(res).params;
    const me = principalOf(res);
    await engine.checkMayActOn(id, me);
    const view = await engine.getInstance(id);
    res.json({ ...view, allowedActions: await allowedActions(engine, view, me), messageActions: await messageActionsOf(engine, id, me) });
  });

  mount(router, ctx, OPERATIONS.cancelInstance, async (_req, res) => {
    res.json(await engine.cancelInstance(inputOf<{ id: string }>(res).params.id, principalOf(res).id, principalOf(res)));
  });

  mount(router, ctx, OPERATIONS.activateAdHocElements, async (_req, res) => {
    const { params, body } = inputOf<{ id: string }, never, { element: string; elements: string[] }>(res);
    res.json(await engine.activateElements(params.id, body.element, body.elements, principalOf(res).id, principalOf(res)));
  });

  mount(router, ctx, OPERATIONS.migrateInstance, async (_req, res) => {
    const { params, body } = inputOf<{ id: string }, never, MigrationRequest>(res);
    const { report, instance } = await engine.migrateInstance(params.id, body, principalOf(res).id, principalOf(res));
    res.json({ ...report, ...(instance ? { instance } : {}) });
  });

  mount(router, ctx, OPERATIONS.modifyInstance, async (_req, res) => {
    const { params, body } = inputOf<{ id: string }, never, ModifyBody>(res);
    const modification = {
      activate: (body.activateInstructions ?? []).map((a) => ({ elementId: a.elementId, ...(a.variables ? { variables: a.variables } : {}) })),
      terminate: (body.terminateInstructions ?? []).map((t) => t.elementId),
    };
    res.json(await engine.modifyInstance(params.id, modification, principalOf(res).id, principalOf(res)));
  });

  mount(router, ctx, OPERATIONS.setInstanceVariables, async (_req, res) => {
    const { params, body } = inputOf<{ id: string }, never, { variables: Record<string, unknown> }>(res);
    res.json(await engine.setVariables(params.id, body.variables, principalOf(res).id));
  });

  mount(router, ctx, OPERATIONS.getInstanceHistory, async (_req, res) => {
    const { params, query } = inputOf<{ id: string }, { format?: 'json' | 'csv' }>(res);
    await engine.checkMayActOn(params.id, principalOf(res)); // an agent reads the history of their tickets only
    const events = await engine.getHistory(params.id);
    if (query.format === 'csv') {
      res.type('text/csv').attachment(`history-${params.id}.csv`);
      res.send(historyCsvHeader(false) + events.map((e) => historyCsvRow(e, false)).join(''));
      return;
    }
    res.json({ instanceId: params.id, events: events.map(historyView) });
  });

  mount(router, ctx, OPERATIONS.verifyInstanceHistory, async (_req, res) => {
    const { id } = inputOf<{ id: string }>(res).params;
    res.json({ instanceId: id, ...(await engine.verifyHistory(id)) });
  });

  mount(router, ctx, OPERATIONS.getInstanceEvidence, async (_req, res) => {
    const { params, query } = inputOf<{ id: string }, { format?: 'json' | 'csv' }>(res);
    const pack = await buildEvidence(engine, params.id);
    if (query.format === 'csv') {
      res.type('text/csv').attachment(`evidence-${params.id}.csv`).send(evidenceCsv(pack));
      return;
    }
    res.json(pack);
  });

  return router;
}

/** What the caller may do to an instance now: role (auth.ts) and, for designers, ownership of its process. */
async function allowedActions(engine: ApiContext['engine'], view: InstanceView, me: Principal): Promise<string[]> {
  const { id, state } = view;
  if (state !== 'active' && state !== 'incident') return [];
  const actions: string[] = [];
  const owner = (isAllowed(me, 'instances.cancel') || isAllowed(me, 'incidents.resolve')) && (await engine.ownsInstance(id, me));
  if (owner && isAllowed(me, 'instances.cancel')) actions.push('cancel');
  if (owner && isAllowed(me, 'incidents.resolve')) actions.push('resolveIncidents');
  // a newer version to move to
  if (owner && isAllowed(me, 'instances.cancel') && ((await engine.latestVersion(view.processId)) ?? 0) > view.version) actions.push('migrate');
  if (isAllowed(me, 'instances.modify')) actions.push('setVariables', 'modify');
  return actions;
}
