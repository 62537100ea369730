import path from 'node:path';

/** The shared folder beside the repository (conformance scenarios, MIWG models). */
export const SHARED_DIR = path.resolve(__dirname, '../../../shared');
export const CONFORMANCE_DIR = path.join(SHARED_DIR, 'conformance');
export const MIWG_DIR = path.join(SHARED_DIR, 'miwg');
export const REPO_DIR = path.resolve(__dirname, '../..');
