/**
 * Deployment: parse and validate every resource first (all or nothing), compile each process, give it
 * the next version unless the same XML is already the latest, store the lot, and plan the timers of
 * timer start events (replacing those of older versions).
 */
import { createHash, randomUUID } from 'node:crypto';
import { DeploymentError, type ModelProblem } from '../bpmn/model';
import { parseBpmn } from '../bpmn/parse';
import { DmnParseError, parseDmn } from '../dmn';
import type { CompiledProcess } from '../compile/machine';
import { evaluateExpression } from '../expr/feel';
import { planTimer } from '../expr/timers';
import type { DefinitionRow, ResourceRow, Store, TimerRow } from '../store/types';
import type { DefinitionCache } from './definitions';

export interface DeployResource {
  name: string;
  content: string;
}

export interface DeploymentResult {
  id: string;
  processes: { processId: string; version: number; key: string; name?: string; duplicate: boolean }[];
  resources: { id: string; kind: string; name: string }[];
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Forms (form-js JSON with an `id`), JSON schemas and DMN files ride along with processes. */
function readSideResource(r: DeployResource, deploymentId: string, at: number, problems: ModelProblem[]): ResourceRow | undefined {
  const lower = r.name.toLowerCase();
  if (lower.endsWith('.form') || lower.endsWith('.form.json') || lower.endsWith('.schema.json')) {
    let json: { id?: unknown };
    try {
      json = JSON.parse(r.content);
    } catch (err) {
      problems.push({ message: `${r.name}: not valid JSON: ${(err as Error).message}` });
      return undefined;
    }
    const kind = lower.endsWith('.schema.json') ? 'schema' : 'form';
    const baseName = r.name.replace(/^.*\//, '').replace(/\.(form(\.json)?|schema\.json)$/i, '');
    const id = kind === 'form' ? (typeof json.id === 'string' ? json.id : baseName) : baseName;
    return { id: `${kind}:${id}`, kind, name: r.name, content: r.content, deploymentId, deployedAt: at };
  }
  problems.push({ message: `${r.name}: unknown resource type (expected .bpmn, .dmn, .form or .schema.json)` });
  return undefined;
}

/** A DMN document becomes one resource `dmn:<decisionId>` (kind 'dmn', the whole XML) per decision. */
async function readDmn(r: DeployResource, deploymentId: string, at: number, problems: ModelProblem[]): Promise<ResourceRow[]> {
  try {
    const model = await parseDmn(r.content);
    return model.decisions.map((d) => ({ id: `dmn:${d.id}`, kind: 'dmn', name: r.name, content: r.content, deploymentId, deployedAt: at }));
  } catch (err) {
    if (!(err instanceof DmnParseError)) throw err;
    problems.push(...err.problems.map((p) => ({ elementId: p.decisionId, message: `${r.name}: ${p.message}` })));
    return [];
  }
}

export async function deploy(store: Store, cache: DefinitionCache, resources: DeployResource[], now: number): Promise<DeploymentResult> {
  if (!resources.length) throw new DeploymentError('nothing to deploy', [{ message: 'no resources given' }]);
  const deploymentId = randomUUID();
  const problems: ModelProblem[] = [];
  const parsed: { resource: DeployResource; compiled: CompiledProcess }[] = [];
  const sideResources: ResourceRow[] = [];
  for (const r of resources) {
    if (r.name.toLowerCase().endsWith('.dmn')) {
      sideResources.push(...(await readDmn(r, deploymentId, now, problems)));
      continue;
    }
    if (!r.name.toLowerCase().endsWith('.bpmn') && !r.name.toLowerCase().endsWith('.xml')) {
      const side = readSideResource(r, deploymentId, now, problems);
      if (side) sideResources.push(side);
      continue;
    }
    try {
      const result = await parseBpmn(r.content);
      if (!result.processes.length && result.skipped.length) {
        for (const id of result.skipped) problems.push({ elementId: id, message: `${r.name}: process ${id} is not executable (isExecutable="false"); mark it executable to deploy it` });
      } else if (!result.processes.length) {
        problems.push({ message: `${r.name}: no executable process (isExecutable="true")` });
      }
      for (const model of result.processes) parsed.push({ resource: r, compiled: cache.compile(model) });
    } catch (err) {
      if (err instanceof DeploymentError) problems.push(...err.problems.map((p) => ({ ...p, message: `${r.name}: ${p.message}` })));
      else throw err;
    }
  }
  const seen = new Set<string>();
  const seenDecisions = new Set<string>();
  for (const side of sideResources) {
    if (side.kind !== 'dmn') continue;
    if (seenDecisions.has(side.id)) problems.push({ elementId: side.id.slice(4), message: `decision ${side.id.slice(4)} is defined twice in this deployment` });
    seenDecisions.add(side.id);
  }
  for (const p of parsed) {
    if (seen.has(p.compiled.processId)) problems.push({ elementId: p.compiled.processId, message: `process ${p.compiled.processId} is defined twice in this deployment` });
    seen.add(p.compiled.processId);
  }
  if (problems.length) throw new DeploymentError(`deployment refused: ${problems.length} problem(s)`, problems);

  const rows: DefinitionRow[] = [];
  const result: DeploymentResult = { id: deploymentId, processes: [], resources: sideResources.map((r) => ({ id: r.id, kind: r.kind, name: r.name })) };
  const startTimers: TimerRow[] = [];
  const replaced: string[] = [];
  for (const { resource, compiled } of parsed) {
    const checksum = sha256(resource.content);
    const latest = await store.getLatestDefinition(compiled.processId);
    if (latest && latest.checksum === checksum) {
      result.processes.push({ processId: latest.processId, version: latest.version, key: latest.key, name: latest.name, duplicate: true });
      continue;
    }
    const version = (latest?.version ?? 0) + 1;
    const row: DefinitionRow = {
      key: `${compiled.processId}:${version}`, processId: compiled.processId, version, name: compiled.model.name, deploymentId,
      resourceName: resource.name, xml: resource.content, model: compiled.model, checksum, deployedAt: now,
    };
    rows.push(row);
    if (latest) replaced.push(latest.key);
    startTimers.push(...planStartTimers(row, compiled, now));
    cache.add(row, compiled);
    result.processes.push({ processId: row.processId, version, key: row.key, name: row.name, duplicate: false });
  }
  await store.saveDefinitions(rows, sideResources);
  if (startTimers.length || replaced.length) await store.saveStartTimers(startTimers, replaced);
  return result;
}

function planStartTimers(row: DefinitionRow, compiled: CompiledProcess, now: number): TimerRow[] {
  const timers: TimerRow[] = [];
  for (const id of compiled.model.eventStarts) {
    const event = compiled.model.nodes[id].event;
    if (event?.kind !== 'timer') continue;
    const plan = planTimer(event.timer.type, evaluateExpression(event.timer.expression, {}), now);
    timers.push({ id: `${row.key}.${id}@${plan.dueAt}`, definitionKey: row.key, elementId: id, dueAt: plan.dueAt, state: 'scheduled', repeat: plan.repeat, createdAt: now });
  }
  return timers;
}
