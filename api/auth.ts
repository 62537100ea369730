/**
 * Authentication (who calls) and authorization (may they), enforced in ONE place: every route is mounted
 * with `requireRole(permission)` (see api/operation.ts), which looks the permission up in PERMISSIONS.
 *
 * Role matrix (x = allowed; agent* = only tasks assigned to them or offered to them or to one of their
 * groups, checked per task in api/routes/tasks.ts; any other task is 403; for tickets.history: only the
 * instances they may act on, engine checkMayActOn):
 *
 * | permission         | routes                                                        | designer | agent | auditor | admin | worker |
 * |--------------------|---------------------------------------------------------------|----------|-------|---------|-------|--------|
 * | deployments.create | POST /api/deployments                                         | x owner* |       |         | x     |        |
 * | processes.read     | GET /api/processes, /:key, /:key/xml, /:key/machine,          | x        | x     | x       | x     |        |
 *                      |     /:key/versions, /:key/heatmap; GET /api/forms, /:id       |
 * | instances.start    | POST /api/process-instances, GET /api/startable-processes     | x        | x     |         | x     |        |
 * | instances.read     | GET /api/process-instances, /:id                              | x        | x     | x       | x     |        |
 * | instances.cancel   | POST /api/process-instances/:id/cancel, /migration,           | owner*   |       |         | x     |        |
 *                      |      /ad-hoc-activities                                       |
 * | instances.modify   | POST /api/process-instances/:id/variables, /modification      |          |       |         | x     |        |
 * | history.read       | GET /api/process-instances/:id/history/verify,                | x        |       | x       | x     |        |
 *                      | GET /api/history/public-key                                   |
 * | tickets.history    | GET /api/process-instances/:id/history, /:id/links            | x        | agent*| x       | x     |        |
 * | tickets.link       | POST /api/process-instances/:id/links (agents: both tickets   |          | agent*|         | x     |        |
 *                      |      must be ones they may act on)                            |
 * | history.export     | GET /api/history/export, /checkpoints, /verify,               |          |       | x       | x     |        |
 *                      | GET /api/process-instances/:id/evidence                       |
 * | tasks.read         | GET /api/tasks, /api/tasks/:id, /:id/notes, /:id/attachments, | x        | agent*| x       | x     |        |
 *                      |     /api/attachments/:id (its task's reader)                  |
 * | tasks.work         | POST /api/tasks/:id/claim, /unclaim, /delegate, /complete,    |          | agent*|         | x     |        |
 *                      |      /notes, /attachments; GET /api/users/assignable          |
 * | taskViews.own      | GET, POST /api/task-views, DELETE /api/task-views/:id         | x own    | x own |         | x own |        |
 * | messages.publish   | POST /api/messages                                            |          | x     |         | x     | x      |
 * | signals.broadcast  | POST /api/signals                                             |          |       |         | x     | x      |
 * | jobs.work          | POST /api/jobs/activate, /:key/complete, /:key/fail, /:key/error |        |       |         | x     | x      |
 * | incidents.read     | GET /api/incidents                                            | x        |       | x       | x     |        |
 * | reports.read       | GET /api/reports/sla (counts of SLA records, JSON or CSV)     | x        |       | x       | x     |        |
 * | incidents.resolve  | POST /api/incidents/:id/resolve, /api/incidents/retry (bulk;  | owner*   |       |         | x     |        |
 *                      |      each id checked as the single resolve)                   |
 * | queues.admin       | /admin/queues (BullMQ's dashboard and its API; api/queueDashboard.ts) |  |       |         | x     |        |
 * | drafts.own         | GET /api/drafts, GET/PUT/DELETE /api/drafts/:id (the caller's | x        |       |         | x     |        |
 *                      |     own drafts only: scoped to the signed-in user)            |
 * | changes.calendar   | GET /api/change-calendar                                      |          | cm*   |         | x     |        |
 * | self.read          | GET /api/me (who the token is: id, roles, groups)             | x        | x     | x       | x     | x      |
 * | public             | GET /api/health, /api/metrics, /api/openapi.json              | anyone, no token needed                     |
 *
 * The /v2 API (Camunda 8's REST API, api/camunda/catalog.ts) checks the same permissions, with the same
 * finer checks (owner*, agent*) through the same Engine calls:
 *
 * | permission         | /v2 operations                                                              |
 * |--------------------|-----------------------------------------------------------------------------|
 * | deployments.create | POST /v2/deployments                                                        |
 * | processes.read     | POST /v2/process-definitions/search, GET /:key, /:key/xml                   |
 * | instances.start    | POST /v2/process-instances, POST /v2/decision-definitions/evaluation        |
 * | instances.read     | GET /v2/process-instances/:key, POST /v2/process-instances/search,          |
 * |                    | POST /v2/variables/search, /v2/element-instances/search, GET /v2/variables/:key |
 * | instances.cancel   | POST /v2/process-instances/:key/cancellation                                |
 * | tasks.read         | POST /v2/user-tasks/search, GET /v2/user-tasks/:key, /:key/form,            |
 * |                    | POST /v2/user-tasks/:key/variables/search                                   |
 * | tasks.work         | POST /v2/user-tasks/:key/assignment, /completion, DELETE /:key/assignee,    |
 * |                    | PATCH /v2/user-tasks/:key (candidates: admins only)                         |
 * | messages.publish   | POST /v2/messages/publication, /v2/messages/correlation                     |
 * | signals.broadcast  | POST /v2/signals/broadcast                                                  |
 * | jobs.work          | POST /v2/jobs/activation, /:key/completion, /:key/failure, /:key/error,     |
 * |                    | PATCH /v2/jobs/:key                                                         |
 * | incidents.read     | POST /v2/incidents/search, GET /v2/incidents/:key,                          |
 * |                    | POST /v2/process-instances/:key/incidents/search                            |
 * | incidents.resolve  | POST /v2/incidents/:key/resolution                                          |
 * | self.read          | GET /v2/topology                                                            |
 * | public             | GET /v2/openapi.json                                                        |
 *
 * owner* = designers who own the process (engine/runtime/ownership.ts: `processdesk.owners` of its
 * latest version, else whoever deployed it): only they cancel its instances, retry its incidents and
 * deploy its next versions (a designer deploys new processes freely). GET /api/process-instances/:id
 * answers `allowedActions`, what the caller may do to that instance.
 *
 * cm* = agents of the group change-managers only (checked in api/routes/changeCalendar.ts; other agents 403).
 *
 * x own = each user's own saved views only; nobody reads or deletes another's (404).
 *
 * The auditor changes nothing: no POST is open to it. Only agents are limited to their own tasks;
 * designers and auditors read every task, admins may also act on any task.
 *
 * | public             | POST /api/session (a token -> session cookie), GET (who it is), DELETE (sign out) | anyone |
 *
 * Tokens: `Authorization: Bearer <token>` (also `Basic <user:password>`, see parseAuthorization), or the session cookie a token was traded for (POST
 * /api/session, api/sessions.ts). A request that sends an `Authorization` header is judged by it alone: a malformed
 * one is a 401 naming the problem, its cookie is not looked at. A cookie-authenticated request that changes something needs the header
 * `X-ProcessDesk-CSRF: 1` (403 otherwise, nothing done); the session's token is authenticated again on
 * every request, so it never outlives its token.
 * - Demo mode (asked for with DEMO=on or --demo, as `npm start` does; never with AUTH_CONFIG or
 *   OIDC_ISSUER): DEMO_USERS with the tokens `demo-<user>`.
 * - Otherwise demo tokens are refused; users come from AUTH_CONFIG, a JSON file
 *   `{ "users": [{ "id", "roles": [...], "groups": [...], "tokenSha256": "<hex sha256 of the token>" }] }`
 *   (`tokensSha256: [...]` for several tokens; `passwordHash` for HTTP Basic: api/passwords.ts), and/or JWTs verified against OIDC_ISSUER's JWKS
 *   (user = `preferred_username` or `sub`, roles from the `roles` claim, groups from `groups`).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { verifyPassword } from './passwords';
import fs from 'node:fs';
import type { RequestHandler, Response } from 'express';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { ApiConfig, OidcConfig } from './config';
import { forbidden, unauthorized } from './errors';
import { CSRF_HEADER, passesCsrfCheck, sessionIdOf, type SessionStore } from './sessions';

export const ROLES = ['designer', 'agent', 'auditor', 'admin', 'worker'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = {
  'deployments.create': ['designer', 'admin'],
  'processes.read': ['designer', 'agent', 'auditor', 'admin'],
  'instances.start': ['designer', 'agent', 'admin'],
  'instances.read': ['designer', 'agent', 'auditor', 'admin'],
  'instances.cancel': ['designer', 'admin'],
  'instances.modify': ['admin'],
  'history.read': ['designer', 'auditor', 'admin'],
  'tickets.history': ['designer', 'agent', 'auditor', 'admin'],
  'tickets.link': ['agent', 'admin'],
  'history.export': ['auditor', 'admin'],
  'tasks.read': ['designer', 'agent', 'auditor', 'admin'],
  'tasks.work': ['agent', 'admin'],
  'taskViews.own': ['designer', 'agent', 'admin'],
  'messages.publish': ['agent', 'admin', 'worker'],
  'signals.broadcast': ['admin', 'worker'],
  'jobs.work': ['admin', 'worker'],
  'incidents.read': ['designer', 'auditor', 'admin'],
  'reports.read': ['designer', 'auditor', 'admin'],
  'incidents.resolve': ['designer', 'admin'],
  'queues.admin': ['admin'],
  'drafts.own': ['designer', 'admin'],
  'changes.calendar': ['agent', 'admin'],
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

/** A user as the directory knows them (api/directory.ts): a principal with a manager. */
export type DirectoryEntry = Omit<Principal, 'via'> & { manager?: string };

