/**
 * Password hashes of AUTH_CONFIG users (HTTP Basic, as Camunda 8's clients sign in): scrypt from
 * node:crypto in a self-describing string `scrypt$N$r$p$<salt base64>$<hash base64>`, so the cost can
 * be raised later without breaking stored hashes. Verified in constant time. A verified password is
 * remembered (by its SHA-256 with the hash it matched) for a few minutes: a job worker polling every
 * second must not cost a scrypt each time.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const DEFAULT = { N: 16384, r: 8, p: 1 };
const KEY_BYTES = 32;
const REMEMBER_MS = 5 * 60_000;
const REMEMBER_MAX = 1000;
const remembered = new Map<string, number>();

function derive(password: string, salt: Buffer, options: ScryptOptions, bytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, bytes, { ...options, maxmem: 256 * (options.N ?? DEFAULT.N) * (options.r ?? DEFAULT.r) + 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(password, salt, DEFAULT, KEY_BYTES);
  return `scrypt$${DEFAULT.N}$${DEFAULT.r}$${DEFAULT.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  // a hash from the file cannot ask for more work than a few times the default
  if (!(N >= 1024 && N <= 1 << 17 && (N & (N - 1)) === 0 && r >= 1 && r <= 32 && p >= 1 && p <= 4)) return false;
  const memo = createHash('sha256').update(stored).update('\0').update(password).digest('base64');
  const until = remembered.get(memo);
  if (until !== undefined && until > Date.now()) return true;
  const expected = Buffer.from(parts[5], 'base64');
  if (expected.length < 16) return false;
  const actual = await derive(password, Buffer.from(parts[4], 'base64'), { N, r, p }, expected.length);
  const ok = timingSafeEqual(actual, expected);
  if (ok) {
    if (remembered.size >= REMEMBER_MAX) remembered.delete(remembered.keys().next().value as string);
    remembered.set(memo, Date.now() + REMEMBER_MS);
  }
  return ok;
}
