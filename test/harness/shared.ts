import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Test material in ../shared/data beside the repository (read-only). */
export function sharedData(...parts: string[]): string {
  return path.resolve(repoRoot, '..', 'shared', 'data', ...parts);
}
