/**
 * Ticket numbers and links over HTTP: the shipped incident, change, request and problem processes are
 * numbered by the engine (INC0000001, CHG..., REQ..., PRB...), a typed business key is refused for
 * them, and agents link tickets they may act on (both of them), each link recorded in both sealed
 * histories and in the evidence pack.
 */
import request from 'supertest';
import { bearer, expectError } from '../api/helpers';
import { expectValidChain, history, start, startItsm, waitTasks, type Itsm } from './helpers';

let itsm: Itsm;
beforeEach(async () => {
  itsm = await startItsm({ limits: { maxLinksPerTicket: 3 } });
});
afterEach(async () => {
  await itsm.close();
});

const INCIDENT = {};
const PROBLEM = { summary: 'VPN concentrator drops sessions', category: 'network', impact: 'high' };

async function get(id: string, user = 'admin'): Promise<request.Response> {
  return request(itsm.app).get(`/api/process-instances/${id}`).set(bearer(user));
}
async function links(id: string, user = 'admin'): Promise<request.Response> {
  return request(itsm.app).get(`/api/process-instances/${id}/links`).set(bearer(user));
}
async function link(id: string, targetId: string, user: string, kind?: string): Promise<request.Response> {
  return request(itsm.app)
    .post(`/api/process-instances/${id}/links`)
    .set(bearer(user))
    .send({ targetId, ...(kind ? { kind } : {}) });
}
const linkedEvents = async (id: string) => (await history(itsm.app, id)).filter((e) => e.type === 'ticket.linked');

describe('ticket numbers', () => {
  test('each shipped ITSM process numbers its tickets per prefix; the number is the business key, searchable and on the task list', async () => {
    const inc1 = await start(itsm.app, 'incident', INCIDENT, 'alice');
    const inc2 = await start(itsm.app, 'incident', INCIDENT, 'alice');
    const chg = await start(itsm.app, 'change', {}, 'alice');
    const prb = await start(itsm.app, 'problem', PROBLEM, 'paula');
    const req = await start(itsm.app, 'request', { catalogItem: 'laptop', items: [{ sku: 'L-14', name: 'Laptop' }] }, 'alice');
    const keys = await Promise.all([inc1, inc2, chg, prb, req].map(async (id) => (await get(id)).body.businessKey));
    expect(keys).toEqual(['INC0000001', 'INC0000002', 'CHG0000001', 'PRB0000001', 'REQ0000001']);

    // the sealed history records it with the start (the variable ticketNumber), the evidence pack names the ticket by it
    const started = (await history(itsm.app, inc2)).find((e) => e.type === 'instance.started');
    expect(started?.data).toMatchObject({ variables: { ticketNumber: 'INC0000002' } });
    const pack = await request(itsm.app).get(`/api/process-instances/${inc2}/evidence`).set(bearer('carol'));
    expect(pack.body.instance.businessKey).toBe('INC0000002');

    const found = await request(itsm.app).get('/api/process-instances').query({ businessKey: 'INC0000002' }).set(bearer('admin'));
    expect(found.body.items.map((i: { id: string }) => i.id)).toEqual([inc2]);
    const [task] = await waitTasks(itsm.app, prb, 'AnalyseRootCause');
    expect(task).toMatchObject({ businessKey: 'PRB0000001' });
    const search = await request(itsm.app).get('/api/tasks').query({ q: 'PRB0000001' }).set(bearer('paula'));
    expect(search.status).toBe(200);
    expect(search.body.items.map((t: { id: string }) => t.id)).toEqual([task.id]);
  });

  test("the number is the variable ticketNumber too; an incident given no incidentId takes it as its customers' correlation key", async () => {
    const inc = await start(itsm.app, 'incident', INCIDENT, 'alice');
    const [log] = await waitTasks(itsm.app, inc, 'LogIncident');
    await request(itsm.app)
      .post(`/api/tasks/${log.id}/complete`)
      .set(bearer('alice'))
      .send({ variables: { summary: 'VPN down', category: 'network', impact: 3, urgency: 3 } })
      .expect(200);
    const [ack] = await waitTasks(itsm.app, inc, 'AcknowledgeIncident');
    expect(ack.subject).toMatch(/^INC0000001 \(P\d\): VPN down$/);
    expect((await get(inc)).body.variables).toMatchObject({ ticketNumber: 'INC0000001', incidentId: 'INC0000001' });
    // every numbered process has it
    const other = await start(itsm.app, 'problem', { ...PROBLEM }, 'paula');
    expect((await get(other)).body.variables.ticketNumber).toBe('PRB0000001');
  });

  test('concurrent starts never share a number', async () => {
    const ids = await Promise.all(Array.from({ length: 12 }, () => start(itsm.app, 'incident', INCIDENT, 'alice')));
    const keys = await Promise.all(ids.map(async (id) => (await get(id)).body.businessKey as string));
    expect([...keys].sort()).toEqual(Array.from({ length: 12 }, (_, i) => `INC${String(i + 1).padStart(7, '0')}`));
  });

  test('a typed business key is refused for a numbered process, and nothing is started', async () => {
    const res = await request(itsm.app).post('/api/process-instances').set(bearer('alice')).send({ processId: 'incident', businessKey: 'INC0000042', variables: INCIDENT });
    expectError(res, 400, 'BAD_REQUEST');
    expect(res.body.error.message).toMatch(/numbers its tickets/);
    const all = await request(itsm.app).get('/api/process-instances').query({ processId: 'incident' }).set(bearer('admin'));
    expect(all.body.items).toEqual([]);
    // the counter did not move either
    expect((await get(await start(itsm.app, 'incident', INCIDENT, 'alice'))).body.businessKey).toBe('INC0000001');
  });
});

