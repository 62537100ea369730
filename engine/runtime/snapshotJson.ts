/**
 * An instance's snapshot as JSON text, made part by part: the text of a token, scope, wait or incident
 * that a command left as it was (the same frozen object as after the commit that wrote it) is reused,
 * so a command on an instance with a thousand tokens serializes the few parts it touched. The text
 * parses to what JSON.stringify of the snapshot gives (test/engine/instanceCache.test.ts).
 */
import { PART_MAPS } from '../compile/copyOnWrite';
import type { PersistedInstance } from './snapshot';

/** `"key":{...}` of frozen parts: valid as long as the part lives, since it never changes. */
const memberTexts = new WeakMap<object, { key: string; text: string }>();

const MAPS = new Set<string>(PART_MAPS);

export interface SnapshotText {
  json: string;
  /** Parts serialized for this text: their texts count once they are frozen (`remember`). */
  fresh: [object, { key: string; text: string }][];
}

const isContainer = (v: unknown): v is object => v !== null && typeof v === 'object';

function objectJson(value: object, member: (key: string, v: unknown) => string | undefined): string {
  let out = '';
  for (const [key, v] of Object.entries(value)) {
    const text = member(key, v);
    if (text !== undefined) out += `${out ? ',' : ''}${JSON.stringify(key)}:${text}`;
  }
  return `{${out}}`;
}

function mapJson(map: Record<string, unknown>, fresh: SnapshotText['fresh']): string {
  let out = '';
  for (const key of Object.keys(map)) {
    const part = map[key];
    const known = isContainer(part) && Object.isFrozen(part) ? memberTexts.get(part) : undefined;
    let text = known?.key === key ? known.text : undefined;
    if (text === undefined) {
      const json = JSON.stringify(part) as string | undefined;
      if (json === undefined) continue;
      text = `${JSON.stringify(key)}:${json}`;
      if (isContainer(part)) fresh.push([part, { key, text }]);
    }
    out += out ? `,${text}` : text;
  }
  return `{${out}}`;
}

const plain = (v: unknown): string | undefined => JSON.stringify(v) as string | undefined;

/** Below this many parts JSON.stringify of the whole is faster than reusing texts part by part. */
const PARTS_WORTH_REUSING = 64;

function partCount(snapshot: PersistedInstance): number {
  const ctx = snapshot.machine?.context;
  if (!isContainer(ctx)) return 0;
  let n = 0;
  for (const name of MAPS) {
    const map = (ctx as unknown as Record<string, unknown>)[name];
    if (isContainer(map)) n += Object.keys(map).length;
  }
  return n;
}

export function snapshotJson(snapshot: PersistedInstance): SnapshotText {
  const fresh: SnapshotText['fresh'] = [];
  if (partCount(snapshot) < PARTS_WORTH_REUSING) return { json: JSON.stringify(snapshot), fresh };
  const context = (ctx: object): string => objectJson(ctx, (key, v) => (MAPS.has(key) && isContainer(v) ? mapJson(v as Record<string, unknown>, fresh) : plain(v)));
  const machine = (m: object): string => objectJson(m, (key, v) => (key === 'context' && isContainer(v) ? context(v) : plain(v)));
  const json = objectJson(snapshot, (key, v) => (key === 'machine' && isContainer(v) ? machine(v) : plain(v)));
  return { json, fresh };
}

/** Keeps the texts of parts that are frozen now (the engine froze the committed context). */
export function remember(fresh: SnapshotText['fresh']): void {
  for (const [part, member] of fresh) if (Object.isFrozen(part)) memberTexts.set(part, member);
}
