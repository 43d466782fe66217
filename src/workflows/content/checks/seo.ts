/**
 * SEO check, by code: title length, meta description length, exactly one H1, the keyphrase in
 * the title, the H1, the first paragraph and the slug, keyphrase density, and length.
 */
import type { ContentPolicy } from '../policy.ts';
import { blocks, countPhrase, proseText, slugify, words } from '../text.ts';

export interface SeoInput {
  title: string;
  slug: string;
  meta_description: string;
  body_markdown: string;
  keyphrase: string;
}

export interface SeoResult {
  passed: boolean;
  /** Share of the individual SEO rules met, 0-100. */
  score: number;
  title_length: number;
  meta_description_length: number;
  h1_count: number;
  keyphrase: string;
  keyphrase_in: { title: boolean; h1: boolean; first_paragraph: boolean; slug: boolean };
  /** Keyphrase occurrences per 100 words of prose. */
  density_pct: number;
  words: number;
  failures: string[];
}

export function checkSeo(input: SeoInput, policy: ContentPolicy['seo']): SeoResult {
  const all = blocks(input.body_markdown);
  const h1s = all.filter((b) => b.kind === 'heading' && b.level === 1);
  const firstParagraph = all.find((b) => b.kind === 'paragraph')?.text ?? '';
  const prose = proseText(input.body_markdown);
  const wordCount = words(prose).length;
  const occurrences = countPhrase(prose, input.keyphrase);
  const density = wordCount ? Math.round((occurrences / wordCount) * 10_000) / 100 : 0;
  const slugKey = slugify(input.keyphrase);
  const keyphraseIn = {
    title: countPhrase(input.title, input.keyphrase) > 0,
    h1: h1s.some((h) => countPhrase(h.text, input.keyphrase) > 0),
    first_paragraph: countPhrase(firstParagraph, input.keyphrase) > 0,
    slug: slugKey.length > 0 && input.slug.includes(slugKey),
  };
  const rules: Array<[boolean, string]> = [
    [input.title.length >= policy.title_min && input.title.length <= policy.title_max, `title is ${input.title.length} characters (${policy.title_min}-${policy.title_max})`],
    [input.meta_description.length >= policy.meta_min && input.meta_description.length <= policy.meta_max, `meta description is ${input.meta_description.length} characters (${policy.meta_min}-${policy.meta_max})`],
    [h1s.length === 1, `${h1s.length} H1 headings (exactly one)`],
    [keyphraseIn.title, `keyphrase "${input.keyphrase}" not in the title`],
    [keyphraseIn.h1, `keyphrase "${input.keyphrase}" not in the H1`],
    [keyphraseIn.first_paragraph, `keyphrase "${input.keyphrase}" not in the first paragraph`],
    [keyphraseIn.slug, `keyphrase not in the slug "${input.slug}"`],
    [density >= policy.density_min && density <= policy.density_max, `keyphrase density ${density}% (${policy.density_min}-${policy.density_max}%)`],
    [wordCount >= policy.min_words, `${wordCount} words (at least ${policy.min_words})`],
  ];
  const failures = rules.filter(([ok]) => !ok).map(([, why]) => why);
  return {
    passed: failures.length === 0,
    score: Math.round(((rules.length - failures.length) / rules.length) * 100),
    title_length: input.title.length,
    meta_description_length: input.meta_description.length,
    h1_count: h1s.length,
    keyphrase: input.keyphrase,
    keyphrase_in: keyphraseIn,
    density_pct: density,
    words: wordCount,
    failures,
  };
}
