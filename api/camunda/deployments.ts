/**
 * POST /v2/deployments: the files of the multipart field `resources` (BPMN, DMN, forms), deployed all
 * or nothing through Engine.deploy with the caller (ownership applies as through /api). The body is
 * read by express.raw within the API's body limit and parsed by the platform's own multipart reader
 * (undici's Response.formData, built into Node); the file count and sizes are bounded as /api's
 * deployments are.
 */
import { badRequest } from '../errors';
import { MAX_DEPLOY_FILES, MAX_RESOURCE_CHARS } from '../schemaParts';
import { keyOf } from './keys';
import type { V2Context } from './router';

const TENANT = '<default>';

async function filesOf(body: unknown, contentType: string): Promise<{ name: string; content: string }[]> {
  if (!Buffer.isBuffer(body) || !/^multipart\/form-data/i.test(contentType)) throw badRequest('a deployment is multipart/form-data with files in the field `resources`');
  let form: FormData;
  try {
    form = await new Response(new Uint8Array(body), { headers: { 'content-type': contentType } }).formData();
  } catch {
    throw badRequest('the multipart body cannot be read');
  }
  for (const tenant of form.getAll('tenantId')) if (tenant !== TENANT) throw badRequest(`tenantId ${JSON.stringify(tenant)}: ProcessDesk has one tenant, ${TENANT}`);
  const parts = form.getAll('resources');
  if (parts.length > MAX_DEPLOY_FILES) throw badRequest(`more than ${MAX_DEPLOY_FILES} files in one deployment`);
  const files: { name: string; content: string }[] = [];
  for (const part of parts) {
    if (typeof part === 'string') throw badRequest('`resources` takes files, not text fields');
    const content = await part.text();
    if (content.length > MAX_RESOURCE_CHARS) throw badRequest(`${part.name}: larger than ${MAX_RESOURCE_CHARS} characters`);
    files.push({ name: part.name || `resource-${files.length + 1}`, content });
  }
  if (!files.length) throw badRequest('no files in the field `resources`');
  return files;
}

export function deploymentRoutes(v2: V2Context): void {
  const { engine } = v2;
  v2.route('createDeployment', async (req, _res, caller) => {
    const files = await filesOf(req.body, req.get('content-type') ?? '');
    const result = await engine.deploy(files, caller);
    const deployments: Record<string, unknown>[] = [];
    for (const p of result.processes) {
      const def = await engine.getProcess(p.key);
      deployments.push({
        processDefinition: {
          processDefinitionId: p.processId,
          processDefinitionVersion: p.version,
          resourceName: def.resourceName,
          tenantId: TENANT,
          processDefinitionKey: await keyOf(engine, 'definition', p.key),
        },
      });
    }
    for (const r of result.resources) {
      if (r.kind === 'form') {
        const formId = r.id.slice('form:'.length);
        deployments.push({ form: { formId, version: 1, resourceName: r.name, tenantId: TENANT, formKey: await keyOf(engine, 'form', r.id) } });
      } else if (r.kind === 'dmn') {
        const decisionId = r.id.slice('dmn:'.length);
        deployments.push({
          decisionDefinition: {
            decisionDefinitionId: decisionId,
            version: 1,
            name: decisionId,
            tenantId: TENANT,
            decisionRequirementsId: decisionId,
            decisionDefinitionKey: await keyOf(engine, 'decision', r.id),
          },
        });
      } else {
        deployments.push({ resource: { resourceId: r.id, resourceName: r.name, version: 1, tenantId: TENANT, resourceKey: await keyOf(engine, 'resource', r.id) } });
      }
    }
    return { deploymentKey: await keyOf(engine, 'deployment', result.id), tenantId: TENANT, deployments };
  });
}
