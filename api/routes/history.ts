/**
 * History across instances, for auditors: the bulk export, the signed checkpoints of chain heads with
 * the public key that verifies them (an auditor keeps these outside the database and verifies with the
 * key alone), and the store-wide check that no checkpointed instance was deleted or put back.
 */
import { Router, type Response } from 'express';
import type { HistoryEvent, InstanceView } from '../../engine';
import { mount, type ApiContext } from '../operation';
import { OPERATIONS } from '../operations';
import type { CheckpointQuery, ExportQuery } from '../schemas';
import { inputOf } from '../validate';
import { historyCsvHeader, historyCsvRow, historyView } from '../views';

/** Writes a chunk, waiting for the socket to drain when its buffer is full; false once the client left. */
async function write(res: Response, chunk: string): Promise<boolean> {
  if (res.destroyed) return false;
  if (!res.write(chunk))
    await new Promise<void>((resolve) => {
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
async function* matchingInstances(ctx: ApiContext, q: ExportQuery): AsyncGenerator<InstanceView> {
  const from = q.from ? Date.parse(q.from) : -Infinity;
  const to = q.to ? Date.parse(q.to) : Infinity;
  let cursor: string | undefined;
  do {
    const page = await ctx.engine.listInstances({ processId: q.processId, limit: 1000, cursor });
    for (const instance of page.items) {
      const startedAt = Date.parse(instance.startedAt);
      if (startedAt > to) return; // pages come in startedAt order
      if (startedAt < from) continue;
      yield instance;
    }
    cursor = page.next;
  } while (cursor);
}

export function historyRouter(ctx: ApiContext): Router {
  const router = Router();
  const { engine } = ctx;

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
      const events = await engine.getHistory(instance.id);
      if (events.length && !(await write(res, events.map(emit).join('')))) return;
    }
    res.end(csv ? '' : '\n]}\n');
  });

  mount(router, ctx, OPERATIONS.getHistoryPublicKey, (_req, res) => {
    res.json(engine.historyPublicKey);
  });

  mount(router, ctx, OPERATIONS.listCheckpoints, async (_req, res) => {
    const { after, limit = 100 } = inputOf<never, CheckpointQuery>(res).query;
    const items = await engine.listCheckpoints(after ?? 0, limit + 1);
    const page = items.slice(0, limit);
    res.json({ publicKey: engine.historyPublicKey, items: page, next: items.length > limit ? String(page[page.length - 1].seq) : null });
  });

  mount(router, ctx, OPERATIONS.verifyCheckpoints, async (_req, res) => {
    res.json(await engine.verifyCheckpoints());
  });

  return router;
}
