/**
 * The modeler's drafts: per signed-in user and process id, only for designers and admins, bounded in
 * size (413) and number (400), refused with nothing changed; a deployment by the user clears the draft
 * of what it deployed.
 */
import request from 'supertest';
import { bearer, deploy, expectError, fixture, startApi, type TestApi } from './helpers';

let api: TestApi;
beforeAll(async () => {
  api = await startApi({ draftMaxChars: 2000, draftsPerUser: 3 });
});
afterAll(() => api.close());

const xml = (processId: string, extra = ''): string => `<bpmn:definitions><bpmn:process id="${processId}" />${extra}</bpmn:definitions>`;
const form = { name: 'laptop.form', content: JSON.stringify({ id: 'laptop', type: 'default', components: [] }) };

const put = (user: string, id: string, body: object) => request(api.app).put(`/api/drafts/${id}`).set(bearer(user)).send(body);
const get = (user: string, id: string) => request(api.app).get(`/api/drafts/${id}`).set(bearer(user));

test('a designer saves, reads, replaces and discards their draft; others never see it', async () => {
  const saved = await put('owner', 'laptop', { name: 'Laptop request', xml: xml('laptop'), forms: [form] });
  expect(saved.status).toBe(200);
  expect(saved.body).toEqual({ processId: 'laptop', name: 'Laptop request', size: xml('laptop').length + form.name.length + form.content.length, updatedAt: expect.any(String) });
  expect((await get('owner', 'laptop')).body).toEqual({ ...saved.body, xml: xml('laptop'), forms: [form] });

  expect((await put('owner', 'laptop', { xml: xml('laptop', '<!-- more -->') })).status).toBe(200);
  expect((await get('owner', 'laptop')).body).toMatchObject({ name: null, xml: xml('laptop', '<!-- more -->'), forms: [] });

  // another designer, and the admin, have drafts of their own: the same id is not the owner's draft
  expectError(await get('frank', 'laptop'), 404, 'NOT_FOUND');
  expectError(await get('admin', 'laptop'), 404, 'NOT_FOUND');
  expect((await request(api.app).get('/api/drafts').set(bearer('frank'))).body).toEqual({ items: [] });
  expectError(await request(api.app).delete('/api/drafts/laptop').set(bearer('frank')), 404, 'NOT_FOUND');
  expect((await get('owner', 'laptop')).status).toBe(200);

  expect((await request(api.app).get('/api/drafts').set(bearer('owner'))).body.items.map((d: { processId: string }) => d.processId)).toEqual(['laptop']);
  expect((await request(api.app).delete('/api/drafts/laptop').set(bearer('owner'))).status).toBe(204);
  expectError(await get('owner', 'laptop'), 404, 'NOT_FOUND');
});

test('agents, auditors and workers may not keep drafts (403), and nothing is stored for them', async () => {
  for (const user of ['alice', 'carol', 'worker']) {
    expectError(await put(user, 'sneaky', { xml: xml('sneaky') }), 403, 'FORBIDDEN');
    expectError(await request(api.app).get('/api/drafts').set(bearer(user)), 403, 'FORBIDDEN');
  }
  expectError(
    await request(api.app)
      .put('/api/drafts/sneaky')
      .send({ xml: xml('sneaky') }),
    401,
    'UNAUTHORIZED',
  );
  expect(await api.engine.drafts.list('alice')).toEqual([]);
});

test('a draft past DRAFT_MAX_CHARS is 413 and the stored one stays as it was', async () => {
  await put('owner', 'big', { xml: xml('big') });
  const res = await put('owner', 'big', { xml: xml('big', `<!-- ${'x'.repeat(2000)} -->`) });
  expectError(res, 413, 'PAYLOAD_TOO_LARGE');
  expect(res.body.error.message).toMatch(/DRAFT_MAX_CHARS/);
  // forms count towards the size too
  expectError(await put('owner', 'big', { xml: xml('big'), forms: [{ name: 'f.form', content: 'y'.repeat(2000) }] }), 413, 'PAYLOAD_TOO_LARGE');
  expect((await get('owner', 'big')).body.xml).toBe(xml('big'));
  await request(api.app).delete('/api/drafts/big').set(bearer('owner'));
});

test('an id that is not an XML name, or a body of the wrong shape, is 400 with nothing stored', async () => {
  for (const id of ['1abc', 'a%20b', 'a:b', `x${'y'.repeat(300)}`]) expectError(await put('owner', id, { xml: xml('x') }), 400, 'BAD_REQUEST');
  for (const body of [{}, { xml: '' }, { xml: 'x', forms: [{ name: 'no-suffix', content: '{}' }] }, { xml: 'x', extra: 1 }, { xml: 'x', forms: 'f' }]) {
    expectError(await put('owner', 'shape', body), 400, 'BAD_REQUEST');
  }
  expect(await api.engine.drafts.list('owner')).toEqual([]);
});

test('a new draft past DRAFTS_PER_USER is 400; replacing one of them still works', async () => {
  for (const id of ['d1', 'd2', 'd3']) expect((await put('frank', id, { xml: xml(id) })).status).toBe(200);
  const res = await put('frank', 'd4', { xml: xml('d4') });
  expectError(res, 400, 'BAD_REQUEST');
  expect(res.body.error.message).toMatch(/DRAFTS_PER_USER/);
  expect((await put('frank', 'd2', { xml: xml('d2', '<!-- again -->') })).status).toBe(200);
  expect((await request(api.app).get('/api/drafts').set(bearer('frank'))).body.items.map((d: { processId: string }) => d.processId).sort()).toEqual(['d1', 'd2', 'd3']);
  // another user's limit is their own
  expect((await put('owner', 'd4', { xml: xml('d4') })).status).toBe(200);
});

test("deploying a process clears the deployer's draft of it, not another user's", async () => {
  await put('owner', 'wcp01', { xml: xml('wcp01') });
  await request(api.app).delete('/api/drafts/d1').set(bearer('frank')); // room under frank's limit of 3
  expect((await put('frank', 'wcp01', { xml: xml('wcp01') })).status).toBe(200);
  await deploy(api.app, [fixture('wcp01-sequence')], 'owner');
  expectError(await get('owner', 'wcp01'), 404, 'NOT_FOUND');
  expect((await get('frank', 'wcp01')).status).toBe(200);
});
