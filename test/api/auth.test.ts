/**
 * Authentication (demo tokens, the production users file, OIDC JWTs) and the authorization matrix:
 * for EVERY operation of the catalog and EVERY role, allowed or 403, as the hand-written policy table
 * (test/api/policy.ts) says, not as api/auth.ts's PERMISSIONS says: a widened permission fails here.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import request from 'supertest';
import { Authenticator, DEMO_USERS, isAllowed, PERMISSIONS, ROLES, type Role } from '../../api/auth';
import { DEMO_USERS as WEB_DEMO_USERS } from '../../modeler/src/api';
import { loadConfig } from '../../api/config';
import { OPERATIONS, type OperationId } from '../../api/operations';
import { bearer, deploy, expectError, fixture, startApi, type TestApi } from './helpers';
import { POLICY, policyAllows } from './policy';

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-auth-'));
const usersFile = path.join(tmp, 'users.json');
fs.writeFileSync(
  usersFile,
  JSON.stringify({
    users: [
      { id: 'robot', roles: ['worker'], tokenSha256: sha256('worker-secret') },
      { id: 'dana', roles: ['agent'], groups: ['service-desk'], tokensSha256: [sha256('dana-1'), sha256('dana-2')] },
      { id: 'root', roles: ['admin'], tokenSha256: sha256('root-secret') },
    ],
  }),
);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** One caller per role: the demo users, and the worker from the users file. */
const CALLERS: Record<Role, Record<string, string>> = {
  designer: bearer('owner'),
  agent: bearer('alice'),
  auditor: bearer('carol'),
  admin: bearer('admin'),
  worker: bearer('worker'),
};

/** A well-formed request for each operation (ids that do not exist are fine: allowed means "not 401/403"). */
const REQUESTS: Record<OperationId, { path: string; body?: unknown; query?: Record<string, string> }> = {
  createDeployment: { path: '/api/deployments', body: { resources: [fixture('wcp01-sequence')] } },
  listProcesses: { path: '/api/processes' },
  getProcess: { path: '/api/processes/wcp01' },
  getProcessXml: { path: '/api/processes/wcp01/xml' },
  getProcessMachine: { path: '/api/processes/wcp01/machine' },
  listProcessVersions: { path: '/api/processes/wcp01/versions' },
  getProcessHeatmap: { path: '/api/processes/wcp01/heatmap' },
  listForms: { path: '/api/forms' },
  getForm: { path: '/api/forms/x' },
  listDrafts: { path: '/api/drafts' },
  getDraft: { path: '/api/drafts/wcp01' },
  saveDraft: { path: '/api/drafts/wcp01', body: { xml: '<bpmn:definitions />' } },
  deleteDraft: { path: '/api/drafts/wcp01' },
  startInstance: { path: '/api/process-instances', body: { processId: 'wcp01' } },
  listStartableProcesses: { path: '/api/startable-processes' },
  listInstances: { path: '/api/process-instances' },
  getInstance: { path: '/api/process-instances/x' },
  cancelInstance: { path: '/api/process-instances/x/cancel' },
  setInstanceVariables: { path: '/api/process-instances/x/variables', body: { variables: { fixed: true } } },
  activateAdHocElements: { path: '/api/process-instances/x/ad-hoc-activities', body: { element: 'AdHoc', elements: ['A'] } },
  migrateInstance: { path: '/api/process-instances/x/migration', body: { targetDefinitionKey: 'wcp01:2' } },
  modifyInstance: { path: '/api/process-instances/x/modification', body: { terminateInstructions: [{ elementId: 'A' }] } },
  getInstanceHistory: { path: '/api/process-instances/x/history' },
  listInstanceLinks: { path: '/api/process-instances/x/links' },
  linkInstance: { path: '/api/process-instances/x/links', body: { targetId: 'y' } },
  verifyInstanceHistory: { path: '/api/process-instances/x/history/verify' },
  exportHistory: { path: '/api/history/export', query: { processId: 'wcp01' } },
  getHistoryPublicKey: { path: '/api/history/public-key' },
  listCheckpoints: { path: '/api/history/checkpoints' },
  verifyCheckpoints: { path: '/api/history/verify' },
  listTasks: { path: '/api/tasks' },
  getTask: { path: '/api/tasks/x' },
  claimTask: { path: '/api/tasks/x/claim' },
  unclaimTask: { path: '/api/tasks/x/unclaim' },
  completeTask: { path: '/api/tasks/x/complete', body: { variables: {} } },
  publishMessage: { path: '/api/messages', body: { name: 'm', correlationKey: 'k', variables: {} } },
  broadcastSignal: { path: '/api/signals', body: { name: 's' } },
  activateJobs: { path: '/api/jobs/activate', body: { type: 't', worker: 'w', maxJobs: 1, lockMs: 1000 } },
  completeJob: { path: '/api/jobs/x/complete', body: { variables: {} } },
  failJob: { path: '/api/jobs/x/fail', body: { retries: 1, errorMessage: 'e' } },
  throwJobError: { path: '/api/jobs/x/error', body: { errorCode: 'E' } },
  listIncidents: { path: '/api/incidents' },
  getSlaReport: { path: '/api/reports/sla' },
  resolveIncident: { path: '/api/incidents/x/resolve' },
  retryIncidents: { path: '/api/incidents/retry', body: { ids: ['x'] } },
  health: { path: '/api/health' },
  metrics: { path: '/api/metrics' },
  me: { path: '/api/me' },
  createSession: { path: '/api/session', body: { token: 'demo-alice' } },
  getSession: { path: '/api/session' },
  deleteSession: { path: '/api/session' },
  delegateTask: { path: '/api/tasks/nope/delegate', body: { to: 'bob' } },
  getInstanceEvidence: { path: '/api/process-instances/nope/evidence' },
  listTaskViews: { path: '/api/task-views' },
  saveTaskView: { path: '/api/task-views', body: { name: 'mine', query: { state: 'created' } } },
  deleteTaskView: { path: '/api/task-views/nope' },
  listAssignableUsers: { path: '/api/users/assignable' },
  listTaskNotes: { path: '/api/tasks/nope/notes' },
  addTaskNote: { path: '/api/tasks/nope/notes', body: { text: 'n' } },
  listTaskAttachments: { path: '/api/tasks/nope/attachments' },
  addTaskAttachment: { path: '/api/tasks/nope/attachments', body: { name: 'a.txt', contentType: 'text/plain', content: 'aGk=' } },
  downloadAttachment: { path: '/api/attachments/nope' },
  openapi: { path: '/api/openapi.json' },
  listChangeCalendar: { path: '/api/change-calendar' },
};

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
  await deploy(api.app, [fixture('wcp01-sequence')]);
});
afterAll(() => api.close());

