/**
 * api/auth.ts on its own, fast (no engine, no API server): the role check against the hand-written
 * POLICY (test/api/policy.ts), the users file and each of its refusals, demo and configured tokens (OIDC: authenticatorOidc.test.ts),
 * HTTP Basic, the Authorization header's forms (parseAuthorization), session callers, and requireRole's
 * exact 401/403 answers on a tiny express app (a malformed header is a 401 of its own, never the cookie).
 * auth.test.ts checks the same rules through the whole HTTP API (slow); this file exists beside it so
 * that mutation testing of api/auth.ts can run on fast tests alone.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Response } from 'express';
import request from 'supertest';
import { Authenticator, DEMO_USERS, isAllowed, parseAuthorization, PERMISSIONS, principalOf, readUsersFile, ROLES, type Permission, type Role } from '../../api/auth';
import { OPERATIONS, type OperationId } from '../../api/operations';
import { hashPassword } from '../../api/passwords';
import { SESSION_COOKIE, SessionStore } from '../../api/sessions';
import { appFor } from './authApp';
import { POLICY, policyAllows } from './policy';

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-authenticator-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
let files = 0;
const write = (content: unknown): string => {
  const file = path.join(tmp, `users-${++files}.json`);
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
};

/** DEMO_USERS, written out again: a changed demo user fails here. */
const DEMO = [
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

const LONG = 'p'.repeat(1495); // 'long:' + LONG is 1500 bytes, 2000 characters of base64: the longest Basic header taken
let hashes: { pw: string; z: string; long: string };
let usersFile: string;
let prod: Authenticator;
const demo = new Authenticator({ demo: true });
beforeAll(async () => {
  const [pw, z, long] = await Promise.all([hashPassword('~~~???x'), hashPassword('p:a:ss'), hashPassword(LONG)]);
  hashes = { pw, z, long };
  usersFile = write({
    users: [
      { id: 'pw', roles: 'agent', passwordHash: pw }, // no token: must not match every token
      { id: 'robot', roles: ['worker', 'wizard'], groups: ' ops, night  ', tokenSha256: sha256('robot-secret').toUpperCase() },
      { id: 'dana', roles: 'designer, wizard auditor', groups: ['cab', 7, 'net'], tokenSha256: sha256('dana-1'), tokensSha256: [sha256('dana-2')], manager: 'bob' },
      { id: 'z', roles: ['admin'], groups: 7, passwordHash: z, manager: '' },
      { id: 'long', roles: ['agent'], passwordHash: long, manager: 5 },
    ],
  });
  prod = new Authenticator({ demo: false, authConfigFile: usersFile });
});

const basic = (credentials: string): string => `Basic ${Buffer.from(credentials).toString('base64')}`;
/** 'user:password user2:password2' as pairs (split at the first colon). */
const pairs = (text: string): [string, string][] => text.split(' ').map((p) => [p.slice(0, p.indexOf(':')), p.slice(p.indexOf(':') + 1)]);
const errorOf = (fn: () => unknown): Error | undefined => {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  return undefined;
};

/** The 401 messages of a malformed Authorization header: Bearer, Basic, any other. */
const MALFORMED = {
  bearer: 'malformed Authorization header: Bearer takes one token: Bearer <token>',
  basic: 'malformed Authorization header: Basic takes the base64 of <user>:<password> (a user name, a colon, the password; at most 2000 base64 characters)',
  other: 'malformed Authorization header: expected Bearer <token> or Basic <base64 of user:password>',
};

describe('PERMISSIONS and isAllowed', () => {
  // the one role check that is finer than the route's permission: only agents of change-managers (api/routes/changeCalendar.ts)
  const FINER: Partial<Record<OperationId, Role[]>> = { listChangeCalendar: ['agent'] };

  test('every operation and role: allowed exactly as POLICY says', () => {
    expect([...ROLES]).toEqual(['designer', 'agent', 'auditor', 'admin', 'worker']);
    for (const id of Object.keys(OPERATIONS) as OperationId[]) {
      for (const role of ROLES) {
        const expected = policyAllows(id, role) || !!FINER[id]?.includes(role);
        if (isAllowed({ roles: [role] }, OPERATIONS[id].permission) !== expected) throw new Error(`${role} on ${id}: expected ${expected}`);
      }
    }
    expect(Object.keys(POLICY).sort()).toEqual(Object.keys(OPERATIONS).sort());
  });

  test('every permission is used by an operation, but queues.admin (the dashboard), which is for admins only', () => {
    const used = new Set(Object.values(OPERATIONS).map((op) => op.permission));
    expect(Object.keys(PERMISSIONS).filter((p) => !used.has(p as Permission))).toEqual(['queues.admin']);
    expect(ROLES.filter((r) => isAllowed({ roles: [r] }, 'queues.admin'))).toEqual(['admin']);
  });

  test('several roles: allowed when any is; no role: never, not even public', () => {
    expect(isAllowed({ roles: ['auditor', 'worker'] }, 'jobs.work')).toBe(true);
    expect(isAllowed({ roles: ['worker', 'auditor'] }, 'history.export')).toBe(true);
    expect(isAllowed({ roles: ['auditor', 'worker'] }, 'tasks.work')).toBe(false);
    for (const p of Object.keys(PERMISSIONS) as Permission[]) {
      expect(isAllowed({ roles: [] }, p)).toBe(false);
      for (const a of ROLES) for (const b of ROLES) expect(isAllowed({ roles: [a, b] }, p)).toBe(isAllowed({ roles: [a] }, p) || isAllowed({ roles: [b] }, p));
    }
  });
});

describe('readUsersFile', () => {
  test('a good file: both token fields, groups and roles as lists or strings (unknown roles dropped), manager, passwordHash', () => {
    const hex = (t: string) => Buffer.from(sha256(t), 'hex');
    expect(readUsersFile(usersFile)).toStrictEqual([
      { principal: { id: 'pw', roles: ['agent'], groups: [], via: 'token' }, hashes: [], manager: undefined, passwordHash: hashes.pw },
      { principal: { id: 'robot', roles: ['worker'], groups: ['ops', 'night'], via: 'token' }, hashes: [hex('robot-secret')], manager: undefined },
      { principal: { id: 'dana', roles: ['designer', 'auditor'], groups: ['cab', 'net'], via: 'token' }, hashes: [hex('dana-1'), hex('dana-2')], manager: 'bob' },
      { principal: { id: 'z', roles: ['admin'], groups: [], via: 'token' }, hashes: [], manager: undefined, passwordHash: hashes.z },
      { principal: { id: 'long', roles: ['agent'], groups: [], via: 'token' }, hashes: [], manager: undefined, passwordHash: hashes.long },
    ]);
  });

  /** The message readUsersFile refuses a file with, its path written as F. */
  const refusal = (content: unknown, file = write(content)): string | undefined => errorOf(() => readUsersFile(file))?.message.replaceAll(file, 'F');
  const ok = { id: 'ok', roles: ['admin'] };
  const hex = sha256('t');
  const b64 = 'Az09+/==';
  const scrypt = `scrypt$16384$16$12$${b64}$${b64}`;

  test('unreadable or not JSON: the reason, with the original error as cause', () => {
    const missing = path.join(tmp, 'missing.json');
    expect(refusal(undefined, missing)).toBe("AUTH_CONFIG F: ENOENT: no such file or directory, open 'F'");
    expect(() => readUsersFile(missing)).toThrow(expect.objectContaining({ cause: expect.objectContaining({ code: 'ENOENT' }) }));
    expect(refusal('{')).toBe(`AUTH_CONFIG F: ${errorOf(() => JSON.parse('{'))!.message}`);
  });

  test('each refusal with its message', () => {
    for (const users of [undefined, {}, 'x']) expect(refusal({ users })).toBe('AUTH_CONFIG F: expected {"users": [...]}');
    expect(refusal({ users: [ok, { roles: ['admin'] }] })).toBe('AUTH_CONFIG F: users[1] has no id');
    expect(refusal({ users: [{ id: 5, roles: ['admin'] }] })).toBe('AUTH_CONFIG F: users[0] has no id');
    expect(refusal({ users: [{ id: '', roles: ['admin'] }] })).toBe('AUTH_CONFIG F: users[0] has no id');
    for (const bad of ['plain-token', hex.slice(1), `${hex}0`, `x${hex}`, 'g'.repeat(64)]) {
      expect(refusal({ users: [ok, { ...ok, tokenSha256: bad }] })).toBe('AUTH_CONFIG F: users[1] token hashes must be hex sha256');
      expect(refusal({ users: [{ ...ok, tokensSha256: [hex, bad] }] })).toBe('AUTH_CONFIG F: users[0] token hashes must be hex sha256');
    }
    for (const roles of [['wizard'], 'wizard', 5, [], undefined]) {
      expect(refusal({ users: [{ id: 'x', roles, tokenSha256: hex }] })).toBe('AUTH_CONFIG F: users[0] (x) has no known role (designer, agent, auditor, admin, worker)');
    }
    const badHashes = [
      '',
      5,
      null,
      [scrypt],
      `b${scrypt.slice(1)}`,
      `x${scrypt}`,
      `${scrypt}!`,
      `${scrypt}$more`,
      scrypt.replace('16384', 'N'),
      `scrypt$1$1$1$$${b64}`,
      `scrypt$1$1$1$${b64}$`,
    ];
    const hashMessage = 'AUTH_CONFIG F: users[1] passwordHash must be scrypt$N$r$p$<salt base64>$<hash base64> (npm run hash-password)';
    for (const passwordHash of badHashes) expect(refusal({ users: [ok, { ...ok, passwordHash }] })).toBe(hashMessage);
    expect(readUsersFile(write({ users: [{ ...ok, passwordHash: scrypt }] }))[0].passwordHash).toBe(scrypt);
  });
});

describe('Authenticator', () => {
  test('demo mode only when asked for and with neither a users file nor OIDC', () => {
    expect(demo.demo).toBe(true);
    expect(new Authenticator({ demo: false }).demo).toBe(false);
    expect(new Authenticator({ demo: true, authConfigFile: usersFile }).demo).toBe(false);
    expect(new Authenticator({ demo: true, oidc: { issuer: 'http://127.0.0.1:9/' } }).demo).toBe(false);
  });

  test('knownUsers: the demo users in demo mode, the configured ones otherwise; copies a caller cannot change the originals through', async () => {
    const known = demo.knownUsers;
    expect(known).toStrictEqual(DEMO);
    known[2].roles.push('admin');
    known[2].groups.push('root');
    expect(demo.knownUsers).toStrictEqual(DEMO);
    expect(DEMO_USERS).toStrictEqual(DEMO);
    const configured = [
      { id: 'pw', roles: ['agent'], groups: [], manager: undefined },
      { id: 'robot', roles: ['worker'], groups: ['ops', 'night'], manager: undefined },
      { id: 'dana', roles: ['designer', 'auditor'], groups: ['cab', 'net'], manager: 'bob' },
      { id: 'z', roles: ['admin'], groups: [], manager: undefined },
      { id: 'long', roles: ['agent'], groups: [], manager: undefined },
    ];
    const users = prod.knownUsers;
    expect(users).toStrictEqual(configured);
    users[2].roles.push('admin');
    users[2].groups.push('root');
    expect(prod.knownUsers).toStrictEqual(configured);
    expect(await prod.authenticate('dana-1')).toStrictEqual({ id: 'dana', roles: ['designer', 'auditor'], groups: ['cab', 'net'], via: 'token' });
    expect(new Authenticator({ demo: false }).knownUsers).toStrictEqual([]);
  });

  test('demo tokens: every demo user in demo mode, with a fresh copy each time; never outside demo mode', async () => {
    for (const u of DEMO) expect(await demo.authenticate(`demo-${u.id}`)).toStrictEqual({ ...u, via: 'demo' });
    const alice = await demo.authenticate('demo-alice');
    alice!.roles.push('admin');
    alice!.groups.push('root');
    alice!.id = 'root';
    expect(await demo.authenticate('demo-alice')).toStrictEqual({ ...DEMO[2], via: 'demo' });
    expect(await demo.authenticate('demo-mallory')).toBeUndefined();
    expect(await demo.authenticate('alice')).toBeUndefined();
    expect(await demo.authenticate('robot-secret')).toBeUndefined();
    for (const token of ['demo-alice', 'demo-admin']) expect(await prod.authenticate(token)).toBeUndefined();
  });

  test('configured tokens: compared by sha256, every token of a user, nothing else', async () => {
    expect(await prod.authenticate('robot-secret')).toStrictEqual({ id: 'robot', roles: ['worker'], groups: ['ops', 'night'], via: 'token' });
    expect(await prod.authenticate('dana-2')).toStrictEqual({ id: 'dana', roles: ['designer', 'auditor'], groups: ['cab', 'net'], via: 'token' });
    for (const token of ['robot-secreT', 'robot-secret2', 'wrong-secret', '', '~~~???x', sha256('robot-secret')]) expect(await prod.authenticate(token)).toBeUndefined();
    const robot = await prod.authenticate('robot-secret');
    robot!.id = 'root';
    robot!.roles = ['admin'];
    expect(await prod.authenticate('robot-secret')).toStrictEqual({ id: 'robot', roles: ['worker'], groups: ['ops', 'night'], via: 'token' });
  });

  // KNOWN BUG (api/auth.ts authenticate/authenticateBasic return `{ ...user.principal }`, a shallow copy): the
  // roles array of the answer IS the configured user's, so a caller that pushes a role gives it to every later
  // request of that user. Demo principals copy their arrays. Turn into `test` when fixed.
  test('a configured principal shares neither its roles nor its groups with the next answer', async () => {
    const other = new Authenticator({ demo: false, authConfigFile: usersFile });
    const first = (await other.authenticate('robot-secret'))!;
    first.roles.push('admin');
    first.groups.push('cab');
    expect(await other.authenticate('robot-secret')).toMatchObject({ roles: ['worker'], groups: ['ops', 'night'] });
    const byPassword = (await prod.authenticateBasic('pw', '~~~???x'))!;
    byPassword.roles.push('admin');
    byPassword.groups.push('cab');
    expect(await prod.authenticateBasic('pw', '~~~???x')).toStrictEqual({ id: 'pw', roles: ['agent'], groups: [], via: 'token' });
  });

  test('HTTP Basic in demo mode: the password demo-<user>', async () => {
    expect(await demo.authenticateBasic('alice', 'demo-alice')).toStrictEqual({ ...DEMO[2], via: 'demo' });
    expect(await demo.authenticateBasic('admin', 'demo-admin')).toStrictEqual({ ...DEMO[8], via: 'demo' });
    for (const [user, password] of pairs('alice:demo-bob alice: mallory:demo-mallory pw:~~~???x')) expect(await demo.authenticateBasic(user, password)).toBeUndefined();
  });

  test('HTTP Basic of configured users: only with a passwordHash and its password', async () => {
    expect(await prod.authenticateBasic('pw', '~~~???x')).toStrictEqual({ id: 'pw', roles: ['agent'], groups: [], via: 'token' });
    expect(await prod.authenticateBasic('z', 'p:a:ss')).toStrictEqual({ id: 'z', roles: ['admin'], groups: [], via: 'token' });
    for (const [user, password] of pairs('pw:~~~???X z:~~~???x dana:dana-1 nobody:~~~???x alice:demo-alice')) expect(await prod.authenticateBasic(user, password)).toBeUndefined();
  });

  test('parseAuthorization: one bearer token, or Basic user:password split at the first colon; malformed, with the problem; no header', () => {
    const b64 = (text: string) => Buffer.from(text).toString('base64');
    const bearer = (token: string) => ({ scheme: 'bearer', token });
    const basicOf = (user: string, password: string) => ({ scheme: 'basic', user, password });
    const malformed = (problem: keyof typeof MALFORMED) => ({ scheme: 'malformed', problem: MALFORMED[problem] });
    const cases: [string | undefined, unknown][] = [
      [undefined, undefined],
      ['', undefined],
      ['Bearer tok', bearer('tok')],
      ['bearer tok', bearer('tok')],
      ['BEARER   t.o-k  \t ', bearer('t.o-k')],
      ['Bearer\ttok', bearer('tok')],
      ['Bearer', malformed('bearer')],
      ['Bearer   ', malformed('bearer')],
      ['Bearer tok x', malformed('bearer')],
      ['bearer\ttok x', malformed('bearer')],
      ['Bearertok', malformed('other')],
      ['XBearer tok', malformed('other')],
      [' Bearer tok', malformed('other')],
      [`Basic ${b64('u:pw')}`, basicOf('u', 'pw')],
      [`basic   ${b64('u:pw')} \t `, basicOf('u', 'pw')],
      [`BASIC\t${b64('z:p:a:ss')}`, basicOf('z', 'p:a:ss')],
      [`Basic ${b64('u:')}`, basicOf('u', '')],
      [`Basic ${b64('ab:c')}`, basicOf('ab', 'c')],
      [`Basic ${b64(':pw')}`, malformed('basic')],
      [`Basic ${b64('abc')}`, malformed('basic')],
      ['Basic', malformed('basic')],
      ['Basic ', malformed('basic')],
      ['Basic !!!', malformed('basic')],
      [`Basic ${b64('u:pw')} x`, malformed('basic')],
      [`Basic ${'QQ'.repeat(1001)}`, malformed('basic')],
      ['Basicx dTpwdw==', malformed('other')],
      [`X${basic('u:pw')}`, malformed('other')],
      ['Token tok', malformed('other')],
      ['demo-alice', malformed('other')],
    ];
    for (const [header, expected] of cases) expect([header, parseAuthorization(header)]).toStrictEqual([header, expected]);
  });

  test('authenticateHeader: Bearer or Basic, nothing else', async () => {
    const id = async (header: string | undefined, auth = demo) => (await auth.authenticateHeader(header))?.id;
    for (const h of ['Bearer demo-alice', 'bearer demo-alice', 'BEARER   demo-alice \t ', basic('alice:demo-alice'), `basic  ${basic('alice:demo-alice').slice(6)}  `])
      expect(await id(h)).toBe('alice');
    for (const h of [undefined, '', 'demo-alice', 'Bearer', 'Bearer demo-alice x', 'XBearer demo-alice', 'Token demo-alice', 'Basic', 'Basic !!!'])
      expect(await id(h)).toBeUndefined();
    expect(await id(`X${basic('alice:demo-alice')}`)).toBeUndefined();
    for (const h of [basic('alice'), basic(':demo-alice'), basic('alice:demo-alice x'), `${basic('alice:demo-alice')} x`]) expect(await id(h)).toBeUndefined();
    expect(await id(basic('z:p:a:ss'), prod)).toBe('z');
    expect(await id(basic('z:p:a'), prod)).toBeUndefined();
    expect([basic('pw:~~~???x'), await id(basic('pw:~~~???x'), prod)]).toEqual(['Basic cHc6fn5+Pz8/eA==', 'pw']); // +, / and = are taken
    const long = basic(`long:${LONG}`);
    expect(long.length).toBe('Basic '.length + 2000);
    expect(await id(long, prod)).toBe('long');
    expect(Buffer.from(`${long.slice(6)}=`, 'base64').toString()).toBe(`long:${LONG}`);
    expect(await id(`${long}=`, prod)).toBeUndefined();
  });

  test('sessionCaller: a live session is its token authenticated again; a refused token or another user ends it', async () => {
    const sessions = new SessionStore(60_000, 10, () => 1_000);
    const auth = new Authenticator({ demo: true }, sessions);
    const live = sessions.open('demo-alice', 'alice');
    expect(await auth.sessionCaller(live.id)).toStrictEqual({ ...DEMO[2], via: 'demo', expiresAt: 61_000 });
    expect(await auth.sessionCaller('no-such-session')).toBeUndefined();
    for (const [token, user] of pairs('demo-nobody:nobody demo-alice:bob')) {
      const s = sessions.open(token, user);
      expect(await auth.sessionCaller(s.id)).toBeUndefined();
      expect(sessions.lookup(s.id)).toBeUndefined();
    }
    expect(sessions.lookup(live.id)).toEqual({ token: 'demo-alice', userId: 'alice', expiresAt: 61_000 });
    expect(await new Authenticator({ demo: true }).sessionCaller(live.id)).toBeUndefined();
  });
});

describe('requireRole', () => {
  const sessions = new SessionStore(60_000, 10);
  const app = appFor(new Authenticator({ demo: true }, sessions));
  let cookie: string;
  beforeAll(() => {
    cookie = `${SESSION_COOKIE}=${sessions.open('demo-alice', 'alice').id}`;
  });
  const expectOk = (res: request.Response, id: string) => expect([res.status, res.text]).toEqual([200, id]);
  const expectError = (res: request.Response, status: number, message: string) => {
    expect([res.status, res.body]).toEqual([status, { error: { code: status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN', message } }]);
    expect(res.headers['www-authenticate']).toBe(status === 401 ? 'Bearer' : undefined);
  };

  test('public needs no token and sets no caller', async () => {
    expectOk(await request(app).get('/public'), 'public true');
    expectOk(await request(app).post('/public').set('Authorization', 'Bearer demo-alice'), 'public true');
    expectOk(await request(app).post('/public').set('Authorization', 'Bearer nope'), 'public true');
  });

  test('a bearer token or Basic credentials sign in; the cookie is not looked at then', async () => {
    for (const h of ['Bearer demo-alice', 'bearer demo-alice', 'Bearer  demo-alice', basic('alice:demo-alice'), `basic ${basic('alice:demo-alice').slice(6)}`]) {
      expectOk(await request(app).post('/tasks.work').set('Authorization', h), 'alice');
    }
    expectOk(await request(app).post('/jobs.work').set('Authorization', 'Bearer demo-worker').set('Cookie', cookie), 'worker');
    expectError(await request(app).get('/tasks.read').set('Authorization', 'Bearer demo-nobody').set('Cookie', cookie), 401, 'invalid or expired bearer token');
    expectError(await request(app).get('/tasks.read').set('Authorization', basic('alice:wrong')).set('Cookie', cookie), 401, 'wrong user name or password');
  });

  test('401 with the reason and WWW-Authenticate: Bearer', async () => {
    expectError(await request(app).get('/tasks.read').set('Authorization', 'Bearer nope'), 401, 'invalid or expired bearer token');
    for (const h of [basic('alice:wrong'), basic('mallory:demo-mallory')]) {
      expectError(await request(app).get('/tasks.read').set('Authorization', h), 401, 'wrong user name or password');
    }
    expectError(await request(app).get('/tasks.read').set('Cookie', `${SESSION_COOKIE}=gone`), 401, 'the session ended (signed out or expired): sign in again');
    expectError(await request(app).get('/tasks.read'), 401, 'missing bearer token (Authorization: Bearer <token>) or session');
  });

  test('a malformed Authorization header: 401 naming its problem, even beside a live session cookie, which stays live', async () => {
    const cases: [string, string][] = [
      ['Bearer demo-alice x', MALFORMED.bearer],
      ['Bearer', MALFORMED.bearer],
      ['Basic', MALFORMED.basic],
      ['Basic !!!', MALFORMED.basic],
      ['Basic alice', MALFORMED.basic],
      [basic(':demo-alice'), MALFORMED.basic],
      ['Token demo-alice', MALFORMED.other],
      ['XBearer demo-alice', MALFORMED.other],
      [`X${basic('alice:demo-alice')}`, MALFORMED.other],
    ];
    for (const [h, message] of cases) {
      expectError(await request(app).get('/tasks.read').set('Authorization', h), 401, message);
      expectError(await request(app).get('/tasks.read').set('Authorization', h).set('Cookie', cookie), 401, message);
      expectError(await request(app).post('/tasks.work').set('Authorization', h).set('Cookie', cookie).set('X-ProcessDesk-CSRF', '1'), 401, message);
    }
    expectOk(await request(app).get('/tasks.read').set('Cookie', cookie), 'alice');
  });

  test('an empty Authorization header is no header: the session cookie signs in', async () => {
    expectOk(await request(app).get('/tasks.read').set('Authorization', '').set('Cookie', cookie), 'alice');
    expectError(await request(app).get('/tasks.read').set('Authorization', ''), 401, 'missing bearer token (Authorization: Bearer <token>) or session');
  });

  test('403 names the caller, their roles and the permission', async () => {
    expectError(await request(app).post('/jobs.work').set('Authorization', 'Bearer demo-alice'), 403, 'alice (agent) may not jobs.work');
    const prodApp = appFor(prod);
    expectError(await request(prodApp).get('/jobs.work').set('Authorization', 'Bearer dana-1'), 403, 'dana (designer, auditor) may not jobs.work');
    expectOk(await request(prodApp).get('/history.export').set('Authorization', 'Bearer dana-2'), 'dana');
    expectOk(await request(prodApp).get('/queues.admin').set('Authorization', basic('z:p:a:ss')), 'z');
  });

  test('the session cookie: reads freely, a change only with the CSRF header', async () => {
    expectOk(await request(app).get('/tasks.read').set('Cookie', cookie), 'alice');
    const csrf = 'a change signed in by the session cookie needs the header X-ProcessDesk-CSRF: 1 (a cross-site request is refused)';
    for (const method of ['post', 'put', 'delete'] as const) expectError(await request(app)[method]('/tasks.work').set('Cookie', cookie), 403, csrf);
    expectError(await request(app).post('/jobs.work').set('Cookie', cookie), 403, csrf);
    expectOk(await request(app).post('/tasks.work').set('Cookie', cookie).set('X-ProcessDesk-CSRF', '1'), 'alice');
    expectError(await request(app).post('/jobs.work').set('Cookie', cookie).set('X-ProcessDesk-CSRF', '1'), 403, 'alice (agent) may not jobs.work');
  });

  test('principalOf without a principal: 401', () => {
    expect(errorOf(() => principalOf({ locals: {} } as Response))).toMatchObject({ code: 'UNAUTHORIZED', status: 401, message: 'missing or invalid bearer token' });
  });
});
