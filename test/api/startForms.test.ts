/**
 * Start forms (GET /api/startable-processes): what a user may start from the web app's New menu, with
 * the form its start event declares; starting with the form's variables, the signed-in user recorded as
 * starter; and refusals of what the form does not offer, with nothing started.
 */
import request from 'supertest';
import { startItsm, waitTasks, type Itsm } from '../itsm/helpers';
import { bearer, deploy, expectError, fixture } from './helpers';

let itsm: Itsm;
beforeAll(async () => {
  itsm = await startItsm();
  const { content } = fixture('wcp01-sequence');
  const cabOnly = content
    .replace(/id="wcp01" name="Sequence"/, 'id="cabOnly" name="CAB only"')
    .replace(
      '<bpmn:startEvent id="Start" />',
      '<bpmn:extensionElements><zeebe:properties><zeebe:property name="processdesk.startableBy" value="group:cab" /></zeebe:properties></bpmn:extensionElements>\n    <bpmn:startEvent id="Start" />',
    );
  if (cabOnly === content || !cabOnly.includes('group:cab')) throw new Error('fixture wcp01-sequence changed shape');
  await deploy(itsm.app, [{ name: 'cabOnly.bpmn', content: cabOnly }]);
});
afterAll(() => itsm.close());

const INCIDENT = { summary: 'VPN down', description: 'No VPN since 9:00', category: 'network', impact: 2, urgency: 1, callerEmail: 'ada@example.com' };

async function startable(user: string): Promise<{ processId: string; startFormId?: string; form: { id: string; components: unknown[] } | null }[]> {
  const res = await request(itsm.app).get('/api/startable-processes').set(bearer(user)).expect(200);
  return res.body.items;
}

const incidentCount = async (): Promise<number> => (await itsm.engine.listInstances({ processId: 'incident', limit: 1000 })).items.length;

test('an agent may start incident, change, request and problem, each with its start form; approval (started by calls) and group-limited processes are left out', async () => {
  const items = await startable('alice');
  expect(items.map((p) => p.processId).sort()).toEqual(['change', 'incident', 'problem', 'request']); // not approval, not cabOnly
  const byId = Object.fromEntries(items.map((p) => [p.processId, p]));
  expect(byId.incident).toMatchObject({ startFormId: 'incident-start', form: { id: 'incident-start' } });
  expect(byId.change).toMatchObject({ startFormId: 'change-start', form: { id: 'change-start' } });
  expect(byId.problem).toMatchObject({ startFormId: 'problem-start', form: { id: 'problem-start' } });
  expect(byId.request).toMatchObject({ startFormId: 'request-start', form: { id: 'request-start' } });
  // dave is in group cab: the process limited to it is offered to him, with no form (none declared)
  const dave = await startable('dave');
  expect(dave.find((p) => p.processId === 'cabOnly')).toMatchObject({ form: null });
  expect(dave.find((p) => p.processId === 'cabOnly')?.startFormId).toBeUndefined();
});

test('auditors and workers may not list what to start', async () => {
  expectError(await request(itsm.app).get('/api/startable-processes').set(bearer('carol')), 403, 'FORBIDDEN');
  expectError(await request(itsm.app).get('/api/startable-processes').set(bearer('worker')), 403, 'FORBIDDEN');
  expectError(await request(itsm.app).get('/api/startable-processes'), 401, 'UNAUTHORIZED');
});

test("starting an incident with its start form's fields records the signed-in agent as starter and reporter; the first task shows them", async () => {
  const res = await request(itsm.app).post('/api/process-instances').set(bearer('alice')).send({ processId: 'incident', variables: INCIDENT }).expect(201);
  expect(res.body.startedBy).toBe('alice');
  expect(res.body.variables).toMatchObject({ ...INCIDENT, reportedBy: 'alice' });
  const [task] = await waitTasks(itsm.app, res.body.id, 'LogIncident');
  const detail = await request(itsm.app).get(`/api/tasks/${task.id}`).set(bearer('alice')).expect(200);
  expect(detail.body.variables).toMatchObject({ summary: 'VPN down', impact: 2 });
});

test('a request starts with its catalog items; a change with its title', async () => {
  const req = await request(itsm.app)
    .post('/api/process-instances')
    .set(bearer('erin'))
    .send({ processId: 'request', variables: { catalogItem: 'laptop', justification: 'new hire', items: [{ sku: 'LT-14', name: 'Laptop 14"', quantity: 1 }] } })
    .expect(201);
  expect(req.body.startedBy).toBe('erin');
  const change = await request(itsm.app)
    .post('/api/process-instances')
    .set(bearer('bob'))
    .send({ processId: 'change', variables: { title: 'Upgrade core switch', description: null } })
    .expect(201);
  expect(change.body.variables).toMatchObject({ title: 'Upgrade core switch', requester: 'bob' });
});

describe('refusals leave nothing started', () => {
  test.each([
    ['a variable the start form does not have', { ...INCIDENT, priority: 1 }, 400, 'BAD_REQUEST', /priority/],
    ['a typed reporter (the starter is the signed-in user)', { ...INCIDENT, reportedBy: 'bob' }, 400, 'BAD_REQUEST', /reportedBy/],
    ['an impact outside the form', { ...INCIDENT, impact: 7 }, 400, 'BAD_REQUEST', /impact/],
    ['a category the form does not offer', { ...INCIDENT, category: 'coffee' }, 400, 'BAD_REQUEST', /category/],
    ["an owner's setting (readOnly) from an agent", { ...INCIDENT, incidentId: 'INC-MINE' }, 403, 'FORBIDDEN', /incidentId/],
  ])('%s', async (_what, variables, status, code, message) => {
    const before = await incidentCount();
    const res = await request(itsm.app).post('/api/process-instances').set(bearer('alice')).send({ processId: 'incident', variables });
    expectError(res, status, code);
    expect(res.body.error.message).toMatch(message);
    expect(await incidentCount()).toBe(before);
  });

  test('a process limited to a group refuses anyone else', async () => {
    const res = await request(itsm.app).post('/api/process-instances').set(bearer('alice')).send({ processId: 'cabOnly' });
    expectError(res, 403, 'FORBIDDEN');
    expect((await itsm.engine.listInstances({ processId: 'cabOnly', limit: 10 })).items).toEqual([]);
  });
});
