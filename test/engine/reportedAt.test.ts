/**
 * processdesk.reportedAt on the none start event (engine/runtime/reportedAt.ts): the variable says when
 * the subject was reported; the starter may give a past moment within maxReportedAgeMs, else it is the
 * start time. Where it may be declared is checked at deployment.
 */
import { bpmn, chain, deployXml, endEvent, startEvent, userTask } from './helpers';
import { tempEngine } from '../support/engine';

const PROPERTY = '<bpmn:extensionElements><zeebe:properties><zeebe:property name="processdesk.reportedAt" value="reportedAt" /></zeebe:properties></bpmn:extensionElements>';
const NOW = Date.parse('2026-11-30T10:00:00Z');

test('given within the limit it is kept (normalized to UTC); missing, it is the start time; refused otherwise with nothing started', async () => {
  const { engine, close } = await tempEngine({ clock: () => NOW, limits: { maxReportedAgeMs: 3_600_000 } });
  try {
    await deployXml(engine, bpmn('reported', [startEvent('Start', PROPERTY), userTask('Work'), endEvent('End'), chain('Start', 'Work', 'End')]));
    const given = await engine.startInstance({ processId: 'reported', variables: { reportedAt: '2026-11-30T10:20:00+01:00' } });
    expect(given.variables.reportedAt).toBe('2026-11-30T09:20:00.000Z');
    const missing = await engine.startInstance({ processId: 'reported', variables: {} });
    expect(missing.variables.reportedAt).toBe('2026-11-30T10:00:00.000Z');
    const refused: [unknown, RegExp][] = [
      ['2026-11-30T10:00:01Z', /in the future/],
      ['2026-11-30T08:59:59Z', /more than 60 minutes ago \(maxReportedAgeMs\)/],
      ['2026-11-30T09:30:00', /with an offset/],
      [1_700_000_000_000, /with an offset/],
    ];
    for (const [reportedAt, why] of refused) {
      await expect(engine.startInstance({ processId: 'reported', variables: { reportedAt } })).rejects.toMatchObject({ code: 'INVALID', message: expect.stringMatching(why) });
    }
    expect((await engine.listInstances({ processId: 'reported' })).items).toHaveLength(2);
  } finally {
    await close();
  }
});

test('declared anywhere but a none start event of the process, it is a deployment problem', async () => {
  const { engine, close } = await tempEngine();
  try {
    const onTask = bpmn('misplaced', [startEvent('Start'), `<bpmn:userTask id="Work">${PROPERTY}</bpmn:userTask>`, endEvent('End'), chain('Start', 'Work', 'End')]);
    const problems = (err: unknown): string => JSON.stringify((err as { problems?: unknown }).problems);
    expect(problems(await deployXml(engine, onTask).catch((e: unknown) => e))).toMatch(/processdesk.reportedAt belongs on a none start event/);
    const badName = bpmn('badName', [startEvent('Start', PROPERTY.replace('value="reportedAt"', 'value="reported at"')), endEvent('End'), chain('Start', 'End')]);
    expect(problems(await deployXml(engine, badName).catch((e: unknown) => e))).toMatch(/must name a variable/);
  } finally {
    await close();
  }
});
