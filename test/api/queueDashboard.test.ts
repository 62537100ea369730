/**
 * BullMQ's dashboard at /admin/queues with jobs on BullMQ: admins only, by bearer token or HTTP Basic
 * (the token as password, for browsers); bull-board's API lists the job type queues, the sync requests
 * and the timers; changes only from the dashboard's own origin; read-only and off modes. Real Redis.
 */
import { Queue } from 'bullmq';
import request from 'supertest';
import { jobQueueName } from '../../engine/queue/jobs';
import { bpmn, chain, endEvent, serviceTask, startEvent } from '../engine/helpers';
import { dropPrefix, FAST, REDIS_URL, testPrefix, until } from '../queue/jobQueues';
import { bearer, startApi, type TestApi } from './helpers';

const basic = (user: string, token: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}` });

describe('the queue dashboard', () => {
  const prefix = testPrefix('dashboard');
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi({}, { redisUrl: REDIS_URL, redisPrefix: prefix, jobQueues: FAST });
    await api.engine.deploy([{ name: 'notify.bpmn', content: bpmn('notify', [startEvent(), serviceTask('Notify', 'notify'), endEvent(), chain('Start', 'Notify', 'End')]) }]);
    await api.engine.startInstance({ processId: 'notify' });
  });
  afterAll(async () => {
    await api.close();
    await dropPrefix(prefix);
  });

  test('only admins: 401 with a Basic challenge without a token, 403 for other roles', async () => {
    const none = await request(api.app).get('/admin/queues');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toContain('Basic realm="ProcessDesk queues"');
    expect((await request(api.app).get('/admin/queues').set(basic('x', 'wrong'))).status).toBe(401);
    for (const user of ['owner', 'alice', 'carol']) {
      const res = await request(api.app).get('/admin/queues').set(bearer(user));
      expect({ user, status: res.status }).toEqual({ user, status: 403 });
      expect(res.body.error.message).toContain('may not queues.admin');
    }
    expect((await request(api.app).get('/admin/queues/api/queues').set(bearer('alice'))).status).toBe(403);
  });

  test('an admin gets the page by bearer token or by Basic with the token as password, and its API lists the queues', async () => {
    const page = await request(api.app).get('/admin/queues').set(bearer('admin'));
    expect(page.status).toBe(200);
    expect(page.type).toBe('text/html');
    expect(page.text).toContain('<base href="/admin/queues/"');
    expect((await request(api.app).get('/admin/queues').set(basic('anyone', 'demo-admin'))).status).toBe(200);

    let queues: { name: string; readOnlyMode: boolean; counts: Record<string, number> }[] = [];
    await until(
      async () => {
        queues = (await request(api.app).get('/admin/queues/api/queues').set(basic('anyone', 'demo-admin'))).body.queues ?? [];
        return queues.find((q) => q.name === 'notify')?.counts.waiting === 1;
      },
      5000,
      'the notify job in the dashboard',
    );
    expect(queues.map((q) => q.name).sort()).toEqual(['notify', 'processdesk.sync', 'timers']);
    expect(queues.every((q) => q.readOnlyMode === false)).toBe(true);
  });

  test("changes come only from the dashboard's own origin", async () => {
    const queue = new Queue(jobQueueName('notify'), { connection: { url: REDIS_URL }, prefix });
    try {
      const host = '127.0.0.1:3999';
      const foreign = await request(api.app).put('/admin/queues/api/queues/notify/pause').set(bearer('admin')).set('Host', host).set('Origin', 'https://evil.example');
      expect(foreign.status).toBe(403);
      const crossSite = await request(api.app).put('/admin/queues/api/queues/notify/pause').set(bearer('admin')).set('Sec-Fetch-Site', 'cross-site');
      expect(crossSite.status).toBe(403);
      expect(await queue.isPaused()).toBe(false);
      const own = await request(api.app)
        .put('/admin/queues/api/queues/notify/pause')
        .set(bearer('admin'))
        .set('Host', host)
        .set('Origin', `http://${host}`)
        .set('Sec-Fetch-Site', 'same-origin');
      expect(own.status).toBe(200);
      expect(await queue.isPaused()).toBe(true);
      await request(api.app).put('/admin/queues/api/queues/notify/resume').set(bearer('admin')).expect(200); // no browser: no origin to check
      expect(await queue.isPaused()).toBe(false);
    } finally {
      await queue.close();
    }
  });

  test('QUEUE_DASHBOARD=readonly shows the queues without actions; off, or jobs polled from the store: no dashboard', async () => {
    const readonly = await startApi({ queueDashboard: 'readonly' }, { redisUrl: REDIS_URL, redisPrefix: prefix, jobQueues: FAST });
    try {
      const res = await request(readonly.app).get('/admin/queues/api/queues').set(bearer('admin'));
      expect(res.status).toBe(200);
      expect(res.body.queues.length).toBeGreaterThan(0);
      expect(res.body.queues.every((q: { readOnlyMode: boolean }) => q.readOnlyMode)).toBe(true);
    } finally {
      await readonly.close();
    }
    const off = await startApi({ queueDashboard: 'off' }, { redisUrl: REDIS_URL, redisPrefix: prefix, jobQueues: FAST });
    const polled = await startApi();
    try {
      expect((await request(off.app).get('/admin/queues').set(bearer('admin'))).status).toBe(404);
      expect((await request(polled.app).get('/admin/queues').set(bearer('admin'))).status).toBe(404);
    } finally {
      await off.close();
      await polled.close();
    }
  });
});
