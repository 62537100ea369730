/**
 * The modeler's drafts (/api/drafts): a designer's unsaved diagram per process id, autosaved while they
 * draw. Every route works on the signed-in user's drafts only (the user comes from the token, never from
 * the request); a draft is bounded in size (DRAFT_MAX_CHARS: 413) and a user in drafts (DRAFTS_PER_USER).
 */
import { Router } from 'express';
import { draftSize, type DraftSummary } from '../../engine';
import { principalOf } from '../auth';
import { ApiError, badRequest, notFound } from '../errors';
import { mount, type ApiContext } from '../operation';
import { OPERATIONS } from '../operations';
import type { DraftBody } from '../schemas';
import { inputOf } from '../validate';
import { iso } from '../views';

const summaryView = (d: DraftSummary) => ({ processId: d.processId, name: d.name ?? null, size: d.size, updatedAt: iso(d.updatedAt) });

export function draftsRouter(ctx: ApiContext): Router {
  const router = Router();

  mount(router, ctx, OPERATIONS.listDrafts, async (_req, res) => {
    res.json({ items: (await ctx.engine.drafts.list(principalOf(res).id)).map(summaryView) });
  });

  mount(router, ctx, OPERATIONS.getDraft, async (_req, res) => {
    const { id } = inputOf<{ id: string }>(res).params;
    const draft = await ctx.engine.drafts.get(principalOf(res).id, id);
    if (!draft) throw notFound(`no draft of ${id}`);
    res.json({ ...summaryView(draft), xml: draft.xml, forms: draft.forms });
  });

  mount(router, ctx, OPERATIONS.saveDraft, async (_req, res) => {
    const { params, body } = inputOf<{ id: string }, never, DraftBody>(res);
    const user = principalOf(res).id;
    const input = { processId: params.id, name: body.name, xml: body.xml, forms: body.forms ?? [] };
    const size = draftSize(input);
    if (size > ctx.config.draftMaxChars) throw new ApiError('PAYLOAD_TOO_LARGE', `the draft has ${size} characters; the limit is ${ctx.config.draftMaxChars} (DRAFT_MAX_CHARS)`);
    // the summaries only (no XML read): is this a new draft, and would it pass the user's limit?
    const mine = await ctx.engine.drafts.list(user);
    if (!mine.some((d) => d.processId === params.id) && mine.length >= ctx.config.draftsPerUser) {
      throw badRequest(`${user} keeps ${mine.length} drafts already; the limit is ${ctx.config.draftsPerUser} (DRAFTS_PER_USER): deploy or discard one first`);
    }
    res.json(summaryView(await ctx.engine.drafts.save(user, input)));
  });

  mount(router, ctx, OPERATIONS.deleteDraft, async (_req, res) => {
    const { id } = inputOf<{ id: string }>(res).params;
    if (!(await ctx.engine.drafts.delete(principalOf(res).id, id))) throw notFound(`no draft of ${id}`);
    res.status(204).end();
  });

  return router;
}
