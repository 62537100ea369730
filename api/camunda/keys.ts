/**
 * Camunda's keys are numbers (Java longs, as strings in JSON); ProcessDesk's ids are strings. Each
 * entity shown through /v2 gets a numeric key from the engine's key map (Engine.externalKey), allocated
 * the first time it is shown; a key from a caller is resolved back, and one that names nothing, or an
 * entity of another kind, is a 404.
 */
import type { Engine } from '../../engine';
import { badRequest, notFound } from '../errors';

export type KeyKind = 'instance' | 'definition' | 'task' | 'job' | 'incident' | 'deployment' | 'element' | 'variable' | 'message' | 'signal' | 'decision' | 'form' | 'resource';

/** Keys never change once allocated, so each API process remembers the latest ones it used (bounded). */
const CACHE_MAX = 50_000;
class KeyCache {
  private readonly keys = new Map<string, string>();
  private readonly ids = new Map<string, { kind: string; id: string }>();

  key(kind: string, id: string): string | undefined {
    return this.keys.get(`${kind}\u0000${id}`);
  }

  entity(key: string): { kind: string; id: string } | undefined {
    return this.ids.get(key);
  }

  remember(kind: string, id: string, key: string): void {
    if (this.keys.size >= CACHE_MAX) {
      this.keys.delete(this.keys.keys().next().value as string);
      this.ids.delete(this.ids.keys().next().value as string);
    }
    this.keys.set(`${kind}\u0000${id}`, key);
    this.ids.set(key, { kind, id });
  }
}
const caches = new WeakMap<Engine, KeyCache>();
const cacheOf = (engine: Engine): KeyCache => {
  let cache = caches.get(engine);
  if (!cache) caches.set(engine, (cache = new KeyCache()));
  return cache;
};

/** The key of an entity, as /v2 shows it. */
export async function keyOf(engine: Engine, kind: KeyKind, id: string): Promise<string> {
  const cache = cacheOf(engine);
  const known = cache.key(kind, id);
  if (known) return known;
  const key = String(await engine.externalKey(kind, id));
  cache.remember(kind, id, key);
  return key;
}

/** The id behind a caller's key (`what` names it in the 404). */
export async function idOf(engine: Engine, kind: KeyKind, key: string, what: string): Promise<string> {
  if (!/^-?[0-9]{1,25}$/.test(key)) throw badRequest(`${what} key ${JSON.stringify(key)} is not a number`);
  const n = Number(key);
  const cache = cacheOf(engine);
  let found = cache.entity(String(n));
  if (!found && Number.isSafeInteger(n) && n > 0) {
    found = await engine.resolveExternalKey(n);
    if (found) cache.remember(found.kind, found.id, String(n));
  }
  if (!found || found.kind !== kind) throw notFound(`no ${what} with key ${key}`);
  return found.id;
}
