/**
 * Social variants of a piece, for the channels the brief names. `{url}` stands for the post's
 * address, filled in when it is posted (the CMS gives it at publishing); twitter-text counts
 * any URL as 23, so the X length measured with a stand-in is the length posted.
 */
import twitter from 'twitter-text';
import type { Brief } from './brief.ts';
import type { Piece, Variants } from './checks/index.ts';
import type { ContentPolicy } from './policy.ts';
import type { StoredSnippet } from './sources.ts';
import { cutAt } from './text.ts';

export const URL_TOKEN = '{url}';
const STAND_IN = 'https://example.com/post';

/** A variant as measured and posted: `{url}` replaced by the address. */
export const withUrl = (text: string, url: string | null): string => text.split(URL_TOKEN).join(url ?? STAND_IN);

function fitX(lead: string, quote: string, max: number): string {
  for (let n = quote.length; n > 0; n = Math.floor(n * 0.8)) {
    const text = `${lead}: ${cutAt(quote, n)} ${URL_TOKEN}`;
    if (twitter.parseTweet(withUrl(text, null)).weightedLength <= max) return text;
  }
  return `${cutAt(lead, 200)} ${URL_TOKEN}`;
}

export function buildVariants(brief: Brief, piece: Pick<Piece, 'title' | 'meta_description'>, snippets: readonly StoredSnippet[], policy: ContentPolicy): Partial<Variants> {
  const quotes = snippets.map((s) => ({ text: s.quote.replace(/\s+/g, ' ').trim(), title: s.title }));
  const out: Partial<Variants> = {};
  if (brief.channels.includes('x')) out.x = fitX(piece.title, quotes[0]?.text ?? piece.meta_description, policy.platform.x_max);
  if (brief.channels.includes('linkedin')) {
    const body = [piece.title, '', piece.meta_description, '', ...quotes.slice(0, 3).map((q) => `• "${q.text}" (${q.title})`), '', `Read more: ${URL_TOKEN}`].join('\n');
    // Line breaks are kept: LinkedIn shows them. Cut (rarely) only when over its limit.
    out.linkedin = [...body].length <= policy.platform.linkedin_max ? body : cutAt(body, policy.platform.linkedin_max);
  }
  if (brief.channels.includes('email')) {
    const subject = piece.title.length <= policy.platform.email_subject_warn ? piece.title : cutAt(piece.title, policy.platform.email_subject_warn);
    out.email = { subject, body: [piece.meta_description, '', ...quotes.slice(0, 3).map((q) => `- ${q.text}`), '', `The whole piece: ${URL_TOKEN}`].join('\n') };
  }
  return out;
}
