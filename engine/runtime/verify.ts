/**
 * Verification of history: the hash chain of an instance, its sealed head, and what signed checkpoints
 * recorded of it. Each way history can be tampered with is named, so an auditor reads what happened
 * ("the last 3 events were removed"), not only that something is wrong. Pure functions: the engine, the
 * evidence pack and the offline verifier (`npm run verify-evidence`) share them.
 */
import type { CheckpointHead, CheckpointRow, HistoryEvent, InstanceRow } from '../store/types';
import { GENESIS_HASH, hashEvent } from './history';
import { sealVerifies } from './sealTree';
import { checkpointHash, headPayload, type SealVerifier } from './sealing';

export type ProblemKind =
  | 'edited-event'
  | 'missing-events'
  | 'broken-link'
  | 'truncated'
  | 'history-deleted'
  | 'unsealed-events'
  | 'rehashed'
  | 'bad-seal'
  | 'unsealed'
  | 'unknown-key'
  | 'rolled-back'
  | 'checkpoint-mismatch'
  | 'instance-deleted'
  | 'bad-checkpoint';

export interface ChainProblem {
  kind: ProblemKind;
  /** The event (or checkpoint, for checkpoint problems) concerned. */
  seq?: number;
  message: string;
}

export interface VerifyResult {
  valid: boolean;
  events: number;
  /** The head the chain is sealed at (absent when the instance has none). */
  sealedHead?: { seq: number; hash: string; keyId: string };
  problems: ChainProblem[];
  /** First problem: its event and message (kept for clients of the first API version). */
  brokenAt?: number;
  reason?: string;
}

function result(events: number, problems: ChainProblem[], sealedHead?: VerifyResult['sealedHead']): VerifyResult {
  const out: VerifyResult = { valid: problems.length === 0, events, problems };
  if (sealedHead) out.sealedHead = sealedHead;
  if (problems.length) {
    if (problems[0].seq !== undefined) out.brokenAt = problems[0].seq;
    out.reason = problems[0].message;
  }
  return out;
}

/** The links of the chain itself: every event hashes to its hash and follows the one before. */
export function chainProblems(events: HistoryEvent[]): ChainProblem[] {
  const problems: ChainProblem[] = [];
  let prev: HistoryEvent | undefined;
  for (const e of events) {
    const expected = (prev?.seq ?? 0) + 1;
    const gap = e.seq > expected;
    if (gap) {
      const range = e.seq - 1 > expected ? `events ${expected}-${e.seq - 1} are` : `event ${expected} is`;
      problems.push({ kind: 'missing-events', seq: expected, message: `${range} missing: deleted from the history` });
    }
    if (hashEvent(e) !== e.hash) {
      problems.push({ kind: 'edited-event', seq: e.seq, message: `event ${e.seq} (${e.type}) was changed after it was written: its content does not match its hash` });
    } else if (!gap && e.prevHash !== (prev?.hash ?? GENESIS_HASH)) {
      problems.push({ kind: 'broken-link', seq: e.seq, message: `event ${e.seq} does not follow event ${prev?.seq ?? 0}: the chain was spliced` });
    }
    prev = e;
  }
  return problems;
}

/** Chain links only (no seal, no checkpoints): for exports where nothing else is at hand. */
export function verifyChain(events: HistoryEvent[]): VerifyResult {
  return result(events.length, chainProblems(events));
}

export interface InstanceEvidence {
  instance: Pick<InstanceRow, 'id' | 'processId' | 'startedBy' | 'head'>;
  events: HistoryEvent[];
  /** What checkpoints recorded of this instance (oldest first). */
  checkpointed: (CheckpointHead & { checkpoint: number })[];
}

