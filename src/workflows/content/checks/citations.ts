/**
 * Citation check, by code: every `[^id]` in the body names a stored snippet, every snippet's
 * quote is a verbatim substring of the document it was taken from, and every number in a cited
 * sentence appears in a cited document. Prose sentences that make a claim without a citation
 * are listed as unsupported.
 */
import { blocks, CITATION, normaliseSpace, numbersIn, sentences, words } from '../text.ts';

export interface CitationSource {
  id: string;
  quote: string;
  /** The full text of the document the snippet came from; null when it is not stored. */
  documentText: string | null;
}

export interface CitationFailure {
  id: string;
  sentence: string | null;
  reason: string;
}

export interface CitationResult {
  passed: boolean;
  /** Citation markers in the body. */
  total: number;
  /** Markers whose snippet exists, whose quote is verbatim and whose numbers are in the source. */
  verified: number;
  /** Sentences that state something without a citation. */
  unsupported: string[];
  failures: CitationFailure[];
}

/** Short sentences and questions are framing, not claims. */
const isClaim = (sentence: string): boolean => words(sentence).length >= 6 && !/\?\s*$/.test(sentence.replace(CITATION, ''));

export function checkCitations(bodyMarkdown: string, sources: readonly CitationSource[]): CitationResult {
  const byId = new Map(sources.map((s) => [s.id, s]));
  const failures: CitationFailure[] = [];
  const quoteOk = new Map<string, boolean>();
  for (const s of sources) {
    const ok = s.documentText !== null && s.quote.trim().length > 0 && normaliseSpace(s.documentText).includes(normaliseSpace(s.quote));
    quoteOk.set(s.id, ok);
  }
  let total = 0;
  let verified = 0;
  const unsupported: string[] = [];
  for (const block of blocks(bodyMarkdown)) {
    if (block.kind === 'heading') continue;
    for (const sentence of sentences(block.text)) {
      const ids = [...sentence.matchAll(CITATION)].map((m) => m[1]!);
      const plain = sentence.replace(CITATION, '').trim();
      if (!ids.length) {
        if (isClaim(plain)) unsupported.push(plain);
        continue;
      }
      const cited = ids.map((id) => byId.get(id));
      const texts = cited.map((c) => (c?.documentText ? normaliseSpace(c.documentText) : '')).join('\n');
      const sourceNumbers = new Set(numbersIn(texts));
      const missingNumbers = numbersIn(plain).filter((n) => !sourceNumbers.has(n));
      for (const [i, id] of ids.entries()) {
        total++;
        const source = cited[i];
        if (!source) {
          failures.push({ id, sentence: plain, reason: `no stored snippet has the id ${id}` });
          continue;
        }
        if (!quoteOk.get(id)) {
          failures.push({ id, sentence: plain, reason: source.documentText === null ? `the document of ${id} is not stored` : `the quote of ${id} is not a verbatim passage of its document` });
          continue;
        }
        if (missingNumbers.length) {
          failures.push({ id, sentence: plain, reason: `number${missingNumbers.length > 1 ? 's' : ''} ${missingNumbers.join(', ')} not found in the cited source` });
          continue;
        }
        verified++;
      }
    }
  }
  return { passed: failures.length === 0 && unsupported.length === 0, total, verified, unsupported, failures };
}
