import request from 'supertest';
import { bearer, deploy, parseCsv, eventually, expectError, fixture, openTask, startApi, startInstance, type TestApi } from './helpers';

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
  await deploy(api.app, [fixture('wcp01-sequence'), fixture('wcp04-exclusive')]);
});
afterAll(() => api.close());

/** Completes tasks A and B of a wcp01 instance. */
async function finishSequence(id: string): Promise<void> {
  for (const el of ['A', 'B']) {
    const task = await openTask(api.app, id, el);
    expect(
      (
        await request(api.app)
          .post(`/api/tasks/${task.id}/complete`)
          .set(bearer('admin'))
          .send({ variables: { [`did${el}`]: true } })
      ).status,
    ).toBe(200);
  }
  await eventually(async () => expect((await request(api.app).get(`/api/process-instances/${id}`).set(bearer('admin'))).body.state).toBe('completed'));
}

describe('POST /api/process-instances', () => {
  test('201 with the instance view', async () => {
    const res = await request(api.app)
      .post('/api/process-instances')
      .set(bearer('alice'))
      .send({ processId: 'wcp01', businessKey: 'INC-1', variables: { caller: 'dave' } });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`/api/process-instances/${res.body.id}`);
    expect(res.body).toEqual(
      expect.objectContaining({
        id: expect.any(String),
        processId: 'wcp01',
        version: 1,
        businessKey: 'INC-1',
        state: 'active',
        variables: { caller: 'dave' },
        startedAt: expect.stringMatching(/Z$/),
      }),
    );
    expect(res.body.activeElements).toContain('A');
  });

  test('a given version', async () => {
    const res = await request(api.app).post('/api/process-instances').set(bearer('owner')).send({ processId: 'wcp01', version: 1 });
    expect(res.status).toBe(201);
    expect(res.body.version).toBe(1);
  });

  test('400 for invalid bodies, 404 for unknown processes and versions', async () => {
    for (const body of [{}, { processId: '' }, { processId: 'wcp01', version: 0 }, { processId: 'wcp01', variables: [] }, { processId: 'wcp01', foo: 1 }]) {
      expectError(await request(api.app).post('/api/process-instances').set(bearer('admin')).send(body), 400, 'BAD_REQUEST');
    }
    expectError(await request(api.app).post('/api/process-instances').set(bearer('admin')).send({ processId: 'nope' }), 404, 'NOT_FOUND');
    expectError(await request(api.app).post('/api/process-instances').set(bearer('admin')).send({ processId: 'wcp01', version: 7 }), 404, 'NOT_FOUND');
  });

  test('401 without a token, 403 for an auditor', async () => {
    expectError(await request(api.app).post('/api/process-instances').send({ processId: 'wcp01' }), 401, 'UNAUTHORIZED');
    expectError(await request(api.app).post('/api/process-instances').set(bearer('carol')).send({ processId: 'wcp01' }), 403, 'FORBIDDEN');
  });

  test('413 for a too large body', async () => {
    const res = await request(api.app)
      .post('/api/process-instances')
      .set(bearer('admin'))
      .send({ processId: 'wcp01', variables: { blob: 'x'.repeat(7 * 1024 * 1024) } });
    expectError(res, 413, 'PAYLOAD_TOO_LARGE');
  });
});

