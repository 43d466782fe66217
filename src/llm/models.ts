/**
 * Default Claude models per tier, overridden by LLM_MODEL_FAST / LLM_MODEL_STRONG. Kept current:
 * the SDK warns about models near their end of life (claude-sonnet-4-5 retired 2026-11-30).
 */
export const DEFAULT_MODELS = { fast: 'claude-haiku-5-5', strong: 'claude-sonnet-5-5' } as const;
