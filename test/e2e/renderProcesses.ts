/**
 * `npm run render:processes`: renders every processes/*.bpmn to docs/processes/<name>.png with bpmn-js
 * in Chromium (the bare viewer page modeler/render.html of the built web app), then runs the browser
 * tests with PROCESSDESK_SCREENSHOTS=docs/screenshots, which refreshes the README's screenshots (a
 * plain test run writes them to a temp dir).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import { DIST_DIR, DOC_SCREENSHOTS, ensureWebBuild, launchChromium, ROOT } from './support';

export async function renderProcesses(sourceDir = path.join(ROOT, 'processes'), outDir = path.join(ROOT, 'docs/processes')): Promise<string[]> {
  const files = fs.existsSync(sourceDir)
    ? fs
        .readdirSync(sourceDir)
        .filter((f) => f.endsWith('.bpmn'))
        .sort()
    : [];
  if (!files.length) return [];
  ensureWebBuild();
  fs.mkdirSync(outDir, { recursive: true });
  const app = express().use(express.static(DIST_DIR));
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const browser = await launchChromium();
  const written: string[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 900 }, deviceScaleFactor: 1 });
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(err.message));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/render.html`);
    await page.waitForFunction(() => document.body.dataset.ready === 'true');
    for (const file of files) {
      const xml = fs.readFileSync(path.join(sourceDir, file), 'utf8');
      const result = await page.evaluate((x) => window.renderBpmn!(x), xml);
      await page.setViewportSize({ width: Math.max(400, result.width), height: Math.max(300, result.height) });
      const out = path.join(outDir, `${file.replace(/\.bpmn$/, '')}.png`);
      await page.locator('#diagram').screenshot({ path: out });
      written.push(out);
      console.log(`${file} -> ${path.relative(ROOT, out)}${result.warnings ? ` (${result.warnings} import warning(s))` : ''}`);
    }
    if (problems.length) throw new Error(`errors in the page: ${problems.join('; ')}`);
  } finally {
    await browser.close();
    server.close();
  }
  return written;
}

declare global {
  interface Window {
    renderBpmn?: (xml: string) => Promise<{ warnings: number; width: number; height: number }>;
  }
}

/** The browser tests, saving their screenshots into docs/screenshots. */
function refreshScreenshots(): void {
  const run = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/jest/bin/jest.js'), 'test/e2e'], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, PROCESSDESK_SCREENSHOTS: DOC_SCREENSHOTS },
  });
  if (run.status !== 0) throw new Error(`the browser tests failed (exit ${run.status}): screenshots not refreshed`);
  console.log(`screenshots refreshed in ${path.relative(ROOT, DOC_SCREENSHOTS)}`);
}

if (require.main === module) {
  renderProcesses().then(
    (written) => {
      if (!written.length) console.log('no processes/*.bpmn to render');
      refreshScreenshots();
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
