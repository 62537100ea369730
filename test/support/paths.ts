import fs from 'node:fs';
import path from 'node:path';

/**
 * The shared folder beside the repository (conformance scenarios, MIWG models). PROCESSDESK_SHARED_DIR
 * points elsewhere. Suites that need it use `describeShared`, which says loudly when it is missing.
 */
export const SHARED_DIR = process.env.PROCESSDESK_SHARED_DIR ?? path.resolve(__dirname, '../../../shared');
export const CONFORMANCE_DIR = path.join(SHARED_DIR, 'conformance');
export const MIWG_DIR = path.join(SHARED_DIR, 'miwg');
export const REPO_DIR = path.resolve(__dirname, '../..');

export const sharedAvailable = (dir: string): boolean => fs.existsSync(dir);

/** `describe` when `dir` exists; otherwise a skipped describe whose name gives the reason. */
export function describeShared(dir: string, name: string, body: () => void): void {
  if (sharedAvailable(dir)) {
    describe(name, body);
  } else {
    console.log(`${name}: skipped, ${dir} not found (set PROCESSDESK_SHARED_DIR)`);
    describe.skip(`${name} (skipped: ${dir} not found)`, body);
  }
}
