/** Messages (correlated to waiting instances or buffered for their time to live) and signals. */
import { Router } from 'express';
import { principalOf } from '../auth';
import { mount, type ApiContext } from '../operation';
import { OPERATIONS } from '../operations';
import type { MessageBody, SignalBody } from '../schemas';
import { messageFormCheck } from '../ticketActions';
import { inputOf } from '../validate';

export function messagesRouter(ctx: ApiContext): Router {
  const router = Router();

  mount(router, ctx, OPERATIONS.publishMessage, async (_req, res) => {
    const { name, correlationKey, variables, timeToLive, messageId } = inputOf<never, never, MessageBody>(res).body;
    const result = await ctx.engine.publishMessage(
      { name, correlationKey, variables, timeToLiveMs: timeToLive, messageId },
      principalOf(res).id,
      principalOf(res),
      messageFormCheck(ctx.engine, name),
    );
    res.json({ duplicate: false, ...result });
  });

  mount(router, ctx, OPERATIONS.broadcastSignal, async (_req, res) => {
    const { name, variables } = inputOf<never, never, SignalBody>(res).body;
    res.json(await ctx.engine.broadcastSignal({ name, variables }, principalOf(res).id));
  });

  return router;
}
