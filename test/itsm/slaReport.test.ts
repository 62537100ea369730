/**
 * SLA reporting end to end: incidents run through the HTTP API on the engine's clock, their Record
 * response / resolution SLA steps write SLA records with the commands, and GET /api/reports/sla counts
 * them (JSON and CSV), the Prometheus counters count them, and only owners, auditors and admins read it.
 * Every expected count is worked out below from what each incident went through.
 */
import request from 'supertest';
import { bearer } from '../api/helpers';
import { offsetClock, type TestClock } from '../support/clock';
import { completeTask, publish, start, startItsm, waitActive, waitFor, waitTasks, type Itsm } from './helpers';

let itsm: Itsm;
let time: TestClock;
beforeEach(async () => {
  time = offsetClock();
  itsm = await startItsm({ clock: time.clock }, { slaReportScanLimit: 10 });
});
afterEach(async () => {
  await itsm.close();
});

let seq = 0;
const LOG = { summary: 'Laptop dead', category: 'hardware' };
// P2 (impact 1, urgency 2): respond in 60 s, resolve in 300 s; P3 (impact 2, urgency 2): 120 s and 600 s
const TARGETS = { slaResponseTargets: ['PT30S', 'PT60S', 'PT120S', 'PT8H', 'P2D'], slaResolutionTargets: ['PT1H', 'PT300S', 'PT600S', 'P3D', 'P10D'] };

/** One incident: acknowledged after `ackAfter` ms, resolved `resolveAfter` ms later, waiting `pendingFor` ms for the customer in between. */
async function incident(impact: number, urgency: number, ackAfter: number, resolveAfter: number, pendingFor = 0): Promise<{ id: string; incidentId: string }> {
  const incidentId = `INC-REP-${++seq}-${Date.now()}`;
  const id = await start(itsm.app, 'incident', { incidentId, ...TARGETS });
  await completeTask(itsm.app, id, 'LogIncident', { ...LOG, impact, urgency });
  time.advance(ackAfter);
  await completeTask(itsm.app, id, 'AcknowledgeIncident');
  if (pendingFor) {
    await completeTask(itsm.app, id, 'InvestigateAndResolve', { outcome: 'pending-customer' });
    await waitActive(itsm.app, id, 'AwaitCustomer');
    time.advance(pendingFor);
    await publish(itsm.app, 'CustomerReplied', incidentId, { customerAnswer: 'here' });
  }
  time.advance(resolveAfter);
  await completeTask(itsm.app, id, 'InvestigateAndResolve', { outcome: 'resolved' });
  await waitActive(itsm.app, id, 'AwaitConfirmation');
  return { id, incidentId };
}

const report = (query: Record<string, string>, user = 'carol') => request(itsm.app).get('/api/reports/sla').query(query).set(bearer(user));

test('every target becomes a record; the report counts met and breached per kind, priority and month; CSV; counters', async () => {
  // A: P2, acknowledged after 10 s (of 60), resolved after 100 s more (of 300): both met
  const a = await incident(1, 2, 10_000, 100_000);
  // B: P2, acknowledged after 90 s (of 60): response breached; resolved 50 s later: resolution met
  const b = await incident(1, 2, 90_000, 50_000);
  // C: P3, acknowledged after 20 s (of 120): met; pending the customer for an hour (not counted), then 700 s of work: resolution breached
  const c = await incident(2, 2, 20_000, 700_000, 3_600_000);

  const records = (await itsm.store.listSlaRecords({ from: 0, to: time.clock() + 1, limit: 100 })).sort((x, y) => x.id.localeCompare(y.id));
  expect(records.map((r) => [r.instanceId, r.kind, r.status])).toEqual(
    [
      [a.id, 'resolution', 'met'],
      [a.id, 'response', 'met'],
      [b.id, 'resolution', 'met'],
      [b.id, 'response', 'breached'],
      [c.id, 'resolution', 'breached'],
      [c.id, 'response', 'met'],
    ].sort((x, y) => `${x[0]}.${x[1]}`.localeCompare(`${y[0]}.${y[1]}`)),
  );
  const cResolution = records.find((r) => r.instanceId === c.id && r.kind === 'resolution')!;
  expect(cResolution).toMatchObject({ ticket: c.incidentId, processId: 'incident', priority: 3, assignmentGroup: 'service-desk', calendar: '24x7', target: 'PT600S', round: 1 });
  expect(cResolution.pausedSeconds).toBeGreaterThanOrEqual(3600);
  expect(cResolution.pausedSeconds).toBeLessThan(3610);
  expect(records.find((r) => r.instanceId === b.id && r.kind === 'response')).toMatchObject({ ticket: b.incidentId, priority: 2, target: 'PT60S' });

  const month = new Date(time.clock()).toISOString().slice(0, 7);
  const res = await report({ from: new Date(time.clock() - 86_400_000).toISOString(), to: new Date(time.clock() + 1000).toISOString() });
  expect(res.status).toBe(200);
  expect(res.body.records).toBe(6);
  expect(res.body.rows).toEqual([
    { kind: 'resolution', month, priority: 2, group: null, total: 2, met: 2, breached: 0, metPercent: 100 },
    { kind: 'resolution', month, priority: 3, group: null, total: 1, met: 0, breached: 1, metPercent: 0 },
    { kind: 'response', month, priority: 2, group: null, total: 2, met: 1, breached: 1, metPercent: 50 },
    { kind: 'response', month, priority: 3, group: null, total: 1, met: 1, breached: 0, metPercent: 100 },
  ]);

  // by group only: all six in one group per kind (the hardware incidents go to the service desk)
  const byGroup = await report({ groupBy: 'group', to: new Date(time.clock() + 1000).toISOString() });
  expect(byGroup.body.rows).toEqual([
    { kind: 'resolution', month: null, priority: null, group: 'service-desk', total: 3, met: 2, breached: 1, metPercent: 66.7 },
    { kind: 'response', month: null, priority: null, group: 'service-desk', total: 3, met: 2, breached: 1, metPercent: 66.7 },
  ]);

  const asCsv = await request(itsm.app)
    .get('/api/reports/sla')
    .query({ groupBy: 'priority', to: new Date(time.clock() + 1000).toISOString() })
    .set(bearer('owner'))
    .set('Accept', 'text/csv');
  expect(asCsv.status).toBe(200);
  expect(asCsv.headers['content-type']).toMatch(/^text\/csv/);
  expect(asCsv.text).toBe(
    ['kind,month,priority,group,total,met,breached,metPercent', 'resolution,,2,,2,2,0,100', 'resolution,,3,,1,0,1,0', 'response,,2,,2,1,1,50', 'response,,3,,1,1,0,100', ''].join(
      '\r\n',
    ),
  );
  const formatCsv = await report({ groupBy: 'priority', format: 'csv', to: new Date(time.clock() + 1000).toISOString() }, 'admin');
  expect(formatCsv.text).toBe(asCsv.text);

  const metrics = (await request(itsm.app).get('/api/metrics')).text;
  expect(metrics).toMatch(/^processdesk_sla_met_total\{priority="2",kind="response"\} 1$/m);
  expect(metrics).toMatch(/^processdesk_sla_breached_total\{priority="2",kind="response"\} 1$/m);
  expect(metrics).toMatch(/^processdesk_sla_met_total\{priority="2",kind="resolution"\} 2$/m);
  expect(metrics).toMatch(/^processdesk_sla_breached_total\{priority="3",kind="resolution"\} 1$/m);
});