function send(id: OperationId, headers: Record<string, string>): request.Test {
  const op = OPERATIONS[id];
  const r = REQUESTS[id];
  const req = request(api.app)[op.method](r.path).set(headers);
  if (r.query) req.query(r.query);
  return op.method === 'post' || op.method === 'put' ? req.send((r.body ?? {}) as object) : req;
}

test('the sign-in page lists the demo users the server knows, with their roles and groups (the worker signs in nowhere)', () => {
  const server = DEMO_USERS.filter((u) => !u.roles.includes('worker')).map(({ id, roles, groups }) => ({ id, roles, groups }));
  expect(WEB_DEMO_USERS.map(({ id, roles, groups }) => ({ id, roles, groups }))).toEqual(server);
});

describe('authorization matrix', () => {
  test('the matrix names only known roles, and the auditor may POST nothing (but sign in, a public route)', () => {
    for (const roles of Object.values(PERMISSIONS)) for (const r of roles) expect(ROLES).toContain(r);
    for (const op of Object.values(OPERATIONS)) if (op.method === 'post' && op.permission !== 'public') expect(isAllowed({ roles: ['auditor'] }, op.permission)).toBe(false);
  });

  test('the policy table covers every operation of the catalog and nothing else', () => {
    expect(Object.keys(POLICY).sort()).toEqual(Object.keys(OPERATIONS).sort());
  });

  const cases = (Object.keys(OPERATIONS) as OperationId[]).flatMap((id) => ROLES.map((role) => [id, role] as const));
  test.each(cases)('%s as %s', async (id, role) => {
    const op = OPERATIONS[id];
    const res = await send(id, CALLERS[role]);
    if (policyAllows(id, role)) {
      if ([401, 403].includes(res.status) || /^no route/.test(res.body?.error?.message ?? '')) {
        throw new Error(`${role} should be allowed ${op.method} ${op.path}: ${res.status} ${JSON.stringify(res.body)}`);
      }
      expect(res.status).toBeLessThan(500);
    } else {
      expectError(res, 403, 'FORBIDDEN');
    }
  });

  test.each(Object.keys(OPERATIONS) as OperationId[])('%s without a token', async (id) => {
    const res = await send(id, {});
    if (POLICY[id].may === 'anyone') expect(res.status).toBe(200);
    else {
      expectError(res, 401, 'UNAUTHORIZED');
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
  });
});

describe('production mode', () => {
  let prod: TestApi;
  beforeAll(async () => {
    prod = await startApi({ demo: false, authConfigFile: usersFile });
  });
  afterAll(() => prod.close());

  test('demo tokens are refused', async () => {
    for (const user of ['owner', 'alice', 'admin', 'worker']) expectError(await request(prod.app).get('/api/processes').set(bearer(user)), 401, 'UNAUTHORIZED');
  });

  test('demo tokens are refused beside a users file even when a config says demo', async () => {
    const both = await startApi({ demo: true, authConfigFile: usersFile });
    try {
      expectError(await request(both.app).get('/api/processes').set(bearer('admin')), 401, 'UNAUTHORIZED');
      expect((await request(both.app).get('/api/processes').set({ Authorization: 'Bearer root-secret' })).status).toBe(200);
      expect((await request(both.app).get('/api/health')).body.demo).toBe(false);
    } finally {
      await both.close();
    }
  });

  test('tokens of the users file (sha256-hashed) work, with their roles and groups', async () => {
    expect((await request(prod.app).get('/api/processes').set({ Authorization: 'Bearer root-secret' })).status).toBe(200);
    expect((await request(prod.app).get('/api/tasks').set({ Authorization: 'Bearer dana-2' })).status).toBe(200);
    expectError(await request(prod.app).get('/api/incidents').set({ Authorization: 'Bearer dana-1' }), 403, 'FORBIDDEN');
    expect((await request(prod.app).post('/api/jobs/activate').set({ Authorization: 'Bearer worker-secret' }).send({ type: 't', worker: 'w' })).status).toBe(200);
    expectError(await request(prod.app).get('/api/processes').set({ Authorization: 'Bearer root-secret2' }), 401, 'UNAUTHORIZED');
  });

  test('the root page does not advertise demo users', async () => {
    expect((await request(prod.app).get('/')).text).not.toContain('demo-alice');
  });
});

describe('OIDC JWTs', () => {
  let server: http.Server;
  let issuer: string;
  let sign: (claims: Record<string, unknown>, opts?: { audience?: string; expires?: string }) => Promise<string>;
  let oidc: TestApi;

  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    server = http.createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/.well-known/openid-configuration') res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
      else if (req.url === '/jwks') res.end(JSON.stringify({ keys: [jwk] }));
      else res.writeHead(404).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    sign = (claims, opts = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer(issuer)
        .setAudience(opts.audience ?? 'processdesk')
        .setSubject(String(claims.sub ?? 'u1'))
        .setIssuedAt()
        .setExpirationTime(opts.expires ?? '5m')
        .sign(privateKey);
    oidc = await startApi({ demo: false, oidc: { issuer, audience: 'processdesk' } });
  });
  afterAll(async () => {
    await oidc.close();
    await new Promise((r) => server.close(r));
  });

  test('a valid JWT authenticates, with roles and groups from its claims', async () => {
    const token = await sign({ preferred_username: 'erin', roles: ['agent'], groups: ['service-desk'] });
    expect(
      (
        await request(oidc.app)
          .get('/api/tasks')
          .set({ Authorization: `Bearer ${token}` })
      ).status,
    ).toBe(200);
    expectError(
      await request(oidc.app)
        .post('/api/deployments')
        .set({ Authorization: `Bearer ${token}` })
        .send({ resources: [fixture('wcp01-sequence')] }),
      403,
      'FORBIDDEN',
    );
    const designer = await sign({ sub: 'frank', realm_access: { roles: ['designer'] } });
    expect(
      (
        await request(oidc.app)
          .post('/api/deployments')
          .set({ Authorization: `Bearer ${designer}` })
          .send({ resources: [fixture('wcp01-sequence')] })
      ).status,
    ).toBe(201);
  });

  test('wrong audience, expired, tampered and roleless tokens', async () => {
    expectError(
      await request(oidc.app)
        .get('/api/tasks')
        .set({ Authorization: `Bearer ${await sign({ roles: ['agent'] }, { audience: 'other' })}` }),
      401,
      'UNAUTHORIZED',
    );
    expectError(
      await request(oidc.app)
        .get('/api/tasks')
        .set({ Authorization: `Bearer ${await sign({ roles: ['agent'] }, { expires: '-1m' })}` }),
      401,
      'UNAUTHORIZED',
    );
    const token = await sign({ roles: ['agent'] });
    const [h, p, s] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), roles: ['admin'] })).toString('base64url');
    expectError(
      await request(oidc.app)
        .get('/api/tasks')
        .set({ Authorization: `Bearer ${h}.${forged}.${s}` }),
      401,
      'UNAUTHORIZED',
    );
    expectError(
      await request(oidc.app)
        .get('/api/tasks')
        .set({ Authorization: `Bearer ${await sign({ roles: ['superuser'] })}` }),
      403,
      'FORBIDDEN',
    );
  });
});

