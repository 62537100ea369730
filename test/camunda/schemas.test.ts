/**
 * /v2 bodies are validated against Camunda's own request schemas (api/camunda/camundaSchemas.json,
 * generated from Camunda's client by test/camunda/generateSchemas.ts), then against ProcessDesk's
 * limits: what Camunda's schema refuses is a 400 naming it, what only ProcessDesk's limits refuse is
 * a 400 naming those, and in both cases nothing changed. The committed file must be what the pinned
 * client generates.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { V2_OPERATIONS } from '../../api/camunda/catalog';
import camundaSchemas from '../../api/camunda/camundaSchemas.json';
import type { Engine } from '../../engine';
import { fixtureFile } from './clientSuite';
import { startV2Server, type V2Server } from './server';

let s: V2Server;

beforeAll(async () => {
  s = await startV2Server();
  await s.client('admin').createDeployment({ resources: [fixtureFile('v2-order.bpmn')] });
});
afterAll(async () => {
  await s.close();
});

const basicAs = (user: string): string => `Basic ${Buffer.from(`${user}:demo-${user}`).toString('base64')}`;

async function post(user: string, route: string, body: unknown): Promise<{ status: number; problem: { title?: string; detail?: string } }> {
  const res = await fetch(`${s.url}/v2${route}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: basicAs(user) }, body: JSON.stringify(body) });
  return { status: res.status, problem: (await res.json()) as { title?: string; detail?: string } };
}

const instanceCount = async (engine: Engine): Promise<number> => (await engine.listInstances({ limit: 1000 })).items.length;

test('the committed schemas are what the pinned Camunda client generates', () => {
  const out = execFileSync(process.execPath, [require.resolve('tsx/cli'), 'test/camunda/generateSchemas.ts', '--check'], {
    cwd: path.resolve(__dirname, '../..'),
    encoding: 'utf8',
  });
  expect(out).toContain('is up to date');
});

test("every operation with a JSON body has Camunda's schema", () => {
  const withBody = Object.values(V2_OPERATIONS)
    .filter((op) => 'body' in op)
    .map((op) => op.operationId)
    .sort();
  expect(Object.keys(camundaSchemas.operations).sort()).toEqual(withBody);
  expect(withBody).toEqual(expect.arrayContaining(['createProcessInstance', 'activateJobs', 'publishMessage', 'completeUserTask', 'evaluateDecision']));
});

test("an empty tenant id is refused by Camunda's schema before any handler runs: 400, nothing started", async () => {
  const before = await instanceCount(s.engine);
  const r = await post('alice', '/process-instances', { processDefinitionId: 'v2-order', tenantId: '', variables: { amount: 1 } });
  expect(r.status).toBe(400);
  expect(r.problem.title).toBe('INVALID_ARGUMENT');
  expect(r.problem.detail).toMatch(/^invalid request \(Camunda's schema\): .*tenantId/);
  expect(await instanceCount(s.engine)).toBe(before);
});

test("an instance asked for by neither definition id nor key is refused by Camunda's schema: 400, nothing started", async () => {
  const before = await instanceCount(s.engine);
  const r = await post('alice', '/process-instances', { variables: { amount: 1 } });
  expect(r.status).toBe(400);
  expect(r.problem.detail).toMatch(/Camunda's schema.*processDefinitionId/);
  expect(await instanceCount(s.engine)).toBe(before);
});

test("a message with a malformed tenant id is refused by Camunda's schema: 400, nothing buffered", async () => {
  const message = { name: 'OrderPaid', correlationKey: 'o-1', messageId: 'paid-o-1', timeToLive: 60_000 };
  const r = await post('admin', '/messages/publication', { ...message, tenantId: 'not a tenant!' });
  expect(r.status).toBe(400);
  expect(r.problem.detail).toMatch(/Camunda's schema.*tenantId/);
  // had the refused one been buffered, its messageId would make this a duplicate (409)
  expect((await post('admin', '/messages/publication', message)).status).toBe(200);
  expect((await post('admin', '/messages/publication', message)).status).toBe(409);
});

test("a task search by a state Camunda does not have is refused by Camunda's schema, not answered with an empty page", async () => {
  const r = await post('alice', '/user-tasks/search', { filter: { state: 'OPEN' } });
  expect(r.status).toBe(400);
  expect(r.problem.detail).toMatch(/^invalid request \(Camunda's schema\): .*state/);
  const ok = await post('alice', '/user-tasks/search', { filter: { state: 'CREATED' } });
  expect(ok.status).toBe(200);
});

test("what Camunda's schema allows but ProcessDesk bounds is refused by ProcessDesk's limits: 400, nothing started", async () => {
  const before = await instanceCount(s.engine);
  const r = await post('alice', '/process-instances', { processDefinitionId: `v${'x'.repeat(1000)}` });
  expect(r.status).toBe(400);
  expect(r.problem.detail).toMatch(/^invalid request \(ProcessDesk limits\): .*processDefinitionId/);
  expect(await instanceCount(s.engine)).toBe(before);
});
