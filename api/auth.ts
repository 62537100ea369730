/**
 * Authentication (who calls) and authorization (may they), enforced in ONE place: every route is mounted
 * with `requireRole(permission)` (see api/operation.ts), which looks the permission up in PERMISSIONS.
 *
 * Role matrix (x = allowed; agent* = only tasks assigned to them or offered to them or to one of their
 * groups, checked per task in api/routes/tasks.ts; any other task is 403):
 *
 * | permission         | routes                                                        | designer | agent | auditor | admin | worker |
 * |--------------------|---------------------------------------------------------------|----------|-------|---------|-------|--------|
 * | deployments.create | POST /api/deployments                                         | x        |       |         | x     |        |
 * | processes.read     | GET /api/processes, /:key, /:key/xml, /:key/machine           | x        | x     | x       | x     |        |
 * | instances.start    | POST /api/process-instances                                   | x        | x     |         | x     |        |
 * | instances.read     | GET /api/process-instances, /:id                              | x        | x     | x       | x     |        |
 * | instances.cancel   | POST /api/process-instances/:id/cancel                        |          |       |         | x     |        |
 * | instances.modify   | POST /api/process-instances/:id/variables                     |          |       |         | x     |        |
 * | history.read       | GET /api/process-instances/:id/history, /history/verify       | x        |       | x       | x     |        |
 * | history.export     | GET /api/history/export, /api/process-instances/:id/evidence  |          |       | x       | x     |        |
 * | tasks.read         | GET /api/tasks, /api/tasks/:id                                | x        | agent*| x       | x     |        |
 * | tasks.work         | POST /api/tasks/:id/claim, /unclaim, /delegate, /complete     |          | agent*|         | x     |        |
 * | messages.publish   | POST /api/messages                                            |          | x     |         | x     | x      |
 * | signals.broadcast  | POST /api/signals                                             |          |       |         | x     | x      |
 * | jobs.work          | POST /api/jobs/activate, /:key/complete, /:key/fail, /:key/error |        |       |         | x     | x      |
 * | incidents.read     | GET /api/incidents                                            | x        |       | x       | x     |        |
 * | incidents.resolve  | POST /api/incidents/:id/resolve                               |          |       |         | x     |        |
 * | self.read          | GET /api/me (who the token is: id, roles, groups)             | x        | x     | x       | x     | x      |
 * | public             | GET /api/health, /api/metrics, /api/openapi.json              | anyone, no token needed                     |
 *
 * The auditor changes nothing: no POST is open to it. Only agents are limited to their own tasks;
 * designers and auditors read every task, admins may also act on any task.
 *
 * Tokens: `Authorization: Bearer <token>`.
 * - Demo mode (NODE_ENV !== production): DEMO_USERS with the tokens `demo-<user>`.
 * - Production: demo tokens are refused; users come from AUTH_CONFIG, a JSON file
 *   `{ "users": [{ "id", "roles": [...], "groups": [...], "tokenSha256": "<hex sha256 of the token>" }] }`
 *   (`tokensSha256: [...]` for several tokens), and/or JWTs verified against OIDC_ISSUER's JWKS
 *   (user = `preferred_username` or `sub`, roles from the `roles` claim, groups from `groups`).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import type { RequestHandler, Response } from 'express';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { ApiConfig, OidcConfig } from './config';
import { forbidden, unauthorized } from './errors';

export const ROLES = ['designer', 'agent', 'auditor', 'admin', 'worker'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = {
  'deployments.create': ['designer', 'admin'],
  'processes.read': ['designer', 'agent', 'auditor', 'admin'],
  'instances.start': ['designer', 'agent', 'admin'],
  'instances.read': ['designer', 'agent', 'auditor', 'admin'],
  'instances.cancel': ['admin'],
  'instances.modify': ['admin'],
  'history.read': ['designer', 'auditor', 'admin'],
  'history.export': ['auditor', 'admin'],
  'tasks.read': ['designer', 'agent', 'auditor', 'admin'],
  'tasks.work': ['agent', 'admin'],
  'messages.publish': ['agent', 'admin', 'worker'],
  'signals.broadcast': ['admin', 'worker'],
  'jobs.work': ['admin', 'worker'],
  'incidents.read': ['designer', 'auditor', 'admin'],
  'incidents.resolve': ['admin'],
  'self.read': ['designer', 'agent', 'auditor', 'admin', 'worker'],
  public: [...ROLES],
} as const satisfies Record<string, readonly Role[]>;
export type Permission = keyof typeof PERMISSIONS;

export interface Principal {
  id: string;
  roles: Role[];
  groups: string[];
  /** How the caller was recognised. */
  via: 'demo' | 'token' | 'jwt';
}

export function isAllowed(principal: Pick<Principal, 'roles'>, permission: Permission): boolean {
  const allowed = PERMISSIONS[permission] as readonly Role[];
  return principal.roles.some((r) => allowed.includes(r));
}

