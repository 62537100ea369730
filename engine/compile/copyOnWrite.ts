/**
 * A command's working copy of a committed context the engine keeps in memory (runtime/instanceCache.ts),
 * so the next command on the instance neither reads nor parses its snapshot.
 *
 * The parts of a committed context (tokens, scopes, waits, incidents) are frozen. The working copy has
 * the same maps, wrapped: a part is copied into its map the first time the command takes it out by key,
 * and the token game changes only its copy. A command on an instance with a thousand tokens copies the
 * few parts it touches; the maps themselves are changed in place (a token added, one removed), which is
 * why the engine drops the kept context of a command that fails and reads the instance again.
 *
 * A part is copied with the objects and arrays it holds, each shallowly: a scope with its variables and
 * waits, a token down to its multi-instance state's outputs. Deeper values (the contents of a variable)
 * stay shared and frozen: the token game replaces values, it does not change them in place. A change to
 * a frozen object throws a TypeError (strict mode); the engine then runs the command again on a freshly
 * read context, so a change this file does not foresee costs time, never correctness.
 */
import type { InstanceContext } from './state';

type PartMap = Record<string, object>;

/** The maps of a context whose entries are its parts. */
export const PART_MAPS = ['scopes', 'tokens', 'waits', 'incidents'] as const;

const targets = new WeakMap<object, PartMap>();

const isContainer = (v: unknown): v is object => v !== null && typeof v === 'object';

/** `value` and the objects and arrays it holds down to `levels` levels, each shallowly. */
function copyPart<T extends object>(value: T, levels: number): T {
  const copy = (Array.isArray(value) ? [...value] : { ...value }) as Record<string, unknown>;
  if (levels > 1) for (const key of Object.keys(copy)) if (isContainer(copy[key])) copy[key] = copyPart(copy[key] as object, levels - 1);
  return copy as T;
}

/** The map, whose frozen parts are copied (`levels` deep) into it when first read by key. */
function copyingMap(map: PartMap, levels: number): PartMap {
  const wrapped = new Proxy(map, {
    get(t, key) {
      const v = Reflect.get(t, key) as unknown;
      if (typeof key !== 'string' || !isContainer(v) || !Object.isFrozen(v)) return v;
      const copy = copyPart(v, levels);
      t[key] = copy;
      return copy;
    },
  });
  targets.set(wrapped, map);
  return wrapped;
}

/**
 * The map underneath a working copy's map, for reading many parts without copying them (finding the
 * tokens of a scope among a thousand). What is read this way must not be changed: take it by key first.
 */
export function raw<T extends object>(map: Record<string, T>): Record<string, T> {
  return (targets.get(map) as Record<string, T> | undefined) ?? map;
}

/** A working copy of a committed context whose parts are frozen. */
export function workingCopy(committed: InstanceContext): InstanceContext {
  const ctx: InstanceContext = {
    ...committed,
    scopes: copyingMap(committed.scopes, 2) as InstanceContext['scopes'],
    // three levels: a multi-instance body changes its state's outputs and running instances in place
    tokens: copyingMap(committed.tokens, 3) as InstanceContext['tokens'],
    waits: copyingMap(committed.waits, 2) as InstanceContext['waits'],
    incidents: copyingMap(committed.incidents, 1) as InstanceContext['incidents'],
  };
  if (committed.pending) ctx.pending = { agenda: [...committed.pending.agenda], steps: committed.pending.steps };
  return ctx;
}

/** The working copy as a plain context again (its maps without their wrappers). */
export function settled(ctx: InstanceContext): InstanceContext {
  return { ...ctx, scopes: raw(ctx.scopes), tokens: raw(ctx.tokens), waits: raw(ctx.waits), incidents: raw(ctx.incidents) };
}

/**
 * Freezes every part of a committed context, and everything reachable from it, that is not frozen yet
 * (what the command made or copied; the rest is frozen already). Iterative: a deeply nested variable
 * cannot overflow the stack.
 */
export function freezeParts(ctx: InstanceContext): void {
  const stack: unknown[] = [];
  for (const name of PART_MAPS) for (const part of Object.values(ctx[name])) if (!Object.isFrozen(part)) stack.push(part);
  while (stack.length) {
    const v = stack.pop();
    if (!isContainer(v) || Object.isFrozen(v)) continue;
    Object.freeze(v);
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (isContainer(child) && !Object.isFrozen(child)) stack.push(child);
  }
}

/**
 * A TypeError from changing a frozen part in place. The token game lets it through rather than making
 * it an incident: the engine runs the command again on a freshly read context.
 */
export function changedFrozen(err: unknown): boolean {
  return err instanceof TypeError && /read[- ]only|not extensible|Cannot delete property|Cannot define property|Cannot add property/.test(err.message);
}
