/**
 * WordPress over its REST API (`<WORDPRESS_URL>/wp-json/wp/v2/posts`) with an application
 * password (HTTP Basic). A scheduled post is `status: future` with `date_gmt`; WordPress
 * publishes a `future` post due within a minute at once, so the status is read back from its
 * answer rather than assumed. The post carries a marker with the approved content's hash:
 * found again by slug, the same hash is the same post (nothing is made twice), another hash of
 * ours is an edit (updated in place), a post without the marker is someone else's (refused).
 */
import { NonRetriableError, RetryAfterError } from '../../../errors.ts';
import { marker, markerHash, renderHtml } from './render.ts';
import type { CmsAdapter, CmsPost, CmsResult } from './types.ts';

interface WpPost {
  id: number;
  status: string;
  link: string;
  content?: { raw?: string; rendered?: string };
}

export function wordpressCms(options: { url: string; user: string; appPassword: string; timeoutMs?: number }): CmsAdapter {
  const base = `${options.url.replace(/\/$/, '')}/wp-json/wp/v2`;
  const auth = `Basic ${Buffer.from(`${options.user}:${options.appPassword}`).toString('base64')}`;
  const call = async <T>(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<T> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: auth, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: signal ?? AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
    const text = await res.text();
    if (res.status === 429 || res.status >= 500) throw new RetryAfterError(`WordPress ${method} ${path}: ${res.status}`, Number(res.headers.get('retry-after') ?? 30) * 1000);
    if (!res.ok) throw new NonRetriableError(`WordPress ${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  };
  const answer = (p: WpPost, created: boolean): CmsResult => ({
    cms: 'wordpress',
    remote_id: String(p.id),
    url: p.link ?? null,
    status: p.status === 'future' ? 'scheduled' : 'published',
    remote_status: p.status,
    created,
  });
  return {
    name: 'wordpress',
    async publish(post: CmsPost, { signal } = {}) {
      const found = await call<WpPost[]>('GET', `/posts?slug=${encodeURIComponent(post.slug)}&status=publish,future,draft,pending,private&context=edit`, null, signal);
      const existing = found[0];
      const future = post.publish_at !== null && new Date(post.publish_at).getTime() > Date.now();
      const body = {
        title: post.title,
        slug: post.slug,
        excerpt: post.meta_description,
        content: `${renderHtml(post.body_markdown)}\n${marker(post.content_hash)}`,
        status: future ? 'future' : 'publish',
        ...(future ? { date_gmt: new Date(post.publish_at!).toISOString().slice(0, 19) } : {}),
      };
      if (existing) {
        const hash = markerHash(existing.content?.raw);
        if (hash === post.content_hash) return answer(existing, false);
        if (!hash) throw new NonRetriableError(`WordPress already has a post with the slug "${post.slug}" (id ${existing.id}) that Mailroom did not make; choose another slug when approving`);
        return answer(await call<WpPost>('POST', `/posts/${existing.id}`, body, signal), false);
      }
      const made = await call<WpPost>('POST', '/posts', body, signal);
      // Read back: WordPress may have published a "future" post due within the minute.
      const current = await call<WpPost>('GET', `/posts/${made.id}?context=edit`, null, signal).catch(() => made);
      return answer(current, true);
    },
  };
}
