/** Durations as the policy and triggers files write them: "90s", "15m", "4h", "3d" (or a number of milliseconds). */
import { z } from 'zod';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };

export const duration = z.union([
  z.number().int().nonnegative(),
  z.string().regex(/^\d+(\.\d+)?\s*(ms|s|m|min|h|d)$/, 'a duration like 90s, 15m, 4h or 3d').transform((v) => {
    const [, n, unit] = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d)$/.exec(v)!;
    return Math.round(Number(n) * UNITS[unit!]!);
  }),
], { error: 'expected a duration like 90s, 15m, 4h or 3d (or a number of milliseconds)' });
