/**
 * Cost of a call from its usage, by model family, in USD per million tokens. Cache writes cost
 * 1.25× input and cache reads 0.1× input, as Anthropic bills them. Override with LLM_PRICES
 * (JSON: {"model-prefix": {"input": 1, "output": 5}}).
 */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

const DEFAULT_PRICES: Record<string, { input: number; output: number }> = {
  'claude-haiku': { input: 1, output: 5 },
  'claude-sonnet': { input: 3, output: 15 },
  'claude-opus': { input: 15, output: 75 },
};

export function priceTable(json?: string): Record<string, { input: number; output: number }> {
  if (!json) return DEFAULT_PRICES;
  return { ...DEFAULT_PRICES, ...(JSON.parse(json) as Record<string, { input: number; output: number }>) };
}

export function costUsd(model: string, usage: Usage, prices = DEFAULT_PRICES): number {
  const key = Object.keys(prices).filter((k) => model.startsWith(k)).sort((a, b) => b.length - a.length)[0];
  if (!key) return 0;
  const p = prices[key]!;
  const usd = (usage.inputTokens * p.input + usage.cacheWriteTokens * p.input * 1.25 + usage.cacheReadTokens * p.input * 0.1 + usage.outputTokens * p.output) / 1e6;
  return Math.round(usd * 1e6) / 1e6;
}
