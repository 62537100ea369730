/** JOB_QUEUES: the settings file of the BullMQ job queues, read by the API and `npm run worker` at start. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../api/config';
import { readJobQueueSettings } from '../../api/jobQueuesConfig';
import { loadWorkerConfig } from '../../api/worker';

describe('JOB_QUEUES', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-jobqueues-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, content: unknown): string => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
    return p;
  };

  const good = {
    defaults: { timeoutMs: 60_000, backoff: { type: 'fixed', delayMs: 500 } },
    types: { notify: { concurrency: 8, rateLimit: { max: 10, durationMs: 1000 }, priority: 3, fetchVariables: ['incidentId'] } },
    resyncMs: 10_000,
  };

  test('a valid file is read by the API and by npm run worker', () => {
    const f = file('good.json', good);
    expect(readJobQueueSettings(f)).toEqual(good);
    expect(loadConfig({ DEMO: 'on', JOB_QUEUES: 'good.json' }, dir, []).jobQueues).toEqual(good);
    expect(loadWorkerConfig({ JOB_QUEUES: 'good.json' }, dir).jobQueues).toEqual(good);
    expect(loadConfig({ DEMO: 'on' }, dir, []).jobQueues).toBeUndefined();
  });

  test('a file that is no JSON, or does not match the schema, stops the start with every problem', () => {
    expect(() => readJobQueueSettings(file('broken.json', '{ "types": '))).toThrow(/^JOB_QUEUES .*broken\.json: /);
    const bad = file('bad.json', {
      types: { notify: { concurrency: 0, rateLimit: { max: 5 }, backof: {}, priority: 1.5 } },
      syncLockMs: 10,
    });
    let message = '';
    try {
      readJobQueueSettings(bad);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('/types/notify/concurrency must be >= 1');
    expect(message).toContain("/types/notify/rateLimit must have required property 'durationMs'");
    expect(message).toContain('/types/notify must NOT have additional properties (backof)');
    expect(message).toContain('/types/notify/priority must be integer');
    expect(message).toContain('/syncLockMs must be >= 1000');
    expect(() => loadConfig({ DEMO: 'on', JOB_QUEUES: 'bad.json' }, dir, [])).toThrow(/JOB_QUEUES/);
    expect(() => readJobQueueSettings(path.join(dir, 'missing.json'))).toThrow(/JOB_QUEUES .*missing\.json: ENOENT/);
  });
});
