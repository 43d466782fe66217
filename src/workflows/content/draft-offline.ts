/**
 * The offline draft: with no model configured, the piece is assembled from the stored snippets
 * themselves, quoted as written, one section per source, each sentence cited. It is marked as
 * extractive wherever it is shown; the same checks run on it as on a model's draft.
 */
import type { Brief } from './brief.ts';
import type { Piece } from './checks/index.ts';
import type { ContentPolicy } from './policy.ts';
import type { StoredSnippet } from './sources.ts';
import { capitalise, cutAt, slugify } from './text.ts';
import { buildVariants } from './variants.ts';

export function titleFor(keyphrase: string, seo: ContentPolicy['seo']): string {
  const base = capitalise(keyphrase);
  const candidates = [`${base}: what our documents say`, `${base}: what our sources say`, `${base}: the facts, quoted`, `${base} explained`, base];
  return candidates.find((c) => c.length >= seo.title_min && c.length <= seo.title_max) ?? cutAt(base, seo.title_max);
}

/** A meta description within the policy's range, led by the keyphrase, from the first quotes. */
export function metaDescriptionFor(keyphrase: string, snippets: readonly StoredSnippet[], seo: ContentPolicy['seo']): string {
  let text = `${capitalise(keyphrase)}:`;
  for (const s of snippets) {
    if (text.length >= seo.meta_min) break;
    text = `${text} ${s.quote.replace(/\s+/g, ' ').trim()}`;
  }
  if (text.length < seo.meta_min) text = `${text} Quoted from our own documents, each line cited.`;
  return cutAt(text, seo.meta_max);
}

export function extractiveDraft(brief: Brief, keyphrase: string, snippets: readonly StoredSnippet[], policy: ContentPolicy): Piece {
  const title = titleFor(keyphrase, policy.seo);
  const slug = slugify(keyphrase);
  const bySource = new Map<string, StoredSnippet[]>();
  for (const s of snippets) bySource.set(`${s.source_kind}:${s.source_id}`, [...(bySource.get(`${s.source_kind}:${s.source_id}`) ?? []), s]);
  const cite = (s: StoredSnippet) => `${s.quote.replace(/\s+/g, ' ').trim()}[^${s.id}]`;
  const [first, ...rest] = snippets;
  const lines = [`# ${title}`, '', `**${capitalise(keyphrase)}.** ${first ? cite(first) : ''}`.trim(), ''];
  const outline = ['Introduction'];
  for (const group of bySource.values()) {
    const quotes = group.filter((s) => s !== first);
    if (!quotes.length) continue;
    outline.push(group[0]!.title);
    lines.push(`## ${group[0]!.title}`, '', quotes.filter((s) => rest.includes(s)).map(cite).join(' '), '');
  }
  outline.push('Sources');
  lines.push('## Sources', '', ...snippets.map((s) => `[^${s.id}]: ${s.title}: "${s.quote.replace(/\s+/g, ' ').trim()}"`), '');
  const piece: Piece = { title, slug, meta_description: metaDescriptionFor(keyphrase, snippets, policy.seo), outline, body_markdown: lines.join('\n'), variants: {} };
  return { ...piece, variants: buildVariants(brief, piece, snippets, policy) };
}
