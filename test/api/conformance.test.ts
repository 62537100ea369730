/**
 * The shared conformance scenarios over HTTP: a real server (createApp + http.listen on port 0) and
 * `node <shared>/conformance/run.mjs` as a client of it, exactly as an outside client would run them.
 * Without the shared folder (PROCESSDESK_SHARED_DIR, default ../shared) the suite is reported as
 * skipped with the reason, never as passed.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { CONFORMANCE_DIR, describeShared } from '../support/paths';
import { startApi, type TestApi } from './helpers';

const RUNNER = path.join(CONFORMANCE_DIR, 'run.mjs');

function run(baseUrl: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUNNER], { env: { ...process.env, BASE_URL: baseUrl }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describeShared(RUNNER, 'conformance scenarios over HTTP (run.mjs)', () => {
  let api: TestApi;
  let server: http.Server;

  beforeAll(async () => {
    api = await startApi({ rateLimitPerMinute: 0 });
    server = http.createServer(api.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await api.close();
  });

  test('every scenario passes', async () => {
    const { port } = server.address() as AddressInfo;
    const { code, output } = await run(`http://127.0.0.1:${port}`);
    const last = output.trim().split('\n').pop() ?? '';
    const m = /^(\d+) passed, (\d+) failed$/.exec(last);
    if (code !== 0 || !m || m[2] !== '0') throw new Error(`run.mjs exited ${code}:\n${output}`);
    expect(Number(m[1])).toBeGreaterThanOrEqual(15);
  }, 120_000);
});
