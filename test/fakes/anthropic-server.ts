/**
 * A local server speaking the Anthropic Messages API (POST /v1/messages) for the real SDK to
 * talk to through `baseURL`. Each test scripts the answers; every request is recorded so tests
 * can assert on what the SDK really sent. Prompt caching is modelled as documented: a prefix up
 * to a `cache_control` breakpoint, at least the model's minimum cacheable length, identical to one seen in the
 * last 5 minutes, is read from cache; otherwise it is written.
 */
import http from 'node:http';

/**
 * The minimum cacheable prompt length per model, copied from Anthropic's documentation, not from
 * Mailroom's code (src/llm/models.ts keeps its own table; the fake must not share its beliefs):
 * https://platform.claude.com/docs/en/build-with-claude/prompt-caching#cache-limitations
 * (as read in October 2026: 512 tokens for Fable 5.1, Mythos 5.1, Opus 5.5, Opus 5, Sonnet 5.5,
 * Fable 5, Mythos 5 and Haiku 5.5; 1,024 for Opus 4.8, Sonnet 5, Sonnet 4.6, Sonnet 4.5, Opus 4.1,
 * Opus 4 and Sonnet 4; 2,048 for Mythos Preview, Opus 4.7 and Haiku 3.5; 4,096 for Opus 4.6,
 * Opus 4.5 and Haiku 4.5). A model the page does not name gets the strictest floor, so the fake
 * never grants a cache the real API might refuse.
 */
const DOCUMENTED_MINIMUM: Record<string, number> = {
  'claude-fable-5-1': 512, 'claude-mythos-5-1': 512, 'claude-opus-5-5': 512, 'claude-opus-5': 512, 'claude-sonnet-5-5': 512,
  'claude-fable-5': 512, 'claude-mythos-5': 512, 'claude-haiku-5-5': 512,
  'claude-opus-4-8': 1024, 'claude-sonnet-5': 1024, 'claude-sonnet-4-6': 1024, 'claude-sonnet-4-5': 1024, 'claude-opus-4-1': 1024,
  'claude-opus-4': 1024, 'claude-sonnet-4': 1024,
  'claude-mythos-preview': 2048, 'claude-opus-4-7': 2048, 'claude-haiku-3-5': 2048,
  'claude-opus-4-6': 4096, 'claude-opus-4-5': 4096, 'claude-haiku-4-5': 4096,
};
const STRICTEST_FLOOR = 4096;

export function minCacheableTokens(model: string): number {
  // Snapshot ids carry a date suffix (claude-haiku-4-5-20251001).
  return DOCUMENTED_MINIMUM[model.replace(/-\d{8}$/, '')] ?? STRICTEST_FLOOR;
}

export interface RecordedRequest {
  headers: http.IncomingHttpHeaders;
  body: any;
  /** When the request arrived (ms since the epoch), so tests can read retry spacing off the record. */
  at?: number;
  /** The fault injected instead of the scripted answer, if any. */
  fault?: FaultKind;
}

/** 429 rate limit (with retry-after), 529 overloaded, 500 internal error, or no answer at all. */
export type FaultKind = '429' | '529' | '500' | 'hang';

export interface FaultOptions {
  /** Share of Messages calls that fail, spread evenly over the calls (0.2: every fifth call). */
  rate: number;
  /** Taken in turn, one per faulty call (default all four). */
  kinds?: FaultKind[];
  /** Sent as `retry-after` (seconds) with each 429 (default 1). */
  retryAfterSeconds?: number;
}

export type Reply =
  | { status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number }
  | { toolUse: { name: string; input: unknown }; text?: string; delayMs?: number }
  | { text: string; delayMs?: number };

