/**
 * The deterministic self-review: every check is a pure function of the piece, its sources,
 * the brand and the policy's `content:` thresholds. The workflow runs it after every draft and
 * every revision; the approver sees the result with its scores.
 */
import type { Brand } from '../brand.ts';
import type { ContentPolicy } from '../policy.ts';
import { checkBrand, type BrandResult } from './brand.ts';
import { checkCitations, type CitationResult, type CitationSource } from './citations.ts';
import { checkPlatforms, type PlatformResult, type Variants } from './platform.ts';
import { checkReadability, type ReadabilityResult } from './readability.ts';
import { checkSeo, type SeoResult } from './seo.ts';

export type { Variants } from './platform.ts';
export type { CitationSource } from './citations.ts';

export interface Piece {
  title: string;
  slug: string;
  meta_description: string;
  outline: string[];
  body_markdown: string;
  variants: Partial<Variants>;
}

export interface Checks {
  passed: boolean;
  citations: CitationResult;
  seo: SeoResult;
  readability: ReadabilityResult;
  brand: BrandResult;
  platform: PlatformResult;
  /** Every failure, one line each, for the approver and for a revision prompt. */
  failures: string[];
  warnings: string[];
}

export function runChecks(piece: Piece, context: { keyphrase: string; sources: readonly CitationSource[]; brand: Pick<Brand, 'banned' | 'preferred'>; policy: ContentPolicy; language?: string; blog?: boolean }): Checks {
  const citations = checkCitations(piece.body_markdown, context.sources);
  const seo = checkSeo({ ...piece, keyphrase: context.keyphrase }, context.blog === false ? { ...context.policy.seo, min_words: 0 } : context.policy.seo);
  const readability = checkReadability(piece.body_markdown, context.policy.readability, context.language);
  const v = piece.variants;
  const brand = checkBrand([piece.title, piece.meta_description, piece.body_markdown, v.x ?? '', v.linkedin ?? '', v.email?.subject ?? '', v.email?.body ?? ''], context.brand);
  const platform = checkPlatforms(piece.variants, context.policy.platform);
  const failures = [
    ...citations.failures.map((f) => `citation ${f.id}: ${f.reason}`),
    ...citations.unsupported.map((s) => `unsupported: "${s.length > 120 ? `${s.slice(0, 117)}...` : s}"`),
    ...seo.failures.map((f) => `seo: ${f}`),
    ...readability.failures.map((f) => `readability: ${f}`),
    ...brand.failures.map((f) => `brand: ${f}`),
    ...platform.failures.map((f) => `platform: ${f}`),
  ];
  return { passed: failures.length === 0, citations, seo, readability, brand, platform, failures, warnings: platform.warnings };
}