test('a reopen that continues the clock records the same target again: one row, its outcome the last', async () => {
  const { id, incidentId } = await incident(1, 2, 5000, 200_000); // 205 s of 300: met
  await publish(itsm.app, 'IncidentReopened', incidentId, { reopenReason: 'again' });
  await waitTasks(itsm.app, id, 'InvestigateAndResolve');
  time.advance(100_000); // 305 s of 300 now
  await waitFor(itsm.app, id, (i) => i.variables.resolutionSla === 'breached', 'breach after the reopen', 8000);
  await completeTask(itsm.app, id, 'InvestigateAndResolve', { outcome: 'resolved' });
  await waitActive(itsm.app, id, 'AwaitConfirmation');
  const rows = (await itsm.store.listSlaRecords({ from: 0, to: time.clock() + 1, limit: 100 })).filter((r) => r.instanceId === id && r.kind === 'resolution');
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ id: `${id}.resolution.1`, status: 'breached' });
});

test('who may read it, and what is refused: agents and workers 403; a bad range or groupBy, or more records than the scan limit, 400', async () => {
  expect((await report({}, 'alice')).status).toBe(403);
  expect((await report({}, 'worker')).status).toBe(403);
  expect((await report({}, 'owner')).status).toBe(200);
  expect((await report({}, 'admin')).status).toBe(200);
  expect((await report({ groupBy: 'customer' })).status).toBe(400);
  const backwards = await report({ from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' });
  expect(backwards.status).toBe(400);
  expect(backwards.body.error.message).toMatch(/must be before/);
  // eleven records (the scan limit is 10 here): refused, not answered with a part of the range
  const base = time.clock();
  for (let i = 0; i < 11; i++) {
    const at = base - 1000 - i;
    await itsm.store.commit({
      instance: {
        id: `imported-${i}`,
        processId: 'incident',
        version: 1,
        definitionKey: 'incident:1',
        state: 'completed',
        rev: 1,
        snapshot: {},
        variables: {},
        activeElements: [],
        startedAt: at,
      },
      expectedRev: null,
      history: [],
      slaRecords: {
        upsert: [
          { id: `imported-${i}.response.1`, instanceId: `imported-${i}`, processId: 'incident', kind: 'response', round: 1, status: 'met', pausedSeconds: 0, completedAt: at },
        ],
      },
    });
  }
  const tooMany = await report({ to: new Date(base).toISOString() });
  expect(tooMany.status).toBe(400);
  expect(tooMany.body.error.message).toMatch(/more than 10 SLA records .* \(SLA_REPORT_SCAN_LIMIT\)/);
  // a shorter range holds six of them (completed 1000..1005 ms before base)
  expect((await report({ from: new Date(base - 1005).toISOString(), to: new Date(base).toISOString() })).body.records).toBe(6);
  // records of another process (any deployed process may write some) are left out when the report names one
  await itsm.store.commit({
    instance: {
      id: 'other-1',
      processId: 'slaDrill',
      version: 1,
      definitionKey: 'slaDrill:1',
      state: 'completed',
      rev: 1,
      snapshot: {},
      variables: {},
      activeElements: [],
      startedAt: base - 1001,
    },
    expectedRev: null,
    history: [],
    slaRecords: {
      upsert: [
        { id: 'other-1.response.1', instanceId: 'other-1', processId: 'slaDrill', kind: 'response', round: 1, status: 'breached', pausedSeconds: 0, completedAt: base - 1001 },
      ],
    },
  });
  const range = { from: new Date(base - 1005).toISOString(), to: new Date(base).toISOString() };
  expect((await report(range)).body.records).toBe(7);
  const onlyIncidents = await report({ ...range, processId: 'incident' });
  expect(onlyIncidents.body).toMatchObject({ processId: 'incident', records: 6 });
  expect(onlyIncidents.body.rows.map((r: { breached: number }) => r.breached)).toEqual([0]);
});
