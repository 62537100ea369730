/**
 * Size budgets of the production build, measured in Chromium against the real server (compression on):
 * everything the browser fetches, sign-in page included, from a first visit (empty cache) until the
 * page is ready, counted as it came over the wire (encoded body sizes). An agent's task list stays
 * under 250 KB, the designer's modeler under 500 KB. The sizes are printed (docs/web-app.md, "Quality").
 */
import type { Browser, Page, Response } from 'playwright-core';
import { ensureWebBuild, launchChromium, signIn, startWebServer, type WebServer } from './support';

jest.setTimeout(90_000);

const KB = 1024;
let server: WebServer;
let browser: Browser;

beforeAll(async () => {
  ensureWebBuild();
  [server, browser] = await Promise.all([startWebServer(), launchChromium()]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

interface Visit {
  total: number;
  files: { url: string; bytes: number; encoding: string }[];
}

/** Signs `user` in on a fresh context (nothing cached), waits for `ready`, and sums what came over the wire. */
async function firstVisit(user: string, ready: (page: Page) => Promise<unknown>): Promise<Visit> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const responses: Response[] = [];
  page.on('response', (r) => responses.push(r));
  await signIn(page, server.baseUrl, user);
  await ready(page);
  await page.waitForLoadState('networkidle');
  const files = await Promise.all(
    responses.map(async (r) => ({
      url: new URL(r.url()).pathname,
      bytes: (await r.request().sizes()).responseBodySize,
      encoding: (await r.headerValue('content-encoding')) ?? 'none',
    })),
  );
  await context.close();
  return { total: files.reduce((sum, f) => sum + f.bytes, 0), files };
}

function print(name: string, visit: Visit): void {
  const lines = visit.files.sort((a, b) => b.bytes - a.bytes).map((f) => `  ${(f.bytes / KB).toFixed(1).padStart(7)} KB  ${f.encoding.padEnd(5)} ${f.url}`);
  console.log(`${name}: ${(visit.total / KB).toFixed(1)} KB over the wire\n${lines.join('\n')}`);
}

test('the agent: the task list, first visit, under 250 KB compressed; scripts and styles come compressed', async () => {
  const visit = await firstVisit('alice', (page) => page.waitForSelector('#task-table'));
  print('agent, #/tasks', visit);
  expect(visit.total).toBeLessThan(250 * KB);
  const big = visit.files.filter((f) => /\.(js|css)$/.test(f.url) && f.bytes > KB);
  expect(big.length).toBeGreaterThan(0);
  for (const f of big) expect(['br', 'gzip']).toContain(f.encoding);
  // the modeler's libraries are not part of the task list
  expect(visit.files.filter((f) => /modelerView/.test(f.url))).toEqual([]);
});

test('the designer: the modeler, first visit, under 500 KB compressed', async () => {
  const visit = await firstVisit('owner', (page) => page.waitForSelector('.view-modeler .djs-container'));
  print('designer, #/modeler', visit);
  expect(visit.total).toBeLessThan(500 * KB);
  expect(visit.files.filter((f) => /tasksView/.test(f.url))).toEqual([]);
  // Camunda's lint rules come when a diagram the user opened or changed is first linted, not with the page
  expect(visit.files.filter((f) => /camundaLint/.test(f.url))).toEqual([]);
});
