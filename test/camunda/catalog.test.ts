/**
 * The one description of /v2: docs/camunda.md's table lists exactly the catalog's operations (method,
 * path, permission, success status), and GET /v2/openapi.json is built from the same catalog.
 */
import fs from 'node:fs';
import path from 'node:path';
import { V2_OPERATIONS, v2OpenApi, type V2Operation } from '../../api/camunda/catalog';
import { REPO_DIR } from '../support/paths';
import { startV2Server } from './server';

const row = (op: V2Operation): string => [op.method.toUpperCase(), `/v2${op.path.replace(/:(\w+)/g, '{$1}')}`, op.operationId, op.permission, String(op.success)].join(' ');

test("docs/camunda.md's table is the catalog", () => {
  const doc = fs.readFileSync(path.join(REPO_DIR, 'docs', 'camunda.md'), 'utf8');
  const rows = [...doc.matchAll(/^\| `(\w+)` \| `([^`]+)` \| (\w+) \| ([\w.]+) \| (\d+) \|/gm)].map((m) => m.slice(1, 6).join(' '));
  expect(rows.sort()).toEqual((Object.values(V2_OPERATIONS) as V2Operation[]).map(row).sort());
});

test('GET /v2/openapi.json is served without sign-in and lists every operation of the catalog', async () => {
  const s = await startV2Server();
  try {
    const res = await fetch(`${s.url}/v2/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { paths: Record<string, Record<string, { operationId: string }>> };
    expect(doc).toEqual(JSON.parse(JSON.stringify(v2OpenApi())));
    const ids = Object.values(doc.paths).flatMap((methods) => Object.values(methods).map((m) => m.operationId));
    expect(ids.sort()).toEqual(Object.keys(V2_OPERATIONS).sort());
  } finally {
    await s.close();
  }
});
