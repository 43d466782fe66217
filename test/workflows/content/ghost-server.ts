/**
 * A small local server speaking the part of Ghost's Admin API the adapter uses, and checking
 * what Ghost checks: the `Ghost <jwt>` header (HS256 with the key's decoded secret, `kid` the
 * key id, `aud` /admin/, not expired, at most 5 minutes), `Accept-Version`, posts by slug,
 * `?source=html`, and `updated_at` on edits (a stale one is a 409 UPDATE_COLLISION).
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeGhost {
  url: string;
  key: string;
  posts: Map<string, Record<string, any>>;
  requests: Array<{ method: string; path: string; auth: 'ok' | string }>;
  close(): Promise<void>;
}

function verify(header: string | undefined, id: string, secret: string): 'ok' | string {
  const m = /^Ghost (.+)\.(.+)\.(.+)$/.exec(header ?? '');
  if (!m) return 'no Ghost token';
  const [, h, p, sig] = m;
  const expected = crypto.createHmac('sha256', Buffer.from(secret, 'hex')).update(`${h}.${p}`).digest('base64url');
  if (sig !== expected) return 'bad signature';
  const head = JSON.parse(Buffer.from(h!, 'base64url').toString());
  const body = JSON.parse(Buffer.from(p!, 'base64url').toString());
  if (head.alg !== 'HS256' || head.kid !== id) return 'bad header';
  const now = Math.floor(Date.now() / 1000);
  if (body.aud !== '/admin/') return 'bad audience';
  if (!(body.exp > now) || body.exp - body.iat > 300) return 'expired or too long';
  return 'ok';
}

export async function startFakeGhost(): Promise<FakeGhost> {
  const id = crypto.randomBytes(12).toString('hex');
  const secret = crypto.randomBytes(32).toString('hex');
  const posts = new Map<string, Record<string, any>>();
  const requests: FakeGhost['requests'] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      const auth = verify(req.headers.authorization, id, secret);
      requests.push({ method: req.method!, path: url.pathname + url.search, auth });
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (auth !== 'ok') return send(401, { errors: [{ type: 'UnauthorizedError', message: auth }] });
      if (!req.headers['accept-version']) return send(400, { errors: [{ message: 'Accept-Version missing' }] });
      const bySlug = /^\/ghost\/api\/admin\/posts\/slug\/([^/]+)\/$/.exec(url.pathname);
      if (req.method === 'GET' && bySlug) {
        const post = [...posts.values()].find((p) => p.slug === decodeURIComponent(bySlug[1]!));
        return post ? send(200, { posts: [post] }) : send(404, { errors: [{ type: 'NotFoundError' }] });
      }
      const body = raw ? JSON.parse(raw) : null;
      if (req.method === 'POST' && url.pathname === '/ghost/api/admin/posts/') {
        if (url.searchParams.get('source') !== 'html') return send(422, { errors: [{ message: 'html without source=html is ignored' }] });
        const input = body.posts[0];
        const post = { ...input, id: crypto.randomBytes(12).toString('hex'), url: `http://ghost.local/${input.slug}/`, updated_at: new Date().toISOString(), published_at: input.published_at ?? new Date().toISOString() };
        if (post.status === 'scheduled' && !(new Date(post.published_at).getTime() > Date.now())) return send(422, { errors: [{ message: 'scheduled posts need a future published_at' }] });
        posts.set(post.id, post);
        return send(201, { posts: [post] });
      }
      const byId = /^\/ghost\/api\/admin\/posts\/([0-9a-f]+)\/$/.exec(url.pathname);
      if (req.method === 'PUT' && byId && posts.has(byId[1]!)) {
        const current = posts.get(byId[1]!)!;
        const input = body.posts[0];
        if (input.updated_at !== current.updated_at) return send(409, { errors: [{ type: 'UpdateCollisionError', message: 'Saving failed! Someone else is editing this post.' }] });
        const post = { ...current, ...input, updated_at: new Date(Date.now() + 1).toISOString() };
        posts.set(post.id, post);
        return send(200, { posts: [post] });
      }
      return send(404, { errors: [{ type: 'NotFoundError' }] });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, key: `${id}:${secret}`, posts, requests, close: () => new Promise((r) => server.close(() => r())) };
}