export const DEMO_USERS: readonly Omit<Principal, 'via'>[] = [
  { id: 'owner', roles: ['designer'], groups: [] },
  { id: 'alice', roles: ['agent'], groups: ['service-desk', 'network'] },
  { id: 'bob', roles: ['agent'], groups: ['change-managers', 'cab'] },
  { id: 'carol', roles: ['auditor'], groups: [] },
  { id: 'admin', roles: ['admin'], groups: [] },
];
export const demoToken = (user: string): string => `demo-${user}`;

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();
const asRoles = (value: unknown): Role[] => {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[\s,]+/) : [];
  return list.filter((r): r is Role => (ROLES as readonly string[]).includes(r));
};
const asStrings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((g): g is string => typeof g === 'string') : typeof value === 'string' ? value.split(/[\s,]+/).filter(Boolean) : [];

interface ConfiguredUser {
  principal: Principal;
  hashes: Buffer[];
}

/** Reads and checks the AUTH_CONFIG users file; throws with a clear message when it is wrong. */
export function readUsersFile(file: string): ConfiguredUser[] {
  let json: { users?: unknown };
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`AUTH_CONFIG ${file}: ${(err as Error).message}`);
  }
  if (!Array.isArray(json.users)) throw new Error(`AUTH_CONFIG ${file}: expected {"users": [...]}`);
  return json.users.map((u: Record<string, unknown>, i: number) => {
    const hashes = [...asStrings(u.tokenSha256), ...asStrings(u.tokensSha256)];
    if (typeof u.id !== 'string' || !u.id) throw new Error(`AUTH_CONFIG ${file}: users[${i}] has no id`);
    if (!hashes.every((h) => /^[0-9a-f]{64}$/i.test(h))) throw new Error(`AUTH_CONFIG ${file}: users[${i}] token hashes must be hex sha256`);
    const roles = asRoles(u.roles);
    if (!roles.length) throw new Error(`AUTH_CONFIG ${file}: users[${i}] (${u.id}) has no known role (${ROLES.join(', ')})`);
    return { principal: { id: u.id, roles, groups: asStrings(u.groups), via: 'token' as const }, hashes: hashes.map((h) => Buffer.from(h, 'hex')) };
  });
}

type JwtVerifier = (token: string) => Promise<JWTPayload>;

function oidcVerifier(oidc: OidcConfig): JwtVerifier {
  let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  const keys = async (): Promise<ReturnType<typeof createRemoteJWKSet>> => {
    if (jwks) return jwks;
    let uri = oidc.jwksUri;
    if (!uri) {
      const res = await fetch(`${oidc.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
      if (!res.ok) throw new Error(`OIDC discovery failed: ${res.status}`);
      uri = ((await res.json()) as { jwks_uri?: string }).jwks_uri;
      if (!uri) throw new Error('OIDC discovery document has no jwks_uri');
    }
    jwks = createRemoteJWKSet(new URL(uri));
    return jwks;
  };
  return async (token) => (await jwtVerify(token, await keys(), { issuer: oidc.issuer, audience: oidc.audience })).payload;
}

export class Authenticator {
  private readonly users: ConfiguredUser[];
  private readonly verifyJwt?: JwtVerifier;

  constructor(private readonly config: Pick<ApiConfig, 'production' | 'authConfigFile' | 'oidc'>) {
    this.users = config.authConfigFile ? readUsersFile(config.authConfigFile) : [];
    if (config.oidc) this.verifyJwt = oidcVerifier(config.oidc);
  }

  get demo(): boolean {
    return !this.config.production;
  }

  /** The caller of a bearer token, or undefined when it is unknown, expired or refused. */
  async authenticate(token: string): Promise<Principal | undefined> {
    if (token.startsWith('demo-')) {
      if (!this.demo) return undefined;
      const user = DEMO_USERS.find((u) => demoToken(u.id) === token);
      return user ? { ...user, roles: [...user.roles], groups: [...user.groups], via: 'demo' } : undefined;
    }
    const hash = sha256(token);
    const user = this.users.find((u) => u.hashes.some((h) => h.length === hash.length && timingSafeEqual(h, hash)));
    if (user) return { ...user.principal };
    if (this.verifyJwt && token.split('.').length === 3) {
      try {
        const claims = await this.verifyJwt(token);
        const id = (typeof claims.preferred_username === 'string' && claims.preferred_username) || claims.sub;
        const realmRoles = (claims.realm_access as { roles?: unknown } | undefined)?.roles;
        const roles = [...new Set([...asRoles(claims.roles), ...asRoles(realmRoles)])];
        if (id) return { id, roles, groups: asStrings(claims.groups), via: 'jwt' };
      } catch {
        return undefined;
      }
    }
    return undefined;
  }

  /**
   * The one authorization middleware: authenticates the bearer token (401) and checks the caller's
   * roles against PERMISSIONS (403). `public` routes need no token.
   */
  requireRole(permission: Permission): RequestHandler {
    return async (req, res, next) => {
      if (permission === 'public') return next();
      const match = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
      const principal = match ? await this.authenticate(match[1]) : undefined;
      if (!principal) {
        res.set('WWW-Authenticate', 'Bearer');
        return next(unauthorized(match ? 'invalid or expired bearer token' : 'missing bearer token (Authorization: Bearer <token>)'));
      }
      res.locals.principal = principal;
      if (!isAllowed(principal, permission)) {
        return next(forbidden(`${principal.id} (${principal.roles.join(', ') || 'no role'}) may not ${permission}`));
      }
      next();
    };
  }
}

/** The authenticated caller of a request that passed requireRole. */
export function principalOf(res: Response): Principal {
  const p = res.locals.principal as Principal | undefined;
  if (!p) throw unauthorized();
  return p;
}