export interface FakeAnthropic {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/**
 * Rough tokenisation (4 characters a token), used for usage and cache accounting alike. No
 * faithful tokenizer for current Claude models is published: @anthropic-ai/tokenizer says of
 * itself that it is inaccurate since Claude 3, and models from Claude 4.7 on (Haiku 5.5, Sonnet
 * 5.5 among them) use a newer tokenizer that counts about 30% more tokens for the same text. The
 * README states how far the cached prefixes are above their floors under this approximation.
 */
export const tokens = (s: string) => Math.ceil(s.length / 4);

function prefixUpToBreakpoint(body: any): string | undefined {
  const parts: string[] = [];
  let breakpoint = false;
  for (const t of body.tools ?? []) {
    parts.push(JSON.stringify(t));
    if (t.cache_control) breakpoint = true;
  }
  for (const s of Array.isArray(body.system) ? body.system : body.system ? [{ text: body.system }] : []) {
    parts.push(s.text);
    if (s.cache_control) breakpoint = true;
  }
  return breakpoint ? parts.join('\n') : undefined;
}

/** The fault for the n-th Messages call (1-based), evenly spaced at `rate`; undefined for a normal answer. */
function faultFor(n: number, faults: FaultOptions | undefined): FaultKind | undefined {
  if (!faults || Math.floor(n * faults.rate) === Math.floor((n - 1) * faults.rate)) return undefined;
  const kinds = faults.kinds ?? ['429', '529', '500', 'hang'];
  return kinds[(Math.floor(n * faults.rate) - 1) % kinds.length];
}

/**
 * `options.faults` makes a share of the calls fail as the real API can: the fault replaces the
 * script's answer for that call (a hang never answers; the client's timeout must end it).
 */
export async function startFakeAnthropic(
  script: (body: any, n: number) => Reply,
  // `countTokens` answers count_tokens instead of the approximation (a test of what the product
  // does with the API's count, independent of how long today's prompts happen to be).
  options: { faults?: FaultOptions; countTokens?: (body: any) => number | undefined } = {},
): Promise<FakeAnthropic> {
  const requests: RecordedRequest[] = [];
  const cache = new Map<string, number>();
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', async () => {
      const body = JSON.parse(raw || '{}');
      if (req.url?.endsWith('/count_tokens')) {
        // Token counting (free, not a model call): the same ~4 characters a token.
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ input_tokens: options.countTokens?.(body) ?? tokens(JSON.stringify({ system: body.system, tools: body.tools, messages: body.messages })) }));
        return;
      }
      const fault = faultFor(requests.length + 1, options.faults);
      requests.push({ headers: req.headers, body, at: Date.now(), ...(fault ? { fault } : {}) });
      if (fault === 'hang') return;
      if (fault) {
        const type = fault === '429' ? 'rate_limit_error' : fault === '529' ? 'overloaded_error' : 'api_error';
        res.writeHead(Number(fault), { 'content-type': 'application/json', ...(fault === '429' ? { 'retry-after': String(options.faults!.retryAfterSeconds ?? 1) } : {}) });
        res.end(JSON.stringify({ type: 'error', error: { type, message: `injected fault ${fault}` } }));
        return;
      }
      const reply = script(body, requests.length);
      if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
      if ('status' in reply) {
        res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
        res.end(JSON.stringify(reply.body ?? { type: 'error', error: { type: reply.status === 429 ? 'rate_limit_error' : 'overloaded_error', message: 'scripted error' } }));
        return;
      }
      const prefix = prefixUpToBreakpoint(body);
      const all = JSON.stringify(body);
      let cacheRead = 0, cacheWrite = 0;
      if (prefix && tokens(prefix) >= minCacheableTokens(String(body.model))) {
        const seen = cache.get(prefix);
        if (seen && Date.now() - seen < 5 * 60_000) cacheRead = tokens(prefix);
        else cacheWrite = tokens(prefix);
        cache.set(prefix, Date.now());
      }
      const content = 'toolUse' in reply
        ? [...(reply.text ? [{ type: 'text', text: reply.text }] : []), { type: 'tool_use', id: `toolu_${requests.length}`, name: reply.toolUse.name, input: reply.toolUse.input }]
        : [{ type: 'text', text: reply.text }];
      res.writeHead(200, { 'content-type': 'application/json', 'request-id': `req_${requests.length}` });
      res.end(JSON.stringify({
        id: `msg_${requests.length}`, type: 'message', role: 'assistant', model: body.model, content,
        stop_reason: 'toolUse' in reply ? 'tool_use' : 'end_turn', stop_sequence: null,
        usage: { input_tokens: tokens(all) - cacheRead - cacheWrite, output_tokens: tokens(JSON.stringify(content)), cache_read_input_tokens: cacheRead, cache_creation_input_tokens: cacheWrite },
      }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((r) => {
    server.close(() => r());
    // Hung calls keep their connections open; close them too.
    server.closeAllConnections();
  }) };
}
