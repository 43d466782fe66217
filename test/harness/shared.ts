import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const root = process.env.MAILROOM_SHARED_DATA ?? path.resolve(repoRoot, '..', 'shared', 'data');

/** Test material in ../shared/data beside the repository (read-only), or MAILROOM_SHARED_DATA. */
export function sharedData(...parts: string[]): string {
  return path.resolve(root, ...parts);
}

/**
 * Tests on the shared corpora skip (saying why) in a clone that has no ../shared/data beside it;
 * CI always has it.
 */
export const needsShared = fs.existsSync(path.join(root, 'samples')) ? false : `needs the test material in ${root} (set MAILROOM_SHARED_DATA)`;
