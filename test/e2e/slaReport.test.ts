/**
 * The SLA report in real Chromium: an auditor opens "SLA report" from the navigation, reads the share of
 * targets met per priority as SVG bars and as a table, switches to response targets, and downloads the
 * CSV; an agent has no such page. The SLA records come from instances of a small process whose script
 * task is marked processdesk.slaRecord, run through the API (the setup).
 */
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { bearer, eventually } from '../api/helpers';
import { ensureWebBuild, launchChromium, screenshot, signIn, startWebServer, watchErrors, type WebServer } from './support';

jest.setTimeout(90_000);

const RECORD = `={kind: kind, ticket: ticket, priority: priority, group: "service-desk", calendar: "24x7", target: "PT4H", breached: breached, completedAt: now()}`;
const PROCESS = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="D" targetNamespace="t">
  <bpmn:process id="slaFixture" isExecutable="true">
    <bpmn:startEvent id="Start"><bpmn:outgoing>F1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="Record" name="Record SLA"><bpmn:extensionElements><zeebe:properties><zeebe:property name="processdesk.slaRecord" value="true" /></zeebe:properties><zeebe:script expression="${RECORD.replace(/"/g, '&quot;')}" resultVariable="slaRecord" /></bpmn:extensionElements><bpmn:incoming>F1</bpmn:incoming><bpmn:outgoing>F2</bpmn:outgoing></bpmn:scriptTask>
    <bpmn:endEvent id="End"><bpmn:incoming>F2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="F1" sourceRef="Start" targetRef="Record" />
    <bpmn:sequenceFlow id="F2" sourceRef="Record" targetRef="End" />
  </bpmn:process>
</bpmn:definitions>`;

let server: WebServer;
let browser: Browser;
let page: Page;
let errors: string[];

// resolution: P1 one of two met (50 %), P2 both met (100 %); response: P1 met (100 %)
const TARGETS = [
  { kind: 'resolution', priority: 1, breached: false },
  { kind: 'resolution', priority: 1, breached: true },
  { kind: 'resolution', priority: 2, breached: false },
  { kind: 'resolution', priority: 2, breached: false },
  { kind: 'response', priority: 1, breached: false },
];

beforeAll(async () => {
  ensureWebBuild();
  [server, browser] = await Promise.all([startWebServer(), launchChromium()]);
  const base = server.baseUrl;
  expect(
    (
      await request(base)
        .post('/api/deployments')
        .set(bearer('admin'))
        .send({ resources: [{ name: 'sla-fixture.bpmn', content: PROCESS }] })
    ).status,
  ).toBe(201);
  for (const [n, t] of TARGETS.entries()) {
    const res = await request(base)
      .post('/api/process-instances')
      .set(bearer('admin'))
      .send({ processId: 'slaFixture', variables: { ...t, ticket: `INC-${n}` } });
    expect(res.status).toBe(201);
  }
  await eventually(async () => {
    const r = await request(base).get('/api/reports/sla').set(bearer('carol'));
    expect(r.body.records).toBe(TARGETS.length);
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  errors = watchErrors(page);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

afterEach(() => expect(errors.splice(0)).toEqual([]));

test('an auditor reads the SLA report: bars and table per priority, response targets, the CSV; an agent has no such page', async () => {
  await signIn(page, server.baseUrl, 'carol');
  await page.click('nav a:has-text("SLA report")');
  await page.waitForSelector('#sla-result:not([aria-busy]) svg.sla-chart');
  const month = new Date().toISOString().slice(0, 7);
  const bars = async () =>
    page.$$eval('svg.sla-chart rect.bar[data-series]', (rects) =>
      rects.map((r) => [r.getAttribute('data-month'), r.getAttribute('data-series'), Number(r.getAttribute('data-met-percent'))]),
    );
  expect(await bars()).toEqual([
    [month, 'P1', 50],
    [month, 'P2', 100],
  ]);
  // the P2 bar (100 %) is twice as tall as the P1 bar (50 %)
  const heights = await page.$$eval('svg.sla-chart rect.bar[data-series]', (rects) => rects.map((r) => Number(r.getAttribute('height'))));
  expect(heights[1]).toBeCloseTo(heights[0] * 2, 5);
  expect(await page.locator('#sla-table tbody tr').allInnerTexts()).toEqual([`${month}\tP1\t2\t1\t1\t50%`, `${month}\tP2\t2\t2\t0\t100%`]);
  await screenshot(page, 'sla-report');

  await page.selectOption('#sla-kind', 'response');
  await page.waitForSelector('#sla-table tbody tr >> nth=0');
  await eventually(async () => expect(await bars()).toEqual([[month, 'P1', 100]]));

  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#sla-csv')]);
  const csv = await (await download.createReadStream()).toArray();
  expect(Buffer.concat(csv).toString('utf8')).toBe(
    ['kind,month,priority,group,total,met,breached,metPercent', `resolution,${month},1,,2,1,1,50`, `resolution,${month},2,,2,2,0,100`, `response,${month},1,,1,1,0,100`, ''].join(
      '\r\n',
    ),
  );

  // kept to one process: the same records (only this process wrote any), the CSV link follows
  await page.selectOption('#sla-process', 'slaFixture');
  await page.waitForSelector('#sla-result:not([aria-busy]) svg.sla-chart');
  expect(await bars()).toEqual([[month, 'P1', 100]]);
  expect(await page.getAttribute('#sla-csv', 'href')).toContain('processId=slaFixture');

  // an agent: no link, and the page itself is not offered
  await page.click('button:has-text("Sign out")');
  await signIn(page, server.baseUrl, 'alice');
  expect(await page.locator('nav a:has-text("SLA report")').count()).toBe(0);
  expect((await request(server.baseUrl).get('/api/reports/sla').set(bearer('alice'))).status).toBe(403);
});
