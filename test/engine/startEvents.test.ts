/**
 * Timer start events start instances on their own schedule (cycles and dates), survive a restart of
 * the engine, and are replaced when a new version is deployed.
 */
import fs from 'node:fs';
import { Engine } from '../../engine';
import { bpmn, chain, deployXml, endEvent, eventually, sleep, startEvent, timerCycle, timerDate, useEngine, userTask } from './helpers';

const env = useEngine();

async function instancesOf(engine: Engine, processId: string): Promise<number> {
  return (await engine.listInstances({ processId, limit: 1000 })).items.length;
}

describe('timer start events', () => {
  test('a cycle R2/PT0.2S starts exactly two instances, from the timer start event', async () => {
    const { engine } = env();
    await deployXml(engine, bpmn('cycleStart', [startEvent('Tick', timerCycle('R2/PT0.2S')), userTask('Work'), endEvent('End'), chain('Tick', 'Work', 'End')]));
    expect(await instancesOf(engine, 'cycleStart')).toBe(0);
    await eventually(async () => expect(await instancesOf(engine, 'cycleStart')).toBe(2), 3000);
    await sleep(500);
    expect(await instancesOf(engine, 'cycleStart')).toBe(2);
    const [first] = (await engine.listInstances({ processId: 'cycleStart', limit: 10 })).items;
    const started = (await engine.getHistory(first.id)).find((e) => e.type === 'instance.started');
    expect(started?.data).toMatchObject({ startEvent: 'Tick' });
  });

  test('a date in the past starts one instance at once; a process with only a timer start cannot be started by hand', async () => {
    const { engine } = env();
    await deployXml(engine, bpmn('dateStart', [startEvent('At', timerDate('2020-01-01T00:00:00Z')), userTask('Work'), chain('At', 'Work')]));
    await eventually(async () => expect(await instancesOf(engine, 'dateStart')).toBe(1));
    await expect(engine.startInstance({ processId: 'dateStart' })).rejects.toMatchObject({ code: 'INVALID' });
  });

  test('a new version replaces the start timers of the old one', async () => {
    const { engine } = env();
    await deployXml(engine, bpmn('versioned', [startEvent('Tick', timerCycle('R/PT10S')), userTask('Work'), chain('Tick', 'Work')]));
    await deployXml(engine, bpmn('versioned', [startEvent('Tick', timerCycle('R1/PT0.2S')), userTask('Work2'), chain('Tick', 'Work2')]));
    await eventually(async () => expect(await instancesOf(engine, 'versioned')).toBe(1));
    const [instance] = (await engine.listInstances({ processId: 'versioned', limit: 10 })).items;
    expect(instance.version).toBe(2);
    expect(await engine.store.dueTimers(Date.now() + 60_000, 10)).toEqual([]);
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
