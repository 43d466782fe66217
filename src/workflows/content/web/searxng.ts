/**
 * Web search through a SearXNG instance (`WEB_SEARCH_URL`; its JSON API must be enabled:
 * `search.formats: [html, json]` in its settings.yml): `GET /search?q=…&format=json` answers
 * `{ results: [{ url, title, content }] }`. Each result page is then fetched (fetch-page.ts) and
 * read as Firefox's Reader View would (the import's HTML reader), so the snippets quote the page
 * itself, not the search engine's summary of it. A page that cannot be read is left out, said so.
 */
import { z } from 'zod';
import { errorMessage } from '../../../errors.ts';
import { readHtmlSource, readTextSource } from '../import-docs.ts';
import { fetchPage, type FetchLimits } from './fetch-page.ts';
import type { WebResult, WebSearchPort } from './port.ts';

const answer = z.object({ results: z.array(z.object({ url: z.string().url(), title: z.string().default(''), content: z.string().optional() }).loose()).default([]) }).loose();

export function searxngSearch(options: { url: string; limits: FetchLimits; onSkip?: (url: string, why: string) => void }): WebSearchPort {
  const base = options.url.replace(/\/+$/, '');
  return {
    name: `searxng (${new URL(base).host})`,
    async search(query, { limit, signal }) {
      const res = await fetch(`${base}/search?${new URLSearchParams({ q: query, format: 'json' })}`, { signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(options.limits.timeoutMs)]) : AbortSignal.timeout(options.limits.timeoutMs), headers: { accept: 'application/json' } });
      if (!res.ok) throw new Error(`web search answered HTTP ${res.status}${res.status === 403 ? ' (is format=json enabled in its settings?)' : ''}`);
      const parsed = answer.safeParse(await res.json());
      if (!parsed.success) throw new Error(`web search answered in an unknown shape: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      const out: WebResult[] = [];
      const seen = new Set<string>();
      for (const r of parsed.data.results) {
        if (out.length >= limit) break;
        if (seen.has(r.url)) continue;
        seen.add(r.url);
        try {
          const page = await fetchPage(r.url, options.limits, signal);
          const read = page.contentType.startsWith('text/plain') ? readTextSource(page.text, r.title || page.url) : readHtmlSource(page.text, r.title || page.url);
          if (read.body.length < 200) throw new Error('no readable text on the page');
          out.push({ url: page.url, title: read.title || r.title || page.url, text: read.body });
        } catch (err) {
          options.onSkip?.(r.url, errorMessage(err));
        }
      }
      return out;
    },
  };
}
