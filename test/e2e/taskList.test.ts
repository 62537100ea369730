/**
 * The agent's task list and task page in real Chromium against a real server: filter, sort, page past
 * 100 tasks, save a view and find it again after a reload, SLA labels, the navigation's count badge,
 * a work note and an attachment (uploaded and downloaded), the delegation picker, and the page's
 * refresh after a completion someone else got in first. Everything through the UI, as a person does.
 */
import fs from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ensureWebBuild, launchChromium, screenshot, signIn, startWebServer, watchErrors, type WebServer } from './support';

jest.setTimeout(90_000);

const PROCESS_ID = 'e2e-desk';
const PROCESS = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  <bpmn:process id="${PROCESS_ID}" name="Desk ticket" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="handle" name="Handle ticket"><bpmn:extensionElements><zeebe:userTask /><zeebe:assignmentDefinition candidateGroups="service-desk" /><zeebe:taskSchedule dueDate="=due" /><zeebe:priorityDefinition priority="=prio" /><zeebe:taskHeaders><zeebe:header key="subject" value="=summary" /></zeebe:taskHeaders></bpmn:extensionElements><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="e"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="handle" />
    <bpmn:sequenceFlow id="f2" sourceRef="handle" targetRef="e" />
  </bpmn:process>
</bpmn:definitions>`;

const HOUR = 3_600_000;
const TASKS = 130;
let server: WebServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: string[] = [];

/** Ticket i: every tenth about the VPN; 0 is 3 h overdue, 1 due in 35 min, 2 waits on the customer (SLA paused). */
function ticket(i: number, now: number): { businessKey: string; variables: Record<string, unknown> } {
  const summary = i === 2 ? 'Waiting on customer' : `${i % 10 === 0 ? 'VPN' : 'Printer'} ticket ${i}`;
  const due = i === 0 ? now - 3 * HOUR : i === 1 ? now + 35 * 60_000 + 20_000 : i === 2 ? null : now + (i + 1) * 24 * HOUR;
  const variables: Record<string, unknown> = { summary, prio: i, due: due === null ? null : new Date(due).toISOString(), requester: `user${i}` };
  if (i === 2) variables.slaClock = { running: false, budget: 3600, total: 7200 };
  return { businessKey: `INC-${2000 + i}`, variables };
}

beforeAll(async () => {
  ensureWebBuild();
  [server, browser] = await Promise.all([startWebServer(), launchChromium()]);
  await server.engine.deploy([{ name: `${PROCESS_ID}.bpmn`, content: PROCESS }]);
  const now = Date.now();
  for (let i = 0; i < TASKS; i++) await server.engine.startInstance({ processId: PROCESS_ID, ...ticket(i, now) });
  context = await browser.newContext({ viewport: { width: 1024, height: 800 }, acceptDownloads: true });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  errors = watchErrors(page);
  await signIn(page, server.baseUrl, 'alice');
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

afterEach(() => {
  expect(errors.splice(0)).toEqual([]);
});

const rows = () => page.locator('#task-table tbody tr');
const firstCell = (column: number) =>
  rows()
    .first()
    .locator('td')
    .nth(column - 2);

test('the navigation counts the open tasks of me and my groups', async () => {
  await page.waitForSelector(`#tasks-badge:has-text("${TASKS}")`);
  expect(await page.locator('nav a[href="#/tasks"]').getAttribute('aria-label')).toBe(`Tasks, ${TASKS} open for you and your groups`);
});

test('pages past 100 tasks, with the SLA in words', async () => {
  await page.waitForSelector(`#tasks-status:has-text("of ${TASKS}")`);
  await page.selectOption('#tasks-page-size', '100');
  await page.waitForSelector(`#tasks-status:has-text("Tasks 1–100 of ${TASKS}")`);
  expect(await rows().count()).toBe(100);
  // sorted by due date: the overdue one first, then the one due in 35 minutes; the paused one has none
  expect(await firstCell(7).textContent()).toBe('3 h overdue');
  expect(await rows().nth(1).locator('td.sla').textContent()).toMatch(/^due in 3[45] min$/);
  await page.click('#tasks-next');
  await page.waitForSelector(`#tasks-status:has-text("Tasks 101–${TASKS} of ${TASKS}")`);
  expect(await rows().count()).toBe(TASKS - 100);
  expect(await rows().last().locator('td.sla').textContent()).toBe('paused');
  expect(await page.locator('#tasks-position').textContent()).toBe('Page 2 of 2');
  // the page fits a 1024 px wide window
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1024);
  await screenshot(page, 'task-list-paged');
});

test('filters by free text and sorts by a column, either way', async () => {
  await page.fill('#filter-text', 'vpn');
  await page.waitForSelector('#tasks-status:has-text("Tasks 1–13 of 13")');
  await page.click('button[data-sort="priority"]');
  await page.waitForSelector('th[aria-sort="ascending"] button[data-sort="priority"]');
  await page.waitForFunction(() => document.querySelector('#task-table tbody tr td.priority')?.textContent === '0');
  await page.click('button[data-sort="priority"]');
  await page.waitForSelector('th[aria-sort="descending"] button[data-sort="priority"]');
  await page.waitForFunction(() => document.querySelector('#task-table tbody tr td.priority')?.textContent === '120');
  await page.fill('#filter-text', 'INC-2042');
  await page.waitForSelector('#tasks-status:has-text("Tasks 1–1 of 1")');
  expect(await rows().first().locator('td.subject').textContent()).toBe('Printer ticket 42');
});

