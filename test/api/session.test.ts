/**
 * Browser sessions (api/sessions.ts, api/routes/session.ts): a token traded for an HttpOnly SameSite
 * cookie, the cookie accepted as authentication, CSRF protection of cookie-authenticated changes, sign-out
 * that ends the session on the server, lifetime and the cap on live sessions.
 */
import request from 'supertest';
import { loadConfig } from '../../api/config';
import { bearer, deploy, expectError, fixture, startApi, type TestApi } from './helpers';

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
  await deploy(api.app, [fixture('wcp01-sequence')]);
});
afterAll(() => api.close());

/** Signs in with a token; returns the `name=value` of the session cookie and its Set-Cookie line. */
async function signIn(app = api.app, token = 'demo-alice'): Promise<{ cookie: string; setCookie: string }> {
  const res = await request(app).post('/api/session').send({ token }).expect(200);
  const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('processdesk_session='));
  if (!setCookie) throw new Error(`no session cookie: ${JSON.stringify(res.headers)}`);
  return { cookie: setCookie.split(';')[0], setCookie };
}

const instanceCount = async (): Promise<number> => (await api.engine.listInstances({ processId: 'wcp01', limit: 1000 })).items.length;

test('signing in answers who it is and sets an HttpOnly, SameSite=Strict cookie on /api with the configured lifetime', async () => {
  const res = await request(api.app).post('/api/session').send({ token: 'demo-alice' }).expect(200);
  expect(res.body).toMatchObject({ signedIn: true, id: 'alice', roles: ['agent'], via: 'demo' });
  expect(Date.parse(res.body.expiresAt) - Date.now()).toBeGreaterThan(7 * 60 * 60 * 1000);
  const setCookie = ([] as string[]).concat(res.headers['set-cookie'])[0];
  expect(setCookie).toMatch(/^processdesk_session=[A-Za-z0-9_-]{43};/);
  expect(setCookie).toMatch(/; HttpOnly/);
  expect(setCookie).toMatch(/; SameSite=Strict/);
  expect(setCookie).toMatch(/; Path=\/api/);
  expect(setCookie).toMatch(/; Max-Age=28800/);
  expect(setCookie).not.toMatch(/Secure/); // plain http, SESSION_COOKIE_SECURE=auto
});

test('the cookie authenticates reads; a refused token opens no session and sets no cookie', async () => {
  const { cookie } = await signIn();
  const me = await request(api.app).get('/api/me').set('Cookie', cookie).expect(200);
  expect(me.body).toMatchObject({ id: 'alice', roles: ['agent'] });
  // what the web app asks at load: whose the cookie is, without a 401 when there is none
  const state = await request(api.app).get('/api/session').set('Cookie', cookie).expect(200);
  expect(state.body).toMatchObject({ signedIn: true, id: 'alice', roles: ['agent'], groups: ['service-desk', 'network'] });
  expect((await request(api.app).get('/api/session').expect(200)).body).toEqual({ signedIn: false });
  expect((await request(api.app).get('/api/session').set('Cookie', 'processdesk_session=made-up').expect(200)).body).toEqual({ signedIn: false });
  const refused = await request(api.app).post('/api/session').send({ token: 'demo-nobody' });
  expectError(refused, 401, 'UNAUTHORIZED');
  expect(refused.headers['set-cookie']).toBeUndefined();
  expectError(await request(api.app).post('/api/session').send({}), 400, 'BAD_REQUEST');
  expectError(await request(api.app).get('/api/me').set('Cookie', 'processdesk_session=made-up'), 401, 'UNAUTHORIZED');
});

test('a cross-site style POST by cookie without the CSRF header is refused and starts nothing; with it the start goes through', async () => {
  const { cookie } = await signIn();
  const before = await instanceCount();
  // what a form or fetch from another site could send: the cookie, no custom header
  const forged = await request(api.app).post('/api/process-instances').set('Cookie', cookie).send({ processId: 'wcp01' });
  expectError(forged, 403, 'FORBIDDEN');
  expect(forged.body.error.message).toMatch(/X-ProcessDesk-CSRF/);
  expect(await instanceCount()).toBe(before);
  const started = await request(api.app).post('/api/process-instances').set('Cookie', cookie).set('X-ProcessDesk-CSRF', '1').send({ processId: 'wcp01' }).expect(201);
  expect(started.body.startedBy).toBe('alice');
  expect(await instanceCount()).toBe(before + 1);
});

