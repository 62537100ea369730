/**
 * The OpenAPI 3.1 document, generated from the operation catalog and the very schemas that validate
 * requests. Each operation also states its permission and the roles holding it (`x-permission`,
 * `x-roles`).
 */
import { PERMISSIONS } from './auth';
import { ALL_OPERATIONS, type Operation } from './operations';
import { requests, responses, type RequestSchemaName, type Schema } from './schemas';

const ERROR_TEXT: Record<number, string> = {
  400: 'invalid input (details: the validation errors)',
  401: 'missing or invalid bearer token',
  403: "the caller's role or groups do not allow this",
  404: 'not found',
  409: 'conflict (already completed, claimed, or a stale version)',
  413: 'request body too large',
  503: 'the store does not answer or was found damaged',
};

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
export const openApiPath = (path: string): string => path.replace(/:(\w+)/g, '{$1}');

function parameters(op: Operation): Schema[] {
  const out: Schema[] = [];
  const add = (name: RequestSchemaName | undefined, where: 'path' | 'query'): void => {
    if (!name) return;
    const schema = requests[name] as { properties?: Record<string, Schema>; required?: string[] };
    for (const [prop, s] of Object.entries(schema.properties ?? {})) {
      const { description, ...rest } = s as Schema & { description?: string };
      out.push({ name: prop, in: where, required: where === 'path' || (schema.required ?? []).includes(prop), schema: rest, ...(description ? { description } : {}) });
    }
  };
  add(op.params, 'path');
  add(op.query, 'query');
  return out;
}

function responsesOf(op: Operation): Record<string, Schema> {
  const out: Record<string, Schema> = {};
  const s = op.success;
  const content = s.schema
    ? { 'application/json': { schema: ref(s.schema) } }
    : { [s.contentType ?? 'application/json']: { schema: s.contentType ? { type: 'string' } : { type: 'object' } } };
  if (op.operationId === 'getInstanceHistory' || op.operationId === 'exportHistory') Object.assign(content, { 'text/csv': { schema: { type: 'string' } } });
  out[String(s.status)] = { description: s.description ?? 'success', content };
  const codes = new Set<number>(op.errors ?? []);
  if (op.params || op.query || op.body) codes.add(400);
  if (op.permission !== 'public') {
    codes.add(401);
    codes.add(403);
  }
  for (const code of [...codes].sort()) {
    out[String(code)] = { description: op.errorNotes?.[code] ?? ERROR_TEXT[code] ?? 'error', content: { 'application/json': { schema: ref('Error') } } };
  }
  return out;
}

export function buildOpenApi(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of ALL_OPERATIONS) {
    const entry: Record<string, unknown> = {
      operationId: op.operationId,
      summary: op.summary,
      tags: [op.tag],
      'x-permission': op.permission,
      'x-roles': op.permission === 'public' ? ['anyone'] : [...PERMISSIONS[op.permission]],
      security: op.permission === 'public' ? [] : [{ bearer: [] }],
      parameters: parameters(op),
      responses: responsesOf(op),
    };
    if (op.body)
      entry.requestBody = {
        required: !['EmptyRequest', 'ClaimRequest', 'CompleteTaskRequest', 'CompleteJobRequest'].includes(op.body),
        content: { 'application/json': { schema: ref(op.body) } },
      };
    if (op.method === 'post') {
      (entry.parameters as Schema[]).push({
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        schema: { type: 'string', maxLength: 255 },
        description: 'a retry with the same key returns the first answer (kept 24 h in this server process)',
      });
    }
    (paths[openApiPath(op.path)] ??= {})[op.method] = entry;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'ProcessDesk API',
      version: '0.1.0',
      description: 'BPMN 2.0 workflow engine for IT service management. Errors are `{ "error": { "code", "message", "details"? } }`.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    tags: ['deployments', 'processes', 'drafts', 'instances', 'history', 'tasks', 'messages', 'jobs', 'incidents', 'changes', 'reports', 'system'].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'demo mode (DEMO=on): `demo-<user>`; otherwise configured tokens (AUTH_CONFIG) or OIDC JWTs' } },
      schemas: { ...requests, ...responses },
    },
  };
}
