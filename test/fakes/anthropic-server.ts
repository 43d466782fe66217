/**
 * A local server speaking the Anthropic Messages API (POST /v1/messages) for the real SDK to
 * talk to through `baseURL`. Each test scripts the answers; every request is recorded so tests
 * can assert on what the SDK really sent. Prompt caching is modelled as documented: a prefix up
 * to a `cache_control` breakpoint, at least the model's minimum cacheable length, identical to one seen in the
 * last 5 minutes, is read from cache; otherwise it is written.
 */
import http from 'node:http';

/**
 * The minimum cacheable prefix per model, as Anthropic documents it: 4,096 tokens for Haiku 4.5
 * (taken for the 5.x Haiku too) and Opus 4.5/4.6, 2,048 for Opus 4.7 and Haiku 3.x, 512 for the
 * Opus 5 generation, 1,024 for Sonnet and the rest. Kept here, apart from Mailroom's own table,
 * so the fake does not share Mailroom's beliefs.
 */
export function minCacheableTokens(model: string): number {
  if (/haiku-3/.test(model) || /opus-4-7/.test(model)) return 2048;
  if (/haiku/.test(model) || /opus-4-[56]/.test(model)) return 4096;
  if (/(opus|fable|mythos)-5/.test(model)) return 512;
  return 1024;
}

export interface RecordedRequest {
  headers: http.IncomingHttpHeaders;
  body: any;
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

/** Rough tokenisation (4 characters a token), used for usage and cache accounting alike. */
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

export async function startFakeAnthropic(script: (body: any, n: number) => Reply): Promise<FakeAnthropic> {
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
        res.end(JSON.stringify({ input_tokens: tokens(JSON.stringify({ system: body.system, tools: body.tools, messages: body.messages })) }));
        return;
      }
      requests.push({ headers: req.headers, body });
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
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((r) => server.close(() => r())) };
}