/** The chain, its sealed head and the checkpoints that saw it. */
export function verifyInstance({ instance, events, checkpointed }: InstanceEvidence, key: SealVerifier): VerifyResult {
  const problems = chainProblems(events);
  const head = instance.head;
  const last = events[events.length - 1];
  if (!head) {
    problems.push({ kind: 'unsealed', message: 'the instance has no sealed head: removed events at its end could not be noticed' });
  } else if (head.keyId !== key.keyId) {
    problems.push({ kind: 'unknown-key', seq: head.seq, message: `the head is sealed with key ${head.keyId}, not with ${key.keyId}` });
  } else if (!sealVerifies((payload, signature) => key.verify(payload, signature), headPayload(instance, head), head.seal)) {
    problems.push({ kind: 'bad-seal', seq: head.seq, message: `the sealed head (event ${head.seq}) or the instance's starter was altered: its seal does not verify` });
  } else if (!last) {
    problems.push({ kind: 'history-deleted', seq: 1, message: `the whole history was deleted: the sealed head is event ${head.seq}, no event is left` });
  } else if (last.seq < head.seq) {
    const n = head.seq - last.seq;
    problems.push({
      kind: 'truncated',
      seq: last.seq + 1,
      message: `the last ${n} event${n > 1 ? 's were' : ' was'} removed: the chain ends at event ${last.seq}, its sealed head is event ${head.seq}`,
    });
  } else if (last.seq > head.seq) {
    problems.push({ kind: 'unsealed-events', seq: head.seq + 1, message: `events ${head.seq + 1}-${last.seq} were added after the last sealed head (event ${head.seq})` });
  } else if (last.hash !== head.hash) {
    problems.push({ kind: 'rehashed', seq: head.seq, message: `the history was rewritten and re-hashed: its last hash differs from the sealed head` });
  }
  const bySeq = new Map(events.map((e) => [e.seq, e]));
  for (const c of checkpointed) {
    if (head && c.seq > head.seq) {
      problems.push({ kind: 'rolled-back', seq: c.seq, message: `checkpoint ${c.checkpoint} saw this history at event ${c.seq}; the instance was put back to event ${head.seq}` });
    } else if (bySeq.has(c.seq) && bySeq.get(c.seq)!.hash !== c.hash) {
      problems.push({ kind: 'checkpoint-mismatch', seq: c.seq, message: `event ${c.seq} differs from what checkpoint ${c.checkpoint} recorded` });
    }
  }
  return result(events.length, problems, head ? { seq: head.seq, hash: head.hash, keyId: head.keyId } : undefined);
}

/**
 * Checkpoints: each signed and matching its hash; when `linked` (the complete list from the first, or
 * after `previous`), also each following the one before.
 */
export function checkpointProblems(checkpoints: CheckpointRow[], key: SealVerifier, previous?: CheckpointRow, linked = true): ChainProblem[] {
  const problems: ChainProblem[] = [];
  let prev = previous;
  for (const c of checkpoints) {
    const bad = (message: string) => problems.push({ kind: 'bad-checkpoint', seq: c.seq, message: `checkpoint ${c.seq}: ${message}` });
    if (linked && prev && c.seq !== prev.seq + 1) bad(`checkpoints ${prev.seq + 1}-${c.seq - 1} are missing`);
    else if (linked && c.prevHash !== (prev?.hash ?? '0'.repeat(64)) && (prev || c.seq === 1)) bad('does not follow the checkpoint before it');
    if (checkpointHash(c) !== c.hash) bad('its content does not match its hash');
    else if (c.keyId !== key.keyId) bad(`signed with key ${c.keyId}, not with ${key.keyId}`);
    else if (!key.verify(c.hash, c.signature)) bad('its signature does not verify');
    prev = c;
  }
  return problems;
}

/** What an evidence pack carries of one instance to verify it away from the engine. */
export interface HistoryEvidence {
  instance: InstanceEvidence['instance'];
  events: HistoryEvent[];
  /** The signed checkpoints that recorded this instance. */
  checkpoints: CheckpointRow[];
}

/** Verifies an instance from its evidence with the public key alone (checkpoints checked one by one). */
export function verifyHistoryEvidence(e: HistoryEvidence, key: SealVerifier): VerifyResult {
  const checkpointIssues = checkpointProblems(e.checkpoints, key, undefined, false);
  const trusted = e.checkpoints.filter((c) => !checkpointIssues.some((p) => p.seq === c.seq));
  const checkpointed = trusted.flatMap((c) => c.heads.filter((h) => h.instanceId === e.instance.id).map((h) => ({ ...h, checkpoint: c.seq })));
  const verified = verifyInstance({ instance: e.instance, events: e.events, checkpointed }, key);
  return checkpointIssues.length ? result(verified.events, [...checkpointIssues, ...verified.problems], verified.sealedHead) : verified;
}

/** A checkpointed instance that no longer exists. */
export function deletedInstanceProblem(head: CheckpointHead & { checkpoint: number }): ChainProblem {
  return { kind: 'instance-deleted', seq: head.seq, message: `instance ${head.instanceId} was deleted: checkpoint ${head.checkpoint} sealed its history at event ${head.seq}` };
}
