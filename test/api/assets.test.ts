/**
 * How the web app's files are served: gzip or brotli as the browser accepts, a year of immutable caching
 * for Vite's content-hashed assets, and index.html (also behind the app's routes) revalidated every
 * visit. A temporary build folder stands in for modeler/dist; the API's JSON is compressed too.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { bearer, startApi, type TestApi } from './helpers';

let api: TestApi;
let dist: string;
const SCRIPT = `export const views = [${Array.from({ length: 400 }, (_, i) => `"view-${i}"`).join(',')}];\n`;
const HASHED = 'assets/main-B3xQ9_kL.js';

let base: string;
let server: http.Server;

/** A GET with node's own client: supertest would inflate gzip and brotli on the way; these are the bytes as sent. */
function raw(url: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(base + url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

beforeAll(async () => {
  dist = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-dist-'));
  fs.mkdirSync(path.join(dist, 'assets'));
  fs.writeFileSync(path.join(dist, 'index.html'), `<!doctype html><title>ProcessDesk</title><script type="module" src="/${HASHED}"></script>${' '.repeat(2000)}`);
  fs.writeFileSync(path.join(dist, HASHED), SCRIPT);
  fs.writeFileSync(path.join(dist, 'assets/logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  api = await startApi({ staticDir: dist });
  server = api.app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await api.close();
  fs.rmSync(dist, { recursive: true, force: true });
});

test('a hashed asset: brotli when accepted, else gzip, else plain; cached for a year, immutable', async () => {
  const br = await raw(`/${HASHED}`, { 'Accept-Encoding': 'gzip, deflate, br' });
  expect(br.status).toBe(200);
  expect(br.headers['content-encoding']).toBe('br');
  expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  expect(br.headers.vary).toMatch(/Accept-Encoding/i);
  expect(zlib.brotliDecompressSync(br.body).toString()).toBe(SCRIPT);
  expect(br.body.length).toBeLessThan(SCRIPT.length / 3);

  const gz = await raw(`/${HASHED}`, { 'Accept-Encoding': 'gzip' });
  expect(gz.headers['content-encoding']).toBe('gzip');
  expect(zlib.gunzipSync(gz.body).toString()).toBe(SCRIPT);

  const plain = await raw(`/${HASHED}`, { 'Accept-Encoding': 'identity' });
  expect(plain.headers['content-encoding']).toBeUndefined();
  expect(plain.body.toString()).toBe(SCRIPT);
});

test('index.html, at / and behind the app routes, is compressed and revalidated on each visit', async () => {
  for (const url of ['/', '/index.html', '/tasks']) {
    const res = await raw(url, { Accept: 'text/html', 'Accept-Encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(res.body).toString()).toContain(HASHED);
  }
});

test('a file of assets/ without a content hash is not cached for long; small bodies are sent as they are', async () => {
  const res = await raw('/assets/logo.svg', { 'Accept-Encoding': 'br' });
  expect(res.status).toBe(200);
  expect(res.headers['cache-control']).toBe('no-cache');
  expect(res.headers['content-encoding']).toBeUndefined();
});

test('the API answers compressed too, and is never cached as an asset', async () => {
  const res = await raw('/api/openapi.json', { ...bearer('admin'), 'Accept-Encoding': 'br' });
  expect(res.status).toBe(200);
  expect(res.headers['content-encoding']).toBe('br');
  expect(res.headers['cache-control'] ?? '').not.toMatch(/immutable/);
  expect(JSON.parse(zlib.brotliDecompressSync(res.body).toString()).openapi).toMatch(/^3\./);
});
