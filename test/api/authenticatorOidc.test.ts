/**
 * OIDC bearer JWTs in api/auth.ts, fast (no engine, no API server): a local issuer (node:http) serves
 * discovery and keys; the claims a caller is made of, what is refused, when discovery is asked (once,
 * and once per back-off while the issuer is down, said so in the log).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import request from 'supertest';
import { Authenticator, OIDC_DISCOVERY_RETRY_MS, type Role } from '../../api/auth';
import { appFor } from './authApp';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-oidc-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const usersFile = path.join(tmp, 'users.json');
fs.writeFileSync(usersFile, JSON.stringify({ users: [{ id: 'robot', roles: ['worker'], tokenSha256: createHash('sha256').update('robot-secret').digest('hex') }] }));

describe('OIDC JWTs', () => {
  let server: http.Server;
  let base: string;
  let key: KeyLike;
  const hits: Record<string, number> = {};
  let flakyUp = false;
  const sign = (claims: Record<string, unknown>, o: { iss?: string; aud?: string; exp?: string } = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(o.iss ?? `${base}/a/`)
      .setAudience(o.aud ?? 'processdesk')
      .setIssuedAt()
      .setExpirationTime(o.exp ?? '5m')
      .sign(key);
  const oidc = (issuer: string, jwksUri?: string) => new Authenticator({ demo: true, oidc: { issuer: `${base}${issuer}`, audience: 'processdesk', jwksUri } });

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    key = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    server = http.createServer((req, res) => {
      hits[req.url!] = (hits[req.url!] ?? 0) + 1;
      res.setHeader('content-type', 'application/json');
      const discovery = { jwks_uri: `${base}/jwks` };
      if (req.url === '/a/.well-known/openid-configuration') res.end(JSON.stringify(discovery));
      else if (req.url === '/flaky/.well-known/openid-configuration' && flakyUp) res.end(JSON.stringify(discovery));
      else if (req.url === '/flaky/.well-known/openid-configuration') res.writeHead(503).end();
      else if (req.url === '/hang/.well-known/openid-configuration')
        return; // never answers
      else if (req.url === '/bare/.well-known/openid-configuration') res.end('{}');
      else if (req.url === '/jwks') res.end(JSON.stringify({ keys: [jwk] }));
      else res.writeHead(404).end(JSON.stringify(discovery)); // a 404 is refused even if its body looks right
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  test('claims: preferred_username else sub, roles and realm roles merged (known ones, once), groups', async () => {
    const auth = oidc('/a/');
    expect(auth.demo).toBe(false);
    const discoveries = hits['/a/.well-known/openid-configuration'] ?? 0;
    const jwt = (id: string, roles: Role[], groups: string[] = []) => ({ id, roles, groups, via: 'jwt' });
    const cases: [Record<string, unknown>, unknown][] = [
      [{ preferred_username: 'erin', sub: 's1', roles: ['agent', 'wizard'], groups: ['cab', 3] }, jwt('erin', ['agent'], ['cab'])],
      [{ sub: 'frank', realm_access: { roles: ['designer'] } }, jwt('frank', ['designer'])],
      [
        { preferred_username: '', sub: 's2', roles: 'auditor admin', realm_access: { roles: ['admin', 'agent'] }, groups: 'a, b' },
        jwt('s2', ['auditor', 'admin', 'agent'], ['a', 'b']),
      ],
      [{ preferred_username: 5, sub: 's3', realm_access: {} }, jwt('s3', [])],
      [{ roles: ['admin'] }, undefined], // no sub, no preferred_username: nobody
    ];
    for (const [claims, principal] of cases) expect(await auth.authenticate(await sign(claims))).toStrictEqual(principal);
    expect(hits['/a/.well-known/openid-configuration']).toBe(discoveries + 1); // the keys are found once
  });

  test('refused: other audience or issuer, expired, tampered; and configured tokens still work beside OIDC', async () => {
    const auth = new Authenticator({ demo: false, authConfigFile: usersFile, oidc: { issuer: `${base}/a/`, audience: 'processdesk' } });
    const claims = { sub: 'u1', roles: ['agent'] };
    expect((await auth.authenticate(await sign(claims)))?.id).toBe('u1');
    for (const token of [await sign(claims, { aud: 'other' }), await sign(claims, { iss: `${base}/b/` }), await sign(claims, { exp: '-1m' })])
      expect(await auth.authenticate(token)).toBeUndefined();
    const [h, p, s] = (await sign(claims)).split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), roles: ['admin'] })).toString('base64url');
    expect(await auth.authenticate(`${h}.${forged}.${s}`)).toBeUndefined();
    expect((await auth.authenticate('robot-secret'))?.id).toBe('robot');
    expect(await auth.authenticate('demo-alice')).toBeUndefined();
  });

  test('only a token of three dot-separated parts is tried as a JWT', async () => {
    const auth = oidc('/c');
    for (const token of ['a.b', 'a.b.c.d', 'abc']) expect(await auth.authenticate(token)).toBeUndefined();
    expect(hits['/c/.well-known/openid-configuration']).toBeUndefined();
    expect(await auth.authenticate('a.b.c')).toBeUndefined();
    expect(hits['/c/.well-known/openid-configuration']).toBe(1);
  });

  test('keys from oidc.jwksUri without discovery; a discovery that answers 404 or has no jwks_uri refuses, without a crash', async () => {
    expect((await oidc('/direct', `${base}/jwks`).authenticate(await sign({ sub: 'd' }, { iss: `${base}/direct` })))?.id).toBe('d');
    expect(hits['/direct/.well-known/openid-configuration']).toBeUndefined();
    for (const issuer of ['/gone', '/bare']) expect(await oidc(issuer).authenticate(await sign({ sub: 'd' }, { iss: `${base}${issuer}` }))).toBeUndefined();
    expect(hits['/gone/.well-known/openid-configuration']).toBe(1);
    expect(hits['/bare/.well-known/openid-configuration']).toBe(1);
  });

  test('an issuer that is down is asked once per 30 s however many tokens come, and said so once in the log', async () => {
    const logs: string[] = [];
    let now = 1_700_000_000_000;
    const start = now;
    const issuer = `${base}/flaky/`;
    const auth = new Authenticator({ demo: false, oidc: { issuer, audience: 'processdesk' } }, undefined, { log: (m) => logs.push(m), clock: () => now });
    const token = await sign({ sub: 'fay' }, { iss: issuer });
    expect(await Promise.all([1, 2, 3, 4, 5].map(() => auth.authenticate(token)))).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(hits['/flaky/.well-known/openid-configuration']).toBe(1);
    expect(logs).toEqual([`OIDC discovery failed: 503 (issuer ${issuer}): bearer JWTs are refused; asked again in 30 s at the earliest`]);
    flakyUp = true;
    now = start + OIDC_DISCOVERY_RETRY_MS - 1;
    expect(await auth.authenticate(token)).toBeUndefined();
    expect(hits['/flaky/.well-known/openid-configuration']).toBe(1);
    now = start + OIDC_DISCOVERY_RETRY_MS;
    expect((await auth.authenticate(token))?.id).toBe('fay');
    expect((await auth.authenticate(token))?.id).toBe('fay');
    expect(hits['/flaky/.well-known/openid-configuration']).toBe(2);
    expect(logs).toHaveLength(1);
  });

  test('what went wrong with discovery is in the log: a document without jwks_uri, an issuer that does not answer in time or at all', async () => {
    const logs: string[] = [];
    const log = (m: string) => logs.push(m);
    const bare = new Authenticator({ demo: false, oidc: { issuer: `${base}/bare`, audience: 'processdesk' } }, undefined, { log });
    expect(await bare.authenticate(await sign({ sub: 'd' }, { iss: `${base}/bare` }))).toBeUndefined();
    const hang = new Authenticator({ demo: false, oidc: { issuer: `${base}/hang`, audience: 'processdesk' } }, undefined, { log, discoveryTimeoutMs: 100 });
    expect(await hang.authenticate(await sign({ sub: 'd' }, { iss: `${base}/hang` }))).toBeUndefined();
    const gone = http.createServer();
    await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve));
    const nobody = `http://127.0.0.1:${(gone.address() as { port: number }).port}`;
    await new Promise((r) => gone.close(r)); // a port nobody listens on
    const closed = new Authenticator({ demo: false, oidc: { issuer: nobody, audience: 'processdesk' } }, undefined, { log });
    expect(await closed.authenticate(await sign({ sub: 'd' }, { iss: nobody }))).toBeUndefined();
    expect(logs).toEqual([
      `OIDC discovery document has no jwks_uri (issuer ${base}/bare): bearer JWTs are refused; asked again in 30 s at the earliest`,
      `OIDC discovery did not answer within 100 ms (issuer ${base}/hang): bearer JWTs are refused; asked again in 30 s at the earliest`,
      `OIDC discovery failed: ECONNREFUSED (issuer ${nobody}): bearer JWTs are refused; asked again in 30 s at the earliest`,
    ]);
  });

  test('requireRole names a caller with no role', async () => {
    const res = await request(appFor(oidc('/a/')))
      .get('/processes.read')
      .set('Authorization', `Bearer ${await sign({ sub: 'nobody' })}`);
    expect([res.status, res.body]).toEqual([403, { error: { code: 'FORBIDDEN', message: 'nobody (no role) may not processes.read' } }]);
  });
});
