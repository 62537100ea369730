/**
 * Verification of an instance's history against its sealed head and the checkpoints that saw it, and of
 * the checkpoint chain itself, without a store or an engine: every way of tampering gets its exact
 * result (kind, event, the words an auditor reads, and the first API version's `brokenAt`/`reason`).
 * The evidence pack's offline verifier runs the same functions (historyEvidence.test.ts runs it as a
 * process; this file checks them one case at a time, fast enough to run for every planted bug).
 */
import { GENESIS_HASH, HistoryWriter, hashEvent } from '../../engine/runtime/history';
import { HistoryKey, checkpointHash, sealHead, signCheckpoint } from '../../engine/runtime/sealing';
import { checkpointProblems, deletedInstanceProblem, verifyChain, verifyHistoryEvidence, verifyInstance, type InstanceEvidence } from '../../engine/runtime/verify';
import type { CheckpointRow, HistoryEvent } from '../../engine/store/types';

const key = HistoryKey.ephemeral();
const otherKey = HistoryKey.ephemeral();
const facts = { id: 'i1', processId: 'incident', startedBy: 'alice' };

function chainOf(n: number): HistoryEvent[] {
  const w = new HistoryWriter('i1', 0, GENESIS_HASH);
  for (let i = 1; i <= n; i++) w.append(i === 1 ? 'instance.started' : 'task.completed', 1_700_000_000_000 + i, 'bob', `E${i}`, { step: i });
  return w.events;
}

/** An instance whose head is sealed at event `sealedAt` of a chain of `n` events (by `by`). */
function instanceOf(n: number, sealedAt = n, by = key): InstanceEvidence {
  const events = chainOf(Math.max(n, sealedAt));
  const head = sealHead(by, facts, events[sealedAt - 1]);
  return { instance: { ...facts, head }, events: events.slice(0, n), checkpointed: [] };
}

const sealedHeadOf = (e: InstanceEvidence) => ({ seq: e.instance.head!.seq, hash: e.instance.head!.hash, keyId: key.keyId });

