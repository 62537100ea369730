/**
 * Camunda's keys are numbers (Java longs, as strings in JSON); ProcessDesk's ids are strings. Each
 * entity shown through /v2 gets a numeric key from the engine's key map (Engine.externalKey), allocated
 * the first time it is shown; a key from a caller is resolved back, and one that names nothing, or an
 * entity of another kind, is a 404.
 */
import type { Engine } from '../../engine';
import { badRequest, notFound } from '../errors';

export type KeyKind = 'instance' | 'definition' | 'task' | 'job' | 'incident' | 'deployment' | 'element' | 'variable' | 'message' | 'signal' | 'decision' | 'form';

/** The key of an entity, as /v2 shows it. */
export async function keyOf(engine: Engine, kind: KeyKind, id: string): Promise<string> {
  return String(await engine.externalKey(kind, id));
}

/** The id behind a caller's key (`what` names it in the 404). */
export async function idOf(engine: Engine, kind: KeyKind, key: string, what: string): Promise<string> {
  if (!/^-?[0-9]{1,25}$/.test(key)) throw badRequest(`${what} key ${JSON.stringify(key)} is not a number`);
  const n = Number(key);
  const found = Number.isSafeInteger(n) && n > 0 ? await engine.resolveExternalKey(n) : undefined;
  if (!found || found.kind !== kind) throw notFound(`no ${what} with key ${key}`);
  return found.id;
}
