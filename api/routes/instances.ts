/**
 * Process instances: start, list, read, cancel; their hash-chained history (JSON or CSV), its
 * verification, and the auditors' bulk export.
 */
import { Router, type Response } from 'express';
import type { HistoryEvent, InstanceRow } from '../../engine';
import { principalOf } from '../auth';
import { mount, type ApiContext } from '../operation';
import { OPERATIONS } from '../operations';
import type { ExportQuery, InstanceListQuery, StartBody } from '../schemas';
import { inputOf } from '../validate';
import { buildEvidence, evidenceCsv } from '../evidence';
import { checkStartVariables } from '../variableSchemas';
import { historyCsvHeader, historyCsvRow, historyView } from '../views';

/** API default page size: a little larger than the store's, lists are for people and scripts alike. */
export const DEFAULT_LIMIT = 100;

/** Writes a chunk, waiting for the socket to drain when its buffer is full; false once the client left. */
async function write(res: Response, chunk: string): Promise<boolean> {
  if (res.destroyed) return false;
  if (!res.write(chunk)) await new Promise<void>((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
  return !res.destroyed;
}

/** Instances of `q.processId` (all processes when absent) started in [from, to]. */
async function* matchingInstances(ctx: ApiContext, q: ExportQuery): AsyncGenerator<InstanceRow> {
  const from = q.from ? Date.parse(q.from) : -Infinity;
  const to = q.to ? Date.parse(q.to) : Infinity;
  let cursor: string | undefined;
  do {
    const page = await ctx.engine.store.listInstances({ processId: q.processId, limit: 1000, cursor });
    for (const row of page.items) {
      if (row.startedAt > to) return; // pages come in startedAt order
      if (row.startedAt < from) continue;
      yield row;
    }
    cursor = page.next;
  } while (cursor);
}

export function instancesRouter(ctx: ApiContext): Router {
  const router = Router();
  const { engine } = ctx;

  mount(router, ctx, OPERATIONS.startInstance, async (_req, res) => {
    const { body } = inputOf<never, never, StartBody>(res);
    await checkStartVariables(engine, body.processId, body.variables);
    const view = await engine.startInstance({ ...body, actor: principalOf(res).id });
    res.status(201).location(`/api/process-instances/${encodeURIComponent(view.id)}`).json(view);
  });

  mount(router, ctx, OPERATIONS.listInstances, async (_req, res) => {
    const { query } = inputOf<never, InstanceListQuery>(res);
    const page = await engine.listInstances({ ...query, limit: query.limit ?? DEFAULT_LIMIT });
    res.json({ items: page.items, next: page.next ?? null });
  });

  mount(router, ctx, OPERATIONS.getInstance, async (_req, res) => {
    res.json(await engine.getInstance(inputOf<{ id: string }>(res).params.id));
  });

  mount(router, ctx, OPERATIONS.cancelInstance, async (_req, res) => {
    res.json(await engine.cancelInstance(inputOf<{ id: string }>(res).params.id, principalOf(res).id));
  });

  mount(router, ctx, OPERATIONS.setInstanceVariables, async (_req, res) => {
    const { params, body } = inputOf<{ id: string }, never, { variables: Record<string, unknown> }>(res);
    res.json(await engine.setVariables(params.id, body.variables, principalOf(res).id));
  });

  mount(router, ctx, OPERATIONS.getInstanceHistory, async (_req, res) => {
    const { params, query } = inputOf<{ id: string }, { format?: 'json' | 'csv' }>(res);
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

  mount(router, ctx, OPERATIONS.exportHistory, async (_req, res) => {
    const { query } = inputOf<never, ExportQuery>(res);
    const csv = query.format === 'csv';
    res.status(200).type(csv ? 'text/csv' : 'application/json');
    if (csv) res.attachment('history-export.csv');
    let first = true;
    const emit = (e: HistoryEvent): string => {
      if (csv) return historyCsvRow(e, true);
      const s = `${first ? '' : ','}\n${JSON.stringify(historyView(e))}`;
      first = false;
      return s;
    };
    if (!(await write(res, csv ? historyCsvHeader(true) : '{"events":['))) return;
    for await (const instance of matchingInstances(ctx, query)) {
      const events = await engine.store.getHistory(instance.id);
      if (events.length && !(await write(res, events.map(emit).join('')))) return;
    }
    res.end(csv ? '' : '\n]}\n');
  });

  return router;
}
