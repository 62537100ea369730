/**
 * The admin's incidents page in real Chromium: open incidents grouped by process and error with their
 * counts and the badge in the navigation; a selection retried (one fixed instance goes on, one fails
 * again and the page says so with the new error), then a whole group; a designer who does not own the
 * process sees each of its incidents refused. Incidents are raised through the API (the setup), the
 * retries are clicked.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { bearer, eventually } from '../api/helpers';
import { ensureWebBuild, launchChromium, screenshot, signIn, startWebServer, watchErrors, type WebServer } from './support';

jest.setTimeout(90_000);

const STUCK = fs.readFileSync(path.join(__dirname, '../fixtures/api/stuck-gateway.bpmn'), 'utf8');
const JOB = fs.readFileSync(path.join(__dirname, '../fixtures/api/job-error-boundary.bpmn'), 'utf8');

let server: WebServer;
let browser: Browser;
const stuck: string[] = [];

/** An instance of stuckGateway with an open incident on its gateway. */
async function stuckInstance(): Promise<string> {
  const res = await request(server.baseUrl)
    .post('/api/process-instances')
    .set(bearer('owner'))
    .send({ processId: 'stuckGateway', variables: { approved: 'maybe' } });
  expect(res.status).toBe(201);
  return res.body.id;
}

async function openIncidents(): Promise<{ id: string; processInstanceId: string }[]> {
  return (await request(server.baseUrl).get('/api/incidents').query({ state: 'open' }).set(bearer('admin'))).body.items;
}

beforeAll(async () => {
  ensureWebBuild();
  [server, browser] = await Promise.all([startWebServer(), launchChromium()]);
  const deploy = async (user: string, name: string, content: string): Promise<void> => {
    expect(
      (
        await request(server.baseUrl)
          .post('/api/deployments')
          .set(bearer(user))
          .send({ resources: [{ name, content }] })
      ).status,
    ).toBe(201);
  };
  await deploy('owner', 'stuck-gateway.bpmn', STUCK);
  await deploy('admin', 'job-error-boundary.bpmn', JOB);
  for (let i = 0; i < 3; i++) stuck.push(await stuckInstance());
  // a job incident: a second group
  await request(server.baseUrl)
    .post('/api/process-instances')
    .set(bearer('admin'))
    .send({ processId: 'jobError', variables: { ci: 'srv-1' } });
  const job = await eventually(async () => {
    const r = await request(server.baseUrl).post('/api/jobs/activate').set(bearer('admin')).send({ type: 'cmdb-lookup', worker: 'e2e', maxJobs: 1, lockMs: 10_000 });
    if (!r.body.jobs?.[0]) throw new Error('no job yet');
    return r.body.jobs[0];
  });
  await request(server.baseUrl).post(`/api/jobs/${job.key}/fail`).set(bearer('admin')).send({ retries: 0, errorMessage: 'CMDB unreachable' }).expect(200);
  await eventually(async () => {
    if ((await openIncidents()).length !== 4) throw new Error('incidents not there yet');
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function page(user: string): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const p = await context.newPage();
  p.setDefaultTimeout(10_000);
  const errors = watchErrors(p);
  await signIn(p, server.baseUrl, user);
  return { page: p, errors };
}

test('admin: groups with counts, the badge, a selection retried (one goes on, one fails again and says so), then a whole group', async () => {
  const { page: p, errors } = await page('admin');
  await p.waitForSelector('#incident-count:has-text("4")');
  await p.click('nav a:has-text("Incidents")');
  const group = p.locator('section.incident-group[data-process-id="stuckGateway"]');
  await group.locator('h2 .count:has-text("3")').waitFor();
  await p.locator('section.incident-group[data-process-id="jobError"] h2:has-text("CMDB unreachable")').waitFor();
  expect(await p.locator('section.incident-group').count()).toBe(2);
  expect(await p.locator('#retry-selected').isDisabled()).toBe(true);
  await screenshot(p, 'incidents');

  // the admin fixed the first instance's data; the second is unchanged
  await request(server.baseUrl)
    .post(`/api/process-instances/${stuck[0]}/variables`)
    .set(bearer('admin'))
    .send({ variables: { approved: true } })
    .expect(200);
  const byInstance = new Map((await openIncidents()).map((i) => [i.processInstanceId, i.id]));
  await p.check(`input[data-incident-id="${byInstance.get(stuck[0])}"]`);
  await p.check(`input[data-incident-id="${byInstance.get(stuck[1])}"]`);
  await p.click('#retry-selected:has-text("Retry selected (2)")');
  await p.waitForSelector('#retry-results:has-text("1 retried, 1 failed again, 0 refused")');
  const failedAgain = p.locator(`#retry-results li.outcome-failedAgain[data-incident-id="${byInstance.get(stuck[1])}"]`);
  expect(await failedAgain.textContent()).toMatch(/failed again: .*Route/);
  await p.waitForSelector(`#retry-results li.outcome-retried[data-incident-id="${byInstance.get(stuck[0])}"]`);
  await group.locator('h2 .count:has-text("2")').waitFor(); // the list reloaded: instance 1 went on
  await p.waitForSelector('#incident-count:has-text("3")');
  await screenshot(p, 'incidents-retried');

  await group.locator('button.retry-group').click();
  await p.waitForSelector('#retry-results:has-text("0 retried, 2 failed again, 0 refused")');
  const tasks = await request(server.baseUrl).get('/api/tasks').query({ processInstanceId: stuck[0] }).set(bearer('admin'));
  expect(tasks.body.items.map((t: { elementId: string }) => t.elementId)).toEqual(['Yes']);
  expect(errors).toEqual([]);
  await p.context().close();
});

test('a designer who does not own the process is refused per incident, and nothing changes', async () => {
  const before = (await openIncidents()).map((i) => i.id).sort();
  const inGroup = (await openIncidents()).filter((i) => stuck.includes(i.processInstanceId)).length;
  const { page: p, errors } = await page('frank');
  await p.click('nav a:has-text("Incidents")');
  await p.locator('section.incident-group[data-process-id="stuckGateway"] button.retry-group').click();
  await p.waitForSelector(`#retry-results:has-text("0 retried, 0 failed again, ${inGroup} refused")`);
  expect(await p.locator('#retry-results li.outcome-refused').first().textContent()).toMatch(/refused: .*(owner|may not)/i);
  expect((await openIncidents()).map((i) => i.id).sort()).toEqual(before);
  expect(errors).toEqual([]);
  await p.context().close();
});

test('the page loads at 1024 px, and every control is reached with the keyboard', async () => {
  const { page: p, errors } = await page('admin');
  await p.setViewportSize({ width: 1024, height: 768 });
  await p.goto(`${server.baseUrl}/#/incidents`);
  await p.waitForSelector('#incident-groups:not([aria-busy]) section.incident-group');
  expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1024);
  const box = p.locator('section.incident-group input[type="checkbox"]').first();
  await box.focus();
  await p.keyboard.press('Space');
  expect(await box.isChecked()).toBe(true);
  expect(await p.locator('#retry-selected').isDisabled()).toBe(false);
  expect(errors).toEqual([]);
  await p.context().close();
});
