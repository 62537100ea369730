/**
 * Support of the browser tests: build the web app once when it is missing or older than its sources,
 * a real API server (createApp on a temporary engine, port 0) serving modeler/dist, and Chromium.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';
import { createApp } from '../../api/app';
import type { ApiConfig } from '../../api/config';
import { testConfig } from '../api/helpers';
import { buildDirectory } from '../../api/directory';
import { tempEngine } from '../support/engine';
import { startDemoWorkers, type Engine } from '../../engine';

export const ROOT = path.resolve(__dirname, '../..');
export const WEB_DIR = path.join(ROOT, 'modeler');
export const DIST_DIR = path.join(WEB_DIR, 'dist');
/** The README's pictures: written only when `npm run render:processes` asks for them. */
export const DOC_SCREENSHOTS = path.join(ROOT, 'docs/screenshots');
/**
 * Where the browser tests save their screenshots: PROCESSDESK_SCREENSHOTS, else a folder of the
 * system's temp dir, so that a test run leaves the tracked pictures alone.
 */
export const SCREENSHOTS = process.env.PROCESSDESK_SCREENSHOTS ? path.resolve(process.env.PROCESSDESK_SCREENSHOTS) : path.join(os.tmpdir(), 'processdesk-screenshots');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function newestMtime(p: string): number {
  const stat = fs.statSync(p);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...fs.readdirSync(p).map((f) => newestMtime(path.join(p, f))));
}

/** Runs `vite build` when modeler/dist is missing or older than modeler/src, the html pages or the config. */
export function ensureWebBuild(): void {
  const built = path.join(DIST_DIR, 'index.html');
  const sources = ['src', 'index.html', 'render.html', 'vite.config.mts'].map((f) => path.join(WEB_DIR, f)).filter((f) => fs.existsSync(f));
  if (fs.existsSync(built) && fs.statSync(built).mtimeMs >= Math.max(...sources.map(newestMtime))) return;
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', path.join(WEB_DIR, 'vite.config.mts'), '--logLevel', 'warn'], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, VITE_CONFIG_NATIVE_IGNORE_WARNING: 'true' },
  });
}

export interface WebServer {
  engine: Engine;
  baseUrl: string;
  close: () => Promise<void>;
}

export async function startWebServer(overrides: Partial<ApiConfig> = {}): Promise<WebServer> {
  const config = testConfig({ staticDir: DIST_DIR, rateLimitPerMinute: 0, ...overrides });
  const { engine, dir, close } = await tempEngine({ directory: buildDirectory(config) });
  const app = createApp(engine, { ...config, dataDir: dir });
  // notifications go out as with `npm start` (the demo notify worker): an approval asks its voters first
  const stopNotify = startDemoWorkers(engine, ['notify'], () => undefined, 50);
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    engine,
    baseUrl: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await stopNotify();
      await engine.idle();
      await close();
    },
  };
}

export function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (set CHROMIUM_PATH)`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** Collects console errors and uncaught page errors of a page. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  return errors;
}

/**
 * Form controls of the app without an accessible name (label, aria-label or aria-labelledby). The
 * properties panel, form-js and diagram-js internals are their libraries' business and are skipped.
 */
export function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll('input, select, textarea, button'))
      .filter((el) => !el.closest('.bio-properties-panel, .fjs-container, .djs-container'))
      .filter((el) => (el as HTMLInputElement).type !== 'hidden')
      .filter((el) => {
        const labelled = (el as HTMLInputElement).labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
        return !labelled && !(el.tagName === 'BUTTON' && el.textContent?.trim());
      })
      .map((el) => el.outerHTML.slice(0, 120)),
  );
}

/** Saves <SCREENSHOTS>/<name>.png, checking on the way that every control of the page has a name. */
export async function screenshot(page: Page, name: string): Promise<void> {
  const unlabelled = await unlabelledControls(page);
  if (unlabelled.length) throw new Error(`${name}: controls without an accessible name: ${unlabelled.join(', ')}`);
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}

/** Signs in through the sign-in page with a demo user's button. */
export async function signIn(page: Page, baseUrl: string, user: string): Promise<void> {
  await page.goto(`${baseUrl}/#/signin`);
  await page.click(`button[data-user="${user}"]`);
  await page.waitForSelector(`[data-testid="current-user"]:has-text("${user}")`);
}
