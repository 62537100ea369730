/**
 * Heads sealed together (engine/runtime/sealTree.ts, headSealer.ts): one signature of a Merkle root
 * seals every head of a group, each seal verifies its own head alone, and nothing a database writer
 * without the key can do with a seal (move it to another head, another instance, change its path or
 * its signature, forge a root) verifies. Then through the engine: commands committing side by side
 * share one signature, each instance's history verifies, and a truncated one is still caught.
 */
import { headPayload, HistoryKey, type SealVerifier, verifierFromPem } from '../../engine/runtime/sealing';
import { HeadSealer } from '../../engine/runtime/headSealer';
import { merkleTree, rootPayload, sealAll, sealVerifies } from '../../engine/runtime/sealTree';
import { verifyInstance } from '../../engine/runtime/verify';
import { bpmn, deployXml, endEvent, startEvent, chain, userTask, useEngine } from '../engine/helpers';

const key = HistoryKey.ephemeral();
const otherKey = HistoryKey.ephemeral();
const sign = (payload: string): string => key.sign(payload);
const verifies = (payload: string, seal: string, by = key): boolean => sealVerifies((p, s) => by.verify(p, s), payload, seal);

const payloads = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => headPayload({ id: `i${i}`, processId: 'incident', startedBy: 'alice' }, { seq: i + 3, hash: String(i % 10).repeat(64) }));

