/**
 * Deployment: parse and validate every resource first (all or nothing), compile each process, give it
 * the next version unless the same XML is already the latest, store the lot, and plan the timers of
 * timer start events (replacing those of older versions). Only the owners of a process or resource
 * replace it (ownership.ts).
 */
import { createHash, randomUUID } from 'node:crypto';
import { DeploymentError, type ModelProblem, type ProcessModel } from '../bpmn/model';
import { parseBpmn } from '../bpmn/parse';
import { DmnParseError, parseDmn } from '../dmn';
import type { CompiledProcess } from '../compile/machine';
import { evaluateExpression } from '../expr/feel';
import { DEFAULT_MAX_BYTES } from '../bpmn/xmlGuard';
import { DEFAULT_LIMITS, jsonDepth, type Limits } from '../expr/limits';
import { checkTimerLimits, planTimer } from '../expr/timers';
import { ConflictError, type DefinitionRow, type ResourceRow, type Store, type TimerRow } from '../store/types';
import type { Caller } from './access';
import type { DefinitionCache } from './definitions';
import { conflict } from './errors';
import { checkMayReplace, processOwners, SYSTEM_DEPLOYER } from './ownership';

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

/** How deep a form or schema may nest (form-js groups nest a few levels; the readers walk them recursively). */
const MAX_JSON_RESOURCE_DEPTH = 64;

/**
 * Forms (form-js JSON with an `id`), JSON schemas and DMN files ride along with processes. Like BPMN
 * documents they are checked before anything reads them: size, and (JSON) nesting depth.
 */
