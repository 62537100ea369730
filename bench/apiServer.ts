/**
 * The HTTP server of benchmark section 2, run as a child process so that the load generator does not
 * share its event loop: the real createApp on an engine with the embedded durable store in a temp dir,
 * rate limit off, logs silent, SQLITE_SYNCHRONOUS as for `npm start`; or on PostgreSQL when
 * BENCH_DATABASE_URL names a database (the PostgreSQL section). It deploys bench/fixtures/single-task.bpmn, starts `pool` instances whose
 * open tasks the complete-task run consumes, listens on a free port and reports
 * `{ port, taskIds }` to the parent over IPC, and `{ cpu, commits }` (process.cpuUsage, the group commit's
 * counters) when asked with 'cpu'. With BENCH_CPU_PROF it profiles what runs between 'profile-start' and
 * 'profile-stop' (the measured load, not the setup). It stops on SIGTERM or when the parent goes away.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createApp } from '../api/app';
import { DEFAULT_CONFIG } from '../api/config';
import { Engine } from '../engine';
import { openStore, SqliteStore } from '../engine/store';
import { phaseProfiler } from './lib/phaseProfiler';
import { fixture, storeSettings, tempDir } from './lib/common';

async function main(): Promise<void> {
  const pool = Number(process.argv[2] ?? 1000);
  const dir = tempDir('api');
  // SQLITE_SYNCHRONOUS as for `npm start` (default full), so the section can be run in either mode
  const databaseUrl = process.env.BENCH_DATABASE_URL;
  const store = databaseUrl ? openStore({ databaseUrl }) : openStore({ dataDir: dir, ...storeSettings() });
  const engine = await new Engine({ store, historyKey: path.join(dir, 'history-key.pem') }).start();
  await engine.deploy([fixture('single-task.bpmn')]);
  const taskIds: string[] = [];
  for (let i = 0; i < pool; i++) {
    const instance = await engine.startInstance({ processId: 'bench-single-task', variables: { group: `group-${i % 10}` } });
    const page = await engine.listTasks({ instanceId: instance.id, state: 'created' });
    taskIds.push(page.items[0].id);
  }
  const app = createApp(engine, {
    ...DEFAULT_CONFIG,
    demo: true,
    dataDir: dir,
    logLevel: 'silent',
    rateLimitPerMinute: 0,
    staticDir: path.join(dir, 'no-web-app'),
  });
  const server = http.createServer(app);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const profiler = phaseProfiler(process.env.BENCH_CPU_PROF && path.join(process.env.BENCH_CPU_PROF, 'api-server'));
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await engine.idle();
    await engine.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('disconnect', () => void stop());
  process.on('message', (msg) => {
    if (msg === 'stop') void stop();
    // CPU time used so far: the section reports it per request, which a busy machine blurs far less than req/s
    // and how many commands shared a transaction (the embedded store's group commit)
    else if (msg === 'cpu') process.send!({ cpu: process.cpuUsage(), commits: store instanceof SqliteStore ? store.commitStats : undefined });
    else if (msg === 'profile-start') void profiler.start().then(() => process.send!({ profiling: true }));
    else if (msg === 'profile-stop') void profiler.stop().then((file) => process.send!({ profile: file }));
  });
  process.send!({ port, taskIds, rss: process.memoryUsage().rss });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
