/**
 * A local stand-in for the Slack Web API (the real WebClient talks to it through
 * `slackApiUrl`): records every call with its form or JSON body, answers in Slack's shape
 * (`{ ok: true, ... }` / `{ ok: false, error }`), and can be told to fail the next call to a
 * method, including with 429 and a Retry-After header.
 */
import http from 'node:http';

export interface SlackCall {
  method: string;
  body: Record<string, any>;
}

export interface FakeSlackApi {
  url: string;
  /** Files served at `${base}/files/<name>` to requests bearing the bot token. */
  files: Map<string, Buffer>;
  base: string;
  calls: SlackCall[];
  failNext(method: string, answer: { status?: number; error?: string; retryAfter?: number }): void;
  /** The workspace directory for `users.lookupByEmail`: address → user id. */
  users: Map<string, string>;
  close(): Promise<void>;
}

export async function startFakeSlackApi(): Promise<FakeSlackApi> {
  const users = new Map<string, string>();
  const calls: SlackCall[] = [];
  const failures = new Map<string, Array<{ status?: number; error?: string; retryAfter?: number }>>();
  let ts = 1000;
  const files = new Map<string, Buffer>();
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url?.startsWith('/files/')) {
      const file = files.get(req.url.slice('/files/'.length));
      const authorised = req.headers.authorization === 'Bearer xoxb-test';
      res.writeHead(!authorised ? 403 : file ? 200 : 404);
      res.end(authorised ? file : undefined);
      return;
    }
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const method = (req.url ?? '').replace(/^\/(api\/)?/, '').split('?')[0]!;
      const type = req.headers['content-type'] ?? '';
      const body: Record<string, any> = type.includes('json') ? JSON.parse(raw || '{}') : Object.fromEntries(new URLSearchParams(raw));
      for (const k of ['blocks', 'view', 'attachments']) if (typeof body[k] === 'string') body[k] = JSON.parse(body[k]);
      calls.push({ method, body });
      const fail = failures.get(method)?.shift();
      if (fail) {
        res.writeHead(fail.status ?? 200, { 'content-type': 'application/json', ...(fail.retryAfter !== undefined ? { 'retry-after': String(fail.retryAfter) } : {}) });
        res.end(JSON.stringify({ ok: false, error: fail.error ?? 'ratelimited' }));
        return;
      }
      if (method === 'users.lookupByEmail' && !users.has(String(body.email).toLowerCase())) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: false, error: 'users_not_found' }));
        return;
      }
      const answers: Record<string, unknown> = {
        'users.lookupByEmail': { user: { id: users.get(String(body.email).toLowerCase()) } },
        'auth.test': { user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1' },
        'chat.postMessage': { channel: body.channel, ts: `${++ts}.000100`, message: { text: body.text } },
        'chat.update': { channel: body.channel, ts: body.ts },
        'chat.postEphemeral': { message_ts: `${++ts}.000200` },
        'views.open': { view: { id: 'V1' } },
        // Slack answers with the IM channel it opened (or had) with that member.
        'conversations.open': { channel: { id: `D${String(body.users ?? '').replace(/^U/, '')}` } },
        'usergroups.users.list': { users: body.usergroup === 'S_FINANCE' ? ['U_GRP'] : [] },
      };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, ...(answers[method] as object) }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/api/`,
    base: `http://127.0.0.1:${port}`,
    files,
    calls,
    users,
    failNext(method, answer) {
      failures.set(method, [...(failures.get(method) ?? []), answer]);
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