describe('configuration', () => {
  test('defaults and environment', () => {
    const c = loadConfig({ DEMO: 'on' }, '/srv', []);
    expect(c).toEqual(expect.objectContaining({ port: 3000, dataDir: '/srv/data', demo: true, rateLimitPerMinute: 6000, bodyLimit: '6mb', logLevel: 'info' }));
    const e = loadConfig(
      { PORT: '8080', DATA_DIR: '/var/pd', AUTH_CONFIG: 'users.json', RATE_LIMIT_PER_MINUTE: '10', BODY_LIMIT: '1mb', OIDC_ISSUER: 'https://id.example', OIDC_AUDIENCE: 'pd' },
      '/srv',
      [],
    );
    expect(e).toEqual(expect.objectContaining({ port: 8080, dataDir: '/var/pd', demo: false, authConfigFile: '/srv/users.json', rateLimitPerMinute: 10, bodyLimit: '1mb' }));
    expect(e.oidc).toEqual({ issuer: 'https://id.example', audience: 'pd', jwksUri: undefined });
    expect(loadConfig({}, '/srv', ['node', 'main.js', '--demo']).demo).toBe(true);
  });

  test('demo mode only when asked for, never with users configured; NODE_ENV plays no part', () => {
    for (const NODE_ENV of [undefined, 'development', 'staging', 'prod', 'production']) {
      expect(() => loadConfig({ NODE_ENV }, '/srv', [])).toThrow(/no users: set AUTH_CONFIG/);
    }
    expect(loadConfig({ DEMO: 'on', AUTH_CONFIG: 'users.json' }, '/srv', [])).toEqual(expect.objectContaining({ demo: false, demoIgnored: true }));
    expect(loadConfig({ OIDC_ISSUER: 'https://id.example' }, '/srv', ['--demo'])).toEqual(expect.objectContaining({ demo: false, demoIgnored: true }));
    expect(loadConfig({ DEMO: 'off', AUTH_CONFIG: 'users.json' }, '/srv', []).demo).toBe(false);
  });

  test('bad numbers are refused', () => {
    expect(() => loadConfig({ DEMO: 'on', PORT: 'eighty' }, '/srv', [])).toThrow(/PORT/);
  });

  test('a broken users file is refused with a reason', () => {
    const bad = path.join(tmp, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({ users: [{ id: 'x', roles: ['wizard'], tokenSha256: sha256('x') }] }));
    expect(() => new Authenticator({ demo: false, authConfigFile: bad })).toThrow(/no known role/);
    fs.writeFileSync(bad, JSON.stringify({ users: [{ id: 'x', roles: ['admin'], tokenSha256: 'plain-token' }] }));
    expect(() => new Authenticator({ demo: false, authConfigFile: bad })).toThrow(/hex sha256/);
    fs.writeFileSync(bad, '{');
    expect(() => new Authenticator({ demo: false, authConfigFile: bad })).toThrow(/AUTH_CONFIG/);
  });
});
