/**
 * Prompt caching fails silently: a stable prefix below the model's minimum cacheable length, or
 * one that changes between calls, is simply never read from cache and costs full price. This
 * watch counts cache reads per task and warns once when a task keeps writing (or skipping) the
 * cache without ever reading it, so the problem surfaces in the logs instead of on the invoice.
 */
import type { Logger } from '../logger.ts';

export interface CacheUsage {
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

/** How many calls of a task may pass without a cache read before it is reported. */
export const CACHE_WARN_AFTER_CALLS = 5;

export function createCacheWatch(log: Logger, afterCalls = CACHE_WARN_AFTER_CALLS): (task: string, usage: CacheUsage) => void {
  const tasks = new Map<string, { calls: number; reads: number; writes: number; warned: boolean }>();
  return (task, usage) => {
    const t = tasks.get(task) ?? { calls: 0, reads: 0, writes: 0, warned: false };
    tasks.set(task, t);
    t.calls++;
    t.reads += usage.cacheReadTokens;
    t.writes += usage.cacheWriteTokens;
    if (t.calls >= afterCalls && t.reads === 0 && !t.warned) {
      t.warned = true;
      log.warn(
        { component: 'llm', task, calls: t.calls, cache_write_tokens: t.writes },
        t.writes
          ? `prompt cache written but never read after ${t.calls} calls: the cached prefix changes between calls`
          : `prompt cache never used after ${t.calls} calls: the stable prefix is below the model's minimum cacheable length`,
      );
    }
  };
}
