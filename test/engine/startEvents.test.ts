/**
 * Timer start events start instances on their own schedule (cycles, cron expressions and dates),
 * survive a restart of the engine, and are replaced when a new version is deployed. The schedules are
 * driven by the engine's injected clock: the test moves time, the embedded scheduler (polling every
 * 10 ms of real time) fires what the clock says is due.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../../engine';
import { EmbeddedScheduler } from '../../engine/queue';
import { openStore } from '../../engine/store';
import { bpmn, chain, deployXml, endEvent, eventually, sleep, startEvent, timerCycle, timerDate, useEngine, userTask } from './helpers';

const env = useEngine();

async function instancesOf(engine: Engine, processId: string): Promise<number> {
  return (await engine.listInstances({ processId, limit: 1000 })).items.length;
}

/** An engine on a clock the test sets; `startedAt` lists the start times of a process's instances. */
function drivenEngine(start: number) {
  let now = start;
  const clock = (): number => now;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-clock-'));
  const store = openStore({ dataDir: dir });
  const engine = new Engine({ store, clock, scheduler: new EmbeddedScheduler(store, { clock, pollMs: 10 }) });
  return {
    engine,
    store,
    setTime: (at: number) => (now = at),
    startedAt: async (processId: string): Promise<string[]> => (await engine.listInstances({ processId, limit: 1000 })).items.map((i) => i.startedAt).sort(),
    close: async () => {
      await engine.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

const iso = (at: number): string => new Date(at).toISOString();
const HOUR = 3_600_000;
/** Nothing more may start: wait a few scheduler polls (real time), the count must not move. */
const settle = (): Promise<void> => sleep(60);

describe('timer start events on the engine clock', () => {
  test('a cron expression (weekdays at 09:00 UTC) starts one instance at each occurrence, none at the weekend', async () => {
    const friday8 = Date.UTC(2026, 0, 9, 8, 0); // Friday 2026-01-09 08:00 UTC
    const t = drivenEngine(friday8);
    try {
      await t.engine.start();
      await deployXml(t.engine, bpmn('cronStart', [startEvent('Weekday', timerCycle('0 9 * * MON-FRI')), userTask('Review'), endEvent('End'), chain('Weekday', 'Review', 'End')]));
      t.setTime(Date.UTC(2026, 0, 9, 8, 59, 59));
      await settle();
      expect(await t.startedAt('cronStart')).toEqual([]);
      t.setTime(Date.UTC(2026, 0, 9, 9, 0));
      await eventually(async () => expect(await t.startedAt('cronStart')).toEqual([iso(Date.UTC(2026, 0, 9, 9))]));
      for (const day of [10, 11]) {
        // Saturday, Sunday
        t.setTime(Date.UTC(2026, 0, day, 9, 0));
        await settle();
      }
      expect(await t.startedAt('cronStart')).toHaveLength(1);
      t.setTime(Date.UTC(2026, 0, 12, 9, 0, 30)); // Monday
      await eventually(async () => expect(await t.startedAt('cronStart')).toEqual([iso(Date.UTC(2026, 0, 9, 9)), iso(Date.UTC(2026, 0, 12, 9, 0, 30))]));
      // the next occurrence is planned for Tuesday 09:00 (the bookkeeping after the start: a commit of its
      // own, see engine/runtime/timers.ts), and each instance came from the timer start event
      await eventually(async () => expect((await t.store.dueTimers(Date.UTC(2026, 0, 20), 10)).map((r) => iso(r.dueAt))).toEqual([iso(Date.UTC(2026, 0, 13, 9))]));
      for (const instance of (await t.engine.listInstances({ processId: 'cronStart', limit: 10 })).items) {
        const started = (await t.engine.getHistory(instance.id)).find((e) => e.type === 'instance.started');
        expect(started).toMatchObject({ actor: 'timer', data: expect.objectContaining({ startEvent: 'Weekday' }) });
        expect(await t.engine.verifyHistory(instance.id)).toMatchObject({ valid: true });
      }
    } finally {
      await t.close();
    }
  });

  test('a cycle R3/PT1H starts three instances an hour apart, then no more', async () => {
    const t0 = Date.UTC(2026, 2, 2, 12, 0);
    const t = drivenEngine(t0);
    try {
      await t.engine.start();
      await deployXml(t.engine, bpmn('cycleStart', [startEvent('Tick', timerCycle('R3/PT1H')), userTask('Work'), endEvent('End'), chain('Tick', 'Work', 'End')]));
      t.setTime(t0 + HOUR - 1);
      await settle();
      expect(await t.startedAt('cycleStart')).toEqual([]);
      const expected: string[] = [];
      for (const n of [1, 2, 3]) {
        t.setTime(t0 + n * HOUR);
        expected.push(iso(t0 + n * HOUR));
        await eventually(async () => expect(await t.startedAt('cycleStart')).toEqual(expected));
      }
      t.setTime(t0 + 10 * HOUR);
      await settle();
      expect(await t.startedAt('cycleStart')).toEqual(expected);
      expect(await t.store.dueTimers(t0 + 1000 * HOUR, 10)).toEqual([]);
      const [first] = (await t.engine.listInstances({ processId: 'cycleStart', limit: 10 })).items;
      expect(await t.engine.getInstance(first.id)).toMatchObject({ state: 'active', activeElements: ['Work'] });
    } finally {
      await t.close();
    }
  });
});

describe('timer start events', () => {
  test('a date in the past starts one instance at once; a process with only a timer start cannot be started by hand', async () => {
    const { engine } = env();
    await deployXml(engine, bpmn('dateStart', [startEvent('At', timerDate('2020-01-01T00:00:00Z')), userTask('Work'), chain('At', 'Work')]));
    await eventually(async () => expect(await instancesOf(engine, 'dateStart')).toBe(1));
    await expect(engine.startInstance({ processId: 'dateStart' })).rejects.toMatchObject({ code: 'INVALID' });
  });

  test('a new version replaces the start timers of the old one', async () => {
    const { engine, store } = env();
    await deployXml(engine, bpmn('versioned', [startEvent('Tick', timerCycle('R/PT10S')), userTask('Work'), chain('Tick', 'Work')]));
    await deployXml(engine, bpmn('versioned', [startEvent('Tick', timerCycle('R1/PT0.2S')), userTask('Work2'), chain('Tick', 'Work2')]));
    await eventually(async () => expect(await instancesOf(engine, 'versioned')).toBe(1));
    const [instance] = (await engine.listInstances({ processId: 'versioned', limit: 10 })).items;
    expect(instance.version).toBe(2);
    // The instance is started before its timer row is retired (the start is idempotent by the timer's id).
    await eventually(async () => expect(await store.dueTimers(Date.now() + 60_000, 10)).toEqual([]));
  });

  test('start timers are durable: scheduled before a restart, fired after it', async () => {
    const { engine, dir } = env();
    await deployXml(engine, bpmn('durableStart', [startEvent('Tick', timerCycle('R1/PT0.5S')), userTask('Work'), chain('Tick', 'Work')]));
    await engine.stop();
    expect(fs.existsSync(dir)).toBe(true);
    const again = await new Engine({ dataDir: dir }).start();
    try {
      await eventually(async () => expect(await instancesOf(again, 'durableStart')).toBe(1), 3000);
    } finally {
      await again.stop();
    }
  });
});
