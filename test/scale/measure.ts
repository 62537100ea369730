/**
 * Measurements for the scale-out README (not a jest test): run with
 *   REDIS_URL=redis://127.0.0.1:6379 node --require tsx/cjs test/scale/measure.ts
 * 1. timer lateness on BullMQ: N instances of a start -> timer -> end process, timers due evenly over
 *    WINDOW_MS (default 10 s), fired by the engine's BullmqScheduler; p50/p99 of firedAt - dueAt.
 * 2. job throughput: N instances of a start -> service task -> end process, worked by one in-process
 *    job loop (activate 50, complete each), engine timers on BullMQ; jobs completed per second.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Engine } from '../../engine';
import type { BullmqScheduler } from '../../engine/queue/bullmqScheduler';

const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const N = Number(process.env.N || 2000);
/** The timers are due evenly over this window (ms). */
const WINDOW = Number(process.env.WINDOW_MS || 10_000);

const proc = (id: string, body: string) => `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="D_${id}" targetNamespace="http://processdesk.example/bench">
  <bpmn:process id="${id}" isExecutable="true">
    <bpmn:startEvent id="Start" />${body}
    <bpmn:endEvent id="End" />
    <bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="X" />
    <bpmn:sequenceFlow id="f2" sourceRef="X" targetRef="End" />
  </bpmn:process>
</bpmn:definitions>`;

async function waitFor(engine: Engine, processId: string, n: number): Promise<void> {
  for (;;) {
    const active = await engine.listInstances({ processId, state: 'active', limit: 1 });
    if (!active.items.length) {
      const done = await engine.listInstances({ processId, state: 'completed', limit: 1000 });
      if (done.items.length >= Math.min(n, 1000)) return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-measure-'));
  const prefix = `pdmeasure-${process.pid}`;
  const engine = await new Engine({ dataDir: dir, redisUrl: REDIS_URL, redisPrefix: prefix }).start();
  try {
    await engine.deploy([
      {
        name: 'timer.bpmn',
        content: proc(
          'benchTimer',
          '<bpmn:intermediateCatchEvent id="X"><bpmn:timerEventDefinition><bpmn:timeDate>=due</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>',
        ),
      },
      {
        name: 'job.bpmn',
        content: proc('benchJob', '<bpmn:serviceTask id="X"><bpmn:extensionElements><zeebe:taskDefinition type="bench" /></bpmn:extensionElements></bpmn:serviceTask>'),
      },
    ]);
    // 1. timer lateness
    const base = Date.now() + 3000 + N * 6; // every instance is started before the first timer is due
    const t0 = Date.now();
    for (let i = 0; i < N; i++) {
      await engine.startInstance({ processId: 'benchTimer', variables: { due: new Date(base + Math.floor((i * WINDOW) / N)).toISOString() } });
    }
    const startMs = Date.now() - t0;
    await waitFor(engine, 'benchTimer', N);
    const stats = (engine.timerScheduler as BullmqScheduler).stats();
    console.log(
      `timers: ${N} instances started in ${startMs} ms (${Math.round((N * 1000) / startMs)}/s); ${stats.fired} timers due evenly over ${WINDOW} ms (${Math.round((N * 1000) / WINDOW)}/s) fired via BullMQ: lateness p50 ${stats.p50} ms, p99 ${stats.p99} ms, max ${stats.max} ms`,
    );

    // 2. job throughput
    for (let i = 0; i < N; i++) await engine.startInstance({ processId: 'benchJob', variables: { i } });
    await engine.idle();
    const j0 = Date.now();
    let done = 0;
    while (done < N) {
      const jobs = await engine.activateJobs({ type: 'bench', worker: 'bench', maxJobs: 50, lockMs: 30_000 });
      for (const job of jobs) {
        await engine.completeJob(job.key, { ok: true }, 'bench');
        done++;
      }
      if (!jobs.length) await new Promise((r) => setTimeout(r, 5));
    }
    const jobMs = Date.now() - j0;
    console.log(`jobs: ${N} jobs activated+completed in ${jobMs} ms: ${Math.round((N * 1000) / jobMs)} jobs/s (one process, SQLite store, timers on BullMQ)`);
  } finally {
    await engine.idle();
    await engine.stop();
    const q = new Queue('timers', { connection: { url: REDIS_URL }, prefix });
    await q.obliterate({ force: true });
    await q.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
