/**
 * `npm run verify-evidence -- <evidence.json> [--public-key <key.pem>]`: verifies an evidence pack away
 * from the server, with the public history key alone: every chain's links, its sealed head (and the
 * starter the seal covers) and the signed checkpoints that recorded it. Without --public-key the key in
 * the pack is used and its id printed, to compare with the one the auditor holds. Exit code 0 when
 * everything verifies, 1 when something does not (each problem printed by name), 2 on bad input.
 */
import fs from 'node:fs';
import { verifierFromPem, verifyHistoryEvidence, type HistoryEvidence } from '../engine';

interface Pack {
  instance?: { id?: string };
  publicKey?: { keyId?: string; publicKeyPem?: string };
  chains?: HistoryEvidence[];
}

export function verifyPack(pack: Pack, publicKeyPem?: string): { ok: boolean; lines: string[] } {
  const pem = publicKeyPem ?? pack.publicKey?.publicKeyPem;
  if (!pem) throw new Error('no public key: give --public-key <key.pem> (GET /api/history/public-key)');
  if (!Array.isArray(pack.chains) || !pack.chains.length) throw new Error('the file is no evidence pack with chains (GET /api/process-instances/:id/evidence, JSON)');
  const key = verifierFromPem(pem);
  const lines = [`key ${key.keyId}${publicKeyPem ? '' : ' (taken from the pack: compare it with the key you hold)'}`];
  let ok = true;
  for (const chain of pack.chains) {
    const r = verifyHistoryEvidence(chain, key);
    ok &&= r.valid;
    const checkpoints = chain.checkpoints.length ? `, in ${chain.checkpoints.length} checkpoint(s)` : '';
    lines.push(`${r.valid ? 'ok     ' : 'INVALID'} ${chain.instance.id}: ${r.events} event(s), sealed at ${r.sealedHead?.seq ?? '-'}${checkpoints}`);
    for (const p of r.problems) lines.push(`        ${p.kind}: ${p.message}`);
  }
  return { ok, lines };
}

function main(argv: string[]): number {
  const [file, ...rest] = argv;
  const keyAt = rest.indexOf('--public-key');
  if (!file || (keyAt >= 0 && !rest[keyAt + 1])) {
    console.error('usage: npm run verify-evidence -- <evidence.json> [--public-key <key.pem>]');
    return 2;
  }
  try {
    const pack = JSON.parse(fs.readFileSync(file, 'utf8')) as Pack;
    const { ok, lines } = verifyPack(pack, keyAt >= 0 ? fs.readFileSync(rest[keyAt + 1], 'utf8') : undefined);
    for (const line of lines) console.log(line);
    console.log(ok ? `evidence of ${pack.instance?.id ?? '?'} verifies` : `evidence of ${pack.instance?.id ?? '?'} does NOT verify`);
    return ok ? 0 : 1;
  } catch (err) {
    console.error(`verify-evidence: ${(err as Error).message}`);
    return 2;
  }
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
