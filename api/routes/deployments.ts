/** POST /api/deployments: BPMN processes with their forms and variable schemas, all or nothing; new versions only by their owners. */
import { Router } from 'express';
import { principalOf } from '../auth';
import { mount, type ApiContext } from '../operation';
import { OPERATIONS } from '../operations';
import type { DeployBody } from '../schemas';
import { inputOf } from '../validate';

export function deploymentsRouter(ctx: ApiContext): Router {
  const router = Router();
  mount(router, ctx, OPERATIONS.createDeployment, async (_req, res) => {
    const { body } = inputOf<never, never, DeployBody>(res);
    const result = await ctx.engine.deploy(body.resources, principalOf(res));
    res.status(201).json(result);
  });
  return router;
}
