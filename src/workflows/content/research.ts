/**
 * Research with provenance: which sources are relevant to the topic, and which of their
 * sentences the piece may cite. Selection is pure code over what full-text search returned;
 * each snippet is an exact span of its source's text (the quote is `body.slice(start, end)`),
 * so its quote is verbatim by construction and stays checkable later by its hashes.
 */
import type { ContentPolicy } from './policy.ts';
import { sha256, type SourceHit, type StoredSnippet } from './sources.ts';
import { words } from './text.ts';

export interface Span {
  start: number;
  end: number;
  text: string;
}

/** Sentence spans of a source's text (headings, list bullets and very short fragments left out). */
export function sentenceSpans(body: string): Span[] {
  const spans: Span[] = [];
  const re = /[^\n.!?]+(?:[.!?]+["')\]]?|(?=\n)|$)/g;
  for (let m = re.exec(body); m; m = re.exec(body)) {
    if (!m[0].length) {
      re.lastIndex++;
      continue;
    }
    const lead = m[0].length - m[0].trimStart().length;
    let start = m.index + lead;
    let text = m[0].trim();
    const lineStart = body.lastIndexOf('\n', start - 1) + 1;
    if (/^#/.test(body.slice(lineStart, start + 1)) && lineStart === start) continue;
    const bullet = /^([-*+>]|\d+[.)])\s+/.exec(text);
    if (bullet && lineStart === start) {
      start += bullet[0].length;
      text = text.slice(bullet[0].length);
    }
    const n = words(text).length;
    if (n < 6 || n > 60) continue;
    spans.push({ start, end: start + text.length, text });
  }
  return spans;
}

/** How many of the stems a sentence contains (a stem matches the words it begins). */
export function termHits(text: string, stems: readonly string[]): number {
  const list = words(text).map((w) => w.toLowerCase());
  return stems.filter((s) => list.some((w) => w.startsWith(s))).length;
}

export interface ResearchOutcome {
  relevant: Array<Pick<SourceHit, 'kind' | 'id' | 'title' | 'matched' | 'terms'>>;
  snippets: StoredSnippet[];
  /** Terms no relevant source contains: what the requester is told is missing. */
  missing: string[];
}

/**
 * Keeps sources containing enough of the topic's terms, then their best sentences (most terms,
 * earliest first), a few per source so one document does not crowd out the others.
 */
export function selectSnippets(hits: readonly SourceHit[], stems: readonly string[], policy: ContentPolicy['research']): ResearchOutcome {
  const need = Math.max(1, Math.ceil(stems.length * policy.min_term_share));
  const relevant = hits.filter((h) => h.matched >= need);
  const perSource = Math.max(2, Math.ceil(policy.max_snippets / Math.max(1, relevant.length)));
  const picked: Array<{ hit: SourceHit; span: Span; score: number }> = [];
  for (const hit of relevant) {
    const scored = sentenceSpans(hit.body).map((span) => ({ hit, span, score: termHits(span.text, stems) })).filter((s) => s.score > 0);
    scored.sort((a, b) => b.score - a.score || a.span.start - b.span.start);
    picked.push(...scored.slice(0, perSource).sort((a, b) => a.span.start - b.span.start));
  }
  const kept = picked.slice(0, policy.max_snippets);
  const snippets = kept.map(({ hit, span }, i): StoredSnippet => ({
    id: `S${i + 1}`,
    source_kind: hit.kind,
    source_id: hit.id,
    title: hit.title,
    start_char: span.start,
    end_char: span.end,
    quote: hit.body.slice(span.start, span.end),
    quote_hash: sha256(hit.body.slice(span.start, span.end)),
    source_hash: hit.hash,
  }));
  const covered = new Set(relevant.flatMap((h) => stems.filter((s) => words(`${h.title} ${h.body}`).some((w) => w.toLowerCase().startsWith(s)))));
  return {
    relevant: relevant.map(({ kind, id, title, matched, terms }) => ({ kind, id, title, matched, terms })),
    snippets,
    missing: stems.filter((s) => !covered.has(s)),
  };
}