describe('an instance against its sealed head', () => {
  test('an untouched instance is valid, with its sealed head and no first-problem fields', () => {
    const e = instanceOf(4);
    expect(verifyInstance(e, key)).toStrictEqual({ valid: true, events: 4, problems: [], sealedHead: sealedHeadOf(e) });
  });

  test('events missing in the middle are named as a range, or as one event; brokenAt is the first missing', () => {
    const e = instanceOf(6);
    const events = [e.events[0], e.events[3], e.events[5]];
    const result = verifyInstance({ ...e, events }, key);
    expect(result.problems).toEqual([
      { kind: 'missing-events', seq: 2, message: 'events 2-3 are missing: deleted from the history' },
      { kind: 'missing-events', seq: 5, message: 'event 5 is missing: deleted from the history' },
    ]);
    expect(result).toMatchObject({ valid: false, events: 3, brokenAt: 2, reason: 'events 2-3 are missing: deleted from the history' });
  });

  test('an edited event is named with its type; the first event may not move off the genesis hash', () => {
    const e = instanceOf(3);
    const events = [...e.events];
    events[1] = { ...events[1], actor: 'mallory' };
    expect(verifyInstance({ ...e, events }, key).problems).toEqual([
      { kind: 'edited-event', seq: 2, message: 'event 2 (task.completed) was changed after it was written: its content does not match its hash' },
    ]);
    const { hash: _h, ...first } = e.events[0];
    const moved = { ...first, prevHash: 'c'.repeat(64) };
    const result = verifyChain([{ ...moved, hash: hashEvent(moved) }]);
    expect(result).toStrictEqual({
      valid: false,
      events: 1,
      problems: [{ kind: 'broken-link', seq: 1, message: 'event 1 does not follow event 0: the chain was spliced' }],
      brokenAt: 1,
      reason: 'event 1 does not follow event 0: the chain was spliced',
    });
  });

  test('no sealed head: named, without an event, so there is a reason but no brokenAt', () => {
    const e = instanceOf(2);
    const result = verifyInstance({ ...e, instance: { ...facts, head: undefined } }, key);
    expect(result).toStrictEqual({
      valid: false,
      events: 2,
      problems: [{ kind: 'unsealed', message: 'the instance has no sealed head: removed events at its end could not be noticed' }],
      reason: 'the instance has no sealed head: removed events at its end could not be noticed',
    });
  });

  test('a head sealed with another key names both keys', () => {
    const e = instanceOf(2, 2, otherKey);
    expect(verifyInstance(e, key).problems).toEqual([{ kind: 'unknown-key', seq: 2, message: `the head is sealed with key ${otherKey.keyId}, not with ${key.keyId}` }]);
  });

  test('a head whose seal does not verify (starter or process altered) is a bad seal', () => {
    const e = instanceOf(2);
    const message = "the sealed head (event 2) or the instance's starter was altered: its seal does not verify";
    expect(verifyInstance({ ...e, instance: { ...e.instance, startedBy: 'mallory' } }, key).problems).toEqual([{ kind: 'bad-seal', seq: 2, message }]);
    expect(verifyInstance({ ...e, instance: { ...e.instance, processId: 'change' } }, key).problems).toEqual([{ kind: 'bad-seal', seq: 2, message }]);
  });

  test('a deleted history is named at event 1', () => {
    const e = instanceOf(3);
    expect(verifyInstance({ ...e, events: [] }, key)).toMatchObject({
      events: 0,
      problems: [{ kind: 'history-deleted', seq: 1, message: 'the whole history was deleted: the sealed head is event 3, no event is left' }],
      brokenAt: 1,
    });
  });

  test('a cut tail counts the removed events, in the singular for one', () => {
    expect(verifyInstance(instanceOf(4, 5), key).problems).toEqual([
      { kind: 'truncated', seq: 5, message: 'the last 1 event was removed: the chain ends at event 4, its sealed head is event 5' },
    ]);
    expect(verifyInstance(instanceOf(2, 5), key).problems).toEqual([
      { kind: 'truncated', seq: 3, message: 'the last 3 events were removed: the chain ends at event 2, its sealed head is event 5' },
    ]);
  });

  test('events after the sealed head are named as unsealed', () => {
    expect(verifyInstance(instanceOf(5, 3), key).problems).toEqual([{ kind: 'unsealed-events', seq: 4, message: 'events 4-5 were added after the last sealed head (event 3)' }]);
  });

  test('a chain rewritten and re-hashed to the sealed length is named', () => {
    const e = instanceOf(3);
    const w = new HistoryWriter('i1', 0, GENESIS_HASH);
    for (const ev of e.events) w.append(ev.type, ev.at, 'mallory', ev.elementId, ev.data);
    expect(verifyInstance({ ...e, events: w.events }, key).problems).toEqual([
      { kind: 'rehashed', seq: 3, message: 'the history was rewritten and re-hashed: its last hash differs from the sealed head' },
    ]);
  });

  test('checkpoints: a later event seen is a roll-back, a different hash a mismatch; what matches (head included) is fine', () => {
    const e = instanceOf(3);
    const [e1, e2, e3] = e.events;
    const checkpointed = [
      { instanceId: 'i1', seq: 1, hash: e1.hash, checkpoint: 1 },
      { instanceId: 'i1', seq: 2, hash: 'f'.repeat(64), checkpoint: 2 },
      { instanceId: 'i1', seq: 3, hash: e3.hash, checkpoint: 3 },
      { instanceId: 'i1', seq: 4, hash: 'a'.repeat(64), checkpoint: 4 },
    ];
    expect(e2.hash).not.toBe('f'.repeat(64));
    expect(verifyInstance({ ...e, checkpointed }, key).problems).toEqual([
      { kind: 'checkpoint-mismatch', seq: 2, message: 'event 2 differs from what checkpoint 2 recorded' },
      { kind: 'rolled-back', seq: 4, message: 'checkpoint 4 saw this history at event 4; the instance was put back to event 3' },
    ]);
    // An event no longer there is not compared (it is reported as missing by the chain instead).
    expect(verifyInstance({ ...e, events: [e1], checkpointed: [{ instanceId: 'i1', seq: 2, hash: 'f'.repeat(64), checkpoint: 2 }] }, key).problems.map((p) => p.kind)).toEqual([
      'truncated',
    ]);
  });

  test('a deleted instance is named by its id and the checkpoint that sealed it', () => {
    expect(deletedInstanceProblem({ instanceId: 'i9', seq: 7, hash: 'a'.repeat(64), checkpoint: 4 })).toEqual({
      kind: 'instance-deleted',
      seq: 7,
      message: 'instance i9 was deleted: checkpoint 4 sealed its history at event 7',
    });
  });
});

