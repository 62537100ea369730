/**
 * Section 4, scale: N instances of bench/fixtures/single-task.bpmn waiting on their user task, spread
 * over 10 candidate groups, on the embedded durable store. Measured: store size on disk (database +
 * WAL), the RSS of this process (which holds only the engine), and the time to list one group's first
 * page of tasks, `engine.listTasks({ candidateGroup, state: 'created', limit: 50 })`.
 */
import fs from 'node:fs';
import { Engine } from '../../engine';
import { type SectionContext, type SectionResult, dirSize, fixture, pick, storeSettings, tempDir, yieldToLoop } from '../lib/common';
import { median, msSince, now, percentile, round } from '../lib/stats';

const GROUPS = 10;
const MB = 1024 * 1024;

export async function run(ctx: SectionContext): Promise<SectionResult> {
  // BENCH_SCALE_INSTANCES=1000000 is the opt-in large run (about half an hour here)
  const n = Number(process.env.BENCH_SCALE_INSTANCES) || pick(ctx.mode, { full: 100_000, quick: 5_000, smoke: 1_000 });
  const dir = tempDir('scale');
  const engine = await new Engine({ dataDir: dir, sqlite: storeSettings() }).start();
  try {
    await engine.deploy([fixture('single-task.bpmn')]);
    const rssBefore = process.memoryUsage().rss;
    const t0 = Date.now();
    const step = Math.max(1, Math.round(n / 10));
    for (let i = 0; i < n; i++) {
      await engine.startInstance({ processId: 'bench-single-task', variables: { group: `group-${i % GROUPS}`, ticket: `INC-${i}` } });
      if ((i + 1) % step === 0) {
        await yieldToLoop();
        const s = (Date.now() - t0) / 1000;
        ctx.log(`${i + 1}/${n} instances waiting (${s.toFixed(1)} s, ${Math.round((i + 1) / s)} inst/s, RSS ${Math.round(process.memoryUsage().rss / MB)} MB)`);
      }
    }
    const createSeconds = (Date.now() - t0) / 1000;
    await engine.idle();
    const rss = process.memoryUsage().rss;
    if (global.gc) global.gc();
    const rssAfterGc = process.memoryUsage().rss;
    const heapUsed = process.memoryUsage().heapUsed;
    const storeBytes = dirSize(dir);

    const query = { candidateGroup: 'group-3', state: 'created' as const, limit: 50 };
    const t = now();
    const first = await engine.listTasks(query);
    const coldMs = msSince(t);
    if (first.items.length !== 50) throw new Error(`first page has ${first.items.length} tasks, expected 50`);
    const samples: number[] = [];
    for (let i = 0; i < 50; i++) {
      const ti = now();
      await engine.listTasks(query);
      samples.push(msSince(ti));
    }
    const firstPage = round(median(samples), 3);
    ctx.log(
      `store ${round(storeBytes / MB, 1)} MB, RSS ${Math.round(rss / MB)} MB (${Math.round(rssAfterGc / MB)} MB after GC), first page ${firstPage} ms (cold ${round(coldMs, 3)} ms)`,
    );
    const section = '4 scale';
    const label = n.toLocaleString('en-US');
    return {
      rows: [
        { section, metric: `instances waiting on a user task`, value: n, unit: '' },
        { section, metric: 'created at', value: round(n / createSeconds, 0), unit: 'inst/s' },
        { section, metric: 'store size on disk', value: round(storeBytes / MB, 1), unit: 'MB' },
        { section, metric: `engine RSS (${label} waiting)`, value: Math.round(rss / MB), unit: 'MB', target: '< 400' },
        { section, metric: "first page of a group's tasks, median", value: firstPage, unit: 'ms', target: '< 5' },
        { section, metric: 'first page, first (cold) call', value: round(coldMs, 3), unit: 'ms' },
      ],
      details: {
        instances: n,
        groups: GROUPS,
        createSeconds: round(createSeconds, 1),
        storeBytes,
        rssBytes: rss,
        rssAfterGcBytes: rssAfterGc,
        rssBeforeBytes: rssBefore,
        heapUsedBytes: heapUsed,
        firstPageMs: { median: firstPage, p99: round(percentile(samples, 99), 3), cold: round(coldMs, 3) },
      },
    };
  } finally {
    await engine.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
