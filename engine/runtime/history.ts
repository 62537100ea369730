/**
 * The tamper-evident history: each event's hash is sha256(prevHash + canonical JSON of the event
 * without its hash). Canonical JSON sorts object keys, so the hash does not depend on how a store
 * returns a document. The chain's head is sealed at every commit (sealing.ts) and verified with its
 * seal and the checkpoints that saw it (verify.ts).
 */
import { hash } from 'node:crypto';
import type { HistoryEvent } from '../store/types';

export const GENESIS_HASH = '0'.repeat(64);

/**
 * JSON with every object's keys sorted (by UTF-16 code units, as `<` compares them) and undefined
 * members left out, so the hash does not depend on how a store returns a document. Written with plain
 * loops: every history event of every command goes through it.
 */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + canonicalJson(value[i]);
    return out + ']';
  }
  const object = value as Record<string, unknown>;
  let out = '{';
  for (const key of Object.keys(object).sort()) {
    const member = object[key];
    if (member === undefined) continue;
    out += (out.length > 1 ? ',' : '') + JSON.stringify(key) + ':' + canonicalJson(member);
  }
  return out + '}';
}

export function hashEvent(event: Omit<HistoryEvent, 'hash'>): string {
  const { instanceId, seq, at, type, elementId, actor, data, prevHash } = event;
  // the one-shot hash: no Hash object per event (six events a command)
  return hash('sha256', prevHash + canonicalJson({ instanceId, seq, at, type, elementId, actor, data }), 'hex');
}

/** Appends events to a chain whose last link is (seq, hash). */
export class HistoryWriter {
  readonly events: HistoryEvent[] = [];

  constructor(
    private readonly instanceId: string,
    private seq: number,
    private hash: string,
  ) {}

  append(type: string, at: number, actor: string, elementId?: string, data?: unknown): void {
    const base = { instanceId: this.instanceId, seq: this.seq + 1, at, type, elementId, actor, data, prevHash: this.hash };
    const hash = hashEvent(base);
    this.events.push({ ...base, hash });
    this.seq += 1;
    this.hash = hash;
  }

  get last(): { seq: number; hash: string } {
    return { seq: this.seq, hash: this.hash };
  }
}
