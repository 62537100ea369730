/**
 * The /v2 API (Camunda 8's Orchestration Cluster REST API) over the same engine, roles and audit as
 * /api. Mounted by api/app.ts under /v2 with its own JSON parser (the same body limit), behind the same
 * rate limit. Each operation of the catalog (catalog.ts) is mounted in the same order:
 *   caller (Bearer token or HTTP Basic; 401 with a Basic challenge) -> permission (403) -> body
 *   depth -> Camunda's body schema (400) -> ProcessDesk's limits on it (400) -> handler,
 * and every failure is a problem detail (problem.ts). Handlers call the same Engine methods as /api,
 * with the caller as actor, so history records who did what exactly as through /api.
 */
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import express, { Router, type Request, type Response } from 'express';
import { isAllowed, type Permission, type Principal } from '../auth';
import { badRequest, forbidden, unauthorized } from '../errors';
import type { ApiContext } from '../operation';
import { bodyDepthGuard, describeError } from '../validate';
import { V2_OPERATIONS, v2OpenApi, type V2Operation, type V2OperationId } from './catalog';
import camundaSchemas from './camundaSchemas.json';
import { deploymentRoutes } from './deployments';
import { decisionRoutes } from './decisions';
import { elementInstanceRoutes } from './elementInstances';
import { incidentRoutes } from './incidents';
import { jobRoutes } from './jobs';
import { LongPolls } from './longPolls';
import { messageRoutes } from './messages';
import { problemHandler, problemNotFound } from './problem';
import { processDefinitionRoutes } from './processDefinitions';
import { processInstanceRoutes } from './processInstances';
import type { SearchLimits } from './search';
import { signalRoutes } from './signals';
import { topologyRoutes } from './topology';
import { userTaskRoutes } from './userTasks';
import { variableRoutes } from './variables';

export type V2Handler = (req: Request, res: Response, caller: Principal) => Promise<unknown>;

/** What the resource files of /v2 are given. */
export interface V2Context extends ApiContext {
  route: (id: V2OperationId, handler: V2Handler) => void;
  search: SearchLimits;
  longPolls: LongPolls;
}

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
/** Camunda's own request body schemas, generated from its client (`npm run camunda:schemas`). */
const CAMUNDA_BODIES = camundaSchemas.operations as Record<string, Record<string, unknown> | undefined>;

/** The signed-in caller of a /v2 request (set by the router before any handler runs). */
export const callerOf = (res: Response): Principal => res.locals.principal as Principal;

function requireCaller(ctx: ApiContext, permission: Permission): express.RequestHandler {
  return async (req, res, next) => {
    const principal = await ctx.auth.authenticateHeader(req.get('authorization'));
    if (!principal) {
      res.set('WWW-Authenticate', 'Basic realm="ProcessDesk"');
      return next(unauthorized(req.get('authorization') ? 'wrong credentials' : 'missing credentials: HTTP Basic or a bearer token'));
    }
    res.locals.principal = principal;
    if (!isAllowed(principal, permission)) return next(forbidden(`${principal.id} (${principal.roles.join(', ') || 'no role'}) may not ${permission}`));
    next();
  };
}

/**
 * A body is checked twice: against Camunda's schema of the operation (the shape, names, enums and
 * formats Camunda's clients send), then against ProcessDesk's (catalog.ts: the size limits a hostile
 * caller meets, and the fields ProcessDesk acts on).
 */
function validateBody(op: V2Operation): express.RequestHandler {
  const camunda = CAMUNDA_BODIES[op.operationId];
  if (op.body && !camunda) throw new Error(`no Camunda schema for ${op.operationId}: run npm run camunda:schemas`);
  const checks: { label: string; validate: ValidateFunction }[] = op.body
    ? [
        { label: "Camunda's schema", validate: ajv.compile(camunda as object) },
        { label: 'ProcessDesk limits', validate: ajv.compile(op.body) },
      ]
    : [];
  return (req, _res, next) => {
    const body: unknown = req.body === undefined ? null : req.body;
    for (const { label, validate } of checks) {
      if (validate(body)) continue;
      const details = (validate.errors ?? []).map((e) => ({ ...e, in: 'body' as const }));
      return next(badRequest(`invalid request (${label}): ${details.map(describeError).join('; ')}`, details));
    }
    next();
  };
}

export function camundaRouter(ctx: ApiContext): { router: Router; close: () => void } {
  const router = Router();
  const options = ctx.config.camunda; // V2_* settings (api/config.ts)
  const longPolls = new LongPolls(ctx.engine, options.maxLongPolls);
  router.use(express.json({ limit: ctx.config.bodyLimit, type: ['application/json', 'application/*+json'] }));
  // a deployment's files come as multipart/form-data; parsed in deployments.ts within the same limit
  router.use(express.raw({ type: 'multipart/form-data', limit: ctx.config.bodyLimit }));
  router.get('/openapi.json', (_req, res) => {
    res.json(v2OpenApi());
  });
  const route = (id: V2OperationId, handler: V2Handler): void => {
    const op: V2Operation = V2_OPERATIONS[id];
    router[op.method](op.path, requireCaller(ctx, op.permission), bodyDepthGuard(ctx.engine.limits.maxJsonDepth + 2), validateBody(op), async (req, res) => {
      const result = await handler(req, res, callerOf(res));
      if (res.headersSent) return;
      if (op.success === 204) res.status(204).end();
      else if (op.contentType) res.status(op.success).type(op.contentType).send(result);
      else res.status(op.success).json(result);
    });
  };
  const v2: V2Context = { ...ctx, route, search: { maxPageSize: options.maxPageSize, scanLimit: options.scanLimit }, longPolls };
  for (const routes of [
    topologyRoutes,
    deploymentRoutes,
    processInstanceRoutes,
    processDefinitionRoutes,
    jobRoutes,
    userTaskRoutes,
    incidentRoutes,
    messageRoutes,
    signalRoutes,
    variableRoutes,
    elementInstanceRoutes,
    decisionRoutes,
  ])
    routes(v2);
  router.use(problemNotFound);
  router.use(problemHandler);
  return { router, close: () => longPolls.close() };
}
