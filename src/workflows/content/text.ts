/**
 * Plain-text views of a Markdown piece that the checks share: prose paragraphs without markup,
 * sentences, words, numbers, slugs. Deliberately simple and deterministic.
 */

/** A footnote-style citation in the body: `[^S3]`. */
export const CITATION = /\[\^([A-Za-z0-9_-]+)\]/g;

export interface Block {
  kind: 'heading' | 'paragraph' | 'list';
  level?: number;
  /** The text without Markdown markup (citation markers kept). */
  text: string;
}

/** Removes inline Markdown (links keep their text, emphasis and code marks go). */
export function stripInline(s: string): string {
  return s
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]^][^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/(\*\*|__)(.+?)\1/g, '$2')
    .replace(/(\*|_)(.+?)\1/g, '$2')
    .replace(/`([^`]*)`/g, '$1')
    .trim();
}

/** The body's blocks, front matter and footnote definitions left out. */
export function blocks(markdown: string): Block[] {
  const body = markdown.replace(/^---\n[\s\S]*?\n---\n?/, '');
  const out: Block[] = [];
  let para: string[] = [];
  let list: string[] = [];
  const flush = () => {
    if (para.length) out.push({ kind: 'paragraph', text: stripInline(para.join(' ')) });
    if (list.length) out.push({ kind: 'list', text: list.map(stripInline).join('\n') });
    para = [];
    list = [];
  };
  for (const raw of body.split('\n')) {
    const line = raw.trim();
    if (!line || /^\[\^[^\]]+\]:/.test(line) || /^(```|<!--)/.test(line)) {
      flush();
      continue;
    }
    const h = /^(#{1,6})\s+(.*)$/.exec(line);
    if (h) {
      flush();
      out.push({ kind: 'heading', level: h[1]!.length, text: stripInline(h[2]!) });
      continue;
    }
    const li = /^([-*+]|\d+[.)])\s+(.*)$/.exec(line);
    if (li) {
      if (para.length) flush();
      list.push(li[2]!);
      continue;
    }
    if (list.length) flush();
    para.push(line.replace(/^>\s?/, ''));
  }
  flush();
  return out;
}

/** Sentences of a prose text (abbreviations like "e.g." are not split). */
export function sentences(text: string): string[] {
  return text
    .replace(/\b(e\.g|i\.e|etc|vs|Mr|Ms|Dr|Inc|Ltd)\./g, '$1\u2024')
    .split(/(?<=[.!?]["')]?(?:\[\^[^\]]+\])*)\s+(?=["'(]?[A-Z0-9])|\n+/)
    .map((s) => s.replace(/\u2024/g, '.').trim())
    .filter(Boolean);
}

/** Words (letters and digits), citation markers excluded. */
export function words(text: string): string[] {
  return text.replace(CITATION, ' ').match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu) ?? [];
}

/** The prose a reader reads: paragraphs and list items (headings excluded). */
export function proseText(markdown: string): string {
  return blocks(markdown).filter((b) => b.kind !== 'heading').map((b) => b.text).join('\n');
}

/** Numbers as written (1,200 / 3.5 / 40%), normalised: no thousands separators, no trailing dot. */
export function numbersIn(text: string): string[] {
  const found = text.replace(CITATION, ' ').match(/\d[\d,.]*/g) ?? [];
  return found.map((n) => n.replace(/[.,]+$/, '').replace(/,(?=\d{3}\b)/g, '')).filter(Boolean);
}

export function slugify(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '');
}

/** Case-insensitive occurrences of a phrase on word boundaries. */
export function countPhrase(text: string, phrase: string): number {
  const p = phrase.trim().toLowerCase();
  if (!p) return 0;
  const escaped = p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+');
  return (text.toLowerCase().match(new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, 'gu')) ?? []).length;
}

/** Whitespace collapsed (a Markdown reflow is not a change of wording); nothing else is normalised. */
export function normaliseSpace(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

export const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** Cuts at a word boundary so the result (with the ellipsis) is at most `max` characters. */
export function cutAt(text: string, max: number): string {
  const t = text.replace(/\s+/g, ' ').trim();
  if (t.length <= max) return t;
  const cut = t.slice(0, max - 1);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), Math.floor(max / 2))).replace(/[\s,;:.-]+$/, '')}…`;
}
