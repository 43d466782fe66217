/**
 * Contact details by deterministic rules: email, phone, profile URLs, name and location. Pure.
 * Values are kept as printed (a phone stays "(312) 555-0123"); only URLs get a scheme. Link
 * targets from the PDF (mailto:, tel:, https:) are a second, independent reading: when they
 * disagree with the visible text, a person looks (a hidden href is a known trick).
 */
import type { Line } from './lines.ts';
import type { ResumeProfile } from './types.ts';

export const EMAIL_RE = /[\p{L}0-9._%+-]+@[\p{L}0-9.-]+\.[\p{L}]{2,}/iu;
// Digits with the usual separators; checked afterwards for a plausible digit count.
const PHONE_RE = /(?<![\d\p{L}])(?:\+\s?\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{2,4}(?:[\s.-]\d{2,8}){1,4}(?![\d\p{L}])|(?<![\d\p{L}])\+\d{8,14}(?!\d)|(?<![\d\p{L}])\(\d{3}\)\s?\d{3}-\d{4}(?!\d)/gu;
const URL_RE = /(?:https?:\/\/)?(?:www\.)?(?:[a-z0-9-]+\.)+[a-z]{2,}(?:\/[^\s|,;·•)]*)?/giu;

const NETWORKS: Array<[string, RegExp]> = [
  ['LinkedIn', /linkedin\.com/i],
  ['GitHub', /github\.com/i],
  ['GitLab', /gitlab\.com/i],
  ['Twitter', /(?:twitter|x)\.com/i],
  ['Stack Overflow', /stackoverflow\.com/i],
  ['Xing', /xing\.com/i],
  ['Behance', /behance\.net/i],
  ['Dribbble', /dribbble\.com/i],
  ['Medium', /medium\.com/i],
  ['Kaggle', /kaggle\.com/i],
];

const STATE_NAMES: Record<string, string> = { alabama: 'AL', alaska: 'AK', arizona: 'AZ', arkansas: 'AR', california: 'CA', colorado: 'CO', connecticut: 'CT', delaware: 'DE', florida: 'FL', georgia: 'GA', hawaii: 'HI', idaho: 'ID', illinois: 'IL', indiana: 'IN', iowa: 'IA', kansas: 'KS', kentucky: 'KY', louisiana: 'LA', maine: 'ME', maryland: 'MD', massachusetts: 'MA', michigan: 'MI', minnesota: 'MN', mississippi: 'MS', missouri: 'MO', montana: 'MT', nebraska: 'NE', nevada: 'NV', 'new hampshire': 'NH', 'new jersey': 'NJ', 'new mexico': 'NM', 'new york': 'NY', 'north carolina': 'NC', 'north dakota': 'ND', ohio: 'OH', oklahoma: 'OK', oregon: 'OR', pennsylvania: 'PA', 'rhode island': 'RI', 'south carolina': 'SC', 'south dakota': 'SD', tennessee: 'TN', texas: 'TX', utah: 'UT', vermont: 'VT', virginia: 'VA', washington: 'WA', 'west virginia': 'WV', wisconsin: 'WI', wyoming: 'WY' };
const US_STATES = new Set('AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC'.split(' '));
const COUNTRIES: Record<string, string> = { germany: 'DE', deutschland: 'DE', austria: 'AT', österreich: 'AT', switzerland: 'CH', schweiz: 'CH', france: 'FR', spain: 'ES', españa: 'ES', italy: 'IT', italia: 'IT', netherlands: 'NL', poland: 'PL', polska: 'PL', 'united kingdom': 'GB', uk: 'GB', england: 'GB', ireland: 'IE', canada: 'CA', india: 'IN', usa: 'US', 'united states': 'US', australia: 'AU', sweden: 'SE', denmark: 'DK', norway: 'NO', finland: 'FI', portugal: 'PT', belgium: 'BE', brazil: 'BR', mexico: 'MX', japan: 'JP', singapore: 'SG' };

export function findEmail(text: string): string | undefined {
  return text.match(EMAIL_RE)?.[0].replace(/[.]+$/, '');
}

export function findPhones(raw: string): string[] {
  // Word's exports print "(909) 555-­‐5555" with a soft hyphen and U+2010: read them as one "-".
  const text = raw.replace(/\u00ad/g, '').replace(/[\u2010\u2011\u2012]/g, '-').replace(/-{2,}/g, '-');
  const out: string[] = [];
  for (const m of text.matchAll(PHONE_RE)) {
    const raw = m[0].trim();
    const digits = raw.replace(/\D/g, '');
    if (digits.length < 7 || digits.length > 15) continue;
    // Years and year ranges ("2019 - 2022", "2012 2016") are not phone numbers.
    if (/^(?:19|20)\d{2}(?:\s*[-–]\s*(?:19|20)\d{2})?$/.test(raw) || /^\d{4}[\s.-]\d{4}$/.test(raw)) continue;
    if (/^\d{1,2}[./]\d{4}/.test(raw)) continue;
    out.push(raw);
  }
  return out;
}

export const phoneDigits = (p: string) => p.replace(/\D/g, '').replace(/^1(?=\d{10}$)/, '');