export function isAllowed(principal: Pick<Principal, 'roles'>, permission: Permission): boolean {
  const allowed = PERMISSIONS[permission] as readonly Role[];
  return principal.roles.some((r) => allowed.includes(r));
}

export const DEMO_USERS: readonly DirectoryEntry[] = [
  { id: 'owner', roles: ['designer'], groups: ['process-owners'], manager: 'admin' },
  { id: 'frank', roles: ['designer'], groups: [], manager: 'admin' },
  { id: 'alice', roles: ['agent'], groups: ['service-desk', 'network'], manager: 'bob' },
  { id: 'bob', roles: ['agent'], groups: ['change-managers', 'cab'], manager: 'admin' },
  { id: 'dave', roles: ['agent'], groups: ['network', 'cab'], manager: 'bob' },
  { id: 'erin', roles: ['agent'], groups: ['service-desk', 'cab'], manager: 'bob' },
  { id: 'paula', roles: ['agent'], groups: ['problem-managers'], manager: 'bob' },
  { id: 'carol', roles: ['auditor'], groups: [], manager: 'admin' },
  { id: 'admin', roles: ['admin'], groups: [] },
  { id: 'worker', roles: ['worker'], groups: [] },
];
export const demoToken = (user: string): string => `demo-${user}`;

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();
const asRoles = (value: unknown): Role[] => {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[\s,]+/) : [];
  return list.filter((r): r is Role => (ROLES as readonly string[]).includes(r));
};
const asStrings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((g): g is string => typeof g === 'string') : typeof value === 'string' ? value.split(/[\s,]+/).filter(Boolean) : [];

