/** Timers in business time: a timer date from businessDue, on the engine's configured calendar. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../../engine';
import { bpmn, chain, deployXml, endEvent, eventually, startEvent, userTask } from './helpers';

test('a timer date from businessDue fires on the configured calendar', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-bt-'));
  // Every day, all day: business time runs like wall time, so the test does not depend on when it runs.
  const engine = await new Engine({
    dataDir: dir,
    businessCalendar: { timeZone: 'Europe/Berlin', workingDays: [1, 2, 3, 4, 5, 6, 7], workingHours: { start: '00:00', end: '24:00' }, holidays: [] },
  }).start();
  try {
    const timer =
      '<bpmn:intermediateCatchEvent id="Due"><bpmn:timerEventDefinition><bpmn:timeDate>=businessDue(wait)</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>';
    await deployXml(engine, bpmn('bizTimer', [startEvent('Start'), timer, userTask('After'), endEvent('End'), chain('Start', 'Due', 'After', 'End')]));
    const started = Date.now();
    const inst = await engine.startInstance({ processId: 'bizTimer', variables: { wait: 'PT0.3S' } });
    const scheduled = (await engine.getHistory(inst.id)).find((e) => e.type === 'timer.scheduled');
    const due = Date.parse((scheduled?.data as { dueAt: string }).dueAt);
    expect(due - started).toBeGreaterThanOrEqual(250);
    expect(due - started).toBeLessThan(2000);
    await eventually(async () => expect((await engine.getInstance(inst.id)).activeElements).toEqual(['After']), 3000);
  } finally {
    await engine.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a calendar that does not validate is refused when the engine is built', () => {
  expect(
    () => new Engine({ dataDir: ':memory:', businessCalendar: { timeZone: 'Mars/Olympus', workingDays: [1], workingHours: { start: '09:00', end: '17:00' }, holidays: [] } }),
  ).toThrow(/Mars\/Olympus/);
});
