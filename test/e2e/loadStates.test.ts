/**
 * Every list that loads shows that it is loading, and when the request fails says why with a Retry
 * button that loads it again: tasks, instances, audit search, one instance's history, incidents. The
 * server is real; the browser's network fails the list's requests until Retry, or stalls one (playwright routes).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page, Route } from 'playwright-core';
import request from 'supertest';
import { bearer } from '../api/helpers';
import { ensureWebBuild, launchChromium, signIn, startWebServer, watchErrors, type WebServer } from './support';

jest.setTimeout(90_000);

const STUCK = fs.readFileSync(path.join(__dirname, '../fixtures/api/stuck-gateway.bpmn'), 'utf8');

let server: WebServer;
let browser: Browser;
let instanceId: string;

beforeAll(async () => {
  ensureWebBuild();
  [server, browser] = await Promise.all([startWebServer(), launchChromium()]);
  await request(server.baseUrl)
    .post('/api/deployments')
    .set(bearer('admin'))
    .send({ resources: [{ name: 'stuck-gateway.bpmn', content: STUCK }] })
    .expect(201);
  instanceId = (
    await request(server.baseUrl)
      .post('/api/process-instances')
      .set(bearer('admin'))
      .send({ processId: 'stuckGateway', variables: { approved: 'maybe' } })
  ).body.id;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const LISTS: { name: string; user: string; hash: string; api: RegExp; box: string; loaded: string }[] = [
  { name: 'tasks', user: 'alice', hash: '#/tasks', api: /\/api\/tasks\?/, box: '#tasks-updated', loaded: '#tasks-updated:has-text("Updated")' },
  { name: 'instances', user: 'admin', hash: '#/instances', api: /\/api\/process-instances\?/, box: '#instance-results', loaded: '#instance-table' },
  { name: 'audit search', user: 'carol', hash: '#/audit', api: /\/api\/process-instances\?/, box: '#audit-results', loaded: '#audit-table' },
  { name: 'history', user: 'carol', hash: '#/audit/<id>', api: /\/history$/, box: '#history-timeline', loaded: '#history-table' },
  { name: 'incidents', user: 'admin', hash: '#/incidents', api: /\/api\/incidents\?state=open/, box: '#incident-groups', loaded: 'section.incident-group' },
];

async function openPage(user: string): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const errors = watchErrors(page);
  await signIn(page, server.baseUrl, user);
  return { page, errors };
}

/**
 * Loads the page anew at `hash` (sign-in may have landed on the same address, where a goto would change
 * nothing): the list's first request then meets the route. The tab keeps its session.
 */
async function load(page: Page, hash: string): Promise<void> {
  await page.goto('about:blank');
  await page.goto(`${server.baseUrl}/${hash.replace('<id>', encodeURIComponent(instanceId))}`);
}

test.each(LISTS.map((l) => [l.name, l] as const))('%s: a failed load says why and Retry loads it', async (_name, l) => {
  const { page, errors } = await openPage(l.user);
  let failing = true; // until the network is back
  const fail = (route: Route): Promise<void> => (failing ? route.abort('connectionreset') : route.continue());
  await page.route(l.api, fail);
  await load(page, l.hash);
  await page.waitForSelector(`${l.box} .load-error[role="alert"]:has-text("Could not load")`);
  failing = false;
  await page.click(`${l.box} .load-error button:has-text("Retry")`);
  await page.waitForSelector(l.loaded);
  expect(await page.locator(`${l.box} .load-error`).count()).toBe(0);
  // the browser logs the reset connection; nothing else went wrong
  expect(errors.filter((e) => !/ERR_CONNECTION_RESET|Failed to load resource/.test(e))).toEqual([]);
  await page.context().close();
});

test.each(LISTS.filter((l) => l.name !== 'tasks').map((l) => [l.name, l] as const))('%s: says it is loading while the answer is on its way', async (_name, l) => {
  const { page, errors } = await openPage(l.user);
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(l.api, async (route) => {
    await held;
    await route.continue();
  });
  await load(page, l.hash);
  await page.waitForSelector(`${l.box}[aria-busy="true"] .loading:has-text("Loading")`);
  release();
  await page.waitForSelector(`${l.box}:not([aria-busy]) ${l.loaded}`);
  expect(errors).toEqual([]);
  await page.context().close();
});

test('tasks: the list says it is loading until the first answer', async () => {
  const { page, errors } = await openPage('alice');
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(/\/api\/tasks\?/, async (route) => {
    await held;
    await route.continue();
  });
  await load(page, '#/tasks');
  await page.waitForSelector('#tasks-status:has-text("Loading tasks")');
  release();
  await page.waitForSelector('#tasks-updated:has-text("Updated")');
  expect(await page.locator('#tasks-status:has-text("Loading")').count()).toBe(0);
  expect(errors).toEqual([]);
  await page.context().close();
});
