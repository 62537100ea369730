/**
 * Links between tickets: read by whoever may read the ticket's history (agents: tickets they may act
 * on), made by agents who may act on both tickets and by admins (engine/runtime/ticketLinks.ts checks
 * both ends before anything is written). Processes make `raised` links themselves.
 */
import { Router } from 'express';
import type { Caller, Engine, LinkRow } from '../../engine';
import { EngineError } from '../../engine';
import { principalOf } from '../auth';
import { mount, type ApiContext } from '../operation';
import { OPERATIONS } from '../operations';
import { inputOf } from '../validate';

type LinkKindBody = 'related' | 'caused-by' | 'fixed-by';

/** Whether the caller may see the other ticket: an agent who may not gets its number (part of the link) and no more. */
async function mayRead(engine: Engine, id: string, caller: Caller): Promise<boolean> {
  try {
    await engine.checkMayActOn(id, caller);
    return true;
  } catch (err) {
    if (err instanceof EngineError && (err.code === 'FORBIDDEN' || err.code === 'NOT_FOUND')) return false;
    throw err;
  }
}

/** A link as seen from `instanceId`: the other ticket, its number, and its process and state now when the caller may see it. */
async function linkView(engine: Engine, link: LinkRow, instanceId: string, caller: Caller) {
  const outgoing = link.fromId === instanceId;
  const otherId = outgoing ? link.toId : link.fromId;
  const other = (await mayRead(engine, otherId, caller)) ? await engine.getInstance(otherId).catch(() => undefined) : undefined;
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
    res.json({ items: await Promise.all(links.map((l) => linkView(engine, l, id, principalOf(res)))) });
  });

  mount(router, ctx, OPERATIONS.linkInstance, async (_req, res) => {
    const { params, body } = inputOf<{ id: string }, never, { targetId: string; kind?: LinkKindBody }>(res);
    const link = await engine.links.link(params.id, body.targetId, body.kind ?? 'related', principalOf(res));
    res.status(201).json(await linkView(engine, link, params.id, principalOf(res)));
  });

  return router;
}
