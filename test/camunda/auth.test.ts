/**
 * Sign-in and roles on /v2: every operation by every role (HTTP Basic with the demo users) against the
 * hand-written table of policy.ts; no credentials is a 401 with a Basic challenge; bearer tokens work
 * as on /api; AUTH_CONFIG users sign in with a `passwordHash` made by `npm run hash-password`.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROLES, type Role } from '../../api/auth';
import { V2_OPERATIONS, type V2OperationId } from '../../api/camunda/catalog';
import { readUsersFile } from '../../api/auth';
import { REPO_DIR } from '../support/paths';
import { V2_POLICY } from './policy';
import { startV2Server, type V2Server } from './server';

const USER_OF: Record<Role, string> = { designer: 'owner', agent: 'alice', auditor: 'carol', admin: 'admin', worker: 'worker' };
const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** A well-formed request per operation (keys that name nothing are fine: allowed means "not 401/403"). */
const BODIES: Partial<Record<V2OperationId, unknown>> = {
  createProcessInstance: { processDefinitionId: 'nothing-here' },
  searchProcessInstances: {},
  cancelProcessInstance: {},
  searchProcessDefinitions: {},
  activateJobs: { type: 'nothing', timeout: 1000, maxJobsToActivate: 1, requestTimeout: -1 },
  completeJob: {},
  failJob: { retries: 0 },
  throwJobError: { errorCode: 'X' },
  updateJob: { changeset: { retries: 2 } },
  searchUserTasks: {},
  assignUserTask: { assignee: 'alice' },
  completeUserTask: {},
  updateUserTask: { changeset: {} },
  searchIncidents: {},
  resolveIncident: {},
  publishMessage: { name: 'nothing', correlationKey: 'k' },
  correlateMessage: { name: 'nothing', correlationKey: 'k' },
  broadcastSignal: { signalName: 'nothing' },
  searchVariables: {},
  searchUserTaskVariables: {},
  searchProcessInstanceIncidents: {},
  searchElementInstances: { filter: { processInstanceKey: '1' } },
  evaluateDecision: { decisionDefinitionId: 'nothing' },
};

let s: V2Server;
beforeAll(async () => {
  s = await startV2Server();
});
afterAll(async () => {
  await s.close();
});

async function send(id: V2OperationId, authorization?: string): Promise<Response> {
  const op = V2_OPERATIONS[id];
  const url = `${s.url}/v2${op.path.replace(/:\w+/g, '1')}`;
  const headers: Record<string, string> = authorization ? { authorization } : {};
  if (id === 'createDeployment') {
    const form = new FormData();
    form.append('resources', new File(['<not-bpmn/>'], 'x.bpmn'));
    return fetch(url, { method: 'POST', headers, body: form });
  }
  const body = BODIES[id];
  return fetch(url, { method: op.method.toUpperCase(), headers: { ...headers, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
}

test('the policy table covers every operation of the catalog and nothing else', () => {
  expect(Object.keys(V2_POLICY).sort()).toEqual(Object.keys(V2_OPERATIONS).sort());
});

const cases = (Object.keys(V2_OPERATIONS) as V2OperationId[]).flatMap((id) => ROLES.map((role) => [id, role] as const));
test.each(cases)('%s as %s', async (id, role) => {
  const res = await send(id, basic(USER_OF[role], `demo-${USER_OF[role]}`));
  const problem = res.headers.get('content-type')?.includes('json') ? await res.json() : undefined;
  if (V2_POLICY[id].includes(role)) {
    if ([401, 403].includes(res.status)) throw new Error(`${role} should be allowed ${id}: ${res.status} ${JSON.stringify(problem)}`);
    // 501: an operation ProcessDesk does not support, after the role check passed
    expect(res.status === 501 || res.status < 500).toBe(true);
  } else {
    expect(res.status).toBe(403);
    expect(problem).toMatchObject({ status: 403, title: 'FORBIDDEN' });
  }
});

test.each(Object.keys(V2_OPERATIONS) as V2OperationId[])('%s without credentials: 401 with a Basic challenge', async (id) => {
  const res = await send(id);
  expect(res.status).toBe(401);
  expect(res.headers.get('www-authenticate')).toBe('Basic realm="ProcessDesk"');
});

test('HTTP Basic signs in on /api too, with the same users', async () => {
  const me = await fetch(`${s.url}/api/me`, { headers: { authorization: basic('alice', 'demo-alice') } });
  expect(await me.json()).toMatchObject({ id: 'alice', roles: ['agent'] });
  const wrong = await fetch(`${s.url}/api/me`, { headers: { authorization: basic('alice', 'demo-bob') } });
  expect(wrong.status).toBe(401);
});

test('bearer tokens sign in on /v2 as on /api; a wrong demo password is refused', async () => {
  expect((await fetch(`${s.url}/v2/topology`, { headers: { authorization: 'Bearer demo-worker' } })).status).toBe(200);
  expect((await fetch(`${s.url}/v2/topology`, { headers: { authorization: basic('worker', 'demo-admin') } })).status).toBe(401);
  expect((await fetch(`${s.url}/v2/topology`, { headers: { authorization: basic('nobody', 'demo-nobody') } })).status).toBe(401);
});

describe('AUTH_CONFIG users with a password hash', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-v2-auth-'));
  const file = path.join(dir, 'users.json');
  let prod: V2Server;

  beforeAll(async () => {
    // the hash as an operator makes it: the script, the password on stdin
    const hash = execFileSync(process.execPath, ['--require', 'tsx/cjs', 'api/hashPassword.ts'], { cwd: REPO_DIR, input: 'correct horse\n' }).toString().trim();
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    const tokenSha256 = createHash('sha256').update('robot-token').digest('hex');
    fs.writeFileSync(file, JSON.stringify({ users: [{ id: 'robot', roles: ['worker'], passwordHash: hash, tokenSha256 }] }));
    prod = await startV2Server({ demo: false, authConfigFile: file });
  });
  afterAll(async () => {
    await prod.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the right password signs in (the official client), a wrong one and demo passwords do not', async () => {
    expect((await prod.client('robot', 'correct horse').getTopology()).clusterSize).toBe(1);
    await expect(prod.client('robot', 'correct horse!').getTopology()).rejects.toMatchObject({ status: 401 });
    await expect(prod.client('admin', 'demo-admin').getTopology()).rejects.toMatchObject({ status: 401 });
    expect((await fetch(`${prod.url}/v2/topology`, { headers: { authorization: 'Bearer robot-token' } })).status).toBe(200);
  });

  test('a malformed passwordHash stops the server from starting with the user named', () => {
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({ users: [{ id: 'robot', roles: ['worker'], passwordHash: 'plain-text' }] }));
    expect(() => readUsersFile(bad)).toThrow(/users\[0\] passwordHash must be scrypt/);
  });
});
