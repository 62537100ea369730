/**
 * An agent's day with one incident, in real Chromium and only through the UI: create it from the New
 * menu with its start form, log and acknowledge it in the task list, set it to pending customer, send
 * "customer replied" and a priority change from the ticket's actions, resolve it, and confirm the
 * resolution for the customer. Then the session: a deep link opened in a new tab of the signed-in browser
 * lands on the task; in a browser that is not signed in it lands on sign-in and then on the task; sign-out
 * ends the session for every tab.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { startDemoWorkers } from '../../engine';
import { bearer } from '../api/helpers';
import { shippedResources } from '../itsm/helpers';
import { ensureWebBuild, launchChromium, screenshot, signIn, startWebServer, watchErrors, type WebServer } from './support';

jest.setTimeout(120_000);

let server: WebServer;
let browser: Browser;
let stopWorkers: () => Promise<void>;
const contexts: BrowserContext[] = [];
const errors: string[] = [];

beforeAll(async () => {
  ensureWebBuild();
  [server, browser] = await Promise.all([startWebServer(), launchChromium()]);
  await server.engine.deploy(shippedResources());
  stopWorkers = startDemoWorkers(server.engine, undefined, () => undefined, 100); // notify, cmdb-lookup
}, 120_000);

afterAll(async () => {
  await stopWorkers?.();
  await browser?.close();
  await server?.close();
});

afterEach(() => {
  expect(errors.splice(0)).toEqual([]);
});

/** A new browser (its own cookies) at 1024 px, the narrowest width the app supports. */
async function newBrowserContext(): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1024, height: 800 } });
  contexts.push(context);
  return context;
}

/** A tab whose console errors fail the test, but those matching `expected` (what the test provokes). */
async function newTab(context: BrowserContext, expected?: RegExp): Promise<Page> {
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const seen = watchErrors(page);
  page.on('close', () => errors.push(...seen.splice(0).filter((e) => !expected?.test(e))));
  return page;
}

/** In the task list: claim the open task named `name`, open it, and wait for its form. */
async function claimAndOpen(page: Page, name: string): Promise<void> {
  await page.click('#nav a:has-text("Tasks")');
  const row = page.locator('#task-table tr', { hasText: name });
  await row.locator('button[data-action=claim]').click({ timeout: 20_000 }); // the list polls: the task arrives on its own
  await page.locator('#task-table tr', { hasText: name }).locator('td', { hasText: 'alice' }).waitFor();
  await page.locator('#task-table tr', { hasText: name }).locator('button[data-action=open]').click();
  await page.waitForSelector('#task-form .fjs-form');
}

async function completeOpenTask(page: Page): Promise<void> {
  await page.click('#complete-task');
  await Promise.race([
    page.waitForSelector('#task-completed'),
    page.waitForSelector('#form-messages .error').then(async (e) => {
      throw new Error(`the task was not completed: ${await e.textContent()} ${await page.locator('#form-messages').textContent()}`);
    }),
  ]);
}

/** Picks an option of a form-js select (a dropdown, not a native select) inside `scope`. */
async function choose(page: Page, scope: string, label: string, option: string): Promise<void> {
  await page.locator(`${scope} .fjs-form-field-select`, { hasText: label }).locator('.fjs-select-display').click();
  await page.locator(`${scope} .fjs-dropdownlist-item`, { hasText: new RegExp(`^${option}$`) }).click();
}

/** From anywhere: the Tickets page, then the ticket. */
async function openTicket(page: Page, key: string): Promise<void> {
  await page.click('#nav a:has-text("Tickets")');
  await page.locator('#ticket-table a', { hasText: key }).click();
  await page.waitForSelector(`#ticket-title:has-text("${key}")`);
}

async function sendAction(page: Page, action: string, fill: () => Promise<void>): Promise<void> {
  await page.locator(`#action-buttons button[data-action=${action}]`).click({ timeout: 20_000 });
  await page.waitForSelector('#action-form .fjs-form');
  await fill();
  await page.click('#action-send');
  await page.waitForSelector(`#action-buttons button[data-action=${action}]`, { state: 'detached' });
}

