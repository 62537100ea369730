/**
 * Graceful shutdown of `npm start` (api/main.ts) in a real process: SIGTERM arrives while a
 * deployment request is being handled, timers are coming due and the demo worker is doing `notify`
 * jobs. The request in flight must finish (201, stored), a new connection must be refused, the process
 * must exit 0 without errors, and the store must hold no half-done command: every history chain valid,
 * no outbox row left, every instance waiting exactly where its rows say. A restart finishes the work.
 */
import http from 'node:http';
import path from 'node:path';
import { verifyChain } from '../../engine';
import { openStore } from '../../engine/store';
import { REPO_DIR } from '../support/paths';
import { call, startServerProcess, type ServerProcess } from '../support/serverProcess';

const PROCESS = path.join(REPO_DIR, 'test/crash/shutdown.bpmn');
const INSTANCES = 30;

/** A process of `n` user tasks in a row: a deployment that takes the server a moment to parse and compile. */
function longProcess(id: string, n: number): string {
  const tasks = Array.from(
    { length: n },
    (_, i) =>
      `<bpmn:userTask id="T${i}" name="Step ${i}"><bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="service-desk" /></bpmn:extensionElements></bpmn:userTask>`,
  );
  const flows = Array.from({ length: n + 1 }, (_, i) => `<bpmn:sequenceFlow id="F${i}" sourceRef="${i === 0 ? 'S' : `T${i - 1}`}" targetRef="${i === n ? 'E' : `T${i}`}" />`);
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="D" targetNamespace="http://processdesk.example/test">
  <bpmn:process id="${id}" isExecutable="true"><bpmn:startEvent id="S" />${tasks.join('')}<bpmn:endEvent id="E" />${flows.join('')}</bpmn:process>
</bpmn:definitions>`;
}

/**
 * Opens a POST whose headers ask `Expect: 100-continue`: the server answers `100 Continue` once it is
 * handling the request, so the request is provably in flight; the body is sent by `finish()`.
 */
interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  json: { id?: string; processes?: unknown[] };
}

function requestInFlight(baseUrl: string, url: string, body: string): Promise<{ finish: () => Promise<Answer>; response: Promise<Answer> }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${baseUrl}${url}`, {
      method: 'POST',
      // keep-alive, as browsers and HTTP clients do
      headers: { authorization: 'Bearer demo-admin', 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), expect: '100-continue' },
    });
    const response = new Promise<Answer>((done, fail) => {
      req.once('response', (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.once('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, json: JSON.parse(text) }));
        res.once('error', fail);
      });
      req.once('error', fail);
    });
    req.once('error', reject);
    req.once('continue', () => resolve({ finish: () => (req.end(body), response), response }));
    req.flushHeaders();
  });
}

