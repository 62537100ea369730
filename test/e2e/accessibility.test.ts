/**
 * axe-core in real Chromium on every page of the web app (sign-in, tasks, instances, one instance, the
 * modeler, audit with one instance's history, incidents), in the light and the dark colour scheme: any
 * serious or critical violation fails; the lesser ones are printed. No tab stop is invisible, and at 1024 px
 * wide no page runs off the side.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { bearer, eventually } from '../api/helpers';
import { ensureWebBuild, launchChromium, signIn, startWebServer, type WebServer } from './support';

jest.setTimeout(120_000);

const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const STUCK = fs.readFileSync(path.join(__dirname, '../fixtures/api/stuck-gateway.bpmn'), 'utf8');

let server: WebServer;
let browser: Browser;
let instanceId: string;
/** alice's own ticket (she started it): the ticket page she may act on. */
let ticketId: string;

beforeAll(async () => {
  ensureWebBuild();
  [server, browser] = await Promise.all([startWebServer(), launchChromium()]);
  await request(server.baseUrl)
    .post('/api/deployments')
    .set(bearer('admin'))
    .send({ resources: [{ name: 'stuck-gateway.bpmn', content: STUCK }] })
    .expect(201);
  // one instance with an incident (the incidents page has a group), one with a task for alice's list
  instanceId = (
    await request(server.baseUrl)
      .post('/api/process-instances')
      .set(bearer('admin'))
      .send({ processId: 'stuckGateway', businessKey: 'INC-1', variables: { approved: 'maybe' } })
  ).body.id;
  ticketId = (
    await request(server.baseUrl)
      .post('/api/process-instances')
      .set(bearer('alice'))
      .send({ processId: 'stuckGateway', variables: { approved: true } })
      .expect(201)
  ).body.id;
  await eventually(async () => {
    if (!(await request(server.baseUrl).get('/api/tasks').set(bearer('alice'))).body.items.length) throw new Error('no task yet');
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

async function axe(page: Page): Promise<Violation[]> {
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    const result = await (window as unknown as { axe: { run: (ctx: unknown, o: unknown) => Promise<{ violations: Violation[] }> } }).axe.run(document, {
      resultTypes: ['violations'],
    });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }));
  });
}

const PAGES: { name: string; user: string | null; hash: string; ready: string }[] = [
  { name: 'sign-in', user: null, hash: '#/signin', ready: 'button[data-user="alice"]' },
  { name: 'tasks', user: 'alice', hash: '#/tasks', ready: '#task-table' },
  { name: 'instances', user: 'admin', hash: '#/instances', ready: '#instance-results:not([aria-busy]) #instance-table' },
  { name: 'instance page', user: 'admin', hash: '#/instances/<id>', ready: '#instance-diagram .djs-container' },
  { name: 'modeler', user: 'owner', hash: '#/modeler', ready: '.view-modeler .djs-container' },
  { name: 'audit', user: 'carol', hash: '#/audit', ready: '#audit-results:not([aria-busy]) #audit-table' },
  { name: 'audit instance', user: 'carol', hash: '#/audit/<id>', ready: '#audit-diagram .djs-container' },
  { name: 'incidents', user: 'admin', hash: '#/incidents', ready: '#incident-groups:not([aria-busy]) section.incident-group' },
  { name: 'sla report', user: 'carol', hash: '#/sla', ready: '#sla-result:not([aria-busy]) :is(#sla-empty, svg.sla-chart)' },
  { name: 'new ticket', user: 'alice', hash: '#/new', ready: '#new-menu' },
  { name: 'tickets', user: 'alice', hash: '#/tickets', ready: '#ticket-table' },
  { name: 'ticket', user: 'alice', hash: '#/tickets/<ticket>', ready: '#ticket-state' },
  { name: 'version history', user: 'admin', hash: '#/modeler/history/stuckGateway', ready: '#versions-table' },
  { name: 'change calendar', user: 'bob', hash: '#/change-calendar', ready: '#change-calendar:not([aria-busy]) #no-changes' },
];

/** Open `p` for its user in a fresh context of that colour scheme. */
async function open(p: (typeof PAGES)[number], scheme: 'light' | 'dark', width = 1280): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: 800 }, colorScheme: scheme });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  if (p.user) await signIn(page, server.baseUrl, p.user);
  await page.goto(`${server.baseUrl}/${p.hash.replace('<id>', encodeURIComponent(instanceId)).replace('<ticket>', encodeURIComponent(ticketId))}`);
  await page.waitForSelector(p.ready);
  await page.waitForLoadState('networkidle');
  return page;
}

