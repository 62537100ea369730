/**
 * Camunda's client signing in to /v2 as its users configure OAuth (`CAMUNDA_AUTH_STRATEGY=OAUTH`: a
 * client-credentials token from the identity provider's token endpoint, sent as a bearer token), with
 * ProcessDesk checking the JWT against `OIDC_ISSUER`'s keys as on /api. The identity provider is a
 * small one of this test's own (discovery, JWKS, a token endpoint with three registered clients): it
 * signs real RS256 tokens that ProcessDesk verifies through the same code as in production.
 */
import http from 'node:http';
import { createCamundaClient, type CamundaClient } from '@camunda8/orchestration-cluster-api';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { brand, fixtureFile, NOW } from './clientSuite';
import { startV2Server, type V2Server } from './server';

/** The identity provider's registered clients: secret and the claims their tokens carry. */
const CLIENTS: Record<string, { secret: string; claims: Record<string, unknown> }> = {
  'release-bot': { secret: 'rb-secret', claims: { roles: ['designer'] } },
  'desk-app': { secret: 'da-secret', claims: { roles: ['agent'], groups: ['service-desk'] } },
  'billing-worker': { secret: 'bw-secret', claims: { realm_access: { roles: ['worker'] } } },
};

let idp: http.Server;
let issuer: string;
let tokensIssued = 0;
let s: V2Server;
const clients: CamundaClient[] = [];

beforeAll(async () => {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'idp-1', alg: 'RS256', use: 'sig' };
  idp = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/.well-known/openid-configuration') return res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks`, token_endpoint: `${issuer}/token` }));
    if (req.url === '/jwks') return res.end(JSON.stringify({ keys: [jwk] }));
    if (req.url !== '/token' || req.method !== 'POST') return res.writeHead(404).end('{}');
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const client = CLIENTS[form.get('client_id') ?? ''];
      if (form.get('grant_type') !== 'client_credentials' || !client || client.secret !== form.get('client_secret')) {
        return res.writeHead(401).end(JSON.stringify({ error: 'invalid_client' }));
      }
      void new SignJWT({ ...client.claims, preferred_username: form.get('client_id') })
        .setProtectedHeader({ alg: 'RS256', kid: 'idp-1' })
        .setIssuer(issuer)
        .setAudience(form.get('audience') ?? '')
        .setSubject(`client-${form.get('client_id')}`)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey)
        .then((token) => {
          tokensIssued++;
          res.end(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 300 }));
        });
    });
  });
  await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(idp.address() as { port: number }).port}`;
  s = await startV2Server({ demo: false, oidc: { issuer, audience: 'processdesk-api' } });
});
afterAll(async () => {
  for (const c of clients) c.stopAllWorkers();
  await s.close();
  await new Promise((r) => idp.close(r));
});

function oauthClient(clientId: string, secret: string, audience = 'processdesk-api'): CamundaClient {
  const client = createCamundaClient({
    config: {
      CAMUNDA_REST_ADDRESS: s.url,
      CAMUNDA_AUTH_STRATEGY: 'OAUTH',
      CAMUNDA_OAUTH_URL: `${issuer}/token`,
      CAMUNDA_CLIENT_ID: clientId,
      CAMUNDA_CLIENT_SECRET: secret,
      CAMUNDA_TOKEN_AUDIENCE: audience,
      CAMUNDA_OAUTH_RETRY_MAX: '1',
      CAMUNDA_SDK_VALIDATION: 'req:fanatical,res:fanatical',
      CAMUNDA_SDK_LOG_LEVEL: 'silent',
    } as never,
  });
  clients.push(client);
  return client;
}

test('OAuth clients deploy, start and work jobs with their tokens; history names each client as the actor', async () => {
  const designer = oauthClient('release-bot', 'rb-secret');
  const desk = oauthClient('desk-app', 'da-secret');
  const worker = oauthClient('billing-worker', 'bw-secret');
  await designer.createDeployment({ resources: [fixtureFile('v2-order.bpmn')] });
  const started = await desk.createProcessInstance({ processDefinitionId: brand('v2-order'), variables: { amount: 5, orderId: 'oauth-1' } });
  const { jobs } = await worker.activateJobs({ type: 'v2-charge', timeout: 30_000, maxJobsToActivate: 1, requestTimeout: 5000 });
  expect(jobs.map((j) => j.processInstanceKey)).toEqual([started.processInstanceKey]);
  await worker.completeJob({ jobKey: jobs[0].jobKey });
  const tasks = await desk.searchUserTasks({ filter: { processInstanceKey: started.processInstanceKey } }, NOW);
  expect(tasks.items).toHaveLength(1); // the agent's group sees the task the order reached

  const [instance] = (await s.engine.listInstances({ limit: 10 })).items;
  const history = await s.engine.getHistory(instance.id);
  const actorOf = (type: string): string | undefined => history.find((e) => e.type === type)?.actor;
  expect(actorOf('instance.started')).toBe('desk-app');
  expect(history.find((e) => e.type === 'job.completed')?.actor).toBe('billing-worker');
  expect(tokensIssued).toBeGreaterThanOrEqual(3);
});

test("a token's roles bound what its client may do: the worker client may not start an instance (403), nothing started", async () => {
  const before = (await s.engine.listInstances({ limit: 100 })).items.length;
  const worker = oauthClient('billing-worker', 'bw-secret');
  await expect(worker.createProcessInstance({ processDefinitionId: brand('v2-order'), variables: { amount: 1 } })).rejects.toMatchObject({ status: 403 });
  expect((await s.engine.listInstances({ limit: 100 })).items).toHaveLength(before);
});

test('a token for another audience is refused (401), and a client the identity provider refuses gets no token; nothing started', async () => {
  const before = (await s.engine.listInstances({ limit: 100 })).items.length;
  const elsewhere = oauthClient('desk-app', 'da-secret', 'some-other-api');
  await expect(elsewhere.createProcessInstance({ processDefinitionId: brand('v2-order'), variables: { amount: 1 } })).rejects.toMatchObject({ status: 401 });
  const wrongSecret = oauthClient('desk-app', 'not-the-secret');
  const issued = tokensIssued;
  await expect(wrongSecret.createProcessInstance({ processDefinitionId: brand('v2-order'), variables: { amount: 1 } })).rejects.toThrow();
  expect(tokensIssued).toBe(issued);
  expect((await s.engine.listInstances({ limit: 100 })).items).toHaveLength(before);
});

test('with OIDC and no demo users, a request without a token is a 401 problem', async () => {
  const res = await fetch(`${s.url}/v2/topology`);
  expect(res.status).toBe(401);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
});
