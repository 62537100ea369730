/**
 * Redis goes away mid-run: the test starts its own redis-server (no persistence, so a restart loses
 * every delayed job), runs an Engine on BullMQ timers, kills Redis with SIGKILL while timers are
 * pending and while new ones are being committed, starts it again on the same port, and expects the
 * engine to reconnect, re-enqueue from the store and fire every timer exactly once.
 */
import { Engine } from '../../engine';
import type { BullmqScheduler } from '../../engine/queue/bullmqScheduler';
import { freePort, kill, startRedis } from '../support/processes';
import { until } from './schedulerContract';

const BPMN = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="Defs_wait" targetNamespace="http://processdesk.example/test">
  <bpmn:process id="waitOnce" isExecutable="true">
    <bpmn:startEvent id="Start" />
    <bpmn:intermediateCatchEvent id="Wait"><bpmn:timerEventDefinition><bpmn:timeDuration>=delay</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="End" />
    <bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="Wait" />
    <bpmn:sequenceFlow id="f2" sourceRef="Wait" targetRef="End" />
  </bpmn:process>
</bpmn:definitions>`;

test('a Redis restart loses no timer: the engine reconnects and re-enqueues from the store', async () => {
  const port = await freePort();
  let redis = await startRedis(port);
  const errors: unknown[] = [];
  const engine = new Engine({ dataDir: ':memory:', redisUrl: `redis://127.0.0.1:${port}`, redisPrefix: 'pdrestart', onError: (e) => errors.push(e) });
  try {
    await engine.start();
    await engine.deploy([{ name: 'wait.bpmn', content: BPMN }]);
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push((await engine.startInstance({ processId: 'waitOnce', variables: { delay: `PT${1 + (i % 4) * 0.5}S` } })).id);
    await engine.idle(); // the delayed jobs are in Redis now
    await kill(redis);
    // Committed while Redis is down: the store has the rows, Redis never hears of them before it is back.
    for (let i = 0; i < 10; i++) ids.push((await engine.startInstance({ processId: 'waitOnce', variables: { delay: 'PT0.5S' } })).id);
    await new Promise((r) => setTimeout(r, 1500));
    redis = await startRedis(port); // empty: every delayed job is gone
    await until(
      async () => (await engine.listInstances({ processId: 'waitOnce', state: 'completed', limit: 100 })).items.length === ids.length,
      20_000,
      'all instances to complete',
    );
    for (const id of ids) {
      const fired = (await engine.getHistory(id)).filter((e) => e.type === 'timer.fired');
      expect({ id, fired: fired.length }).toEqual({ id, fired: 1 });
      expect(await engine.verifyHistory(id)).toMatchObject({ valid: true });
    }
    const stats = (engine.timerScheduler as BullmqScheduler).stats();
    console.log(`redis restart: ${stats.fired} timers fired by BullMQ, lateness p50 ${stats.p50} ms p99 ${stats.p99} ms (includes the outage)`);
  } finally {
    await engine.idle();
    await engine.stop();
    await kill(redis);
  }
}, 40_000);
