/**
 * BullMQ's dashboard in real Chromium: an admin opens /admin/queues, answers the browser's Basic prompt
 * with the token as password, and sees the job type queues with their jobs; the page runs under the
 * app's security headers without errors. Real Redis. The screenshot goes to a temp dir (docs/screenshots/ with `npm run render:processes`).
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { createApp } from '../../api/app';
import { testConfig } from '../api/helpers';
import { bpmn, chain, endEvent, serviceTask, startEvent } from '../engine/helpers';
import { dropPrefix, FAST, REDIS_URL, testPrefix } from '../queue/jobQueues';
import { tempEngine } from '../support/engine';
import { launchChromium, SCREENSHOTS, watchErrors } from './support';

jest.setTimeout(60_000);

test('an admin sees the job queues in the dashboard in Chromium, without page errors', async () => {
  const prefix = testPrefix('dashboard-e2e');
  const { engine, dir, close } = await tempEngine({ redisUrl: REDIS_URL, redisPrefix: prefix, jobQueues: FAST });
  const server = createApp(engine, testConfig({ dataDir: dir, rateLimitPerMinute: 0 })).listen(0, '127.0.0.1');
  let browser: Browser | undefined;
  try {
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await engine.deploy([{ name: 'notify.bpmn', content: bpmn('notify', [startEvent(), serviceTask('Notify', 'notify'), endEvent(), chain('Start', 'Notify', 'End')]) }]);
    for (let i = 0; i < 3; i++) await engine.startInstance({ processId: 'notify', variables: { ticket: `INC-${i}` } });
    await engine.idle();

    browser = await launchChromium();
    const refused = await browser.newContext();
    const denied = await refused.request.get(`${base}/admin/queues`);
    expect(denied.status()).toBe(401);
    expect(denied.headers()['www-authenticate']).toContain('Basic');
    await refused.close();

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, httpCredentials: { username: 'admin', password: 'demo-admin' } });
    const page = await context.newPage();
    const errors = watchErrors(page);
    const response = await page.goto(`${base}/admin/queues`);
    expect(response?.status()).toBe(200);
    await page.getByText('notify', { exact: true }).first().waitFor({ timeout: 15_000 });
    await page.getByText('processdesk.sync', { exact: true }).first().waitFor();
    await page.getByText('notify', { exact: true }).first().click();
    await page.getByText('Notify', { exact: true }).first().waitFor({ timeout: 15_000 }); // a job of the queue, named after its task
    await page.getByText('INC-0').first().waitFor(); // its data
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'queue-dashboard.png') });
    // Fonts from Google are not reachable here (no internet); anything else failing would be ours.
    expect(errors.filter((e) => !/fonts\.googleapis|ERR_NAME_NOT_RESOLVED|ERR_CONNECTION|Failed to load resource/.test(e))).toEqual([]);
    await context.close();
  } finally {
    await browser?.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await engine.idle();
    await close();
    await dropPrefix(prefix);
  }
});
