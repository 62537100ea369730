/**
 * Redis goes away with jobs queued: the test runs its own redis-server without persistence, queues
 * jobs, kills Redis with SIGKILL (every queued job is lost), commits more jobs while it is down, and
 * starts it again empty. The engine reconnects and its resync queues every live job of the store again;
 * a plain BullMQ worker then completes each once.
 */
import type { Engine } from '../../engine';
import { bpmn, chain, endEvent, serviceTask, startEvent } from '../engine/helpers';
import { tempEngine } from '../support/engine';
import { freePort, kill, startRedis } from '../support/processes';
import { plainWorker, until, within } from './jobQueues';

test('jobs a Redis restart lost, and jobs committed while it was down, are queued again and completed once', async () => {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let redis = await startRedis(port);
  const errors: unknown[] = [];
  let env: { engine: Engine; close: () => Promise<void> } | undefined;
  try {
    env = await tempEngine({ redisUrl: url, redisPrefix: 'pdrestart', jobQueues: { resyncMs: 500, sweepMs: 300 }, onError: (e) => errors.push(e) });
    const { engine } = env;
    await engine.deploy([{ name: 'mail.bpmn', content: bpmn('mail', [startEvent(), serviceTask('Mail', 'mail'), endEvent(), chain('Start', 'Mail', 'End')]) }]);
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await engine.startInstance({ processId: 'mail', variables: { i } })).id);
    await until(async () => (await engine.jobQueueStats()).find((s) => s.type === 'mail')?.counts.waiting === 10, 5000, 'ten jobs queued');
    await within(kill(redis), 5000, 'killing redis-server');
    for (let i = 10; i < 15; i++) ids.push((await within(engine.startInstance({ processId: 'mail', variables: { i } }), 10_000, 'a start while Redis is down')).id); // committed while Redis is down
    await new Promise((r) => setTimeout(r, 1000));
    redis = await within(startRedis(port), 10_000, 'restarting redis-server'); // empty: every queued job is gone

    const runs = new Map<number, number>();
    const worker = plainWorker(
      'pdrestart',
      'mail',
      async (job) => {
        const i = job.data.variables.i as number;
        runs.set(i, (runs.get(i) ?? 0) + 1);
        return { mailed: i };
      },
      { connection: { url } },
    );
    try {
      await until(async () => (await engine.listInstances({ processId: 'mail', state: 'active', limit: 1 })).items.length === 0, 20_000, 'every instance to complete');
    } finally {
      await within(worker.close(), 10_000, 'closing the plain worker');
    }
    for (const id of ids) {
      const history = await engine.getHistory(id);
      expect({ id, completed: history.filter((e) => e.type === 'job.completed').length }).toEqual({ id, completed: 1 });
    }
    expect([...runs.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 15 }, (_, i) => i));
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
  } finally {
    await within(Promise.resolve(env?.close()), 15_000, 'closing the engine');
    await kill(redis);
  }
}, 90_000);