describe('GET /api/process-instances', () => {
  beforeAll(async () => {
    for (let i = 0; i < 3; i++)
      await request(api.app)
        .post('/api/process-instances')
        .set(bearer('admin'))
        .send({ processId: 'wcp04', businessKey: `CHG-${i}`, variables: { risk: 'low' } });
  });

  test('filters by processId, businessKey and state, and pages with limit + cursor', async () => {
    const all = await request(api.app).get('/api/process-instances').query({ processId: 'wcp04' }).set(bearer('carol'));
    expect(all.status).toBe(200);
    expect(all.body.items.length).toBeGreaterThanOrEqual(3);
    expect(all.body.items.every((i: { processId: string }) => i.processId === 'wcp04')).toBe(true);

    const byKey = await request(api.app).get('/api/process-instances').query({ businessKey: 'CHG-1' }).set(bearer('owner'));
    expect(byKey.body.items.map((i: { businessKey: string }) => i.businessKey)).toEqual(['CHG-1']);

    const first = await request(api.app).get('/api/process-instances').query({ processId: 'wcp04', limit: 2 }).set(bearer('admin'));
    expect(first.body.items).toHaveLength(2);
    expect(typeof first.body.next).toBe('string');
    const second = await request(api.app).get('/api/process-instances').query({ processId: 'wcp04', limit: 2, cursor: first.body.next }).set(bearer('admin'));
    expect(second.body.items.length).toBeGreaterThanOrEqual(1);
    expect(second.body.items[0].id).not.toBe(first.body.items[0].id);

    const active = await request(api.app).get('/api/process-instances').query({ state: 'active' }).set(bearer('admin'));
    expect(active.body.items.every((i: { state: string }) => i.state === 'active')).toBe(true);
  });

  test('400 for bad query values and a bad cursor', async () => {
    expectError(await request(api.app).get('/api/process-instances').query({ state: 'sleeping' }).set(bearer('admin')), 400, 'BAD_REQUEST');
    expectError(await request(api.app).get('/api/process-instances').query({ limit: 0 }).set(bearer('admin')), 400, 'BAD_REQUEST');
    expectError(await request(api.app).get('/api/process-instances').query({ limit: 'many' }).set(bearer('admin')), 400, 'BAD_REQUEST');
    expectError(await request(api.app).get('/api/process-instances').query({ cursor: 'garbage!' }).set(bearer('admin')), 400, 'BAD_REQUEST');
  });

  test('GET /:id, 404 for an unknown id, 401 without a token', async () => {
    const id = await startInstance(api.app, 'wcp01');
    const res = await request(api.app).get(`/api/process-instances/${id}`).set(bearer('alice'));
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(id);
    expectError(await request(api.app).get('/api/process-instances/nope').set(bearer('admin')), 404, 'NOT_FOUND');
    expectError(await request(api.app).get(`/api/process-instances/${id}`), 401, 'UNAUTHORIZED');
  });
});

describe('POST /api/process-instances/:id/cancel', () => {
  test('200 terminated, then 409; 404 unknown; 403 for agents, designers and auditors', async () => {
    const id = await startInstance(api.app, 'wcp01');
    for (const user of ['alice', 'owner', 'carol']) expectError(await request(api.app).post(`/api/process-instances/${id}/cancel`).set(bearer(user)), 403, 'FORBIDDEN');
    const res = await request(api.app).post(`/api/process-instances/${id}/cancel`).set(bearer('admin'));
    expect(res.status).toBe(200);
    expect(res.body.state).toBe('terminated');
    expectError(await request(api.app).post(`/api/process-instances/${id}/cancel`).set(bearer('admin')), 409, 'CONFLICT');
    expectError(await request(api.app).post('/api/process-instances/nope/cancel').set(bearer('admin')), 404, 'NOT_FOUND');
    expectError(await request(api.app).post(`/api/process-instances/${id}/cancel`).set(bearer('admin')).send({ reason: 'x' }), 400, 'BAD_REQUEST');
  });
});

describe('history', () => {
  let id: string;
  beforeAll(async () => {
    id = await startInstance(api.app, 'wcp01', { note: 'has, a comma and "quotes"' });
    await finishSequence(id);
  });

  test('GET /:id/history: the events with ISO times and the hash chain', async () => {
    const res = await request(api.app).get(`/api/process-instances/${id}/history`).set(bearer('carol'));
    expect(res.status).toBe(200);
    const events = res.body.events as { seq: number; at: string; type: string; prevHash: string; hash: string; actor: string }[];
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events[0].type).toBe('instance.started');
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['task.created', 'task.completed', 'element.completed', 'instance.completed']));
    for (let i = 1; i < events.length; i++) expect(events[i].prevHash).toBe(events[i - 1].hash);
    expect(events[0].at).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
    expect(events.find((e) => e.type === 'task.completed')?.actor).toBe('admin');
  });

  test('?format=csv: text/csv with the header row and one row per event', async () => {
    const json = await request(api.app).get(`/api/process-instances/${id}/history`).set(bearer('carol'));
    const res = await request(api.app).get(`/api/process-instances/${id}/history`).query({ format: 'csv' }).set(bearer('carol'));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const rows = parseCsv(res.text);
    expect(rows[0]).toEqual(['seq', 'at', 'type', 'elementId', 'actor', 'data', 'prevHash', 'hash']);
    expect(rows).toHaveLength(json.body.events.length + 1);
    rows.slice(1).forEach((row, i) => {
      const e = json.body.events[i];
      expect(row).toEqual([String(e.seq), e.at, e.type, e.elementId ?? '', e.actor, e.data === null ? '' : JSON.stringify(e.data), e.prevHash, e.hash]);
    });
    expect(JSON.parse(rows[1][5]).variables.note).toBe('has, a comma and "quotes"'); // data JSON is one quoted field
  });

  test('GET /:id/history/verify: valid', async () => {
    const res = await request(api.app).get(`/api/process-instances/${id}/history/verify`).set(bearer('carol'));
    expect(res.status).toBe(200);
    expect(res.body).toEqual(expect.objectContaining({ instanceId: id, valid: true, events: expect.any(Number) }));
    expect(res.body.events).toBeGreaterThan(5);
  });

  test('404, 400, 401 and 403 (an agent reads only the history of a ticket they may act on, and verifies none)', async () => {
    expectError(await request(api.app).get('/api/process-instances/nope/history').set(bearer('carol')), 404, 'NOT_FOUND');
    expectError(await request(api.app).get('/api/process-instances/nope/history/verify').set(bearer('carol')), 404, 'NOT_FOUND');
    expectError(await request(api.app).get(`/api/process-instances/${id}/history`).query({ format: 'xml' }).set(bearer('carol')), 400, 'BAD_REQUEST');
    expectError(await request(api.app).get(`/api/process-instances/${id}/history`), 401, 'UNAUTHORIZED');
    expectError(await request(api.app).get(`/api/process-instances/${id}/history`).set(bearer('bob')), 403, 'FORBIDDEN');
    expect((await request(api.app).get(`/api/process-instances/${id}/history`).set(bearer('alice'))).status).toBe(200); // her group's tasks are in it
    expectError(await request(api.app).get(`/api/process-instances/${id}/history/verify`).set(bearer('alice')), 403, 'FORBIDDEN');
    expectError(await request(api.app).get(`/api/process-instances/${id}/history/verify`).set(bearer('bob')), 403, 'FORBIDDEN');
  });
});

