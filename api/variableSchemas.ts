/**
 * Variable schemas of processes: a JSON schema deployed as `<processId>.schema.json` (resource
 * `schema:<processId>`, e.g. processes/request.schema.json) describes the variables a new instance of
 * that process must be started with. POST /api/process-instances checks them (400 with the ajv errors
 * as details); processes without such a schema start with any variables.
 */
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { Engine } from '../engine';
import { badRequest } from './errors';

const compiled = new Map<string, ValidateFunction>();

function validatorFor(content: string): ValidateFunction {
  let validate = compiled.get(content);
  if (!validate) {
    // A fresh Ajv per schema: the same $id may come back in a new version of the schema.
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    validate = ajv.compile(JSON.parse(content) as object);
    compiled.set(content, validate);
  }
  return validate;
}

/** Throws 400 when `processId` has a deployed variable schema that `variables` do not satisfy. */
export async function checkStartVariables(engine: Engine, processId: string, variables: Record<string, unknown> | undefined): Promise<void> {
  const resource = await engine.store.getResource(`schema:${processId}`);
  if (!resource) return;
  let validate: ValidateFunction;
  try {
    validate = validatorFor(resource.content);
  } catch (err) {
    throw badRequest(`the variable schema ${resource.name} of process ${processId} cannot be used: ${(err as Error).message}`);
  }
  if (validate(variables ?? {})) return;
  const details = (validate.errors ?? []).map((e) => ({ ...e, in: 'body', instancePath: `/variables${e.instancePath}` }));
  throw badRequest(`variables do not match the schema ${resource.name} of process ${processId}: ${details.map((d) => `${d.instancePath} ${d.message}`).join('; ')}`, details);
}
