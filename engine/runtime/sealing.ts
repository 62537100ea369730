/**
 * The history key: an Ed25519 key pair kept outside the database (HISTORY_KEY_FILE, or
 * `history-key.pem` in the data directory, created on first start with mode 0600). Every commit seals
 * the instance's chain head with it (with the heads committed beside it: headSealer.ts), and checkpoints
 * of heads are signed with it, so someone who can
 * write the database but not read the key cannot truncate, rewrite or delete history unseen; an auditor
 * verifies seals and checkpoints with the public key alone (docs/architecture.md, "The history chain").
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { CheckpointHead, CheckpointRow, InstanceRow, SealedHead } from '../store/types';
import { canonicalJson } from './history';

export const HISTORY_KEY_FILE = 'history-key.pem';

/** The public half: what verifies seals and checkpoints (also offline, from an export). */
export interface SealVerifier {
  keyId: string;
  publicKeyPem: string;
  verify(payload: string, signature: string): boolean;
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

/** A verifier from a PEM public key (an auditor's copy of `GET /api/history/public-key`). */
export function verifierFromPem(publicKeyPem: string): SealVerifier {
  const publicKey = createPublicKey(publicKeyPem);
  if (publicKey.asymmetricKeyType !== 'ed25519') throw new Error('the history public key must be an Ed25519 key');
  return {
    keyId: keyIdOf(publicKey),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    verify: (payload, signature) => verify(null, Buffer.from(payload), publicKey, Buffer.from(signature, 'base64')),
  };
}

export class HistoryKey implements SealVerifier {
  readonly keyId: string;
  readonly publicKeyPem: string;
  private readonly publicKey: KeyObject;

  private constructor(private readonly privateKey: KeyObject) {
    if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('the history key must be an Ed25519 private key (PKCS#8 PEM)');
    this.publicKey = createPublicKey(privateKey);
    this.keyId = keyIdOf(this.publicKey);
    this.publicKeyPem = this.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  /** A key that lives as long as the process (in-memory engines, tests). */
  static ephemeral(): HistoryKey {
    return new HistoryKey(generateKeyPairSync('ed25519').privateKey);
  }

  /**
   * Reads the key file, or creates it (mode 0600, exclusively: of two processes starting at once one
   * writes it, the other reads it). A key file that others may read is reported through `warn`.
   */
  static fromFile(file: string, warn: (message: string) => void = () => undefined): HistoryKey {
    if (!fs.existsSync(file)) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      try {
        fs.writeFileSync(file, pem, { mode: 0o600, flag: 'wx' });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
    const mode = fs.statSync(file).mode & 0o777;
    if (mode & 0o077) warn(`history key ${file} is readable by others (mode ${mode.toString(8)}); chmod 600 it`);
    try {
      return new HistoryKey(createPrivateKey(fs.readFileSync(file, 'utf8')));
    } catch (err) {
      throw new Error(`history key ${file}: ${(err as Error).message}`, { cause: err });
    }
  }

  sign(payload: string): string {
    return sign(null, Buffer.from(payload), this.privateKey).toString('base64');
  }

  verify(payload: string, signature: string): boolean {
    try {
      return verify(null, Buffer.from(payload), this.publicKey, Buffer.from(signature, 'base64'));
    } catch {
      return false;
    }
  }
}

/** What a head seal signs: the head, and the facts of the instance an attacker would want to change. */
export function headPayload(instance: Pick<InstanceRow, 'id' | 'processId' | 'startedBy'>, head: { seq: number; hash: string }): string {
  return canonicalJson({ v: 1, kind: 'head', instanceId: instance.id, processId: instance.processId, startedBy: instance.startedBy ?? null, seq: head.seq, hash: head.hash });
}

export function sealHead(key: HistoryKey, instance: Pick<InstanceRow, 'id' | 'processId' | 'startedBy'>, head: { seq: number; hash: string }): SealedHead {
  return { seq: head.seq, hash: head.hash, seal: key.sign(headPayload(instance, head)), keyId: key.keyId };
}

/** Each checkpoint's hash covers the previous one, so checkpoints form a chain of their own. */
export function checkpointHash(c: Pick<CheckpointRow, 'seq' | 'at' | 'heads' | 'keyId' | 'prevHash'>): string {
  return createHash('sha256')
    .update(c.prevHash + canonicalJson({ seq: c.seq, at: c.at, heads: c.heads, keyId: c.keyId }))
    .digest('hex');
}

export function signCheckpoint(key: HistoryKey, heads: CheckpointHead[], previous: CheckpointRow | undefined, at: number): CheckpointRow {
  const base = { seq: (previous?.seq ?? 0) + 1, at, heads, keyId: key.keyId, prevHash: previous?.hash ?? '0'.repeat(64) };
  const hash = checkpointHash(base);
  return { ...base, hash, signature: key.sign(hash) };
}