test('a saved view is found again after a reload and restores its filters and sort', async () => {
  await page.fill('#filter-text', 'vpn');
  await page.waitForSelector('#tasks-status:has-text("of 13")');
  await page.fill('#view-name', 'VPN, urgent first');
  await page.click('#save-view');
  await page.waitForSelector('#saved-view option:has-text("VPN, urgent first")', { state: 'attached' });
  await page.reload();
  await page.waitForSelector(`#tasks-status:has-text("of ${TASKS}")`);
  await page.waitForSelector('#saved-view option:has-text("VPN, urgent first")', { state: 'attached' });
  await page.selectOption('#saved-view', { label: 'VPN, urgent first' });
  await page.waitForSelector('#tasks-status:has-text("of 13")');
  expect(await page.inputValue('#filter-text')).toBe('vpn');
  await page.waitForFunction(() => document.querySelector('#task-table tbody tr td.priority')?.textContent === '120');
  expect(await page.locator('th[aria-sort="descending"] button[data-sort="priority"]').count()).toBe(1);
});

test('the task page: key variables, a work note, and an attachment uploaded and downloaded', async () => {
  await rows().first().locator('button[data-action=open]').click();
  await page.waitForSelector('#task-detail-title:has-text("Handle ticket")');
  expect(await page.locator('#task-subject').textContent()).toBe('VPN ticket 120');
  expect(await page.locator('#task-business-key').textContent()).toBe('INC-2120');
  expect(await page.locator('#task-priority').textContent()).toBe('120');
  await page.waitForSelector('#task-facts dd:has-text("user120")');
  await page.fill('#note-text', 'Called user120: the VPN client is outdated.');
  await page.click('#add-note');
  await page.waitForSelector('#task-notes li:has-text("Called user120: the VPN client is outdated.")');
  expect(await page.locator('#task-notes li').first().textContent()).toContain('alice');
  const log = 'vpn: handshake failed\n';
  await page.setInputFiles('#attachment-file', { name: 'vpn.log', mimeType: 'text/plain', buffer: Buffer.from(log) });
  await page.click('#upload-attachment');
  const link = page.locator('#task-attachments button[data-attachment="vpn.log"]');
  await link.waitFor();
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  expect(download.suggestedFilename()).toBe('vpn.log');
  expect(fs.readFileSync((await download.path())!, 'utf8')).toBe(log);
  await screenshot(page, 'task-page-notes');
});

test('delegation picks a substitute from the known users who work tasks', async () => {
  await rows().first().locator('button[data-action=claim]').click();
  await page.waitForSelector('#task-assignee:has-text("alice")');
  await page.waitForSelector('#delegate-to:not([disabled])');
  const options = await page.locator('#delegate-to option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
  expect(options).toEqual(['', 'admin', 'bob', 'dave', 'erin', 'paula']);
  await page.selectOption('#delegate-to', 'erin');
  await page.click('#delegate-task');
  await page.waitForSelector('#task-delegated:has-text("to erin")');
  await page.waitForFunction(() => document.querySelector('#task-table tbody tr td:nth-child(5)')?.textContent === 'erin');
});

test('after a completion someone else got in first, the page shows the task as it is now; the badge counts one less', async () => {
  await page.fill('#filter-text', 'INC-2050');
  await page.waitForSelector('#tasks-status:has-text("Tasks 1–1 of 1")');
  await rows().first().locator('button[data-action=open]').click();
  await page.waitForSelector('#complete-task');
  const id = decodeURIComponent(page.url().split('#/tasks/')[1]);
  await server.engine.completeTask(id, {}, 'erin');
  await page.click('#complete-task');
  await page.waitForSelector('#task-closed:has-text("This task is completed")');
  await page.waitForSelector('#form-messages:has-text("Could not complete")');
  await page.waitForSelector(`#tasks-badge:has-text("${TASKS - 1}")`);
  errors.splice(0, errors.length, ...errors.filter((e) => !e.includes('status of 409')));
});

test('a list that cannot load says so and offers Retry', async () => {
  await page.route('**/api/tasks?*', (route) => route.abort());
  await page.fill('#filter-text', 'printer');
  await page.waitForSelector('#tasks-updated .load-error[role="alert"]:has-text("Could not load tasks")');
  await page.unroute('**/api/tasks?*');
  await page.click('#tasks-updated .load-error button:has-text("Retry")');
  await page.waitForSelector('#tasks-status:has-text("of 116")');
  expect(await page.locator('#tasks-updated .load-error').count()).toBe(0);
  errors.splice(0, errors.length, ...errors.filter((e) => !e.includes('net::ERR_FAILED')));
});

test('an admin assigns an unassigned task to a user picked from the directory', async () => {
  const admin = await context.browser()!.newContext({ viewport: { width: 1024, height: 800 } });
  const adminPage = await admin.newPage();
  adminPage.setDefaultTimeout(10_000);
  const adminErrors = watchErrors(adminPage);
  try {
    await signIn(adminPage, server.baseUrl, 'admin');
    await adminPage.click('nav a[href="#/tasks"]');
    await adminPage.fill('#filter-text', 'INC-2077');
    await adminPage.waitForSelector('#tasks-status:has-text("Tasks 1–1 of 1")');
    await adminPage.locator('#task-table tbody tr').first().locator('button[data-action=open]').click();
    await adminPage.waitForSelector('#assign-to:not([disabled])');
    expect(await adminPage.locator('#delegate-to').count()).toBe(0);
    await adminPage.selectOption('#assign-to', 'dave');
    await adminPage.click('#assign-task');
    await adminPage.waitForSelector('#task-assignee:has-text("dave")');
    // assigned now: the admin may hand it on, to anyone but dave
    await adminPage.waitForSelector('#delegate-to:not([disabled])');
    expect(await adminPage.locator('#delegate-to option[value="dave"]').count()).toBe(0);
    expect(adminErrors).toEqual([]);
  } finally {
    await admin.close();
  }
});