/** A principal of its own for each request: one that changes its roles or groups changes no other request's. */
const copyOf = (p: Principal): Principal => ({ ...p, roles: [...p.roles], groups: [...p.groups] });

interface ConfiguredUser {
  principal: Principal;
  hashes: Buffer[];
  manager?: string;
  /** For HTTP Basic (the /v2 API's clients): `scrypt$N$r$p$<salt>$<hash>` (api/passwords.ts). */
  passwordHash?: string;
}

/** Reads and checks the AUTH_CONFIG users file; throws with a clear message when it is wrong. */
export function readUsersFile(file: string): ConfiguredUser[] {
  let json: { users?: unknown };
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`AUTH_CONFIG ${file}: ${(err as Error).message}`, { cause: err });
  }
  if (!Array.isArray(json.users)) throw new Error(`AUTH_CONFIG ${file}: expected {"users": [...]}`);
  return json.users.map((u: Record<string, unknown>, i: number) => {
    const hashes = [...asStrings(u.tokenSha256), ...asStrings(u.tokensSha256)];
    if (typeof u.id !== 'string' || !u.id) throw new Error(`AUTH_CONFIG ${file}: users[${i}] has no id`);
    if (!hashes.every((h) => /^[0-9a-f]{64}$/i.test(h))) throw new Error(`AUTH_CONFIG ${file}: users[${i}] token hashes must be hex sha256`);
    const roles = asRoles(u.roles);
    if (!roles.length) throw new Error(`AUTH_CONFIG ${file}: users[${i}] (${u.id}) has no known role (${ROLES.join(', ')})`);
    const manager = typeof u.manager === 'string' && u.manager ? u.manager : undefined;
    const passwordHash = typeof u.passwordHash === 'string' ? u.passwordHash : undefined;
    if (u.passwordHash !== undefined && !(passwordHash && /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/.test(passwordHash))) {
      throw new Error(`AUTH_CONFIG ${file}: users[${i}] passwordHash must be scrypt$N$r$p$<salt base64>$<hash base64> (npm run hash-password)`);
    }
    return {
      principal: { id: u.id, roles, groups: asStrings(u.groups), via: 'token' as const },
      hashes: hashes.map((h) => Buffer.from(h, 'hex')),
      manager,
      ...(passwordHash ? { passwordHash } : {}),
    };
  });
}