/**
 * Tabs through the page (at most `max` stops, ending early once focus comes back to a stop already
 * seen) and lists the stops a sighted keyboard user cannot see: no size, clipped (visually hidden),
 * covered, transparent or hidden.
 */
async function invisibleTabStops(page: Page, max = 80): Promise<{ stops: number; invisible: string[] }> {
  const invisible: string[] = [];
  let stops = 0;
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const stop = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return null;
      // Round once focus is back on the first stop coming from another one (a date input keeps focus
      // over several Tabs, one per field, so staying on a stop is not a round).
      const walk = window as unknown as { tabWalk?: { first: Element; last: Element } };
      const back = !!walk.tabWalk && el === walk.tabWalk.first && walk.tabWalk.last !== el;
      walk.tabWalk = { first: walk.tabWalk?.first ?? el, last: el };
      if (back) return 'cycled';
      const r = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      const onTop = !!hit && (hit === el || el.contains(hit) || (el instanceof HTMLLabelElement && el.control === hit));
      const seen = r.width > 2 && r.height > 2 && style.visibility !== 'hidden' && Number(style.opacity) > 0 && style.clip === 'auto' && onTop;
      return { seen, what: el.outerHTML.slice(0, 100) };
    });
    if (stop === 'cycled') break;
    if (stop) stops++;
    if (stop && !stop.seen && !invisible.includes(stop.what)) invisible.push(stop.what);
  }
  return { stops, invisible };
}

/** The serious and critical axe violations of a page in `scheme` (the lesser ones are printed). */
async function blockingViolations(page: Page, name: string, scheme: 'light' | 'dark'): Promise<string[]> {
  // the scheme really is in effect (style.css: --bg is #f6f7f9 light, #12161c dark)
  expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe(scheme === 'dark' ? 'rgb(18, 22, 28)' : 'rgb(246, 247, 249)');
  const violations = await axe(page);
  const blocking = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const rest = violations.filter((v) => !blocking.includes(v));
  if (rest.length) console.log(`${name} (${scheme}), minor: ${rest.map((v) => `${v.id} (${v.impact}, ${v.nodes.length}x)`).join(', ')}`);
  return blocking.map((v) => `${scheme}: ${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(' ')}`);
}

/** What runs off the side of the page at 1024 px wide: the document, or a control of the page's own. */
async function cutAt1024(page: Page): Promise<string[]> {
  await page.setViewportSize({ width: 1024, height: 800 });
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  const cut = await page.evaluate(() =>
    Array.from(document.querySelectorAll('main button, main input, main select, main a, header button, header a'))
      .filter((el) => (el as HTMLElement).offsetParent !== null && !el.closest('.djs-container, .bio-properties-panel, .visually-hidden'))
      .filter((el) => el.getBoundingClientRect().right > 1024)
      .map((el) => el.outerHTML.slice(0, 100)),
  );
  return [...(width > 1024 ? [`the page is ${width} px wide`] : []), ...cut];
}

// Each page is opened once per colour scheme, the two side by side: in the light scheme every tab stop
// must be seen, no serious or critical axe violation found, and at 1024 px wide nothing runs off the
// side; in the dark scheme, no serious or critical axe violation.
test.each(PAGES.map((p) => [p.name, p] as const))('%s: tab stops seen, nothing off the side at 1024 px, no serious axe violation (light and dark)', async (_name, p) => {
  const light = async (): Promise<{ violations: string[]; invisible: string[]; cut: string[] }> => {
    const page = await open(p, 'light');
    try {
      const violations = await blockingViolations(page, p.name, 'light');
      const { stops, invisible } = await invisibleTabStops(page);
      expect(stops).toBeGreaterThan(2); // the navigation at least: the walk really went through the page
      return { violations, invisible, cut: await cutAt1024(page) };
    } finally {
      await page.context().close();
    }
  };
  const dark = async (): Promise<string[]> => {
    const page = await open(p, 'dark');
    try {
      return await blockingViolations(page, p.name, 'dark');
    } finally {
      await page.context().close();
    }
  };
  const [l, d] = await Promise.all([light(), dark()]);
  expect({ invisibleTabStops: l.invisible, offTheSideAt1024: l.cut, axe: [...l.violations, ...d] }).toEqual({ invisibleTabStops: [], offTheSideAt1024: [], axe: [] });
});