test('a bearer token needs no CSRF header, and wins over a cookie of someone else', async () => {
  const { cookie } = await signIn(api.app, 'demo-bob');
  const res = await request(api.app).get('/api/me').set('Cookie', cookie).set(bearer('dave')).expect(200);
  expect(res.body.id).toBe('dave');
  await request(api.app).post('/api/process-instances').set(bearer('alice')).send({ processId: 'wcp01' }).expect(201);
});

test('sign-out without the CSRF header is refused and the session goes on; with it the session ends on the server', async () => {
  const { cookie } = await signIn();
  expectError(await request(api.app).delete('/api/session').set('Cookie', cookie), 403, 'FORBIDDEN');
  await request(api.app).get('/api/me').set('Cookie', cookie).expect(200);
  const out = await request(api.app).delete('/api/session').set('Cookie', cookie).set('X-ProcessDesk-CSRF', '1').expect(200);
  expect(out.body).toEqual({ signedOut: true });
  expect(([] as string[]).concat(out.headers['set-cookie'])[0]).toMatch(/^processdesk_session=;.*Expires=Thu, 01 Jan 1970/);
  // the old cookie replayed (as a stolen copy would be) no longer works
  expectError(await request(api.app).get('/api/me').set('Cookie', cookie), 401, 'UNAUTHORIZED');
  expect((await request(api.app).get('/api/session').set('Cookie', cookie).expect(200)).body).toEqual({ signedIn: false });
  const again = await request(api.app).delete('/api/session').set('Cookie', cookie).expect(200);
  expect(again.body).toEqual({ signedOut: false });
});

test('signing in again replaces the session the browser had', async () => {
  const first = await signIn();
  const res = await request(api.app).post('/api/session').set('Cookie', first.cookie).send({ token: 'demo-erin' }).expect(200);
  expect(res.body.id).toBe('erin');
  expectError(await request(api.app).get('/api/me').set('Cookie', first.cookie), 401, 'UNAUTHORIZED');
});

describe('configured limits', () => {
  test('a session ends after SESSION_TTL_MS', async () => {
    const short = await startApi({ sessionTtlMs: 300 });
    try {
      const { cookie, setCookie } = await signIn(short.app);
      expect(setCookie).toMatch(/Max-Age=0;|Max-Age=1;/); // express rounds 300 ms down to whole seconds
      await request(short.app).get('/api/me').set('Cookie', cookie).expect(200);
      await new Promise((r) => setTimeout(r, 400));
      expectError(await request(short.app).get('/api/me').set('Cookie', cookie), 401, 'UNAUTHORIZED');
    } finally {
      await short.close();
    }
  });

  test('beyond MAX_SESSIONS a sign-in is a 429 and the live session is untouched', async () => {
    const small = await startApi({ maxSessions: 1 });
    try {
      const { cookie } = await signIn(small.app);
      const refused = await request(small.app).post('/api/session').send({ token: 'demo-bob' });
      expectError(refused, 429, 'TOO_MANY_REQUESTS');
      expect(refused.headers['set-cookie']).toBeUndefined();
      await request(small.app).get('/api/me').set('Cookie', cookie).expect(200);
    } finally {
      await small.close();
    }
  });

  test('SESSION_COOKIE_SECURE=on marks the cookie Secure; auto does over https behind a trusted proxy', async () => {
    const secure = await startApi({ sessionCookieSecure: 'on' });
    const proxied = await startApi({ trustProxy: 1 });
    try {
      expect((await signIn(secure.app)).setCookie).toMatch(/; Secure/);
      const res = await request(proxied.app).post('/api/session').set('X-Forwarded-Proto', 'https').send({ token: 'demo-alice' }).expect(200);
      expect(([] as string[]).concat(res.headers['set-cookie'])[0]).toMatch(/; Secure/);
    } finally {
      await secure.close();
      await proxied.close();
    }
  });

  test('the settings are read from the environment and checked', () => {
    const env = { DEMO: 'on', SESSION_TTL_MS: '60000', MAX_SESSIONS: '5', SESSION_COOKIE_SECURE: 'on' };
    expect(loadConfig(env, '/tmp', [])).toMatchObject({ sessionTtlMs: 60000, maxSessions: 5, sessionCookieSecure: 'on' });
    expect(() => loadConfig({ DEMO: 'on', SESSION_COOKIE_SECURE: 'maybe' }, '/tmp', [])).toThrow(/SESSION_COOKIE_SECURE/);
  });
});
