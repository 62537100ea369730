/**
 * Versions in flight in real Chromium: the process owner migrates a running instance to the next
 * version from the instance page (the check shows what has no place, the mapping is fixed in the page),
 * and an administrator moves its token; designers see no "Move token", agents neither panel.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { bearer } from '../api/helpers';
import { ensureWebBuild, launchChromium, screenshot, signIn, startWebServer, watchErrors, type WebServer } from './support';

jest.setTimeout(60_000);

/** Start -> the user tasks `tasks` in a row -> end, drawn left to right. */
function tasksInARow(tasks: string[]): string {
  const ids = ['s', ...tasks, 'e'];
  const x = (i: number) => 100 + i * 160;
  const shapes = ids.map((id, i) =>
    id === 's' || id === 'e'
      ? `<bpmndi:BPMNShape id="${id}_di" bpmnElement="${id}"><dc:Bounds x="${x(i)}" y="100" width="36" height="36" /></bpmndi:BPMNShape>`
      : `<bpmndi:BPMNShape id="${id}_di" bpmnElement="${id}"><dc:Bounds x="${x(i) - 32}" y="78" width="100" height="80" /></bpmndi:BPMNShape>`,
  );
  const flows = ids.slice(1).map((id, i) => `<bpmn:sequenceFlow id="f${i}" sourceRef="${ids[i]}" targetRef="${id}" />`);
  const edges = ids
    .slice(1)
    .map((_, i) => `<bpmndi:BPMNEdge id="f${i}_di" bpmnElement="f${i}"><di:waypoint x="${x(i) + 68}" y="118" /><di:waypoint x="${x(i + 1) - 32}" y="118" /></bpmndi:BPMNEdge>`);
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  <bpmn:process id="e2e-versions" isExecutable="true">
    <bpmn:startEvent id="s" />${tasks.map((t) => `<bpmn:userTask id="${t}" name="${t}"><bpmn:extensionElements><zeebe:userTask /></bpmn:extensionElements></bpmn:userTask>`).join('')}<bpmn:endEvent id="e" />
    ${flows.join('\n    ')}
  </bpmn:process>
  <bpmndi:BPMNDiagram id="dia"><bpmndi:BPMNPlane id="pl" bpmnElement="e2e-versions">${shapes.join('')}${edges.join('')}</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>`;
}

let server: WebServer;
let browser: Browser;
let context: BrowserContext | undefined;
let page: Page;
let errors: string[] = [];

async function as(user: string): Promise<void> {
  await context?.close();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  errors = watchErrors(page);
  await signIn(page, server.baseUrl, user);
}

beforeAll(async () => {
  ensureWebBuild();
  [server, browser] = await Promise.all([startWebServer(), launchChromium()]);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

test('the owner migrates an instance to the next version, fixing the mapping in the page; an admin moves its token', async () => {
  const deploy = (content: string) =>
    request(server.baseUrl)
      .post('/api/deployments')
      .set(bearer('owner'))
      .send({ resources: [{ name: 'e2e-versions.bpmn', content }] })
      .expect(201);
  await deploy(tasksInARow(['Triage']));
  const { id } = (await request(server.baseUrl).post('/api/process-instances').set(bearer('owner')).send({ processId: 'e2e-versions' }).expect(201)).body;
  await deploy(tasksInARow(['Classify', 'Check']));

  // an agent sees neither panel
  await as('alice');
  expect((await request(server.baseUrl).get(`/api/process-instances/${id}`).set(bearer('alice'))).status).toBe(403);

  await as('owner');
  await page.goto(`${server.baseUrl}/#/instances/${id}`);
  await page.waitForSelector('#instance-migrate');
  expect(await page.locator('#instance-move').count()).toBe(0); // moving tokens stays with admins
  // Triage has no place in v2 until it is mapped
  await page.waitForSelector('#migrate-problems li:has-text("Triage is active and has no mapping")');
  expect(await page.locator('#migrate-run').isDisabled()).toBe(true);
  await page.fill('#migrate-to-Triage', 'Classify');
  await page.click('#migrate-check');
  await page.waitForFunction(() => document.querySelectorAll('#migrate-problems li').length === 0);
  await screenshot(page, 'instance-migrate');
  page.once('dialog', (d) => void d.accept());
  await page.click('#migrate-run');
  await page.waitForSelector('#instance-title:has-text("e2e-versions v2")');
  await page.waitForSelector('#instance-diagram .pd-active[data-element-id="Classify"]');
  expect(await page.locator('#instance-migrate').count()).toBe(0); // nothing newer to move to

  await as('admin');
  await page.goto(`${server.baseUrl}/#/instances/${id}`);
  await page.waitForSelector('#instance-move');
  await page.selectOption('#move-from', 'Classify');
  await page.fill('#move-to', 'Check');
  await page.fill('#move-variables', '{"classifiedBy": "phone"}');
  await page.click('#move-run');
  await page.waitForSelector('#instance-diagram .pd-active[data-element-id="Check"]');
  await page.waitForSelector('#instance-variables :text("classifiedBy")');

  const events = (await request(server.baseUrl).get(`/api/process-instances/${id}/history`).set(bearer('admin'))).body.events as { type: string; actor: string; data: unknown }[];
  expect(events.filter((e) => e.type === 'instance.migrated' || e.type === 'instance.modified').map((e) => [e.type, e.actor, e.data])).toEqual([
    ['instance.migrated', 'owner', { from: 'e2e-versions:1', to: 'e2e-versions:2', mapping: { Triage: 'Classify' } }],
    ['instance.modified', 'admin', { activated: ['Check'], terminated: ['Classify'], tokensTerminated: 1 }],
  ]);
  expect(errors).toEqual([]);
});