export function findProfiles(texts: string[]): ResumeProfile[] {
  const seen = new Map<string, ResumeProfile>();
  for (const text of texts) {
    for (const m of text.matchAll(URL_RE)) {
      const raw = m[0].replace(/[.)]+$/, '');
      if (/@/.test(text.slice(Math.max(0, (m.index ?? 0) - 1), m.index ?? 0))) continue; // the domain of an email
      const network = NETWORKS.find(([, re]) => re.test(raw))?.[0];
      if (!network && !/^(?:https?:\/\/|www\.)/i.test(raw)) continue;
      if (/^mailto:/i.test(raw)) continue;
      const url = /^https?:\/\//i.test(raw) ? raw : `https://${raw}`;
      const key = url.toLowerCase().replace(/^https?:\/\/(?:www\.)?/, '').replace(/\/$/, '');
      if (!seen.has(key)) seen.set(key, { network: network ?? 'Website', url });
    }
  }
  return [...seen.values()];
}

/** "Austin, TX", "Chicago, IL 60601", "Berlin, Germany", "Munich, Bavaria, Germany". */
export const COUNTRY_CODES = COUNTRIES;

export function parseLocation(part: string): { city: string; region?: string; countryCode?: string } | undefined {
  // "555 La Verne Way, La Verne, CA 91750": the street goes, the city and state stay.
  const t = part.trim().replace(/\s+\d{5}(?:-\d{4})?$/, '').replace(/^\d+[\p{L}\d .'-]*,\s*(?=[^,]+,)/u, '');
  const m = t.match(/^(\p{Lu}[\p{L}.' -]{1,30}),\s*(\p{L}[\p{L}. ]{1,30})(?:,\s*(\p{L}[\p{L} ]{1,30}))?$/u);
  if (!m) return undefined;
  const city = m[1]!.trim();
  if (/\.\s/.test(city)) return undefined;
  // "Northwind Bank, India" is an employer and a country, not a city.
  if (/\b(?:bank|inc|llc|ltd|corp|solutions|consulting|systems|labs|group|university|institute|technolog(?:y|ies)|software|company)\b/i.test(city)) return undefined;
  const second = m[2]!.trim();
  const third = m[3]?.trim();
  if (US_STATES.has(second) && !third) return { city, region: second, countryCode: 'US' };
  if (STATE_NAMES[second.toLowerCase()] && !third) return { city, region: second, countryCode: 'US' };
  const country = COUNTRIES[(third ?? second).toLowerCase()];
  if (third && country) return { city, region: second, countryCode: country };
  if (!third && country) return { city, countryCode: country };
  return undefined;
}

const SPLIT = /\s*(?:\||·|•|⋅|∙|◦|▪|‣|,\s(?=\S+@)|\s{2,}|\t)\s*/u;

/** The pieces of the contact lines: "a@b.c • (312) 555-0123 • Austin, TX". */
export function contactParts(lines: Line[]): string[] {
  return lines.flatMap((l) => l.segments.flatMap((s) => s.split(SPLIT))).map((s) => s.replace(/^[•\-–*▪◦‣●]\s*/u, '').trim()).filter(Boolean);
}

/**
 * The name: on the first page, among the first lines, the largest line of 1-5 words with no
 * digits, @ or URL, that is not a section heading or a job title line. Kept as printed.
 */
export function findName(lines: Line[], isHeading: (t: string) => boolean): Line | undefined {
  const top = lines.filter((l) => l.page === lines[0]?.page).slice(0, 8);
  const candidates = top.filter((l) => {
    const t = l.text.trim();
    const words = t.split(/\s+/);
    return words.length <= 5 && t.length <= 48 && !/[\d@/|:]/.test(t) && /^\p{L}/u.test(t) && !isHeading(t) && !/\b(?:resume|curriculum vitae|cv|lebenslauf)\b/i.test(t) && !parseLocation(t);
  });
  if (!candidates.length) return undefined;
  const maxSize = Math.max(...candidates.map((l) => l.size));
  // Without sizes (plain text) the first candidate wins.
  return maxSize > 0 ? candidates.find((l) => l.size === maxSize) : candidates[0];
}

/**
 * Fields on which another reading (a model's, a form's) disagrees with the deterministic one:
 * email compared case-insensitively, phone by its digits, name by letters. A field only one side
 * has is not a disagreement. Callers put a person in the loop when this is not empty.
 */
export function contactDisagreements(rules: { name?: string; email?: string; phone?: string }, other: { name?: string | null; email?: string | null; phone?: string | null }): Array<'name' | 'email' | 'phone'> {
  const out: Array<'name' | 'email' | 'phone'> = [];
  const letters = (s: string) => s.normalize('NFKC').toLowerCase().replace(/[^\p{L}]/gu, '');
  if (rules.email && other.email && rules.email.trim().toLowerCase() !== other.email.trim().toLowerCase()) out.push('email');
  if (rules.phone && other.phone && phoneDigits(rules.phone) !== phoneDigits(other.phone)) out.push('phone');
  if (rules.name && other.name && letters(rules.name) !== letters(other.name)) out.push('name');
  return out;
}
