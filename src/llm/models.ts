/**
 * Default Claude models per tier, overridden by LLM_MODEL_FAST / LLM_MODEL_STRONG. Kept current:
 * the SDK warns about models near their end of life (claude-sonnet-4-5 retired 2026-11-30).
 */
export const DEFAULT_MODELS = { fast: 'claude-haiku-5-5', strong: 'claude-sonnet-5-5' } as const;

/**
 * The minimum cacheable prefix per model, as Anthropic documents it: 4,096 tokens for Haiku 4.5
 * (assumed for later Haiku models too) and Opus 4.5/4.6, 2,048 for Opus 4.7 and Haiku 3.x, 512 for
 * the Opus 5 generation, 1,024 for Sonnet and the others. Below it a prefix is never cached.
 */
export function minCacheableTokens(model: string): number {
  if (/haiku-3/.test(model) || /opus-4-7/.test(model)) return 2048;
  if (/haiku/.test(model) || /opus-4-[56]/.test(model)) return 4096;
  if (/(opus|fable|mythos)-5/.test(model)) return 512;
  return 1024;
}