type JwtVerifier = (token: string) => Promise<JWTPayload>;

/** What an Authenticator reports and the time it goes by (tests). */
export interface AuthenticatorOptions {
  /** Problems an operator must see (an OIDC issuer that does not answer); default: none. */
  log?: (message: string) => void;
  clock?: () => number;
  /** An OIDC issuer that does not answer discovery within this long has failed (default 5000 ms). */
  discoveryTimeoutMs?: number;
}

/**
 * A failed OIDC discovery is not tried again for this long: while the issuer is down, a burst of bearer
 * JWTs (anyone can send them) asks it once, not once per token.
 */
export const OIDC_DISCOVERY_RETRY_MS = 30_000;

function oidcVerifier(oidc: OidcConfig, options: AuthenticatorOptions): JwtVerifier {
  const clock = options.clock ?? Date.now;
  let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  let pending: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;
  let failed: { at: number; err: unknown } | undefined;
  const discover = async (): Promise<ReturnType<typeof createRemoteJWKSet>> => {
    let uri = oidc.jwksUri;
    if (!uri) {
      const timeoutMs = options.discoveryTimeoutMs ?? 5_000;
      const res = await fetch(`${oidc.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(timeoutMs) }).catch((err: unknown) => {
        const { name, cause } = (err ?? {}) as { name?: string; cause?: { code?: string; message?: string } };
        throw new Error(
          name === 'TimeoutError' ? `OIDC discovery did not answer within ${timeoutMs} ms` : `OIDC discovery failed: ${cause?.code ?? cause?.message ?? String(err)}`,
          { cause: err },
        );
      });
      if (!res.ok) throw new Error(`OIDC discovery failed: ${res.status}`);
      uri = ((await res.json()) as { jwks_uri?: string }).jwks_uri;
      if (!uri) throw new Error('OIDC discovery document has no jwks_uri');
    }
    return createRemoteJWKSet(new URL(uri));
  };
  const keys = (): Promise<ReturnType<typeof createRemoteJWKSet>> => {
    if (jwks) return Promise.resolve(jwks);
    if (failed && clock() - failed.at < OIDC_DISCOVERY_RETRY_MS) return Promise.reject(failed.err);
    pending ??= discover().then(
      (found) => {
        pending = undefined;
        failed = undefined;
        return (jwks = found);
      },
      (err: unknown) => {
        pending = undefined;
        failed = { at: clock(), err };
        const why = err instanceof Error ? err.message : String(err);
        options.log?.(`${why} (issuer ${oidc.issuer}): bearer JWTs are refused; asked again in ${OIDC_DISCOVERY_RETRY_MS / 1000} s at the earliest`);
        throw err;
      },
    );
    return pending;
  };
  return async (token) => (await jwtVerify(token, await keys(), { issuer: oidc.issuer, audience: oidc.audience })).payload;
}

/** What an `Authorization` header says (parseAuthorization). */
type Credentials =
  | { scheme: 'bearer'; token: string }
  | { scheme: 'basic'; user: string; password: string }
  /** `problem`: the 401's message, naming what is wrong (never the header's content: it may hold a secret). */
  | { scheme: 'malformed'; problem: string };

/**
 * What an `Authorization` header says: `Bearer <token>` (one token), `Basic <base64 of user:password>`
 * (at most 2000 base64 characters; a user name that is not empty; split at the first colon, so the
 * password may hold colons), either scheme in any case; or malformed, with the problem. Undefined: no header.
 */
export function parseAuthorization(header: string | undefined): Credentials | undefined {
  if (!header) return undefined;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (bearer) return { scheme: 'bearer', token: bearer[1] };
  const basic = /^Basic\s+([A-Za-z0-9+/=]{1,2000})\s*$/i.exec(header);
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return { scheme: 'basic', user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  const expected = /^Bearer(\s|$)/i.test(header)
    ? 'Bearer takes one token: Bearer <token>'
    : /^Basic(\s|$)/i.test(header)
      ? 'Basic takes the base64 of <user>:<password> (a user name, a colon, the password; at most 2000 base64 characters)'
      : 'expected Bearer <token> or Basic <base64 of user:password>';
  return { scheme: 'malformed', problem: `malformed Authorization header: ${expected}` };
}

export class Authenticator {
  private readonly users: ConfiguredUser[];
  private readonly verifyJwt?: JwtVerifier;

  constructor(
    private readonly config: Pick<ApiConfig, 'demo' | 'authConfigFile' | 'oidc'>,
    /** Browser sessions (api/sessions.ts); without them only bearer tokens authenticate. */
    readonly sessions?: SessionStore,
    options: AuthenticatorOptions = {},
  ) {
    this.users = config.authConfigFile ? readUsersFile(config.authConfigFile) : [];
    if (config.oidc) this.verifyJwt = oidcVerifier(config.oidc, options);
  }

  /** Demo tokens work only in demo mode, and never beside configured users (whatever built the config). */
  get demo(): boolean {
    return this.config.demo && !this.config.authConfigFile && !this.config.oidc;
  }

  /** The users this authenticator knows by name (demo users, AUTH_CONFIG users): the directory starts from them. */
  get knownUsers(): DirectoryEntry[] {
    const configured = this.users.map((u) => ({ id: u.principal.id, roles: [...u.principal.roles], groups: [...u.principal.groups], manager: u.manager }));
    return this.demo ? [...DEMO_USERS.map((u) => ({ ...u, roles: [...u.roles], groups: [...u.groups] })), ...configured] : configured;
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
    if (user) return copyOf(user.principal);
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
   * The caller of HTTP Basic credentials: an AUTH_CONFIG user with a `passwordHash` and that password,
   * or in demo mode a demo user with the password `demo-<user>` (their demo token).
   */
  async authenticateBasic(userId: string, password: string): Promise<Principal | undefined> {
    if (this.demo) {
      const user = DEMO_USERS.find((u) => u.id === userId);
      const expected = sha256(demoToken(userId));
      const given = sha256(password);
      return user && timingSafeEqual(expected, given) ? { ...user, roles: [...user.roles], groups: [...user.groups], via: 'demo' } : undefined;
    }
    const user = this.users.find((u) => u.principal.id === userId);
    if (!user?.passwordHash) return undefined;
    return (await verifyPassword(password, user.passwordHash)) ? copyOf(user.principal) : undefined;
  }

  /** The caller of an `Authorization` header: `Bearer <token>` or `Basic <base64 user:password>` (parseAuthorization). */
  async authenticateHeader(header: string | undefined): Promise<Principal | undefined> {
    const credentials = parseAuthorization(header);
    return credentials ? this.authenticateCredentials(credentials) : undefined;
  }

  private async authenticateCredentials(credentials: Credentials): Promise<Principal | undefined> {
    if (credentials.scheme === 'bearer') return this.authenticate(credentials.token);
    if (credentials.scheme === 'basic') return this.authenticateBasic(credentials.user, credentials.password);
    return undefined;
  }

  /** The caller of a session cookie and when the session ends: its token authenticated again; a refused token ends the session. */
  async sessionCaller(sessionId: string): Promise<(Principal & { expiresAt: number }) | undefined> {
    const session = this.sessions?.lookup(sessionId);
    if (!session) return undefined;
    const principal = await this.authenticate(session.token);
    if (!principal || principal.id !== session.userId) {
      this.sessions?.close(sessionId);
      return undefined;
    }
    return { ...principal, expiresAt: session.expiresAt };
  }

  /**
   * The one authorization middleware: authenticates the `Authorization` header or else the session cookie
   * (401), refuses a cookie-authenticated change without the CSRF header (403), and checks the caller's
   * roles against PERMISSIONS (403). `public` routes need no token. A request that sends an
   * `Authorization` header is judged by it alone: a malformed one is a 401 naming the problem, never a
   * fall-back to the cookie.
   */
  requireRole(permission: Permission): RequestHandler {
    return async (req, res, next) => {
      if (permission === 'public') return next();
      const credentials = parseAuthorization(req.get('authorization'));
      const sessionId = credentials ? undefined : sessionIdOf(req);
      const principal = credentials ? await this.authenticateCredentials(credentials) : sessionId ? await this.sessionCaller(sessionId) : undefined;
      if (!principal) {
        res.set('WWW-Authenticate', 'Bearer');
        const why =
          credentials?.scheme === 'malformed'
            ? credentials.problem
            : credentials?.scheme === 'bearer'
              ? 'invalid or expired bearer token'
              : credentials
                ? 'wrong user name or password'
                : sessionId
                  ? 'the session ended (signed out or expired): sign in again'
                  : 'missing bearer token (Authorization: Bearer <token>) or session';
        return next(unauthorized(why));
      }
      if (sessionId && !passesCsrfCheck(req)) {
        return next(forbidden(`a change signed in by the session cookie needs the header ${CSRF_HEADER}: 1 (a cross-site request is refused)`));
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