async function waitFor(what: string, check: () => boolean, server: ServerProcess, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen; server output:\n${server.output()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('SIGTERM: the request in flight finishes, new ones are refused, timers and jobs stop, exit 0, nothing half-committed; a restart finishes the work', async () => {
  const server = await startServerProcess({ processes: [PROCESS], env: { DEMO_WORKERS: 'on' } });
  let restarted: ServerProcess | undefined;
  try {
    // Work in flight: timers coming due over the next second and a half, then notify jobs.
    const ids: string[] = [];
    for (let i = 0; i < INSTANCES; i++) {
      const started = await call(server.baseUrl, 'POST', '/api/process-instances', { processId: 'shutdownTest', variables: { delay: `PT${(0.05 * i).toFixed(2)}S` } });
      expect(started.status).toBe(201);
      ids.push(started.json.id);
    }
    const body = JSON.stringify({ resources: [{ name: 'long.bpmn', content: longProcess('shutdownLong', 300) }] });
    const deployment = await requestInFlight(server.baseUrl, '/api/deployments', body);

    process.kill(server.child.pid!, 'SIGTERM');
    await waitFor('the shutdown', () => /SIGTERM: finishing in-flight requests/.test(server.output()), server);
    // a new request is refused: nothing listens any more
    const refused = await fetch(`${server.baseUrl}/api/health`).then(
      () => undefined,
      (err: { cause?: { code?: string } }) => err.cause?.code,
    );
    expect(refused).toBe('ECONNREFUSED');
    // the one in flight finishes
    const answer = await deployment.finish();
    expect(answer.status).toBe(201);
    expect(answer.json.processes).toEqual([expect.objectContaining({ processId: 'shutdownLong', version: 1 })]);
    expect(answer.headers.connection).toBe('close'); // the keep-alive connection ends with it
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.output()).toMatch(/\[processdesk\] stopped/);
    expect(server.errors()).toBe(''); // no error of the engine's background work (timers, outbox, workers)

    const store = openStore({ dataDir: server.dataDir });
    await store.init();
    const waiting: Record<string, number> = {};
    try {
      expect(await store.getLatestDefinition('shutdownLong')).toMatchObject({ version: 1, deploymentId: answer.json.id });
      expect(await store.pendingOutbox(100)).toEqual([]);
      const scheduled = await store.dueTimers(Number.MAX_SAFE_INTEGER, 1000);
      for (const id of ids) {
        const instance = await store.getInstance(id);
        const history = await store.getHistory(id);
        expect(verifyChain(history)).toEqual({ valid: true, events: history.length, problems: [] });
        expect(instance?.state).toBe('active');
        expect(instance?.activeElements).toHaveLength(1);
        const at = instance!.activeElements[0];
        waiting[at] = (waiting[at] ?? 0) + 1;
        // the rows agree with where the instance waits: a scheduled timer, a live job or an open task
        const timers = scheduled.filter((t) => t.instanceId === id);
        const jobKeys = history.filter((e) => e.type === 'job.created').map((e) => `${id}.${(e.data as { waitId: string }).waitId}`);
        const jobs = await Promise.all(jobKeys.map((key) => store.getJob(key)));
        const tasks = (await store.listTasks({ instanceId: id, state: 'created', limit: 10 })).items;
        expect({ at, timers: timers.length, liveJobs: jobs.filter((j) => j?.state === 'activatable' || j?.state === 'activated').length, tasks: tasks.length }).toEqual({
          at,
          timers: at === 'Wait' ? 1 : 0,
          liveJobs: at === 'Notify' ? 1 : 0,
          tasks: at === 'Review' ? 1 : 0,
        });
      }
    } finally {
      await store.close();
    }
    console.log(`at SIGTERM the ${INSTANCES} instances waited at ${JSON.stringify(waiting)}`);

    // A restart on the same data: timers fire, the demo worker does the jobs, the tasks are completed.
    restarted = await startServerProcess({ processes: [PROCESS], dataDir: server.dataDir, env: { DEMO_WORKERS: 'on' } });
    const again = restarted;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const tasks = await call(again.baseUrl, 'GET', '/api/tasks?processId=shutdownTest&state=created&limit=100');
      for (const task of tasks.json.items as { id: string }[]) {
        expect((await call(again.baseUrl, 'POST', `/api/tasks/${task.id}/complete`, {})).status).toBe(200);
      }
      const active = await call(again.baseUrl, 'GET', '/api/process-instances?processId=shutdownTest&state=active&limit=1');
      if (!active.json.items.length) break;
      if (Date.now() > deadline) throw new Error(`instances still active after the restart:\n${again.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const id of ids) {
      expect((await call(again.baseUrl, 'GET', `/api/process-instances/${id}`)).json.state).toBe('completed');
      expect((await call(again.baseUrl, 'GET', `/api/process-instances/${id}/history/verify`)).json).toMatchObject({ valid: true });
    }
    process.kill(again.child.pid!, 'SIGTERM');
    expect(await again.exited).toEqual({ code: 0, signal: null });
  } finally {
    for (const s of [server, restarted]) {
      if (s && s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
      await s?.exited;
    }
    server.cleanup();
    restarted?.cleanup();
  }
}, 90_000);

test('SHUTDOWN_GRACE_MS: a request that does not finish in time has its connection cut; the process still exits 0', async () => {
  const server = await startServerProcess({ processes: [PROCESS], env: { SHUTDOWN_GRACE_MS: '300' } });
  try {
    // headers sent, body never: the request stays in flight
    const stuck = await requestInFlight(server.baseUrl, '/api/deployments', JSON.stringify({ resources: [] }));
    process.kill(server.child.pid!, 'SIGTERM');
    const cut = await stuck.response.then(
      (r) => `answered ${r.status}`,
      (err: NodeJS.ErrnoException) => err.code,
    );
    expect(cut).toBe('ECONNRESET');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.output()).toMatch(/\[processdesk\] stopped/);
    expect(server.errors()).toBe('');
  } finally {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
    await server.exited;
    server.cleanup();
  }
}, 30_000);
