/**
 * Links between tickets: read by whoever may read the ticket's history (agents: tickets they may act
 * on), made by agents who may act on both tickets and by admins (engine/runtime/ticketLinks.ts checks
 * both ends before anything is written). Processes make `raised` links themselves.
 */
import { Router } from 'express';
import type { Engine, LinkRow } from '../../engine';
import { principalOf } from '../auth';
import { mount, type ApiContext } from '../operation';
import { OPERATIONS } from '../operations';
import { inputOf } from '../validate';

type LinkKindBody = 'related' | 'caused-by' | 'fixed-by';

/** A link as seen from `instanceId`: the other ticket, its number, process and state now. */
async function linkView(engine: Engine, link: LinkRow, instanceId: string) {
  const outgoing = link.fromId === instanceId;
  const otherId = outgoing ? link.toId : link.fromId;
  const other = await engine.getInstance(otherId).catch(() => undefined);
  return {
    id: link.id,
    kind: link.kind,
    direction: outgoing ? ('to' as const) : ('from' as const),
    instanceId: otherId,
    businessKey: other?.businessKey ?? (outgoing ? link.toKey : link.fromKey) ?? null,
    processId: other?.processId ?? null,
    state: other?.state ?? null,
    createdAt: new Date(link.createdAt).toISOString(),
    createdBy: link.createdBy,
  };
}

export function ticketLinksRouter(ctx: ApiContext): Router {
  const router = Router();
  const { engine } = ctx;

  mount(router, ctx, OPERATIONS.listInstanceLinks, async (_req, res) => {
    const { id } = inputOf<{ id: string }>(res).params;
    await engine.getInstance(id); // 404 for an unknown ticket, whoever asks
    await engine.checkMayActOn(id, principalOf(res));
    const links = await engine.links.list(id);
    res.json({ items: await Promise.all(links.map((l) => linkView(engine, l, id))) });
  });

  mount(router, ctx, OPERATIONS.linkInstance, async (_req, res) => {
    const { params, body } = inputOf<{ id: string }, never, { targetId: string; kind?: LinkKindBody }>(res);
    const link = await engine.links.link(params.id, body.targetId, body.kind ?? 'related', principalOf(res));
    res.status(201).json(await linkView(engine, link, params.id));
  });

  return router;
}