test('an agent creates an incident from its start form and works it to the confirmed resolution, all in the browser', async () => {
  const page = await newTab(await newBrowserContext());
  await signIn(page, server.baseUrl, 'alice');
  expect(await page.locator('#nav a').allTextContents()).toEqual(['Tasks', 'Tickets', 'New']);

  // New -> New incident: the start form
  await page.click('#nav a:has-text("New")');
  await page.click('#new-menu a[data-process=incident]');
  await page.waitForSelector('#start-form .fjs-form');
  await page.click('#start-submit');
  await page.waitForSelector('#start-messages:has-text("Summary")'); // validated before anything is sent
  await page.getByLabel('Summary').fill('Printer on floor 3 jams');
  await page.getByLabel('Description').fill('Every second page since this morning');
  await choose(page, '#start-form', 'Category', 'Hardware');
  await page.getByLabel('Impact').fill('3');
  await page.getByLabel('Urgency').fill('3');
  await page.getByLabel('Caller e-mail').fill('ada@example.com');
  await screenshot(page, 'agent-new-incident');
  await page.click('#start-submit');
  await page.waitForSelector('#start-done');
  await page.click('#start-ticket-link');
  await page.waitForSelector('#ticket-subject:has-text("Printer on floor 3 jams")');
  const instanceId = decodeURIComponent(new URL(page.url()).hash.split('/')[2]);
  const started = await server.engine.getInstance(instanceId);
  expect(started).toMatchObject({
    processId: 'incident',
    startedBy: 'alice',
    variables: { summary: 'Printer on floor 3 jams', category: 'hardware', reportedBy: 'alice', callerEmail: 'ada@example.com' },
  });
  await page.waitForSelector('#no-actions'); // waiting for the service desk: nothing to send yet

  // log and acknowledge in the task list
  await claimAndOpen(page, 'Log and categorize incident');
  await completeOpenTask(page); // the start form's data fills the log form
  await claimAndOpen(page, 'Acknowledge incident');
  await page.getByLabel('First response to the caller').fill('We are on it');
  await completeOpenTask(page);

  // pending customer
  await claimAndOpen(page, 'Investigate and resolve');
  await choose(page, '#task-form', 'Outcome', 'Waiting for the customer');
  await page.getByLabel('Question to the customer').fill('Which printer model?');
  await completeOpenTask(page);
  // the ticket list names it by its number, the business key the engine gave it
  const ticketNumber = (await server.engine.getInstance(instanceId)).businessKey!;
  expect(ticketNumber).toMatch(/^INC\d{7}$/);
  await openTicket(page, ticketNumber);
  await page.locator('#action-buttons button[data-action=CustomerReplied]').waitFor({ timeout: 20_000 });
  expect(await page.locator('#action-buttons button').allTextContents()).toEqual(['Customer replied', 'Priority changed']);
  await screenshot(page, 'agent-ticket-pending-customer');

  // the customer replied
  await sendAction(page, 'CustomerReplied', () => page.getByLabel("Customer's answer").fill('HP LaserJet 4'));
  await page.locator('#action-buttons button[data-action=PriorityChanged]').waitFor({ timeout: 20_000 });
  expect((await server.engine.getInstance(instanceId)).variables).toMatchObject({ customerAnswer: 'HP LaserJet 4' });

  // the priority changes (the resolution target follows it)
  await page.locator('#action-buttons button[data-action=PriorityChanged]').click();
  await page.waitForSelector('#action-form .fjs-form');
  await page.getByLabel('Impact').fill('2');
  await page.getByLabel('Urgency').fill('1');
  await screenshot(page, 'agent-ticket-action-form');
  await page.click('#action-send');
  await page.locator('#ticket-variables tr', { hasText: 'priority' }).locator('td', { hasText: /^2$/ }).waitFor({ state: 'attached' });
  expect((await server.engine.getInstance(instanceId)).variables).toMatchObject({ impact: 2, urgency: 1, priority: 2 });

  // resolve, from the ticket's open task
  await page.locator('#ticket-tasks a[data-element=InvestigateAndResolve]').waitFor({ timeout: 20_000 });
  await claimAndOpen(page, 'Investigate and resolve');
  await choose(page, '#task-form', 'Outcome', 'Resolved');
  await page.getByLabel('Resolution notes').fill('Replaced the fuser');
  await completeOpenTask(page);

  // the customer confirms
  await openTicket(page, ticketNumber);
  await page.locator('#action-buttons button[data-action=ResolutionConfirmed]').waitFor({ timeout: 20_000 });
  expect((await page.locator('#action-buttons button').allTextContents()).sort()).toEqual(['Customer confirmed', 'Customer reopened']);
  await sendAction(page, 'ResolutionConfirmed', () => page.getByLabel('Satisfaction').fill('5'));
  await page.waitForSelector('#ticket-state:has-text("completed")', { timeout: 20_000 });
  await page.waitForSelector('#no-actions');
  // the ticket's path on its diagram and its history, newest first, with alice's confirmation on top
  await page.waitForSelector('#ticket-diagram .djs-container');
  expect(await page.locator('#ticket-diagram .djs-element.pd-taken').count()).toBeGreaterThan(3);
  expect(await page.locator('#ticket-events tbody tr').first().getAttribute('data-type')).toBe('instance.completed');
  expect(await page.locator('#ticket-events tbody tr[data-type="message.correlated"] td:nth-child(2)').allTextContents()).toContain('alice');
  await screenshot(page, 'agent-ticket-closed');
  const done = await server.engine.getInstance(instanceId);
  expect(done).toMatchObject({ state: 'completed', variables: { satisfaction: 5, closure: 'confirmed' } });
  // every step was done as alice
  const actors = new Set((await server.engine.getHistory(instanceId)).filter((e) => e.type === 'task.completed' || e.type === 'message.correlated').map((e) => e.actor));
  expect([...actors]).toEqual(['alice']);
  await page.close();
});

