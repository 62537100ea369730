/**
 * `npm run hash-password`: reads a password from stdin (one line) and prints its hash for the
 * `passwordHash` of an AUTH_CONFIG user (HTTP Basic sign-in of the /v2 API's clients).
 */
import { hashPassword } from './passwords';

async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const password = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (!password) throw new Error('no password on stdin');
  console.log(await hashPassword(password));
}

main().catch((err: Error) => {
  console.error(`[processdesk] ${err.message}`);
  process.exit(1);
});
