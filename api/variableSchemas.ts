/**
 * Variable schemas of processes: a JSON schema deployed as `<processId>.schema.json` (resource
 * `schema:<processId>`, e.g. processes/request.schema.json) describes the variables a new instance of
 * that process may be started with. POST /api/process-instances checks them: 400 naming what does not
 * match (with `additionalProperties: false`, any variable the schema does not declare). A property
 * marked `readOnly` is a setting of the process owner (timings, thresholds): only designers and admins
 * may give it at start, anyone else gets a 403 naming it. Processes without a schema start with any
 * variables (identity variables are refused by the engine either way).
 */
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { Engine } from '../engine';
import type { Principal } from './auth';
import { badRequest, forbidden } from './errors';
import { describeError } from './validate';

interface StartSchema {
  validate: ValidateFunction;
  /** Top-level properties marked readOnly: only designers and admins give them. */
  ownerSettings: string[];
}

const compiled = new Map<string, StartSchema>();

function schemaFor(content: string): StartSchema {
  let entry = compiled.get(content);
  if (!entry) {
    // A fresh Ajv per schema: the same $id may come back in a new version of the schema.
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    const schema = JSON.parse(content) as { properties?: Record<string, { readOnly?: boolean }> };
    const ownerSettings = Object.entries(schema.properties ?? {})
      .filter(([, p]) => p?.readOnly === true)
      .map(([name]) => name);
    entry = { validate: ajv.compile(schema), ownerSettings };
    compiled.set(content, entry);
  }
  return entry;
}

/** Throws 400 when `variables` do not match the process's schema, 403 for owner settings the caller may not give. */
export async function checkStartVariables(engine: Engine, processId: string, variables: Record<string, unknown> | undefined, caller: Principal): Promise<void> {
  const resource = await engine.getResource(`schema:${processId}`);
  if (!resource) return;
  let schema: StartSchema;
  try {
    schema = schemaFor(resource.content);
  } catch (err) {
    throw badRequest(`the variable schema ${resource.name} of process ${processId} cannot be used: ${(err as Error).message}`);
  }
  const given = variables ?? {};
  if (!schema.validate(given)) {
    const details = (schema.validate.errors ?? []).map((e) => ({ ...e, in: 'body', instancePath: `/variables${e.instancePath}` }));
    throw badRequest(`variables do not match the schema ${resource.name} of process ${processId}: ${details.map(describeError).join('; ')}`, details);
  }
  const settings = schema.ownerSettings.filter((name) => Object.prototype.hasOwnProperty.call(given, name));
  if (settings.length && !caller.roles.some((r) => r === 'designer' || r === 'admin')) {
    throw forbidden(
      `${settings.join(', ')} ${settings.length > 1 ? 'are settings' : 'is a setting'} of the process owner (readOnly in ${resource.name}): only designers and admins may give ${settings.length > 1 ? 'them' : 'it'}`,
    );
  }
}
