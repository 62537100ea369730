/**
 * Browser sessions: POST /api/session trades a bearer token for an HttpOnly cookie, so a new tab or a
 * mailed link `#/tasks/<id>` finds the user signed in; DELETE /api/session ends it here, on the server.
 *
 * Kept in memory on purpose, not in a store table: a session holds the token it was opened with, and
 * every request authenticates that token again (api/auth.ts), so a token removed from AUTH_CONFIG or a
 * JWT past its expiry ends the session at once. Bearer tokens must never be written to disk or to a
 * shared database. The price: a restart signs everyone out, and several API processes behind one address
 * need sticky sessions. The cookie carries a random id; the map is keyed by its sha256, so not even a
 * heap dump gives away usable cookies.
 *
 * CSRF: the cookie is SameSite=Strict, and a request it authenticates that changes something (any
 * method but GET/HEAD/OPTIONS) must carry the header `X-ProcessDesk-CSRF: 1`, which a cross-site page
 * cannot send without a CORS preflight this server never answers.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Request } from 'express';
import { ApiError } from './errors';

export const SESSION_COOKIE = 'processdesk_session';
export const CSRF_HEADER = 'X-ProcessDesk-CSRF';

/** Methods that change nothing: a cookie alone authenticates them. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

interface Session {
  token: string;
  userId: string;
  expiresAt: number;
}

const keyOf = (id: string): string => createHash('sha256').update(id).digest('hex');

export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(
    readonly ttlMs: number,
    private readonly max: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Opens a session for a token already authenticated; 429 when `max` live sessions exist. */
  open(token: string, userId: string): { id: string; expiresAt: number } {
    if (this.sessions.size >= this.max) this.sweep();
    if (this.sessions.size >= this.max) throw new ApiError('TOO_MANY_REQUESTS', `more than ${this.max} live sessions (MAX_SESSIONS): sign in with a bearer token or try later`);
    const id = randomBytes(32).toString('base64url');
    const expiresAt = this.clock() + this.ttlMs;
    this.sessions.set(keyOf(id), { token, userId, expiresAt });
    return { id, expiresAt };
  }

  /** The live session of a cookie value; an expired one is removed. */
  lookup(id: string): Session | undefined {
    const key = keyOf(id);
    const session = this.sessions.get(key);
    if (session && session.expiresAt <= this.clock()) {
      this.sessions.delete(key);
      return undefined;
    }
    return session;
  }

  /** Ends a session; false when there was none. */
  close(id: string): boolean {
    return this.sessions.delete(keyOf(id));
  }

  private sweep(): void {
    const now = this.clock();
    for (const [key, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(key);
  }
}

/** The session cookie's value of a request (cookie-parser runs on /api). */
export function sessionIdOf(req: Request): string | undefined {
  const value = (req.cookies as Record<string, unknown> | undefined)?.[SESSION_COOKIE];
  return typeof value === 'string' && value ? value : undefined;
}

/** Whether a request authenticated by the cookie may go on: safe methods, or the CSRF header. */
export function passesCsrfCheck(req: Request): boolean {
  return SAFE_METHODS.has(req.method) || req.get(CSRF_HEADER) === '1';
}