function checkpointsOf(n: number, by = key): CheckpointRow[] {
  const out: CheckpointRow[] = [];
  for (let i = 1; i <= n; i++) out.push(signCheckpoint(by, [{ instanceId: `i${i}`, seq: i, hash: 'a'.repeat(64) }], out[i - 2], 1_700_000_000_000 + i));
  return out;
}

/** `c` changed and hashed again, signed by `by` (a consistent forgery unless the key is the engine's). */
function resigned(c: CheckpointRow, change: Partial<CheckpointRow>, by = key): CheckpointRow {
  const base = { ...c, ...change };
  const hash = checkpointHash(base);
  return { ...base, hash, signature: by.sign(hash) };
}

describe('the checkpoint chain', () => {
  test('signed checkpoints that follow each other from the first are sound', () => {
    expect(checkpointProblems(checkpointsOf(3), key)).toEqual([]);
    const [c1, c2, c3] = checkpointsOf(3);
    expect(checkpointProblems([c2, c3], key, c1)).toEqual([]);
  });

  test('a missing checkpoint is named as a range when the list is linked, and not looked for when it is not', () => {
    const [c1, , c3, , c5] = checkpointsOf(5);
    expect(checkpointProblems([c1, c3, c5], key)).toEqual([
      { kind: 'bad-checkpoint', seq: 3, message: 'checkpoint 3: checkpoints 2-2 are missing' },
      { kind: 'bad-checkpoint', seq: 5, message: 'checkpoint 5: checkpoints 4-4 are missing' },
    ]);
    expect(checkpointProblems([c1, c3, c5], key, undefined, false)).toEqual([]);
  });

  test('a checkpoint re-signed onto another chain does not follow the one before it; the first must follow the zero hash', () => {
    const [c1, c2, c3] = checkpointsOf(3);
    const forged = resigned(c2, { prevHash: 'b'.repeat(64) });
    expect(checkpointProblems([c1, forged, c3], key)).toEqual([
      { kind: 'bad-checkpoint', seq: 2, message: 'checkpoint 2: does not follow the checkpoint before it' },
      { kind: 'bad-checkpoint', seq: 3, message: 'checkpoint 3: does not follow the checkpoint before it' },
    ]);
    expect(checkpointProblems([resigned(c1, { prevHash: 'b'.repeat(64) })], key)).toEqual([
      { kind: 'bad-checkpoint', seq: 1, message: 'checkpoint 1: does not follow the checkpoint before it' },
    ]);
    // A list that starts later than the first, with nothing before it given, cannot be checked for its link.
    expect(checkpointProblems([c2, c3], key)).toEqual([]);
    expect(checkpointProblems([forged, c3], key, undefined, false)).toEqual([]);
  });

  test('an edited checkpoint, one signed with another key and one whose signature does not verify are each named', () => {
    const [c1, c2] = checkpointsOf(2);
    const edited = { ...c2, heads: [{ instanceId: 'i2', seq: 1, hash: 'a'.repeat(64) }] };
    expect(checkpointProblems([c1, edited], key)).toEqual([{ kind: 'bad-checkpoint', seq: 2, message: 'checkpoint 2: its content does not match its hash' }]);
    const foreign = checkpointsOf(1, otherKey);
    expect(checkpointProblems(foreign, key)).toEqual([{ kind: 'bad-checkpoint', seq: 1, message: `checkpoint 1: signed with key ${otherKey.keyId}, not with ${key.keyId}` }]);
    const forgedSignature = resigned(c2, { at: c2.at + 1 }, otherKey);
    expect(checkpointProblems([c1, { ...forgedSignature, keyId: key.keyId, hash: checkpointHash({ ...forgedSignature, keyId: key.keyId }) }], key)).toEqual([
      { kind: 'bad-checkpoint', seq: 2, message: 'checkpoint 2: its signature does not verify' },
    ]);
  });
});

