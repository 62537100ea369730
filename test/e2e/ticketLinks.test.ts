/**
 * Ticket numbers and linked tickets in real Chromium: an agent raises a problem from an incident's
 * ticket page (the new ticket is numbered PRB0000001 and the two are linked), sees the link on both
 * tickets, links another incident by its number, and a process owner sees the links on the instance page.
 */
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { bearer } from '../api/helpers';
import { shippedResources } from '../itsm/helpers';
import { ensureWebBuild, launchChromium, screenshot, signIn, startWebServer, watchErrors, type WebServer } from './support';

jest.setTimeout(120_000);

let server: WebServer;
let browser: Browser;

beforeAll(async () => {
  ensureWebBuild();
  [server, browser] = await Promise.all([startWebServer(), launchChromium()]);
  await server.engine.deploy(shippedResources());
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function newPage(): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return { page, errors: watchErrors(page) };
}

async function incident(): Promise<{ id: string; businessKey: string }> {
  const res = await request(server.baseUrl).post('/api/process-instances').set(bearer('alice')).send({ processId: 'incident', variables: {} });
  expect(res.status).toBe(201);
  return res.body;
}

/** Picks an option of a form-js select inside `scope`. */
async function choose(page: Page, scope: string, label: string, option: string): Promise<void> {
  await page.locator(`${scope} .fjs-form-field-select`, { hasText: label }).locator('.fjs-select-display').click();
  await page.locator(`${scope} .fjs-dropdownlist-item`, { hasText: new RegExp(`^${option}$`) }).click();
}

test('an agent raises a problem from an incident and links another incident by its number; an owner sees the links', async () => {
  const first = await incident();
  const second = await incident();
  expect([first.businessKey, second.businessKey]).toEqual(['INC0000001', 'INC0000002']);

  const { page, errors } = await newPage();
  await signIn(page, server.baseUrl, 'alice');
  await page.goto(`${server.baseUrl}/#/tickets/${encodeURIComponent(first.id)}`);
  await page.waitForSelector('#ticket-title:has-text("INC0000001")');
  await page.waitForSelector('#linked-tickets:has-text("None.")');

  // Raise problem: the problem's start form, then the new numbered ticket
  await page.click('#raise-problem');
  await page.waitForSelector('#start-form .fjs-form');
  await page.waitForSelector('#start-raised-from');
  await page.getByLabel('Summary').fill('Printers drop off the network');
  await choose(page, '#start-form', 'Category', 'Network');
  await choose(page, '#start-form', 'Impact', 'High');
  await page.click('#start-submit');
  await page.waitForSelector('#start-done:has-text("PRB0000001")');
  await page.click('#start-ticket-link');
  await page.waitForSelector('#ticket-title:has-text("PRB0000001")');
  await page.waitForSelector('#linked-tickets li[data-link-kind=raised]:has-text("raised from INC0000001")');

  // back on the incident: the problem it raised, then a link to the second incident by its number
  await page.click(`#linked-tickets a[data-linked-id="${first.id}"]`);
  await page.waitForSelector('#linked-tickets:has-text("raised PRB0000001")');
  await page.fill('#link-ticket-number', 'INC0009999');
  await page.click('#link-ticket-submit');
  await page.waitForSelector('#link-ticket-messages:has-text("No ticket INC0009999")');
  await page.fill('#link-ticket-number', 'INC0000002');
  await page.selectOption('#link-ticket-kind', 'related');
  await page.click('#link-ticket-submit');
  await page.waitForSelector('#linked-tickets li[data-link-kind=related]:has-text("related to INC0000002")');
  await screenshot(page, 'ticket-linked-tickets');
  const links = await request(server.baseUrl).get(`/api/process-instances/${second.id}/links`).set(bearer('admin'));
  expect(links.body.items).toEqual([expect.objectContaining({ kind: 'related', direction: 'from', instanceId: first.id, businessKey: 'INC0000001' })]);
  expect(errors).toEqual([]);

  // a process owner reads the links on the instance page, each a link to the other instance
  const owner = await newPage();
  await signIn(owner.page, server.baseUrl, 'owner');
  await owner.page.goto(`${server.baseUrl}/#/instances/${encodeURIComponent(first.id)}`);
  await owner.page.waitForSelector('#linked-tickets li:has-text("PRB0000001")');
  await owner.page.waitForSelector('#linked-tickets li:has-text("INC0000002")');
  expect(await owner.page.locator('#link-ticket-number').count()).toBe(0); // reading only
  expect(await owner.page.locator(`#linked-tickets a[data-linked-id="${second.id}"]`).getAttribute('href')).toBe(`#/instances/${encodeURIComponent(second.id)}`);
  expect(owner.errors).toEqual([]);
});