describe('links between tickets', () => {
  test('a problem raised from an incident is linked to it: both lists, both sealed histories, the evidence pack', async () => {
    const inc = await start(itsm.app, 'incident', INCIDENT, 'alice');
    const res = await request(itsm.app).post('/api/process-instances').set(bearer('alice')).send({ processId: 'problem', raisedFrom: inc, variables: PROBLEM });
    expect(res.status).toBe(201);
    const prb = res.body.id as string;

    const fromIncident = await links(inc, 'alice');
    expect(fromIncident.status).toBe(200);
    expect(fromIncident.body.items).toEqual([
      expect.objectContaining({ kind: 'raised', direction: 'to', instanceId: prb, businessKey: 'PRB0000001', processId: 'problem', state: 'active', createdBy: 'alice' }),
    ]);
    expect((await links(prb)).body.items).toEqual([
      expect.objectContaining({ kind: 'raised', direction: 'from', instanceId: inc, businessKey: 'INC0000001', processId: 'incident' }),
    ]);
    expect((await linkedEvents(inc)).map((e) => e.data)).toEqual([{ kind: 'raised', direction: 'to', instanceId: prb, businessKey: 'PRB0000001' }]);
    expect((await linkedEvents(prb)).map((e) => e.data)).toEqual([{ kind: 'raised', direction: 'from', instanceId: inc, businessKey: 'INC0000001' }]);
    await expectValidChain(itsm.app, inc);
    await expectValidChain(itsm.app, prb);

    const pack = await request(itsm.app).get(`/api/process-instances/${inc}/evidence`).set(bearer('carol'));
    expect(pack.status).toBe(200);
    expect(pack.body.links).toEqual([expect.objectContaining({ kind: 'raised', direction: 'to', instanceId: prb, businessKey: 'PRB0000001', createdBy: 'alice' })]);
    expect(pack.body.steps.filter((s: { action: string }) => s.action === 'ticket.linked')).toHaveLength(1);
    expect(pack.body.verification.valid).toBe(true);
  });

  test('raising from a ticket the caller may not act on is refused, and nothing is started', async () => {
    const chg = await start(itsm.app, 'change', {}, 'bob'); // alice has no part in bob's change
    const res = await request(itsm.app).post('/api/process-instances').set(bearer('alice')).send({ processId: 'problem', raisedFrom: chg, variables: PROBLEM });
    expectError(res, 403, 'FORBIDDEN');
    expect((await request(itsm.app).get('/api/process-instances').query({ processId: 'problem' }).set(bearer('admin'))).body.items).toEqual([]);
    expect((await links(chg)).body.items).toEqual([]);
    expect(await linkedEvents(chg)).toEqual([]);
  });

  test('an agent links two tickets they may act on; the link reads both ways and is in both histories', async () => {
    const inc = await start(itsm.app, 'incident', INCIDENT, 'alice');
    const prb = await start(itsm.app, 'problem', PROBLEM, 'alice'); // service-desk agents see problems
    const res = await link(inc, prb, 'alice', 'caused-by');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ kind: 'caused-by', direction: 'to', instanceId: prb, businessKey: 'PRB0000001', createdBy: 'alice' });
    expect((await links(prb, 'paula')).body.items).toEqual([expect.objectContaining({ kind: 'caused-by', direction: 'from', instanceId: inc, businessKey: 'INC0000001' })]);
    expect(await linkedEvents(inc)).toEqual([
      expect.objectContaining({ actor: 'alice', data: { kind: 'caused-by', direction: 'to', instanceId: prb, businessKey: 'PRB0000001' } }),
    ]);
    expect(await linkedEvents(prb)).toEqual([
      expect.objectContaining({ actor: 'alice', data: { kind: 'caused-by', direction: 'from', instanceId: inc, businessKey: 'INC0000001' } }),
    ]);

    // the same pair again, either way: 409, nothing added
    expectError(await link(inc, prb, 'alice'), 409, 'CONFLICT');
    expectError(await link(prb, inc, 'admin'), 409, 'CONFLICT');
    expect((await links(inc)).body.items).toHaveLength(1);
    expect(await linkedEvents(prb)).toHaveLength(1);
  });

  test('the same link asked for five times at once is made once: one 201, four 409, one event in each history', async () => {
    const inc = await start(itsm.app, 'incident', INCIDENT, 'alice');
    const other = await start(itsm.app, 'incident', INCIDENT, 'alice');
    const answers = await Promise.all(Array.from({ length: 5 }, (_, i) => (i % 2 ? link(other, inc, 'alice') : link(inc, other, 'alice'))));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409, 409]);
    expect((await links(inc)).body.items).toHaveLength(1);
    expect(await linkedEvents(inc)).toHaveLength(1);
    expect(await linkedEvents(other)).toHaveLength(1);
  });

  test('refusals change nothing: a ticket the agent may not act on, itself, an unknown ticket, a bad kind, a role that may not link; she sees no more of a ticket an admin linked', async () => {
    const inc = await start(itsm.app, 'incident', INCIDENT, 'alice');
    const chg = await start(itsm.app, 'change', {}, 'bob');
    expectError(await link(inc, chg, 'alice'), 403, 'FORBIDDEN'); // alice may not act on bob's change
    expectError(await link(chg, inc, 'alice'), 403, 'FORBIDDEN');
    expectError(await link(chg, inc, 'bob'), 403, 'FORBIDDEN'); // bob may not act on alice's incident
    expectError(await link(inc, inc, 'alice'), 400, 'BAD_REQUEST');
    expectError(await link(inc, 'no-such-ticket', 'alice'), 404, 'NOT_FOUND');
    expectError(await link(inc, chg, 'admin', 'raised'), 400, 'BAD_REQUEST'); // raised links are the processes' own
    for (const user of ['carol', 'owner', 'worker']) expectError(await link(inc, chg, user), 403, 'FORBIDDEN');
    expectError(await links(chg, 'alice'), 403, 'FORBIDDEN'); // nor may she read its links
    for (const id of [inc, chg]) {
      expect((await links(id)).body.items).toEqual([]);
      expect(await linkedEvents(id)).toEqual([]);
    }

    expect((await link(inc, chg, 'admin')).status).toBe(201);
    // on her incident she sees the link and the change's number, not its process or state
    expect((await links(inc, 'alice')).body.items).toEqual([expect.objectContaining({ instanceId: chg, businessKey: 'CHG0000001', processId: null, state: null })]);
    expect((await links(inc, 'admin')).body.items).toEqual([expect.objectContaining({ instanceId: chg, businessKey: 'CHG0000001', processId: 'change', state: 'active' })]);
    await request(itsm.app).post(`/api/process-instances/${inc}/links`).set(bearer('admin')).send({ targetId: chg }).expect(409);
    for (const id of [inc, chg]) expect(await linkedEvents(id)).toHaveLength(1); // the admin's link, once
  });

  test('a ticket takes at most MAX_LINKS_PER_TICKET links (3 here): the next is refused with 400 and nothing changes', async () => {
    const inc = await start(itsm.app, 'incident', INCIDENT, 'alice');
    const others: string[] = [];
    for (let i = 0; i < 4; i++) others.push(await start(itsm.app, 'incident', INCIDENT, 'alice'));
    for (const other of others.slice(0, 3)) expect((await link(inc, other, 'alice')).status).toBe(201);
    const refused = await link(inc, others[3], 'alice');
    expectError(refused, 400, 'BAD_REQUEST');
    expect(refused.body.error.message).toMatch(/MAX_LINKS_PER_TICKET/);
    expect((await links(inc)).body.items).toHaveLength(3);
    expect((await links(others[3])).body.items).toEqual([]);
    expect(await linkedEvents(others[3])).toEqual([]);
    expect(await linkedEvents(inc)).toHaveLength(3);
  });
});
