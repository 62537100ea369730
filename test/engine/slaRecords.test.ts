/**
 * A script task marked processdesk.slaRecord: its result is written as an SLA record with the command
 * that completes it (one row per instance, kind and round); a result the store could not take is an
 * incident on the task, nothing written.
 */
import { bpmn, chain, deployXml, endEvent, startEvent, userTask } from './helpers';
import { tempEngine } from '../support/engine';

const NOW = Date.parse('2026-11-30T10:00:00Z');
const recordTask = (expression: string): string =>
  `<bpmn:scriptTask id="Record"><bpmn:extensionElements><zeebe:properties><zeebe:property name="processdesk.slaRecord" value="true" /></zeebe:properties><zeebe:script expression="${expression.replace(/"/g, '&quot;')}" resultVariable="slaRecord" /></bpmn:extensionElements></bpmn:scriptTask>`;

test('the record commits with the step; a malformed one is an incident on the task', async () => {
  const { engine, store, close } = await tempEngine({ clock: () => NOW });
  try {
    const good = recordTask(
      '={kind: "resolution", round: 2, ticket: ticket, priority: 3, group: "network", calendar: "24x7", target: "PT8H", dueAt: "2026-11-30T09:00:00Z", breached: true, pausedSeconds: 120, completedAt: now()}',
    );
    await deployXml(engine, bpmn('rec', [startEvent('Start'), good, userTask('After'), endEvent('End'), chain('Start', 'Record', 'After', 'End')]));
    const inst = await engine.startInstance({ processId: 'rec', variables: { ticket: 'INC-9' } });
    expect(await store.listSlaRecords({ from: 0, to: NOW + 1, limit: 10 })).toEqual([
      {
        id: `${inst.id}.resolution.2`,
        instanceId: inst.id,
        processId: 'rec',
        ticket: 'INC-9',
        kind: 'resolution',
        round: 2,
        priority: 3,
        assignmentGroup: 'network',
        calendar: '24x7',
        target: 'PT8H',
        dueAt: Date.parse('2026-11-30T09:00:00Z'),
        status: 'breached',
        pausedSeconds: 120,
        completedAt: NOW,
      },
    ]);

    const bad = recordTask('={kind: "uptime", breached: false, completedAt: now()}');
    await deployXml(engine, bpmn('recBad', [startEvent('Start'), bad, userTask('After'), endEvent('End'), chain('Start', 'Record', 'After', 'End')]));
    const failed = await engine.startInstance({ processId: 'recBad', variables: {} });
    const [incident] = await engine.listIncidents({ instanceId: failed.id });
    expect(incident).toMatchObject({ elementId: 'Record', state: 'open' });
    expect(incident.message).toMatch(/kind must be "response" or "resolution"/);
    expect((await store.listSlaRecords({ from: 0, to: NOW + 1, limit: 10 })).map((r) => r.instanceId)).toEqual([inst.id]);
  } finally {
    await close();
  }
});
