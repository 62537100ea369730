/**
 * The /api routers behind one middleware that passes a request only through the routers with a route
 * under its resource (the first two segments of the path: `/api/tasks` of `/api/tasks/42/complete`), in
 * their order. Express alone tries every route of every router in turn, 33 route patterns in 7 routers
 * before a complete-task request reaches its own. A route's pattern only matches a path that starts with
 * the route's own literal segments, so a router left out would have matched nothing: the answer is the
 * same, OPTIONS included (a router answers it only for a path one of its routes matches). Express matches
 * routes without regard to case, so resources are compared in lower case. A router with anything but
 * routes, or with a route whose first two segments are not plain literals, is passed every request.
 */
import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';

/** A path segment path-to-regexp reads as itself (no parameter, wildcard, group or escape). */
const LITERAL = /^[A-Za-z0-9._~-]+$/;

/** `/first/second` of a path, in lower case; undefined when it has fewer segments. */
function resourceOf(path: string): string | undefined {
  const [root, first, second] = path.split('/', 3);
  return root === '' && second !== undefined ? `/${first}/${second}`.toLowerCase() : undefined;
}

/** The resources of a router's routes, or undefined when it must see every request. */
function resourcesOf(router: Router): Set<string> | undefined {
  const resources = new Set<string>();
  for (const layer of router.stack) {
    const path = layer.route?.path;
    if (typeof path !== 'string') return undefined;
    const [root, first, second] = path.split('/', 3);
    if (root !== '' || !LITERAL.test(first ?? '') || !LITERAL.test(second ?? '')) return undefined;
    resources.add(`/${first}/${second}`.toLowerCase());
  }
  return resources;
}

/**
 * Passes the request to chain[i], and from it on along the chain as Express goes from router to router:
 * to the next router past one that answered nothing, out of the chain on an error.
 */
function pass(chain: Router[], i: number, req: Request, res: Response, next: NextFunction, err?: unknown): void {
  if (err || i === chain.length) return next(err);
  chain[i](req, res, (e?: unknown) => pass(chain, i + 1, req, res, next, e));
}

export function routesByResource(routers: Router[]): RequestHandler {
  const seen = routers.map((router) => ({ router, resources: resourcesOf(router) }));
  const everywhere = seen.filter((r) => !r.resources).map((r) => r.router);
  const byResource = new Map<string, Router[]>();
  for (const resource of new Set(seen.flatMap((r) => [...(r.resources ?? [])]))) {
    byResource.set(
      resource,
      seen.filter((r) => !r.resources || r.resources.has(resource)).map((r) => r.router),
    );
  }
  return (req, res, next) => {
    const resource = resourceOf(req.path);
    pass((resource !== undefined && byResource.get(resource)) || everywhere, 0, req, res, next);
  };
}
