/**
 * What a process owner reads about a process's versions: who deployed each one and when, how many of
 * its instances are in each state, and per element of one version how many instances passed it, wait
 * in it or failed there (the heatmap). Bounded work: both read at most `scanLimit` instances of the
 * process (oldest first, through the store's paged instance list) and say when they stopped short
 * (`truncated`); the heatmap also reads the history (and open incidents) of each instance of the version
 * it looks at, so its limit is the lower one (api/config.ts).
 */
import type { InstanceState } from '../store/types';
import type { Engine, InstanceView } from './engine';

type Source = Pick<Engine, 'getProcess' | 'listInstances' | 'listIncidents' | 'getHistory'>;

export interface VersionSummary {
  key: string;
  version: number;
  name?: string;
  deployedAt: number;
  deployedBy?: string;
  instances: Record<InstanceState, number>;
}

export interface ProcessVersions {
  processId: string;
  versions: VersionSummary[];
  /** Instances counted; `truncated`: there were more than the scan limit, the counts are of the oldest. */
  scanned: number;
  truncated: boolean;
}

export interface ElementCounts {
  passed: number;
  waiting: number;
  failed: number;
}

export interface ProcessHeatmap {
  key: string;
  elements: Record<string, ElementCounts>;
  /** Instances of the version looked at; `truncated`: the scan limit was reached before the last instance of the process. */
  instances: number;
  truncated: boolean;
}

const PAGE = 500;

/** Pages through the instances of `processId`, oldest first, handing each to `visit`, up to `scanLimit`. */
async function scanInstances(
  engine: Source,
  processId: string,
  scanLimit: number,
  visit: (i: InstanceView) => Promise<void> | void,
): Promise<{ scanned: number; truncated: boolean }> {
  let scanned = 0;
  let cursor: string | undefined;
  do {
    const page = await engine.listInstances({ processId, limit: Math.min(PAGE, scanLimit - scanned + 1), cursor });
    for (const instance of page.items) {
      if (scanned === scanLimit) return { scanned, truncated: true };
      scanned++;
      await visit(instance);
    }
    cursor = page.next;
  } while (cursor);
  return { scanned, truncated: false };
}

const noInstances = (): Record<InstanceState, number> => ({ active: 0, completed: 0, terminated: 0, incident: 0 });

/** Every version of a process, newest first, with its deployer and its instances counted by state. */
export async function processVersions(engine: Source, processId: string, scanLimit: number): Promise<ProcessVersions> {
  const latest = await engine.getProcess(processId);
  const versions: VersionSummary[] = [];
  for (let v = latest.version; v >= 1; v--) {
    const def = v === latest.version ? latest : await engine.getProcess(`${latest.processId}:${v}`).catch(() => undefined);
    if (def) versions.push({ key: def.key, version: def.version, name: def.name, deployedAt: def.deployedAt, deployedBy: def.deployedBy, instances: noInstances() });
  }
  const byVersion = new Map(versions.map((v) => [v.version, v]));
  const { scanned, truncated } = await scanInstances(engine, latest.processId, scanLimit, (i) => {
    const summary = byVersion.get(i.version);
    if (summary) summary.instances[i.state]++;
  });
  return { processId: latest.processId, versions, scanned, truncated };
}

/**
 * Per element of one version: instances that completed it (passed), that wait in it now, and that have
 * an open incident there (failed).
 */
export async function processHeatmap(engine: Source, key: string, scanLimit: number): Promise<ProcessHeatmap> {
  const def = await engine.getProcess(key);
  const elements: Record<string, ElementCounts> = {};
  const at = (id: string): ElementCounts => (elements[id] ??= { passed: 0, waiting: 0, failed: 0 });
  let instances = 0;
  // the scan passes over the other versions' instances too: the limit bounds them all
  const { truncated } = await scanInstances(engine, def.processId, scanLimit, async (i) => {
    if (i.version !== def.version) return;
    instances++;
    const passed = new Set<string>();
    for (const e of await engine.getHistory(i.id)) if (e.type === 'element.completed' && e.elementId) passed.add(e.elementId);
    for (const id of passed) at(id).passed++;
    if (i.state !== 'active' && i.state !== 'incident') return;
    const failed = new Set((await engine.listIncidents({ instanceId: i.id, state: 'open' })).map((x) => x.elementId));
    for (const id of failed) at(id).failed++;
    for (const id of new Set(i.activeElements)) if (!failed.has(id)) at(id).waiting++;
  });
  return { key: def.key, elements, instances, truncated };
}
