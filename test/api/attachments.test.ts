/**
 * Task attachments: uploaded (base64) by those who may work the task, within ATTACHMENT_MAX_BYTES and
 * ATTACHMENT_TYPES; downloaded by those who may read it, with its Content-Type and as an attachment;
 * recorded with its SHA-256 in the sealed history and the evidence pack. Refusals store nothing.
 */
import { createHash } from 'node:crypto';
import request from 'supertest';
import { DEFAULT_CONFIG, taskDeskSettings } from '../../api/config';
import { bearer, deploy, expectError, fixture, openTask, startApi, startInstance, type TestApi } from './helpers';

let api: TestApi;
let instanceId: string;
let taskId: string;
const LOG = 'vpn: handshake failed\nvpn: retry 3\n';

beforeAll(async () => {
  api = await startApi({ taskDesk: { ...DEFAULT_CONFIG.taskDesk, maxAttachmentBytes: 64, attachmentTypes: ['text/plain', 'image/png'] } });
  await deploy(api.app, [fixture('wcp01-sequence')]);
  instanceId = await startInstance(api.app, 'wcp01');
  taskId = String((await openTask(api.app, instanceId, 'A')).id);
});
afterAll(() => api.close());

const upload = (user: string, body: object, id = taskId) => request(api.app).post(`/api/tasks/${id}/attachments`).set(bearer(user)).send(body);
const file = (content: string, over: object = {}) => ({ name: 'vpn.log', contentType: 'text/plain', content: Buffer.from(content).toString('base64'), ...over });
const listed = async () => (await request(api.app).get(`/api/tasks/${taskId}/attachments`).set(bearer('admin'))).body.items;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

test('an agent of the task uploads a file; readers of the task list and download it as an attachment', async () => {
  const res = await upload('alice', file(LOG));
  expect(res.status).toBe(201);
  expect(res.body).toEqual({
    id: expect.any(String),
    taskId,
    name: 'vpn.log',
    contentType: 'text/plain',
    size: Buffer.byteLength(LOG),
    sha256: sha256(LOG),
    uploadedBy: 'alice',
    uploadedAt: expect.stringMatching(/Z$/),
  });
  expect(await listed()).toEqual([res.body]);
  for (const user of ['erin', 'carol', 'owner']) {
    const dl = await request(api.app).get(`/api/attachments/${res.body.id}`).set(bearer(user)).buffer(true);
    expect(dl.status).toBe(200);
    expect(dl.headers['content-type']).toMatch(/^text\/plain/);
    expect(dl.headers['content-disposition']).toBe(`attachment; filename="vpn.log"; filename*=UTF-8''vpn.log`);
    expect(dl.headers['x-content-type-options']).toBe('nosniff');
    expect(dl.text).toBe(LOG);
  }
});

test('the history records it with its SHA-256 (the chain verifies) and the evidence pack lists it', async () => {
  const pack = await request(api.app).get(`/api/process-instances/${instanceId}/evidence`).set(bearer('carol'));
  expect(pack.body.verification).toMatchObject({ valid: true });
  const steps = pack.body.steps.filter((s: { action: string }) => s.action === 'task.attachment');
  expect(steps).toEqual([
    expect.objectContaining({
      actor: 'alice',
      elementId: 'A',
      data: { taskId, attachmentId: expect.any(String), name: 'vpn.log', contentType: 'text/plain', size: Buffer.byteLength(LOG), sha256: sha256(LOG) },
    }),
  ]);
});

test('a file name with quotes or non-ASCII is downloaded under a safe name', async () => {
  const res = await upload('admin', file('x', { name: 'Bericht "März".txt' }));
  const dl = await request(api.app).get(`/api/attachments/${res.body.id}`).set(bearer('admin'));
  expect(dl.headers['content-disposition']).toBe(`attachment; filename="Bericht _M_rz_.txt"; filename*=UTF-8''${encodeURIComponent('Bericht "März".txt')}`);
});

test('refusals store nothing: too large (413), type not allowed, not base64, a path (400), not offered (403), unknown task (404)', async () => {
  const before = { rows: await api.store.listAttachments(instanceId), history: (await api.store.getHistory(instanceId)).length };
  expectError(await upload('alice', file('x'.repeat(65))), 413, 'PAYLOAD_TOO_LARGE');
  expectError(await upload('alice', file('<script>', { contentType: 'text/html' })), 400, 'BAD_REQUEST');
  expectError(await upload('alice', file('x', { content: 'not base64!' })), 400, 'BAD_REQUEST');
  expectError(await upload('alice', file('x', { name: '../../etc/passwd' })), 400, 'BAD_REQUEST');
  expectError(await upload('alice', file('x', { uploadedBy: 'admin' })), 400, 'BAD_REQUEST');
  expectError(await upload('bob', file('x')), 403, 'FORBIDDEN');
  expectError(await upload('carol', file('x')), 403, 'FORBIDDEN');
  expectError(await upload('alice', file('x'), 'nope'), 404, 'NOT_FOUND');
  expect(await api.store.listAttachments(instanceId)).toEqual(before.rows);
  expect((await api.store.getHistory(instanceId)).length).toBe(before.history);
});

test('only readers of its task download an attachment: another agent 403, unknown 404', async () => {
  const [first] = await listed();
  expectError(await request(api.app).get(`/api/attachments/${first.id}`).set(bearer('bob')), 403, 'FORBIDDEN');
  expectError(await request(api.app).get('/api/attachments/nope').set(bearer('alice')), 404, 'NOT_FOUND');
  expectError(await request(api.app).get(`/api/tasks/${taskId}/attachments`).set(bearer('bob')), 403, 'FORBIDDEN');
});

test('the limits are configurable: ATTACHMENT_MAX_BYTES, ATTACHMENT_TYPES (checked at start), TASK_PAGE_MAX', () => {
  expect(taskDeskSettings({ ATTACHMENT_MAX_BYTES: '10', ATTACHMENT_TYPES: 'text/plain, Image/PNG', TASK_PAGE_MAX: '20' })).toMatchObject({
    maxAttachmentBytes: 10,
    attachmentTypes: ['text/plain', 'image/png'],
    maxPageSize: 20,
  });
  expect(taskDeskSettings({})).toEqual(DEFAULT_CONFIG.taskDesk);
  expect(() => taskDeskSettings({ ATTACHMENT_TYPES: 'text/html;charset=x' })).toThrow(/ATTACHMENT_TYPES/);
  expect(() => taskDeskSettings({ ATTACHMENT_MAX_BYTES: '-1' })).toThrow(/ATTACHMENT_MAX_BYTES/);
  expect(() => taskDeskSettings({ TASK_PAGE_MAX: '0' })).toThrow(/TASK_PAGE_MAX/);
});