function readSideResource(r: DeployResource, deploymentId: string, at: number, problems: ModelProblem[]): ResourceRow | undefined {
  const lower = r.name.toLowerCase();
  if (lower.endsWith('.form') || lower.endsWith('.form.json') || lower.endsWith('.schema.json')) {
    if (typeof r.content !== 'string' || Buffer.byteLength(r.content, 'utf8') > DEFAULT_MAX_BYTES) {
      problems.push({ message: `${r.name}: too large (the limit is ${DEFAULT_MAX_BYTES} bytes)` });
      return undefined;
    }
    let json: { id?: unknown };
    try {
      json = JSON.parse(r.content);
    } catch (err) {
      problems.push({ message: `${r.name}: not valid JSON: ${(err as Error).message}` });
      return undefined;
    }
    if (jsonDepth(json, MAX_JSON_RESOURCE_DEPTH) > MAX_JSON_RESOURCE_DEPTH) {
      problems.push({ message: `${r.name}: nests deeper than ${MAX_JSON_RESOURCE_DEPTH} levels` });
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

/** `caller`: the signed-in user deploying; absent for the deployment of the shipped processes at start. */
export async function deploy(
  store: Store,
  cache: DefinitionCache,
  resources: DeployResource[],
  now: number,
  limits: Limits = DEFAULT_LIMITS,
  caller?: Caller,
): Promise<DeploymentResult> {
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
        for (const id of result.skipped)
          problems.push({ elementId: id, message: `${r.name}: process ${id} is not executable (isExecutable="false"); mark it executable to deploy it` });
      } else if (!result.processes.length) {
        problems.push({ message: `${r.name}: no executable process (isExecutable="true")` });
      }
      for (const model of result.processes) {
        const nodes = Object.keys(model.nodes).length;
        if (nodes > limits.maxFlowNodes) {
          problems.push({ elementId: model.id, message: `${r.name}: process ${model.id} has ${nodes} flow nodes; the limit is ${limits.maxFlowNodes} (maxFlowNodes)` });
          continue;
        }
        problems.push(...startTimerProblems(r.name, model, now, limits));
        parsed.push({ resource: r, compiled: cache.compile(model) });
      }
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
  problems.push(...(await unknownFormProblems(store, parsed, sideResources)));
  if (problems.length) throw new DeploymentError(`deployment refused: ${problems.length} problem(s)`, problems);

  const deployedBy = caller?.id ?? SYSTEM_DEPLOYER;
  const rows: DefinitionRow[] = [];
  const compiledRows: { row: DefinitionRow; compiled: CompiledProcess }[] = [];
  const result: DeploymentResult = { id: deploymentId, processes: [], resources: sideResources.map((r) => ({ id: r.id, kind: r.kind, name: r.name })) };
  const startTimers: TimerRow[] = [];
  const replaced: DefinitionRow[] = [];
  const owners = new Set<string>();
  for (const { resource, compiled } of parsed) {
    const checksum = sha256(resource.content);
    const latest = await store.getLatestDefinition(compiled.processId);
    const rowOwners = processOwners(compiled.model.policy?.owners, caller);
    rowOwners.forEach((o) => owners.add(o));
    if (latest && latest.checksum === checksum) {
      result.processes.push({ processId: latest.processId, version: latest.version, key: latest.key, name: latest.name, duplicate: true });
      continue;
    }
    const version = (latest?.version ?? 0) + 1;
    const row: DefinitionRow = {
      key: `${compiled.processId}:${version}`,
      processId: compiled.processId,
      version,
      name: compiled.model.name,
      deploymentId,
      resourceName: resource.name,
      xml: resource.content,
      model: compiled.model,
      checksum,
      deployedAt: now,
      deployedBy,
      owners: rowOwners,
    };
    rows.push(row);
    compiledRows.push({ row, compiled });
    if (latest) replaced.push(latest);
    startTimers.push(...planStartTimers(row, compiled, now));
    result.processes.push({ processId: row.processId, version, key: row.key, name: row.name, duplicate: false });
  }
  // Forms, decisions and schemas: unchanged ones stay as they are (and whose they are); changed ones
  // are replaced only by their owners.
  const changedResources: ResourceRow[] = [];
  const replacedResources: ResourceRow[] = [];
  const resourceOwners = parsed.length ? [...owners] : processOwners(undefined, caller);
  for (const side of sideResources) {
    const existing = await store.getResource(side.id);
    if (existing?.content === side.content) continue;
    if (existing) replacedResources.push(existing);
    changedResources.push({ ...side, deployedBy, owners: resourceOwners });
  }
  checkMayReplace(caller, replaced, replacedResources);
  try {
    await store.saveDefinitions(rows, changedResources);
  } catch (err) {
    // Two deployments of one process raced for the same version: the store kept the first whole, and
    // nothing of this one (its forms included) was stored.
    if (err instanceof ConflictError) throw conflict(`${err.message}: a concurrent deployment took this version first; nothing of this deployment was stored`);
    throw err;
  }
  // Only now: a losing deployment must not leave its model in the cache under the winner's key.
  for (const { row, compiled } of compiledRows) cache.add(row, compiled);
  if (startTimers.length || replaced.length)
    await store.saveStartTimers(
      startTimers,
      replaced.map((d) => d.key),
    );
  return result;
}

/**
 * User tasks, start events and message catchers whose form (`zeebe:formDefinition formId`) is neither in
 * this deployment nor deployed before: they would open with no form, so the deployment is refused naming
 * the element.
 */
async function unknownFormProblems(store: Store, parsed: { resource: DeployResource; compiled: CompiledProcess }[], sideResources: ResourceRow[]): Promise<ModelProblem[]> {
  const problems: ModelProblem[] = [];
  const known = new Set(sideResources.filter((r) => r.kind === 'form').map((r) => r.id));
  for (const { resource, compiled } of parsed) {
    for (const node of Object.values(compiled.model.nodes)) {
      const formId = node.userTask?.formId ?? node.formId; // a user task's form, or a start / message form
      if (!formId || known.has(`form:${formId}`)) continue;
      if (await store.getResource(`form:${formId}`)) known.add(`form:${formId}`);
      else problems.push({ elementId: node.id, message: `${resource.name}: form ${formId} is neither deployed nor attached to this deployment` });
    }
  }
  return problems;
}

/** Timer start events that would fire faster or more often than the limits allow. */
function startTimerProblems(resourceName: string, model: ProcessModel, now: number, limits: Limits): ModelProblem[] {
  const problems: ModelProblem[] = [];
  for (const id of model.eventStarts) {
    const event = model.nodes[id].event;
    if (event?.kind !== 'timer') continue;
    try {
      checkTimerLimits(planTimer(event.timer.type, evaluateExpression(event.timer.expression, {}), now), now, limits);
    } catch (err) {
      problems.push({ elementId: id, message: `${resourceName}: ${(err as Error).message}` });
    }
  }
  return problems;
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
