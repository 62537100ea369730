/**
 * Process definitions through /v2: every deployed version of every process (a definition key per
 * version, `processId:version` behind it), searched, read, and their BPMN XML.
 */
import type { DefinitionRow, Engine } from '../../engine';
import { idOf, keyOf } from './keys';
import { TENANT } from './processInstances';
import type { V2Context } from './router';
import { pageOf, rowFilter, type SearchFields, type SearchRequest } from './search';

type Version = DefinitionRow & { latest: boolean };

const FIELDS: SearchFields<Version> = {
  processDefinitionKey: { get: (d) => d.key, key: 'definition' },
  processDefinitionId: { get: (d) => d.processId },
  name: { get: (d) => d.name },
  version: { get: (d) => d.version },
  resourceName: { get: (d) => d.resourceName },
  isLatestVersion: { get: (d) => d.latest },
  tenantId: { get: () => TENANT },
};

async function definitionResult(engine: Engine, d: DefinitionRow): Promise<Record<string, unknown>> {
  return {
    ...(d.name ? { name: d.name } : {}),
    resourceName: d.resourceName,
    version: d.version,
    processDefinitionId: d.processId,
    tenantId: TENANT,
    processDefinitionKey: await keyOf(engine, 'definition', d.key),
  };
}

/** Every version of every process, newest process versions first within a process; at most `limit`. */
async function allVersions(engine: Engine, limit: number): Promise<{ rows: Version[]; truncated: boolean }> {
  const rows: Version[] = [];
  for (const latest of await engine.listProcesses()) {
    for (let v = latest.version; v >= 1; v--) {
      if (rows.length >= limit) return { rows, truncated: true };
      const def = v === latest.version ? latest : await engine.getProcess(`${latest.processId}:${v}`).catch(() => undefined);
      if (def) rows.push({ ...def, latest: v === latest.version });
    }
  }
  return { rows, truncated: false };
}

export function processDefinitionRoutes(v2: V2Context): void {
  const { engine } = v2;
  const definitionOf = async (key: string): Promise<DefinitionRow> => engine.getProcess(await idOf(engine, 'definition', key, 'process definition'));

  v2.route('searchProcessDefinitions', async (req) => {
    const body = req.body as SearchRequest;
    const keep = await rowFilter(engine, FIELDS, body.filter);
    const all = await allVersions(engine, v2.search.scanLimit);
    const { rows, page } = pageOf(all.rows.filter(keep), body, FIELDS, v2.search, all.truncated);
    const items = [];
    for (const d of rows) items.push(await definitionResult(engine, d));
    return { items, page };
  });

  v2.route('getProcessDefinition', async (req) => definitionResult(engine, await definitionOf(String(req.params.processDefinitionKey))));

  v2.route('getProcessDefinitionXml', async (req) => (await definitionOf(String(req.params.processDefinitionKey))).xml);
}