describe('seal trees', () => {
  test.each([1, 2, 3, 4, 5, 7, 8, 9, 16, 33])('%i heads: each seal verifies its own head and no other', (n) => {
    const heads = payloads(n);
    const seals = sealAll(sign, heads);
    expect(seals).toHaveLength(n);
    heads.forEach((payload, i) => {
      expect(verifies(payload, seals[i])).toBe(true);
      expect(verifies(payload, seals[i], otherKey)).toBe(false);
      if (n > 1) expect(verifies(heads[(i + 1) % n], seals[i])).toBe(false);
    });
  });

  test('no heads, no signature', () => {
    const signOne = jest.fn(sign);
    expect(sealAll(signOne, [])).toEqual([]);
    expect(signOne).not.toHaveBeenCalled();
  });

  test('one head alone gets a plain signature of its payload (the format of every seal before trees)', () => {
    const [payload] = payloads(1);
    const [seal] = sealAll(sign, [payload]);
    expect(seal.startsWith('tree1:')).toBe(false);
    expect(key.verify(payload, seal)).toBe(true);
  });

  test('a group signs once: its root, named as a root (never in the form of a head payload)', () => {
    const signed: string[] = [];
    const heads = payloads(5);
    const seals = sealAll((p) => {
      signed.push(p);
      return sign(p);
    }, heads);
    expect(signed).toEqual([rootPayload(merkleTree(heads).root)]);
    expect(JSON.parse(signed[0])).toEqual({ v: 1, kind: 'heads', root: merkleTree(heads).root });
    // the paths of 5 leaves: 3 steps for the first four, 1 for the last (it goes up alone twice)
    expect(seals.map((s) => s.split(':')[2].split(',').length)).toEqual([3, 3, 3, 3, 1]);
  });

  test('a changed path, side, sibling or signature does not verify; a malformed seal is false, never a throw', () => {
    const heads = payloads(4);
    const seal = sealAll(sign, heads)[1];
    const [, signature, path] = seal.split(':');
    const steps = path.split(',');
    const flipped = steps.map((s, i) => (i === 0 ? (s[0] === 'L' ? 'R' : 'L') + s.slice(1) : s)).join(',');
    const otherSibling = steps.map((s, i) => (i === 1 ? s[0] + 'f'.repeat(64) : s)).join(',');
    const otherSignature = sealAll(sign, payloads(3))[0].split(':')[1];
    for (const bad of [
      `tree1:${signature}:${flipped}`,
      `tree1:${signature}:${otherSibling}`,
      `tree1:${signature}:${steps.slice(1).join(',')}`,
      `tree1:${otherSignature}:${path}`,
      `tree1:${signature}:`,
      `tree1:${signature}`,
      `tree1:${signature}:${path}:extra`,
      `tree1:${signature}:X${'a'.repeat(64)}`,
      `tree1:${signature}:L${'a'.repeat(63)}`,
      `tree1:${signature}:L${'a'.repeat(65)}`,
      `tree1:${signature}:${path},`,
      `tree1:${signature}:${path.toUpperCase()}`,
      `tree1:${signature}!:${path}`,
      `tree1:${signature}===:${path}`,
      `xtree1:${signature}:${path}`,
      'tree1:',
      '',
    ]) {
      expect(verifies(heads[1], bad)).toBe(false);
    }
  });

  test("a root's signature is not a head's seal: a plain seal over the root payload does not seal a head", () => {
    const heads = payloads(2);
    const { root } = merkleTree(heads);
    const rootSignature = key.sign(rootPayload(root));
    expect(verifies(heads[0], rootSignature)).toBe(false);
    expect(verifies(rootPayload(root), rootSignature)).toBe(true); // (what the signature is of)
  });

  test('the sealer gives the heads asked for in one turn one signature, and a head asked alone its own', async () => {
    const counting = HistoryKey.ephemeral();
    const signOne = jest.spyOn(counting, 'sign');
    const sealer = new HeadSealer(counting);
    const facts = (i: number) => ({ id: `s${i}`, processId: 'p', startedBy: 'bob' });
    const heads = await Promise.all(Array.from({ length: 6 }, (_, i) => sealer.seal(facts(i), { seq: 2, hash: 'a'.repeat(64) })));
    expect(signOne).toHaveBeenCalledTimes(1);
    heads.forEach((h, i) => {
      expect(h).toMatchObject({ seq: 2, hash: 'a'.repeat(64), keyId: counting.keyId });
      expect(h.seal.startsWith('tree1:')).toBe(true);
      expect(sealVerifies((p, s) => counting.verify(p, s), headPayload(facts(i), h), h.seal)).toBe(true);
    });
    const alone = await sealer.seal(facts(9), { seq: 1, hash: 'b'.repeat(64) });
    expect(signOne).toHaveBeenCalledTimes(2);
    expect(counting.verify(headPayload(facts(9), alone), alone.seal)).toBe(true);
  });

  test('the sealer seals at once when a tree is full: more heads than it holds get more trees', async () => {
    const counting = HistoryKey.ephemeral();
    const signOne = jest.spyOn(counting, 'sign');
    const sealer = new HeadSealer(counting, 4);
    const heads = await Promise.all(Array.from({ length: 10 }, (_, i) => sealer.seal({ id: `f${i}`, processId: 'p' }, { seq: 1, hash: 'c'.repeat(64) })));
    expect(signOne).toHaveBeenCalledTimes(3); // 4 + 4 + 2
    heads.forEach((h, i) => expect(sealVerifies((p, s) => counting.verify(p, s), headPayload({ id: `f${i}`, processId: 'p' }, h), h.seal)).toBe(true));
  });

  test('a key that cannot sign fails every head of its group, and the next group is sealed again', async () => {
    const broken = HistoryKey.ephemeral();
    const sealer = new HeadSealer(broken);
    const failing = jest.spyOn(broken, 'sign').mockImplementationOnce(() => {
      throw new Error('no key');
    });
    const results = await Promise.allSettled([
      sealer.seal({ id: 'a', processId: 'p' }, { seq: 1, hash: 'd'.repeat(64) }),
      sealer.seal({ id: 'b', processId: 'p' }, { seq: 1, hash: 'd'.repeat(64) }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    const next = await sealer.seal({ id: 'c', processId: 'p' }, { seq: 1, hash: 'd'.repeat(64) });
    expect(broken.verify(headPayload({ id: 'c', processId: 'p' }, next), next.seal)).toBe(true);
    failing.mockRestore();
  });
});

describe('through the engine', () => {
  const env = useEngine();

  test('commands committing side by side share one signature; every history verifies and a cut tail is still caught', async () => {
    const { engine, store } = env();
    await deployXml(engine, bpmn('sealed', [startEvent('Start'), userTask('Work'), endEvent('End'), chain('Start', 'Work', 'End')]));
    const started = await Promise.all(Array.from({ length: 8 }, () => engine.startInstance({ processId: 'sealed' })));
    const rows = await Promise.all(started.map((s) => store.getInstance(s.id)));
    expect(rows.filter((r) => r!.head!.seal.startsWith('tree1:')).length).toBe(8);
    // one signature: every seal carries the same one
    expect(new Set(rows.map((r) => r!.head!.seal.split(':')[1])).size).toBe(1);
    for (const s of started) expect(await engine.verifyHistory(s.id)).toMatchObject({ valid: true, problems: [] });

    const [first] = started;
    const row = rows[0]!;
    const events = await store.getHistory(first.id);
    const cut = verifyInstance({ instance: row, events: events.slice(0, -1), checkpointed: [] }, keyOf(engine));
    expect(cut.problems.map((p) => p.kind)).toEqual(['truncated']);
    // a seal moved onto another instance's head does not verify
    const moved = verifyInstance(
      { instance: { ...rows[1]!, head: { ...rows[1]!.head!, seal: row.head!.seal } }, events: await store.getHistory(started[1].id), checkpointed: [] },
      keyOf(engine),
    );
    expect(moved.problems.map((p) => p.kind)).toEqual(['bad-seal']);
  });
});

/** What an auditor verifies with: the engine's public key alone. */
const keyOf = (engine: { historyPublicKey: { publicKeyPem: string } }): SealVerifier => verifierFromPem(engine.historyPublicKey.publicKeyPem);
