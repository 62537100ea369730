/** GET /api/metrics with jobs on BullMQ: queue depth by state and the age of the job next in line, per job type. */
import request from 'supertest';
import { bpmn, chain, endEvent, serviceTask, startEvent } from '../engine/helpers';
import { dropPrefix, FAST, plainWorker, REDIS_URL, testPrefix, until } from '../queue/jobQueues';
import { startApi, type TestApi } from './helpers';

const metric = (text: string, name: string, labels: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
};

describe('job queue metrics', () => {
  const prefix = testPrefix('metrics');
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi({}, { redisUrl: REDIS_URL, redisPrefix: prefix, jobQueues: { ...FAST, types: { slow: { priority: 5 } } } });
    await api.engine.deploy([
      { name: 'mail.bpmn', content: bpmn('mail', [startEvent(), serviceTask('Mail', 'mail'), endEvent(), chain('Start', 'Mail', 'End')]) },
      { name: 'slow.bpmn', content: bpmn('slow', [startEvent(), serviceTask('Slow', 'slow'), endEvent(), chain('Start', 'Slow', 'End')]) },
    ]);
  });
  afterAll(async () => {
    await api.close();
    await dropPrefix(prefix);
  });

  test('depth per type and state, and how long the job next in line has waited; none once the work is done', async () => {
    for (let i = 0; i < 3; i++) await api.engine.startInstance({ processId: 'mail' });
    for (let i = 0; i < 2; i++) await api.engine.startInstance({ processId: 'slow' });
    let text = '';
    await until(
      async () => {
        text = (await request(api.app).get('/api/metrics')).text;
        return metric(text, 'job_queue_jobs', 'type="mail",state="waiting"') === 3 && metric(text, 'job_queue_jobs', 'type="slow",state="prioritized"') === 2;
      },
      5000,
      'the jobs to be queued',
    );
    expect(text).toContain('# TYPE job_queue_jobs gauge');
    for (const state of ['delayed', 'active', 'completed', 'failed']) expect(metric(text, 'job_queue_jobs', `type="mail",state="${state}"`)).toBe(0);
    await new Promise((r) => setTimeout(r, 1100)); // the jobs have waited more than a second now
    text = (await request(api.app).get('/api/metrics')).text;
    expect(metric(text, 'job_queue_oldest_waiting_seconds', 'type="mail"')).toBeGreaterThan(1);
    expect(metric(text, 'job_queue_oldest_waiting_seconds', 'type="slow"')).toBeGreaterThan(1);

    const worker = plainWorker(prefix, 'mail', async () => ({}));
    try {
      await until(
        async () => {
          text = (await request(api.app).get('/api/metrics')).text;
          return metric(text, 'job_queue_jobs', 'type="mail",state="waiting"') === 0 && metric(text, 'job_queue_jobs', 'type="mail",state="completed"') === 0;
        },
        5000,
        'the mail queue to empty',
      );
    } finally {
      await worker.close();
    }
    expect(metric(text, 'job_queue_oldest_waiting_seconds', 'type="mail"')).toBe(0);
    expect(metric(text, 'job_queue_jobs', 'type="slow",state="prioritized"')).toBe(2);
  });

  test('with jobs polled from the store there are no job queue gauges', async () => {
    const polled = await startApi();
    try {
      const text = (await request(polled.app).get('/api/metrics')).text;
      expect(text).toContain('# TYPE job_queue_jobs gauge');
      expect(text).not.toMatch(/^job_queue_jobs\{/m);
    } finally {
      await polled.close();
    }
  });
});
