/**
 * The language the lead workflow writes to a lead in: chosen once per run, from the lead's own
 * words, and kept for the whole sequence (later messages do not switch it mid-conversation).
 *
 *   a model's triage said (routed email) ──► that language
 *   else the stop-word detector on the lead's words, when sure enough ──► that language
 *   the detector unsure: words typical of an enquiry in one of our four languages, when they
 *   clearly point one way ("nous", "notre", "pouvez" tie with Spanish "un" in the detector) ──► that language
 *   too little text, unsure, or a language we have no templates for ──► English
 *
 * The offline triage's language is the same stop-word count without a confidence bar, so for it
 * the detector (with the bar) decides. Pure: a replay computes the same answer from the same words.
 */
import { detectLanguage } from '../../llm/offline/language.ts';
import { DRAFT_LANGUAGES, type DraftLanguage } from './drafts-i18n.ts';

export const DEFAULT_LANGUAGE: DraftLanguage = 'en';
/** Below this many words the detector is not asked: "Hi", "Pricing?" say nothing about a language. */
export const MIN_WORDS = 3;
/** The detector's confidence needed to write in its language rather than the default. */
export const MIN_CONFIDENCE = 0.6;

export interface LanguageChoice {
  language: DraftLanguage;
  source: 'triage' | 'detected' | 'default';
  /** What the detector read, when it was asked. */
  detected: { language: string; confidence: number } | null;
  reason: string;
}

const NAMES: Record<string, string> = {
  english: 'en', german: 'de', deutsch: 'de', french: 'fr', français: 'fr', francais: 'fr', spanish: 'es', español: 'es', espanol: 'es', castellano: 'es',
};

/** `de`, `de-DE`, `German` → `de`; anything else → its first two letters, lower-cased. */
export function normaliseLanguage(value: string): string {
  const v = value.trim().toLowerCase();
  return NAMES[v] ?? v.slice(0, 2);
}

/**
 * A second opinion for the detector's ties on short enquiries: words that belong to one of the
 * four template languages only (none shared between them, nor with the others the detector knows
 * where that would mislead: no "es", "was", "in", "a").
 */
const ENQUIRY_WORDS: Record<DraftLanguage, ReadonlySet<string>> = {
  en: new Set(['we', 'us', 'our', 'your', 'can', 'what', 'does', 'would', 'like', 'looking', 'need', 'want', 'thanks', 'hello', 'hi', 'regards', 'at', 'be', 'get']),
  de: new Set(['wir', 'uns', 'unser', 'unsere', 'unseren', 'unserem', 'ihr', 'ihre', 'ihnen', 'ihrem', 'ihren', 'gibt', 'möchten', 'würden', 'gerne', 'gern', 'haben', 'sind', 'wie', 'kurz', 'auch', 'oder', 'noch', 'bei', 'kostet', 'brauchen', 'suchen', 'guten', 'tag', 'vielen', 'dank', 'danke', 'grüße', 'freundlichen']),
  fr: new Set(['nous', 'notre', 'nos', 'votre', 'vos', 'avec', 'sommes', 'avez', 'pouvez', 'pourriez', 'souhaitons', 'souhaite', 'voulons', 'merci', 'cordialement', 'sur', 'aussi', 'chez', 'avons', 'cette', 'combien', 'quel', 'quelle']),
  es: new Set(['nosotros', 'nuestro', 'nuestra', 'nuestros', 'nuestras', 'su', 'sus', 'usted', 'ustedes', 'podemos', 'pueden', 'podría', 'podrían', 'estamos', 'somos', 'tenemos', 'buenos', 'días', 'gustaría', 'sobre', 'esta', 'este', 'también', 'cuánto', 'cómo', 'necesitamos', 'queremos', 'buscamos', 'saludos']),
};

/** The template language the enquiry words point to: at least two of them, twice as many as any other. */
function enquiryWords(words: readonly string[]): { language: DraftLanguage; hits: string[] } | null {
  const counts = DRAFT_LANGUAGES.map((l) => ({ language: l, hits: words.filter((w) => ENQUIRY_WORDS[l].has(w)) })).sort((a, b) => b.hits.length - a.hits.length);
  const [best, second] = counts;
  return best && best.hits.length >= 2 && best.hits.length >= 2 * (second?.hits.length ?? 0) ? best : null;
}

const supported = (code: string): code is DraftLanguage => (DRAFT_LANGUAGES as readonly string[]).includes(code);

/** `fallback`: the policy's `lead.default_language` (English unless set). */
export function chooseLanguage(words: string, triage?: { language: string; provider: string } | null, fallback: DraftLanguage = DEFAULT_LANGUAGE): LanguageChoice {
  if (triage && triage.provider !== 'offline' && triage.language.trim()) {
    const code = normaliseLanguage(triage.language);
    if (supported(code)) return { language: code, source: 'triage', detected: null, reason: `the triage (${triage.provider}) read the email as ${code}` };
    return { language: fallback, source: 'default', detected: null, reason: `the triage (${triage.provider}) read the email as ${code}; there are no lead templates in ${code}, so ${fallback}` };
  }
  const tokens = words.toLowerCase().match(/[\p{L}']+/gu) ?? [];
  const count = tokens.length;
  if (count < MIN_WORDS) return { language: fallback, source: 'default', detected: null, reason: `too little text from the lead to tell a language (${count} word${count === 1 ? '' : 's'}): ${fallback}` };
  const detected = detectLanguage(words);
  const read = `${detected.language}, confidence ${detected.confidence.toFixed(2)}`;
  if (detected.confidence < MIN_CONFIDENCE) {
    const second = enquiryWords(tokens);
    if (second) return { language: second.language, source: 'detected', detected, reason: `the stop-word detector was unsure (${read}); the lead's words ${[...new Set(second.hits)].slice(0, 4).map((w) => `"${w}"`).join(', ')} are ${second.language}` };
  }
  if (detected.confidence < MIN_CONFIDENCE) return { language: fallback, source: 'default', detected, reason: `the lead's words do not clearly say a language (${read} < ${MIN_CONFIDENCE}): ${fallback}` };
  if (!supported(detected.language)) return { language: fallback, source: 'default', detected, reason: `the lead wrote in ${detected.language} (${read}); there are no lead templates in ${detected.language}, so ${fallback}` };
  return { language: detected.language, source: 'detected', detected, reason: `the lead's words read as ${read}` };
}
