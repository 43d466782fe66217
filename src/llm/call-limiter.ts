/**
 * The client-side limits on model calls, one set per provider account in a process, shared by
 * every path that calls the model (triage and drafts, the vision and text readings of invoices):
 *
 *   - how many calls are in flight at once (LLM_MAX_CONCURRENCY). Anthropic and OpenAI limit
 *     requests and tokens per minute, not open connections, so by default this is wide enough
 *     never to hold the engine back (3 × ENGINE_CONCURRENCY: the router, support and invoice
 *     workflows each call the model); a local server that answers one request at a time wants 1-4;
 *   - requests per minute (LLM_REQUESTS_PER_MIN) and input tokens per minute
 *     (LLM_INPUT_TOKENS_PER_MIN, a call weighing its estimated size), which set the pace of a
 *     burst so it queues here instead of running into the API's 429s.
 *
 * A call waits for its tokens first, then for a request and a slot, so a queued call holds no
 * slot while the token budget refills.
 */
import Bottleneck from 'bottleneck';
import type { Config } from '../config.ts';

type Env = Config['env'];

export interface ModelCallLimiter {
  /** Runs `call` once the limits allow it; `estimatedTokens` is its input size, roughly. */
  schedule<T>(estimatedTokens: number, call: () => Promise<T>): Promise<T>;
  readonly maxConcurrent: number;
}

/** The configured concurrency, or the default that keeps up with the engine. */
export function llmMaxConcurrency(env: Pick<Env, 'LLM_MAX_CONCURRENCY' | 'ENGINE_CONCURRENCY'>): number {
  return env.LLM_MAX_CONCURRENCY ?? 3 * env.ENGINE_CONCURRENCY;
}

/** Input tokens of a request's text, roughly: about four characters a token. */
export const estimateTokens = (value: unknown): number => Math.ceil(JSON.stringify(value).length / 4);

/**
 * What a page image or a PDF page costs, whatever its base64 length: an image of at most 1.15
 * megapixels (forVision's size) is about width × height / 750 ≈ 1,600 tokens; a PDF page is read
 * as its text plus an image of it, 1,500-3,000 tokens.
 */
export const IMAGE_TOKENS = 1600;
export const PDF_PAGE_TOKENS = 3000;

export function createModelCallLimiter(env: Env, options: { windowMs?: number } = {}): ModelCallLimiter {
  const windowMs = options.windowMs ?? 60_000;
  const maxConcurrent = llmMaxConcurrency(env);
  const requests = new Bottleneck({ maxConcurrent, reservoir: env.LLM_REQUESTS_PER_MIN, reservoirRefreshAmount: env.LLM_REQUESTS_PER_MIN, reservoirRefreshInterval: windowMs });
  const tokens = new Bottleneck({ reservoir: env.LLM_INPUT_TOKENS_PER_MIN, reservoirRefreshAmount: env.LLM_INPUT_TOKENS_PER_MIN, reservoirRefreshInterval: windowMs });
  return {
    maxConcurrent,
    // A request larger than a whole minute's budget would wait forever: it takes the whole budget.
    schedule: (estimatedTokens, call) =>
      tokens.schedule({ weight: Math.max(1, Math.min(env.LLM_INPUT_TOKENS_PER_MIN, Math.ceil(estimatedTokens))) }, () => requests.schedule(call)),
  };
}

const shared = new WeakMap<Env, Map<string, ModelCallLimiter>>();

/**
 * The limiter of one provider for one configuration: the decision core and the invoice readers
 * built from the same `Config` share it, since the API's limits are per account, not per path.
 */
export function sharedModelCallLimiter(config: Pick<Config, 'env'>, provider: 'anthropic' | 'openai'): ModelCallLimiter {
  let byProvider = shared.get(config.env);
  if (!byProvider) shared.set(config.env, (byProvider = new Map()));
  let limiter = byProvider.get(provider);
  if (!limiter) byProvider.set(provider, (limiter = createModelCallLimiter(config.env)));
  return limiter;
}
