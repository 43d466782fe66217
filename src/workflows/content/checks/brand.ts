/**
 * Brand lexicon, by code: no banned term appears, and where the brand file prefers a term over
 * another ("customer, not user") the other one does not appear either. Preferred terms used
 * are counted for the approver.
 */
import type { Brand } from '../brand.ts';
import { countPhrase } from '../text.ts';

export interface BrandResult {
  passed: boolean;
  /** Banned terms found, with how often. */
  banned_found: Array<{ term: string; count: number }>;
  /** Terms the brand replaces that were used instead of the preferred one. */
  replaced_found: Array<{ term: string; use: string; count: number }>;
  preferred_used: string[];
  failures: string[];
}

export function checkBrand(texts: readonly string[], brand: Pick<Brand, 'banned' | 'preferred'>): BrandResult {
  const all = texts.join('\n');
  const banned_found = brand.banned.map((term) => ({ term, count: countPhrase(all, term) })).filter((b) => b.count > 0);
  const replaced_found = brand.preferred.flatMap((p) => p.instead_of.map((term) => ({ term, use: p.term, count: countPhrase(all, term) }))).filter((r) => r.count > 0);
  const preferred_used = brand.preferred.filter((p) => countPhrase(all, p.term) > 0).map((p) => p.term);
  const failures = [
    ...banned_found.map((b) => `banned term "${b.term}" used ${b.count}x`),
    ...replaced_found.map((r) => `"${r.term}" used ${r.count}x; the brand says "${r.use}"`),
  ];
  return { passed: failures.length === 0, banned_found, replaced_found, preferred_used, failures };
}
