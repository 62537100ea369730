import request from 'supertest';
import { bearer, expectError, fixture, sequenceWithForm, startApi, type TestApi } from './helpers';

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

describe('POST /api/deployments', () => {
  test('201 with the deployed processes', async () => {
    const res = await request(api.app)
      .post('/api/deployments')
      .set(bearer('owner'))
      .send({ resources: [fixture('wcp01-sequence'), fixture('wcp02-parallel')] });
    expect(res.status).toBe(201);
    expect(typeof res.body.id).toBe('string');
    expect(res.body.processes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ processId: 'wcp01', version: 1, key: 'wcp01:1' }),
        expect.objectContaining({ processId: 'wcp02', version: 1, key: 'wcp02:1' }),
      ]),
    );
  });

  test('400 with the problems (elementId + message) of a diagram that does not deploy', async () => {
    const broken = fixture('wcp01-sequence').content.replace('sourceRef="A" targetRef="B"', 'sourceRef="A" targetRef="Nowhere"');
    const res = await request(api.app)
      .post('/api/deployments')
      .set(bearer('owner'))
      .send({ resources: [{ name: 'broken.bpmn', content: broken }] });
    expectError(res, 400, 'BAD_REQUEST');
    expect(Array.isArray(res.body.error.details)).toBe(true);
    expect(res.body.error.details.length).toBeGreaterThan(0);
    for (const p of res.body.error.details) expect(typeof p.message).toBe('string');
    expect(res.body.error.details.some((p: { elementId?: string }) => p.elementId)).toBe(true);
  });

  test('400 naming the user task whose form is neither deployed nor attached; nothing of it is stored', async () => {
    const res = await request(api.app)
      .post('/api/deployments')
      .set(bearer('owner'))
      .send({ resources: [sequenceWithForm('formless', 'no-such-form'), fixture('wcp02-parallel')] });
    expectError(res, 400, 'BAD_REQUEST');
    expect(res.body.error.details).toEqual([expect.objectContaining({ elementId: 'A', message: expect.stringContaining('form no-such-form is neither deployed nor attached') })]);
    expect((await request(api.app).get('/api/processes/formless').set(bearer('owner'))).status).toBe(404);
    // the same process with its form attached deploys, and then the form is known to later deployments
    const form = { name: 'no-such-form.form', content: JSON.stringify({ id: 'no-such-form', type: 'default', components: [] }) };
    expect(
      (
        await request(api.app)
          .post('/api/deployments')
          .set(bearer('owner'))
          .send({ resources: [sequenceWithForm('formless', 'no-such-form'), form] })
      ).status,
    ).toBe(201);
    expect(
      (
        await request(api.app)
          .post('/api/deployments')
          .set(bearer('owner'))
          .send({ resources: [sequenceWithForm('formlessToo', 'no-such-form')] })
      ).status,
    ).toBe(201);
  });

  test('400 naming the start event whose start form is neither deployed nor attached; nothing of it is stored', async () => {
    const { content } = fixture('wcp01-sequence');
    const withStartForm = content
      .replace(/id="wcp01"/, 'id="startFormless"')
      .replace(
        '<bpmn:startEvent id="Start" />',
        '<bpmn:startEvent id="Start"><bpmn:extensionElements><zeebe:formDefinition formId="no-start-form" /></bpmn:extensionElements></bpmn:startEvent>',
      );
    expect(withStartForm).not.toBe(content);
    const res = await request(api.app)
      .post('/api/deployments')
      .set(bearer('owner'))
      .send({ resources: [{ name: 'startFormless.bpmn', content: withStartForm }] });
    expectError(res, 400, 'BAD_REQUEST');
    expect(res.body.error.details).toEqual([
      expect.objectContaining({ elementId: 'Start', message: expect.stringContaining('form no-start-form is neither deployed nor attached') }),
    ]);
    expect((await request(api.app).get('/api/processes/startFormless').set(bearer('owner'))).status).toBe(404);
  });

  test('400 for XML that is not BPMN and for an unknown resource type', async () => {
    const res = await request(api.app)
      .post('/api/deployments')
      .set(bearer('owner'))
      .send({ resources: [{ name: 'x.bpmn', content: '<nope' }] });
    expectError(res, 400, 'BAD_REQUEST');
    const other = await request(api.app)
      .post('/api/deployments')
      .set(bearer('owner'))
      .send({ resources: [{ name: 'x.txt', content: 'hello' }] });
    expectError(other, 400, 'BAD_REQUEST');
    expect(other.body.error.details[0].message).toMatch(/unknown resource type/);
  });

  test('400 with ajv details for a body of the wrong shape', async () => {
    for (const body of [{}, { resources: [] }, { resources: [{ name: 'a.bpmn' }] }, { resources: 'x' }, { resources: [fixture('wcp01-sequence')], extra: 1 }]) {
      const res = await request(api.app).post('/api/deployments').set(bearer('owner')).send(body);
      expectError(res, 400, 'BAD_REQUEST');
      expect(res.body.error.details[0]).toEqual(expect.objectContaining({ in: 'body', instancePath: expect.any(String), message: expect.any(String) }));
    }
  });

  test('400 for malformed JSON', async () => {
    const res = await request(api.app).post('/api/deployments').set(bearer('owner')).set('Content-Type', 'application/json').send('{"resources": [');
    expectError(res, 400, 'BAD_REQUEST');
  });

  test('401 without a token, 403 for an agent and an auditor', async () => {
    const body = { resources: [fixture('wcp01-sequence')] };
    expectError(await request(api.app).post('/api/deployments').send(body), 401, 'UNAUTHORIZED');
    expectError(await request(api.app).post('/api/deployments').set(bearer('alice')).send(body), 403, 'FORBIDDEN');
    expectError(await request(api.app).post('/api/deployments').set(bearer('carol')).send(body), 403, 'FORBIDDEN');
  });

  test('a 5 MB deployment is accepted in size, a larger body is 413', async () => {
    const base = fixture('wcp01-sequence').content;
    const padded = base.replace('</bpmn:definitions>', `<!-- ${'x'.repeat(4.9 * 1024 * 1024)} -->\n</bpmn:definitions>`);
    const ok = await request(api.app)
      .post('/api/deployments')
      .set(bearer('owner'))
      .send({ resources: [{ name: 'big.bpmn', content: padded }] });
    expect(ok.status).toBe(201);
    const tooBig = await request(api.app)
      .post('/api/deployments')
      .set(bearer('owner'))
      .send({ resources: [{ name: 'big.bpmn', content: 'x'.repeat(7 * 1024 * 1024) }] });
    expectError(tooBig, 413, 'PAYLOAD_TOO_LARGE');
  });
});