describe('an evidence pack, verified with the public key alone', () => {
  function evidenceOf(n: number): { instance: InstanceEvidence['instance']; events: HistoryEvent[]; checkpoints: CheckpointRow[] } {
    const e = instanceOf(n);
    const c1 = signCheckpoint(key, [{ instanceId: 'i1', seq: 1, hash: e.events[0].hash }], undefined, 1);
    const c2 = signCheckpoint(key, [{ instanceId: 'other', seq: 9, hash: 'a'.repeat(64) }], c1, 2);
    const c3 = signCheckpoint(key, [{ instanceId: 'i1', seq: n, hash: e.events[n - 1].hash }], c2, 3);
    // Only the checkpoints that recorded this instance travel with it: they are checked one by one.
    return { instance: e.instance, events: e.events, checkpoints: [c1, c3] };
  }

  test('a sound pack verifies exactly as the instance does in the engine', () => {
    const pack = evidenceOf(3);
    expect(verifyHistoryEvidence(pack, key)).toStrictEqual({ valid: true, events: 3, problems: [], sealedHead: sealedHeadOf({ ...pack, checkpointed: [] }) });
  });

  test("what a checkpoint recorded counts against the chain; another instance's heads in it do not", () => {
    const pack = evidenceOf(3);
    const later = signCheckpoint(
      key,
      [
        { instanceId: 'other', seq: 9, hash: 'b'.repeat(64) },
        { instanceId: 'i1', seq: 5, hash: 'a'.repeat(64) },
      ],
      pack.checkpoints[1],
      4,
    );
    expect(verifyHistoryEvidence({ ...pack, checkpoints: [...pack.checkpoints, later] }, key).problems).toEqual([
      { kind: 'rolled-back', seq: 5, message: 'checkpoint 4 saw this history at event 5; the instance was put back to event 3' },
    ]);
  });

  test('a forged checkpoint is named first and what it records is not trusted', () => {
    const pack = evidenceOf(3);
    const forged = { ...pack.checkpoints[0], heads: [{ instanceId: 'i1', seq: 1, hash: 'f'.repeat(64) }] };
    const result = verifyHistoryEvidence({ ...pack, checkpoints: [forged, pack.checkpoints[1]] }, key);
    expect(result).toStrictEqual({
      valid: false,
      events: 3,
      problems: [{ kind: 'bad-checkpoint', seq: 1, message: 'checkpoint 1: its content does not match its hash' }],
      sealedHead: sealedHeadOf({ ...pack, checkpointed: [] }),
      brokenAt: 1,
      reason: 'checkpoint 1: its content does not match its hash',
    });
  });

  test('a forged checkpoint leaves the sound ones trusted: what they recorded still counts', () => {
    const pack = evidenceOf(3);
    const forged = { ...pack.checkpoints[0], heads: [{ instanceId: 'i1', seq: 1, hash: 'f'.repeat(64) }] };
    const later = signCheckpoint(key, [{ instanceId: 'i1', seq: 5, hash: 'a'.repeat(64) }], pack.checkpoints[1], 4);
    expect(verifyHistoryEvidence({ ...pack, checkpoints: [forged, pack.checkpoints[1], later] }, key).problems).toEqual([
      { kind: 'bad-checkpoint', seq: 1, message: 'checkpoint 1: its content does not match its hash' },
      { kind: 'rolled-back', seq: 5, message: 'checkpoint 4 saw this history at event 5; the instance was put back to event 3' },
    ]);
  });

  test("a forged checkpoint's problems come before the chain's own", () => {
    const pack = evidenceOf(3);
    const forged = { ...pack.checkpoints[1], signature: otherKey.sign(pack.checkpoints[1].hash) };
    const result = verifyHistoryEvidence({ ...pack, events: pack.events.slice(0, 2), checkpoints: [pack.checkpoints[0], forged] }, key);
    expect(result.problems.map((p) => [p.kind, p.seq])).toEqual([
      ['bad-checkpoint', 3],
      ['truncated', 3],
    ]);
    expect(result).toMatchObject({ valid: false, events: 2, brokenAt: 3, reason: 'checkpoint 3: its signature does not verify' });
  });
});
