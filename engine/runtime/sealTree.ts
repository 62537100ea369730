/**
 * Seals for several heads at once: the heads' payloads are the leaves of a Merkle tree (SHA-256, with
 * domain separation of leaves and inner nodes), the history key signs its root once, and each head's
 * seal carries that signature and the path from its leaf to the root. Concurrent commands (a group
 * commit) pay one Ed25519 signature between them instead of one each.
 *
 * A seal is either a plain signature of the head's payload (a head sealed alone, and every seal written
 * before trees existed) or `tree1:<signature>:<path>`, the path a comma-separated list of sibling hashes,
 * each prefixed by the side it sits on (`L` or `R`). Someone who can write the database but not read
 * the key can neither sign another root nor find a path from another payload to a signed one.
 */
import { hash } from 'node:crypto';
import { canonicalJson } from './history';

const TREE_PREFIX = 'tree1:';

const leafHash = (payload: string): string => hash('sha256', `\u0000${payload}`, 'hex');
const nodeHash = (left: string, right: string): string => hash('sha256', `\u0001${left}${right}`, 'hex');

/** What the key signs for a tree: its root, named as such (never a head payload's form). */
export function rootPayload(root: string): string {
  return canonicalJson({ v: 1, kind: 'heads', root });
}

/**
 * The root of the leaves' tree (at least one) and, per leaf, its path: the siblings from the leaf up, each with its
 * side. A node without a sibling (the last of an odd level) goes up unchanged and adds nothing to paths.
 */
export function merkleTree(payloads: readonly string[]): { root: string; paths: string[][] } {
  let level = payloads.map(leafHash);
  // the members of each node of the current level, by leaf index
  let members = payloads.map((_, i) => [i]);
  const paths: string[][] = payloads.map(() => []);
  while (level.length > 1) {
    const next: string[] = [];
    const nextMembers: number[][] = [];
    for (let i = 0; i < level.length; i += 2) {
      if (i + 1 === level.length) {
        next.push(level[i]);
        nextMembers.push(members[i]);
        continue;
      }
      for (const leaf of members[i]) paths[leaf].push(`R${level[i + 1]}`);
      for (const leaf of members[i + 1]) paths[leaf].push(`L${level[i]}`);
      next.push(nodeHash(level[i], level[i + 1]));
      nextMembers.push([...members[i], ...members[i + 1]]);
    }
    level = next;
    members = nextMembers;
  }
  return { root: level[0], paths };
}

/** The seals of `payloads` with one signature: a plain one for a single payload, else a tree's. */
export function sealAll(sign: (payload: string) => string, payloads: readonly string[]): string[] {
  if (payloads.length <= 1) return payloads.map(sign);
  const { root, paths } = merkleTree(payloads);
  const signature = sign(rootPayload(root));
  return paths.map((path) => `${TREE_PREFIX}${signature}:${path.join(',')}`);
}

/** A tree seal: base64 signature, then the path (a tree has two leaves or more), each step a side and a SHA-256 hex hash. */
const TREE_SEAL = /^tree1:([A-Za-z0-9+/]+={0,2}):([LR][0-9a-f]{64}(?:,[LR][0-9a-f]{64})*)$/;

/** Whether `seal` seals `payload`: a plain signature, or a signed root its path leads to. */
export function sealVerifies(verify: (payload: string, signature: string) => boolean, payload: string, seal: string): boolean {
  if (!seal.startsWith(TREE_PREFIX)) return verify(payload, seal);
  const parts = TREE_SEAL.exec(seal);
  if (!parts) return false;
  let node = leafHash(payload);
  for (const step of parts[2].split(',')) {
    const sibling = step.slice(1);
    node = step[0] === 'L' ? nodeHash(sibling, node) : nodeHash(node, sibling);
  }
  return verify(rootPayload(node), parts[1]);
}
