/**
 * Section 6, hostile input: what one large request costs and whether the server keeps answering while
 * it runs. Over HTTP on a durable engine: the shipped approval started with 1,000 approvers, a parallel
 * split into 800 user tasks, and a chain of 5,000 manual tasks. For each: the time of the start request
 * (the first command; the token game continues in commands of at most limits.maxStepsPerCommand steps),
 * the time until the instance has settled (every task created), and the latency of a health probe sent
 * every 10 ms meanwhile.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createApp } from '../../api/app';
import { DEFAULT_CONFIG } from '../../api/config';
import { Engine, startDemoWorkers } from '../../engine';
import { type Row, type SectionContext, type SectionResult, pick, tempDir } from '../lib/common';
import { percentile, round } from '../lib/stats';

const XMLNS = 'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="Defs" targetNamespace="http://processdesk.example/bench"';

function split(n: number): string {
  const tasks = Array.from({ length: n }, (_, i) => `<bpmn:userTask id="U${i}" /><bpmn:sequenceFlow id="F${i}" sourceRef="Fork" targetRef="U${i}" />`).join('');
  return `<?xml version="1.0"?><bpmn:definitions ${XMLNS}><bpmn:process id="bench-split" isExecutable="true"><bpmn:startEvent id="S" /><bpmn:parallelGateway id="Fork" /><bpmn:sequenceFlow id="F" sourceRef="S" targetRef="Fork" />${tasks}</bpmn:process></bpmn:definitions>`;
}

function chain(n: number): string {
  let body = '<bpmn:startEvent id="S" />';
  let prev = 'S';
  for (let i = 0; i < n; i++) {
    body += `<bpmn:manualTask id="M${i}" /><bpmn:sequenceFlow id="F${i}" sourceRef="${prev}" targetRef="M${i}" />`;
    prev = `M${i}`;
  }
  body += `<bpmn:userTask id="Last" /><bpmn:sequenceFlow id="FL" sourceRef="${prev}" targetRef="Last" />`;
  return `<?xml version="1.0"?><bpmn:definitions ${XMLNS}><bpmn:process id="bench-chain" isExecutable="true">${body}</bpmn:process></bpmn:definitions>`;
}

interface Scenario {
  name: string;
  processId: string;
  variables: Record<string, unknown>;
  /** Open tasks once the instance has settled. */
  tasks: number;
}

export async function run(ctx: SectionContext): Promise<SectionResult> {
  const sizes = pick(ctx.mode, {
    full: { approvers: 1000, split: 800, chain: 5000 },
    quick: { approvers: 1000, split: 800, chain: 5000 },
    smoke: { approvers: 100, split: 80, chain: 500 },
  });
  const dir = tempDir('hostile');
  const engine = await new Engine({ dataDir: dir, checkpointIntervalMs: 0, onError: (err, where) => ctx.log(`engine error (${where}): ${String(err)}`) }).start();
  const app = createApp(engine, { ...DEFAULT_CONFIG, demo: true, dataDir: dir, logLevel: 'silent', rateLimitPerMinute: 0, staticDir: path.join(dir, 'none') });
  // notifications go out as with `npm start` (the demo notify worker): the approval asks its voters first
  const stopNotify = startDemoWorkers(engine, ['notify'], () => undefined, 20);
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const rows: Row[] = [];
  const details: Record<string, unknown> = { sizes, maxStepsPerCommand: engine.limits.maxStepsPerCommand };
  try {
    const processes = path.join(__dirname, '../../processes');
    const approval = fs.readFileSync(path.join(processes, 'approval.bpmn'), 'utf8');
    // the approval's user tasks name their forms: a deployment must carry them (or find them deployed)
    const forms = ['approval-vote.form', 'approval-escalation.form'].map((name) => ({ name, content: fs.readFileSync(path.join(processes, 'forms', name), 'utf8') }));
    await engine.deploy([
      { name: 'approval.bpmn', content: approval },
      ...forms,
      { name: 'split.bpmn', content: split(sizes.split) },
      { name: 'chain.bpmn', content: chain(sizes.chain) },
    ]);
    const scenarios: Scenario[] = [
      {
        name: `${sizes.approvers}-approver approval`,
        processId: 'approval',
        variables: { approvers: Array.from({ length: sizes.approvers }, (_, i) => `user${i}`), approvalRule: 'any' },
        tasks: sizes.approvers,
      },
      { name: `${sizes.split}-way split`, processId: 'bench-split', variables: {}, tasks: sizes.split },
      { name: `${sizes.chain}-node chain`, processId: 'bench-chain', variables: {}, tasks: 1 },
    ];
    // warm-up: one small instance of each, so the numbers below are not the first compilation's
    for (const s of scenarios) {
      const small = s.processId === 'approval' ? { ...s.variables, approvers: ['warm-a', 'warm-b'] } : s.variables;
      const warm = await engine.startInstance({ processId: s.processId, variables: small, actor: 'admin' });
      await engine.idle();
      await engine.cancelInstance(warm.id, 'admin');
    }
    for (const s of scenarios) {
      const probes: number[] = [];
      let probing = true;
      const probe = (async () => {
        while (probing) {
          const t0 = performance.now();
          await fetch(`${base}/api/health`).then((r) => r.arrayBuffer());
          probes.push(performance.now() - t0);
          await new Promise((r) => setTimeout(r, 10));
        }
      })();
      await new Promise((r) => setTimeout(r, 50)); // the probe runs before the request arrives
      const t0 = performance.now();
      const res = await fetch(`${base}/api/process-instances`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer demo-admin' },
        body: JSON.stringify({ processId: s.processId, variables: s.variables }),
      });
      const startMs = performance.now() - t0;
      if (res.status !== 201) throw new Error(`${s.name}: start answered ${res.status} ${await res.text()}`);
      const { id } = (await res.json()) as { id: string };
      for (const deadline = Date.now() + 300_000; ;) {
        if (Date.now() > deadline) throw new Error(`${s.name}: not settled after 300 s`);
        const open = await engine.listTasks({ instanceId: id, state: 'created', limit: 1000 });
        let count = open.items.length;
        if (open.next) count += (await engine.listTasks({ instanceId: id, state: 'created', limit: 1000, cursor: open.next })).items.length;
        if (count >= s.tasks) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const settledMs = performance.now() - t0;
      probing = false;
      await probe;
      const p99 = percentile(probes, 99);
      const max = Math.max(...probes);
      ctx.log(
        `${s.name}: start ${round(startMs)} ms, settled ${round(settledMs)} ms; health probe p50 ${round(percentile(probes, 50))} ms, p99 ${round(p99)} ms, max ${round(max)} ms (${probes.length} probes)`,
      );
      rows.push(
        { section: 'hostile', metric: `start ${s.name} (API answer)`, value: round(startMs), unit: 'ms', target: '< 200' },
        { section: 'hostile', metric: `${s.name} settled (every task created)`, value: round(settledMs), unit: 'ms' },
        { section: 'hostile', metric: `health probe p99 during ${s.name}`, value: round(p99), unit: 'ms', target: '< 50' },
      );
      details[s.name] = {
        startMs: round(startMs),
        settledMs: round(settledMs),
        probeP50: round(percentile(probes, 50)),
        probeP99: round(p99),
        probeMax: round(max),
        probes: probes.length,
      };
      await fetch(`${base}/api/process-instances/${id}/cancel`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer demo-admin' },
        body: '{}',
      });
    }
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await stopNotify();
    await engine.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { rows, details };
}
