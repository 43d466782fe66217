import type { RetryPolicy } from './types.ts';

/** Exponential backoff with "equal jitter": half the delay fixed, half random, so retries from many runs spread out but never come back at once. */
export function backoffMs(attempt: number, policy: RetryPolicy, random = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