test('a deep link opens in a new tab of the signed-in browser; before sign-in it leads through sign-in to the task; sign-out ends every tab', async () => {
  const started = await request(server.baseUrl)
    .post('/api/process-instances')
    .set(bearer('alice'))
    .send({ processId: 'incident', variables: { summary: 'Monitor flickers', category: 'hardware', impact: 3, urgency: 3 } })
    .expect(201);
  const task = await (async () => {
    for (let i = 0; i < 50; i++) {
      const res = await request(server.baseUrl).get('/api/tasks').query({ processInstanceId: started.body.id, state: 'created' }).set(bearer('alice'));
      if (res.body.items?.length) return res.body.items[0] as { id: string; name: string };
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('no LogIncident task');
  })();
  const link = `${server.baseUrl}/#/tasks/${encodeURIComponent(task.id)}`;

  // signed in in one tab, the link opened in another: no sign-in asked
  const context = await newBrowserContext();
  const first = await newTab(context);
  await signIn(first, server.baseUrl, 'alice');
  // its task list polls: after sign-out elsewhere the next poll is refused (401), as it must be
  const second = await newTab(context, /status of 401 \(Unauthorized\)/);
  await second.goto(link);
  await second.waitForSelector('#task-detail-title:has-text("Log and categorize incident")');
  expect(await second.locator('#token').count()).toBe(0);
  // no token in the page's storage; the cookie is out of scripts' reach
  expect(await second.evaluate(() => sessionStorage.length + localStorage.length)).toBe(0);
  expect((await context.cookies()).find((c) => c.name === 'processdesk_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/api' });

  // a browser that is not signed in: sign-in first, then the task
  const other = await newTab(await newBrowserContext());
  await other.goto(link);
  await other.waitForSelector('#token');
  await screenshot(other, 'deep-link-sign-in');
  await other.click('button[data-user="alice"]');
  await other.waitForSelector('#task-detail-title:has-text("Log and categorize incident")');
  expect(new URL(other.url()).hash).toBe(`#/tasks/${encodeURIComponent(task.id)}`);

  // sign-out in the first tab ends the session: the second tab finds out at its next request
  await first.click('button:has-text("Sign out")');
  await first.waitForSelector('#token');
  await second.waitForSelector('.signin-form .error:has-text("Your session ended")');
  await second.reload();
  await second.waitForSelector('#token');
  await first.close();
  await second.close();
  await other.close();
});
