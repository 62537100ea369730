/**
 * The hash chain itself, without a store: every field of an event is covered by its hash (changing any
 * one is an edited event), and each event must follow the one before it. An event that was replaced
 * by one hashed correctly on its own but linked to another chain (a splice) is found by the link alone:
 * its own hash matches, and so does the next event's seq.
 */
import { createHash } from 'node:crypto';
import { GENESIS_HASH, HistoryWriter, canonicalJson, hashEvent } from '../../engine/runtime/history';
import { verifyChain } from '../../engine/runtime/verify';
import type { HistoryEvent } from '../../engine/store/types';

function chainOf(instanceId: string, n: number): HistoryEvent[] {
  const w = new HistoryWriter(instanceId, 0, GENESIS_HASH);
  for (let i = 1; i <= n; i++) w.append(i === 1 ? 'instance.started' : 'task.completed', 1_700_000_000_000 + i, i === 1 ? 'alice' : 'bob', `E${i}`, { step: i });
  return w.events;
}

test('an untouched chain verifies, and starts from the genesis hash (64 zeros, as verifiers outside read it)', () => {
  const events = chainOf('i1', 4);
  expect(events[0].prevHash).toBe(GENESIS_HASH);
  expect(GENESIS_HASH).toBe('0000000000000000000000000000000000000000000000000000000000000000');
  expect(verifyChain(events)).toEqual({ valid: true, events: 4, problems: [] });
});

const edits: [keyof HistoryEvent, unknown][] = [
  ['instanceId', 'i2'],
  ['seq', 2.5],
  ['at', 1_700_000_000_999],
  ['type', 'task.canceled'],
  ['elementId', 'Elsewhere'],
  ['actor', 'mallory'],
  ['data', { step: 99 }],
];

test.each(edits)('changing the %s of an event is an edited event', (field, value) => {
  const events = chainOf('i1', 3);
  events[1] = { ...events[1], [field]: value };
  const result = verifyChain(events);
  expect(result.valid).toBe(false);
  expect(result.problems).toContainEqual(expect.objectContaining({ kind: 'edited-event', seq: events[1].seq }));
});

test('each field gives its own hash: the same event by another actor hashes differently', () => {
  const [e] = chainOf('i1', 1);
  const { hash: _hash, ...rest } = e;
  expect(hashEvent(rest)).toBe(e.hash);
  expect(hashEvent({ ...rest, actor: 'mallory' })).not.toBe(e.hash);
  expect(hashEvent({ ...rest, prevHash: 'f'.repeat(64) })).not.toBe(e.hash);
});

test('an event replaced by one hashed correctly but linked elsewhere is a broken link, as is the event after it', () => {
  const events = chainOf('i1', 3);
  const { hash: _old, ...second } = events[1];
  const forged = { ...second, actor: 'mallory', prevHash: 'a'.repeat(64) };
  events[1] = { ...forged, hash: hashEvent(forged) };
  expect(verifyChain(events).problems).toEqual([
    { kind: 'broken-link', seq: 2, message: 'event 2 does not follow event 1: the chain was spliced' },
    { kind: 'broken-link', seq: 3, message: 'event 3 does not follow event 2: the chain was spliced' },
  ]);
});

test('an event of another history at the same seq is a broken link although it hashes correctly', () => {
  const mine = chainOf('i1', 3);
  const other = new HistoryWriter('i1', 0, GENESIS_HASH);
  other.append('instance.started', 1, 'eve', 'E1', { other: true });
  other.append('task.completed', 2, 'eve', 'E2', { other: true });
  const spliced = [mine[0], other.events[1], mine[2]];
  expect(verifyChain(spliced).problems.map((p) => [p.kind, p.seq])).toEqual([
    ['broken-link', 2],
    ['broken-link', 3],
  ]);
});

test('the first event must link to the genesis hash', () => {
  const events = chainOf('i1', 2);
  const { hash: _h, ...first } = events[0];
  const moved = { ...first, prevHash: 'b'.repeat(64) };
  events[0] = { ...moved, hash: hashEvent(moved) };
  expect(verifyChain(events).problems.map((p) => [p.kind, p.seq])).toEqual([
    ['broken-link', 1],
    ['broken-link', 2],
  ]);
});

test('canonical JSON sorts keys at every depth, drops undefined fields, keeps array order', () => {
  expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: undefined, x: null }], c: 'é"' } })).toBe('{"a":{"c":"é\\"","d":[3,{"x":null,"z":1}]},"b":1}');
  expect(canonicalJson(undefined)).toBe('null');
  expect(canonicalJson(null)).toBe('null');
  expect(canonicalJson([2, 1])).toBe('[2,1]');
  expect(canonicalJson({ B: 1, a: 2, _: 3, '10': 4, '9': 5 })).toBe('{"10":4,"9":5,"B":1,"_":3,"a":2}');
  expect(canonicalJson({ a: undefined, b: 1, c: undefined, d: [undefined, 2] })).toBe('{"b":1,"d":[null,2]}');
  expect(canonicalJson({ only: undefined })).toBe('{}');
});

test('the hash does not depend on the order in which a store returns the keys of the data', () => {
  const [e] = chainOf('i1', 1);
  const { hash: _hash, ...rest } = e;
  expect(hashEvent({ ...rest, data: { b: 2, a: 1 } })).toBe(hashEvent({ ...rest, data: { a: 1, b: 2 } }));
  expect(hashEvent({ ...rest, data: { a: 1, b: 2 } })).not.toBe(hashEvent({ ...rest, data: { a: 2, b: 1 } }));
});

test('an event hashes as sha256(prevHash + canonical JSON of its seven members), whatever members it has or lacks', () => {
  const base = { instanceId: 'i-ü"1', seq: 7, at: 1764600000123, type: 'task.created', actor: 'ann', prevHash: 'ab'.repeat(32) };
  const events = [
    { ...base, elementId: 'triage', data: { waitId: 'w1', candidateGroups: ['l1', 'l2'], nested: { z: 1, a: [null, { y: 2, b: undefined }] } } },
    { ...base, elementId: undefined, data: undefined },
    { ...base, elementId: 'e', data: null },
    { ...base, elementId: '', data: 'text' },
    { ...base, elementId: 'e', data: { '"quoted"': 1, é: 2, '10': 3, '9': 4 } },
    { ...base, elementId: 'e', data: [3, 2, 1], extra: 'not hashed' },
  ];
  for (const e of events) {
    const { instanceId, seq, at, type, elementId, actor, data } = e;
    const expected = createHash('sha256')
      .update(e.prevHash + canonicalJson({ instanceId, seq, at, type, elementId, actor, data }))
      .digest('hex');
    expect(hashEvent(e)).toBe(expected);
  }
});
