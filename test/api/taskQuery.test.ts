/**
 * The task list's search: GET /api/tasks with filters, sort, numbered pages and the total count, on
 * tasks stored in a real temp engine's store; limits refused with 400; agents see only their tasks.
 */
import request from 'supertest';
import { bearer, expectError, startApi, type TestApi } from './helpers';
import * as f from '../store/factories';

let api: TestApi;
const NOW = Date.now();
const HOUR = 3_600_000;

beforeAll(async () => {
  api = await startApi({ taskDesk: { ...testDesk(), maxPageSize: 100, maxOffset: 1000 } });
  // 130 tasks in one instance: priorities 0..129, due from 10 h ago on, one per hour; every tenth about a VPN
  const tasks = Array.from({ length: 130 }, (_, i) =>
    f.task(`t${String(i).padStart(3, '0')}`, 'i1', {
      subject: i % 10 === 0 ? `VPN down at site ${i}` : `Printer ${i}`,
      businessKey: `INC-${1000 + i}`,
      priority: i,
      dueDate: NOW + (i - 10) * HOUR,
      createdAt: NOW - 1000 + i,
      candidateGroups: i < 100 ? ['service-desk'] : ['network-core'],
    }),
  );
  await api.store.commit(f.startBatch(f.instance('i1', { businessKey: 'INC-1' }), { tasks: { upsert: tasks } }));
  await api.store.commit(
    f.startBatch(f.instance('i2', { variables: { slaClock: { running: false, budget: 600 } } }), {
      tasks: { upsert: [f.task('paused', 'i2', { subject: 'Waiting on customer', dueDate: undefined, createdAt: NOW - 5000, candidateGroups: ['service-desk'] })] },
    }),
  );
});
afterAll(() => api.close());

function testDesk() {
  return { maxPageSize: 200, maxOffset: 100_000, maxNoteChars: 4000, maxViewsPerUser: 50, maxAttachmentBytes: 1024, attachmentTypes: ['text/plain'] };
}

const list = (query: Record<string, string | number>, user = 'admin') => request(api.app).get('/api/tasks').query(query).set(bearer(user));
const ids = (res: request.Response): string[] => res.body.items.map((t: { id: string }) => t.id);

test('pages past 100 by number, with the total count', async () => {
  const first = await list({ page: 1, limit: 100, processId: 'incident' });
  expect(first.status).toBe(200);
  expect(first.body).toMatchObject({ total: 131, page: 1, pageSize: 100, next: null });
  expect(first.body.items).toHaveLength(100);
  const second = await list({ page: 2, limit: 100, processId: 'incident' });
  expect(second.body.items).toHaveLength(31);
  expect(new Set([...ids(first), ...ids(second)]).size).toBe(131);
});

test('sorts by priority or due date, either way', async () => {
  expect(ids(await list({ sort: '-priority', limit: 3, q: 'printer' }))).toEqual(['t129', 't128', 't127']);
  expect(ids(await list({ sort: 'dueDate', limit: 2 }))).toEqual(['t000', 't001']);
  // the task without a due date comes last, whichever the direction
  const desc = await list({ sort: '-dueDate', page: 1, limit: 100 });
  expect(ids(desc)[0]).toBe('t129');
  expect(ids(await list({ sort: '-dueDate', page: 2, limit: 100 })).pop()).toBe('paused');
});

test('filters: free text over subject and business key, priority, candidate group, due window', async () => {
  expect((await list({ q: 'vpn' })).body.total).toBe(13);
  expect(ids(await list({ q: 'inc-1042' }))).toEqual(['t042']);
  expect(ids(await list({ priority: 7 }))).toEqual(['t007']);
  expect(ids(await list({ processInstanceId: 'i2', page: 1 }))).toEqual(['paused']);
  expect((await list({ candidateGroup: 'network-core', page: 1 })).body.total).toBe(30);
  // overdue: the first ten are due before now (t010 is due about now and may or may not be)
  const overdue = ids(await list({ due: 'overdue', limit: 100 }));
  expect(overdue.slice(0, 10)).toEqual(Array.from({ length: 10 }, (_, i) => `t00${i}`));
  expect(overdue.length).toBeLessThanOrEqual(11);
  expect((await list({ due: 'day', limit: 100 })).body.total).toBeGreaterThanOrEqual(23);
  const window = await list({ dueFrom: new Date(NOW + 0.5 * HOUR).toISOString(), dueTo: new Date(NOW + 2.5 * HOUR).toISOString() });
  expect(ids(window)).toEqual(['t011', 't012']);
});

test("agents search only tasks offered to them or their groups; the SLA clock's pause shows", async () => {
  const alice = await list({ page: 1, limit: 100, sort: 'createdAt' }, 'alice');
  expect(alice.body.total).toBe(101);
  expect(ids(alice)[0]).toBe('paused');
  expect(alice.body.items[0].slaPaused).toBe(true);
  expect(alice.body.items[1].slaPaused).toBeNull();
  expect((await list({ page: 1 }, 'bob')).body.total).toBe(0);
});

test("mine: the open tasks of the caller and their groups, also for those who read every task (the navigation's badge)", async () => {
  expect((await list({ state: 'created', mine: 'true', limit: 1 }, 'erin')).body.total).toBe(101);
  expect((await list({ state: 'created', mine: 'true', limit: 1 }, 'admin')).body.total).toBe(0);
  expect((await list({ state: 'created', limit: 1, page: 1 }, 'admin')).body.total).toBe(131);
});

test('bad values and pages past the limits are 400', async () => {
  expectError(await list({ limit: 101, page: 1 }), 400, 'BAD_REQUEST');
  expectError(await list({ page: 12, limit: 100 }), 400, 'BAD_REQUEST');
  expectError(await list({ sort: 'assignee' }), 400, 'BAD_REQUEST');
  expectError(await list({ page: 0 }), 400, 'BAD_REQUEST');
  expectError(await list({ priority: 'high' }), 400, 'BAD_REQUEST');
  expectError(await list({ due: 'someday' }), 400, 'BAD_REQUEST');
  expectError(await list({ dueFrom: 'yesterday' }), 400, 'BAD_REQUEST');
  expectError(await list({ q: 'x'.repeat(201) }), 400, 'BAD_REQUEST');
  expectError(await list({ page: 1, cursor: 'abc' }), 400, 'BAD_REQUEST');
});

test('without the search parameters the list pages by cursor as before', async () => {
  const res = await list({ limit: 50 });
  expect(res.body.items).toHaveLength(50);
  expect(typeof res.body.next).toBe('string');
  expect(res.body.total).toBeUndefined();
});
