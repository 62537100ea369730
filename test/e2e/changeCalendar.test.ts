/**
 * The change calendar page in real Chromium: a change manager opens it from the navigation and reads
 * the week's planned change (window, item, type, implementer, waiting for its start) and blackout,
 * moves to the next week and back, and opens the change as its ticket; an agent who is no change
 * manager has no such page. The change is requested, planned and scheduled through the API (the setup).
 */
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { DEFAULT_CHANGE_SETTINGS } from '../../api/changeSettings';
import { bearer, eventually } from '../api/helpers';
import { shippedResources } from '../itsm/helpers';
import { ensureWebBuild, launchChromium, screenshot, signIn, startWebServer, watchErrors, type WebServer } from './support';

jest.setTimeout(90_000);

const HOUR = 3_600_000;
const now = Date.now();
const iso = (ms: number): string => new Date(ms).toISOString();
const FREEZE = { from: now + 48 * HOUR, to: now + 52 * HOUR, reason: 'Quarter-end freeze' };

let server: WebServer;
let browser: Browser;
let changeId: string;

/** Completes the open task of `elementId` of instance `id` as `user`. */
async function complete(id: string, elementId: string, user: string, variables: Record<string, unknown>): Promise<void> {
  const task = await eventually(async () => {
    const res = await request(server.baseUrl).get('/api/tasks').query({ processInstanceId: id, state: 'created' }).set(bearer('admin'));
    const found = res.body.items.find((t: { elementId: string }) => t.elementId === elementId);
    if (!found) throw new Error(`no open ${elementId} yet`);
    return found as { id: string };
  });
  const res = await request(server.baseUrl).post(`/api/tasks/${task.id}/complete`).set(bearer(user)).send({ variables });
  expect([elementId, res.status]).toEqual([elementId, 200]);
}

beforeAll(async () => {
  ensureWebBuild();
  [server, browser] = await Promise.all([
    startWebServer({
      change: { ...DEFAULT_CHANGE_SETTINGS, blackouts: [{ from: iso(FREEZE.from), to: iso(FREEZE.to), reason: FREEZE.reason, fromMs: FREEZE.from, toMs: FREEZE.to }] },
    }),
    launchChromium(),
  ]);
  const deployed = await request(server.baseUrl).post('/api/deployments').set(bearer('admin')).send({ resources: shippedResources() });
  expect(deployed.status).toBe(201);
  const started = await request(server.baseUrl)
    .post('/api/process-instances')
    .set(bearer('alice'))
    .send({ processId: 'change', variables: { title: 'Upgrade core switch firmware' } });
  expect(started.status).toBe(201);
  changeId = started.body.id;
  await complete(changeId, 'SubmitRfc', 'alice', {
    title: 'Upgrade core switch firmware',
    changeType: 'standard',
    impact: 'medium',
    configurationItem: 'net-core-1',
    hasBackoutPlan: true,
    testedInStaging: true,
  });
  await complete(changeId, 'PlanChange', 'bob', { implementer: 'dave', implementationPlan: 'helm upgrade' });
  await complete(changeId, 'ScheduleChange', 'bob', { plannedStart: iso(now + 24 * HOUR), plannedEnd: iso(now + 26 * HOUR) });
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

test('a change manager reads the week: the planned change and the blackout; next week is empty; the change opens as its ticket', async () => {
  const { page: p, errors } = await page('bob');
  await p.click('nav a:has-text("Change calendar")');
  const row = p.locator(`#change-calendar:not([aria-busy]) tr[data-instance-id="${changeId}"]`);
  await row.waitFor();
  const cells = await row.locator('td, th').allTextContents();
  expect(cells.slice(2)).toEqual(['Upgrade core switch firmware', 'net-core-1', 'standard', '—', 'dave', 'waiting for its start']);
  expect(await p.locator('section.blackouts li').allTextContents()).toEqual([expect.stringContaining(': Quarter-end freeze')]);
  await screenshot(p, 'change-calendar');

  await p.click('#next-week');
  await p.locator('#change-calendar:not([aria-busy]) #no-changes').waitFor();
  expect(await p.locator('section.blackouts').count()).toBe(0);
  await p.click('#this-week');
  await row.waitFor();

  await row.locator('a').click();
  await p.waitForURL(`**/#/tickets/${changeId}`);
  expect(errors).toEqual([]);
  await p.context().close();
});

test('an agent who is no change manager has no change calendar in the navigation', async () => {
  const { page: p, errors } = await page('alice');
  await p.locator('nav a:has-text("Tasks")').waitFor();
  expect(await p.locator('nav a:has-text("Change calendar")').count()).toBe(0);
  expect(errors).toEqual([]);
  await p.context().close();
});
