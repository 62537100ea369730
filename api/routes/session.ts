/**
 * Sign-in and sign-out of the web app (api/sessions.ts): a token traded for an HttpOnly session cookie,
 * whose it is (asked at load, never a 401), and the session ended on the server. Both routes are public: the token in the body is the credential.
 * POST takes JSON only (express.json), which a cross-site form cannot send, so no site can sign a
 * visitor in as someone else.
 */
import { Router, type CookieOptions, type Request } from 'express';
import { unauthorized, forbidden } from '../errors';
import { mount, type ApiContext } from '../operation';
import { OPERATIONS } from '../operations';
import { CSRF_HEADER, passesCsrfCheck, SESSION_COOKIE, sessionIdOf } from '../sessions';
import { inputOf } from '../validate';

export function sessionRouter(ctx: ApiContext): Router {
  const router = Router();
  const sessions = ctx.auth.sessions;

  const cookieOptions = (req: Request): CookieOptions => ({
    httpOnly: true,
    sameSite: 'strict',
    path: '/api',
    secure: ctx.config.sessionCookieSecure === 'on' || (ctx.config.sessionCookieSecure === 'auto' && req.secure),
  });

  mount(router, ctx, OPERATIONS.createSession, async (req, res) => {
    const { token } = inputOf<never, never, { token: string }>(res).body;
    const principal = await ctx.auth.authenticate(token);
    if (!principal || !sessions) throw unauthorized('invalid or expired token: no session opened');
    const old = sessionIdOf(req);
    if (old) sessions.close(old); // a new sign-in replaces the session this browser had
    const { id, expiresAt } = sessions.open(token, principal.id);
    res.cookie(SESSION_COOKIE, id, { ...cookieOptions(req), maxAge: sessions.ttlMs });
    res.set('Cache-Control', 'no-store');
    res.json({ signedIn: true, id: principal.id, roles: principal.roles, groups: principal.groups, via: principal.via, expiresAt: new Date(expiresAt).toISOString() });
  });

  mount(router, ctx, OPERATIONS.getSession, async (req, res) => {
    const id = sessionIdOf(req);
    const caller = id ? await ctx.auth.sessionCaller(id) : undefined;
    res.set('Cache-Control', 'no-store');
    if (!caller) {
      res.json({ signedIn: false });
      return;
    }
    const { id: user, roles, groups, via, expiresAt } = caller;
    res.json({ signedIn: true, id: user, roles, groups, via, expiresAt: new Date(expiresAt).toISOString() });
  });

  mount(router, ctx, OPERATIONS.deleteSession, (req, res) => {
    const id = sessionIdOf(req);
    const live = !!id && !!sessions?.lookup(id);
    if (live && !passesCsrfCheck(req)) throw forbidden(`signing out by the session cookie needs the header ${CSRF_HEADER}: 1`);
    const signedOut = live && sessions!.close(id!);
    res.clearCookie(SESSION_COOKIE, cookieOptions(req));
    res.json({ signedOut });
  });

  return router;
}
