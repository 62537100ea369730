/**
 * The auditor in real Chromium: finds an instance by its business key, reads it without any control
 * that changes it (the diagram with the path taken, its facts), narrows the history to what people did,
 * exports it, and sees the business key in the page's title and heading. Alice's work on the instance
 * goes through the API (the setup); the auditor's through the page.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { bearer, eventually } from '../api/helpers';
import { ensureWebBuild, launchChromium, screenshot, signIn, startWebServer, watchErrors, type WebServer } from './support';

jest.setTimeout(90_000);

const STUCK = fs.readFileSync(path.join(__dirname, '../fixtures/api/stuck-gateway.bpmn'), 'utf8');
const KEY = 'CHG-4711';

let server: WebServer;
let browser: Browser;
let page: Page;
let errors: string[];
let instanceId: string;

beforeAll(async () => {
  ensureWebBuild();
  [server, browser] = await Promise.all([startWebServer(), launchChromium()]);
  const base = server.baseUrl;
  expect(
    (
      await request(base)
        .post('/api/deployments')
        .set(bearer('admin'))
        .send({ resources: [{ name: 'stuck-gateway.bpmn', content: STUCK }] })
    ).status,
  ).toBe(201);
  instanceId = (
    await request(base)
      .post('/api/process-instances')
      .set(bearer('alice'))
      .send({ processId: 'stuckGateway', businessKey: KEY, variables: { approved: true } })
  ).body.id;
  const task = await eventually(async () => {
    const r = await request(base).get('/api/tasks').query({ processInstanceId: instanceId, state: 'created' }).set(bearer('alice'));
    if (!r.body.items?.[0]) throw new Error('no task yet');
    return r.body.items[0];
  });
  await request(base).post(`/api/tasks/${task.id}/claim`).set(bearer('alice')).send({}).expect(200);
  await request(base).post(`/api/tasks/${task.id}/complete`).set(bearer('alice')).send({ variables: {} }).expect(200);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  errors = watchErrors(page);
  await signIn(page, base, 'carol');
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

afterEach(() => expect(errors.splice(0)).toEqual([]));

/** The instance's history page, opened by its address (each test stands on its own). */
async function historyPage(): Promise<void> {
  await page.goto(`${server.baseUrl}/#/audit/${encodeURIComponent(instanceId)}`);
  await page.waitForSelector('#history-timeline:not([aria-busy]) #history-table');
}

test('finds the instance by business key and reads it: the diagram with the path taken, nothing that changes it, the key in the titles', async () => {
  await page.click('nav a:has-text("Audit")');
  await page.fill('#audit-business-key', KEY);
  await page.click('form.filters button[type="submit"]');
  await page.waitForSelector('#audit-results:not([aria-busy])');
  expect(await page.locator('#audit-table tbody tr').count()).toBe(1);
  await page.click(`#audit-table a:has-text("${instanceId}")`);

  await page.waitForSelector(`#history-title:has-text("History of ${KEY}")`);
  await page.waitForFunction((key) => document.title.startsWith(`${key} ·`), KEY);
  await page.waitForSelector('#audit-business-key:has-text("CHG-4711")');
  await page.waitForSelector('#audit-diagram .djs-container');
  // the path it took: start, the gateway's yes branch, the task, the end; the no branch untouched
  await page.waitForSelector('#audit-diagram [data-element-id="Yes"].pd-taken');
  expect(await page.locator('#audit-diagram [data-element-id="F_Yes"].pd-taken').count()).toBe(1);
  expect(await page.locator('#audit-diagram [data-element-id="No"].pd-taken').count()).toBe(0);
  expect(await page.locator('#audit-diagram .pd-count').count()).toBeGreaterThanOrEqual(3);
  // read-only: no bpmn-js editing tools, none of the instance page's controls
  expect(await page.locator('#audit-diagram .djs-palette, #audit-diagram .djs-context-pad').count()).toBe(0);
  for (const control of ['#cancel-instance', '#set-variables', '#instance-incidents button', '#migrate-instance', '#move-token']) {
    expect(await page.locator(control).count()).toBe(0);
  }
  const buttons = await page.locator('main button').allTextContents();
  expect(buttons.sort()).toEqual(['Evidence pack (CSV)', 'Evidence pack (JSON)', 'Export CSV', 'Export JSON', 'Verify hash chain'].sort());
  await page.waitForSelector('#verify-result.valid');
  await screenshot(page, 'audit-instance');
});

test('the history filter keeps only what people did: claims and completions by alice', async () => {
  await historyPage();
  await page.waitForSelector('#history-table tbody tr[data-type="element.activated"]');
  const all = await page.locator('#history-table tbody tr').count();
  await page.check('#human-only');
  const types = await page.locator('#history-table tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-type')));
  expect(types).toEqual(['task.claimed', 'task.completed']);
  expect(all).toBeGreaterThan(types.length);
  const who = await page.locator('#history-table tbody tr td:nth-child(5)').allTextContents(); // the "Who" column
  expect(who).toEqual(['alice', 'alice']);
  await page.uncheck('#human-only');
  expect(await page.locator('#history-table tbody tr').count()).toBe(all);
});

test('exports the history as CSV', async () => {
  await historyPage();
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
  expect(download.suggestedFilename()).toBe(`history-${instanceId}.csv`);
  const text = fs.readFileSync((await download.path())!, 'utf8');
  expect(text).toContain('task.completed');
  expect(text).toContain('alice');
});
