/**
 * Ghost over its Admin API (`<GHOST_URL>/ghost/api/admin/`). Each request carries a short-lived
 * JWT made from the Admin API key `<id>:<hex secret>`: HS256 signed with the decoded secret,
 * `kid` = id, `aud` = `/admin/`, five minutes' validity. A scheduled post is `status: scheduled`
 * with `published_at`; an edit of a post sends its current `updated_at` (Ghost refuses an edit
 * based on a stale copy). Found again by slug, the marker in `codeinjection_head` says whether
 * the post is this content (returned), an earlier version of ours (edited) or not ours (refused).
 */
import crypto from 'node:crypto';
import { NonRetriableError, RetryAfterError } from '../../../errors.ts';
import { marker, markerHash, renderHtml } from './render.ts';
import type { CmsAdapter, CmsPost, CmsResult } from './types.ts';

interface GhostPost {
  id: string;
  slug: string;
  status: string;
  url?: string;
  updated_at: string;
  codeinjection_head?: string | null;
}

const b64url = (v: Buffer | string) => Buffer.from(v).toString('base64url');

/** The Admin API token for one request (see Ghost's "Token Authentication"). */
export function ghostToken(adminKey: string, now = Date.now()): string {
  const [id, secret] = adminKey.split(':');
  if (!id || !secret || !/^[0-9a-f]+$/i.test(secret)) throw new NonRetriableError('GHOST_ADMIN_KEY must be the Admin API key as Ghost shows it: <id>:<hex secret>');
  const iat = Math.floor(now / 1000);
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: id }));
  const body = b64url(JSON.stringify({ iat, exp: iat + 300, aud: '/admin/' }));
  const sig = crypto.createHmac('sha256', Buffer.from(secret, 'hex')).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

export function ghostCms(options: { url: string; adminKey: string; timeoutMs?: number }): CmsAdapter {
  const base = `${options.url.replace(/\/$/, '')}/ghost/api/admin`;
  const call = async <T>(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<{ status: number; json: T | null }> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Ghost ${ghostToken(options.adminKey)}`, 'accept-version': 'v5.0', accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: signal ?? AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
    const text = await res.text();
    if (res.status === 404 && method === 'GET') return { status: 404, json: null };
    if (res.status === 429 || res.status >= 500) throw new RetryAfterError(`Ghost ${method} ${path}: ${res.status}`, Number(res.headers.get('retry-after') ?? 30) * 1000);
    if (!res.ok) throw new NonRetriableError(`Ghost ${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
    return { status: res.status, json: JSON.parse(text) as T };
  };
  const answer = (p: GhostPost, created: boolean): CmsResult => ({
    cms: 'ghost',
    remote_id: p.id,
    url: p.url ?? null,
    status: p.status === 'scheduled' ? 'scheduled' : 'published',
    remote_status: p.status,
    created,
  });
  return {
    name: 'ghost',
    async publish(post: CmsPost, { signal } = {}) {
      const found = await call<{ posts: GhostPost[] }>('GET', `/posts/slug/${encodeURIComponent(post.slug)}/`, null, signal);
      const existing = found.json?.posts[0];
      const future = post.publish_at !== null && new Date(post.publish_at).getTime() > Date.now();
      const fields = {
        title: post.title,
        slug: post.slug,
        html: renderHtml(post.body_markdown),
        meta_description: post.meta_description,
        custom_excerpt: post.meta_description.slice(0, 300),
        codeinjection_head: marker(post.content_hash),
        status: future ? 'scheduled' : 'published',
        ...(future ? { published_at: new Date(post.publish_at!).toISOString() } : {}),
      };
      if (existing) {
        const hash = markerHash(existing.codeinjection_head);
        if (hash === post.content_hash) return answer(existing, false);
        if (!hash) throw new NonRetriableError(`Ghost already has a post with the slug "${post.slug}" that Mailroom did not make; choose another slug when approving`);
        const edited = await call<{ posts: GhostPost[] }>('PUT', `/posts/${existing.id}/?source=html`, { posts: [{ ...fields, updated_at: existing.updated_at }] }, signal);
        return answer(edited.json!.posts[0]!, false);
      }
      const made = await call<{ posts: GhostPost[] }>('POST', '/posts/?source=html', { posts: [fields] }, signal);
      return answer(made.json!.posts[0]!, true);
    },
  };
}