describe('GET /api/processes', () => {
  beforeAll(async () => {
    await request(api.app)
      .post('/api/deployments')
      .set(bearer('owner'))
      .send({ resources: [fixture('wcp04-exclusive')] });
    const v2 = fixture('wcp04-exclusive').content.replace('name="', 'name="v2 ');
    await request(api.app)
      .post('/api/deployments')
      .set(bearer('owner'))
      .send({ resources: [{ name: 'wcp04-exclusive.bpmn', content: v2 }] });
  });

  test('lists the latest version of each process', async () => {
    const res = await request(api.app).get('/api/processes').set(bearer('alice'));
    expect(res.status).toBe(200);
    const wcp04 = res.body.items.find((p: { processId: string }) => p.processId === 'wcp04');
    expect(wcp04).toEqual(expect.objectContaining({ version: 2, key: 'wcp04:2', deployedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) }));
    expect(res.body.items.filter((p: { processId: string }) => p.processId === 'wcp04')).toHaveLength(1);
    expect(res.body.next).toBeNull();
  });

  test('/:key by processId (latest) and by processId:version', async () => {
    const latest = await request(api.app).get('/api/processes/wcp04').set(bearer('owner'));
    expect(latest.status).toBe(200);
    expect(latest.body).toEqual(expect.objectContaining({ key: 'wcp04:2', version: 2, latestVersion: 2 }));
    const v1 = await request(api.app).get('/api/processes/wcp04:1').set(bearer('owner'));
    expect(v1.body).toEqual(expect.objectContaining({ key: 'wcp04:1', version: 1, latestVersion: 2 }));
  });

  test('/:key/xml is the deployed XML', async () => {
    const res = await request(api.app).get('/api/processes/wcp04:1/xml').set(bearer('carol'));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/xml/);
    expect(res.text).toBe(fixture('wcp04-exclusive').content);
  });

  test('/:key/machine is the compiled machine config as JSON', async () => {
    const res = await request(api.app).get('/api/processes/wcp01/machine').set(bearer('owner'));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/json/);
    expect(JSON.stringify(res.body)).toContain('"A"');
  });

  test('404 for unknown processes and versions', async () => {
    for (const path of ['/api/processes/nope', '/api/processes/wcp04:9', '/api/processes/nope/xml', '/api/processes/nope/machine']) {
      expectError(await request(api.app).get(path).set(bearer('owner')), 404, 'NOT_FOUND');
    }
  });

  test('401 without a token, with an unknown token and with another scheme', async () => {
    expectError(await request(api.app).get('/api/processes'), 401, 'UNAUTHORIZED');
    expectError(await request(api.app).get('/api/processes').set({ Authorization: 'Bearer demo-nobody' }), 401, 'UNAUTHORIZED');
    expectError(await request(api.app).get('/api/processes').set({ Authorization: 'Basic abc' }), 401, 'UNAUTHORIZED');
  });
});