describe('GET /api/history/export', () => {
  let done: string;
  beforeAll(async () => {
    done = await startInstance(api.app, 'wcp01');
    await finishSequence(done);
  });

  test('JSON: every event of the matching instances', async () => {
    const res = await request(api.app).get('/api/history/export').query({ processId: 'wcp01' }).set(bearer('carol'));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/json/);
    const events = res.body.events as { instanceId: string; seq: number }[];
    const own = await request(api.app).get(`/api/process-instances/${done}/history`).set(bearer('carol'));
    expect(events.filter((e) => e.instanceId === done)).toHaveLength(own.body.events.length);
    const processIds = new Set<string>();
    for (const e of events) processIds.add(e.instanceId);
    const other = await request(api.app).get('/api/process-instances').query({ processId: 'wcp04' }).set(bearer('carol'));
    for (const i of other.body.items) expect(processIds.has(i.id)).toBe(false);
  });

  test('CSV: instanceId column first, then the history columns', async () => {
    const res = await request(api.app).get('/api/history/export').query({ processId: 'wcp01', format: 'csv' }).set(bearer('admin'));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toMatch(/attachment/);
    const lines = res.text.trimEnd().split('\r\n');
    expect(lines[0]).toBe('instanceId,seq,at,type,elementId,actor,data,prevHash,hash');
    expect(lines.filter((l) => l.startsWith(`${done},`)).length).toBeGreaterThan(5);
  });

  test('from/to select the instances started in the window', async () => {
    const future = new Date(Date.now() + 3600_000).toISOString();
    const none = await request(api.app).get('/api/history/export').query({ from: future }).set(bearer('carol'));
    expect(none.body.events).toEqual([]);
    const past = await request(api.app).get('/api/history/export').query({ to: '2000-01-01T00:00:00Z' }).set(bearer('carol'));
    expect(past.body.events).toEqual([]);
    const all = await request(api.app).get('/api/history/export').query({ from: '2000-01-01T00:00:00Z', to: future }).set(bearer('carol'));
    expect(all.body.events.length).toBeGreaterThan(10);
  });

  test('400 for bad dates and formats, 401 without token, 403 for designers and agents', async () => {
    expectError(await request(api.app).get('/api/history/export').query({ from: 'yesterday' }).set(bearer('carol')), 400, 'BAD_REQUEST');
    expectError(await request(api.app).get('/api/history/export').query({ format: 'pdf' }).set(bearer('carol')), 400, 'BAD_REQUEST');
    expectError(await request(api.app).get('/api/history/export'), 401, 'UNAUTHORIZED');
    expectError(await request(api.app).get('/api/history/export').set(bearer('owner')), 403, 'FORBIDDEN');
    expectError(await request(api.app).get('/api/history/export').set(bearer('alice')), 403, 'FORBIDDEN');
  });
});
