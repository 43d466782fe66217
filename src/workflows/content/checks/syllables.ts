/**
 * Syllables in German, French, Spanish, Italian and Dutch words, for the readability formulas of
 * those languages. Two readings, the larger wins: the hyphenation points of the language's TeX
 * patterns (the `hyphen` package), which never split off a single first or last letter ("u-na",
 * "a-ve-va"), and the vowel groups of the word, which merge a hiatus ("te-ní-a"). French final
 * "e"/"es"/"ent" and the "u" of "qu"/"gu" are silent, so they are not counted as vowels.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
type Hyphenate = (text: string, options?: { hyphenChar?: string; minWordLength?: number }) => string;

export const SYLLABLE_LANGUAGES = ['de', 'fr', 'es', 'it', 'nl'] as const;
export type SyllableLanguage = (typeof SYLLABLE_LANGUAGES)[number];

const hyphenators = new Map<SyllableLanguage, Hyphenate>();
function hyphenator(language: SyllableLanguage): Hyphenate {
  let h = hyphenators.get(language);
  if (!h) {
    // Loaded on first use: each language's patterns are a few hundred kilobytes.
    h = (require(`hyphen/${language}`) as { hyphenateSync: Hyphenate }).hyphenateSync;
    hyphenators.set(language, h);
  }
  return h;
}

const VOWELS = /[aeiouyàáâãäåæèéêëìíîïòóôõöøùúûüÿœ]+/giu;

function vowelGroups(word: string, language: SyllableLanguage): number {
  let w = word.toLowerCase();
  if (language === 'fr') {
    w = w.replace(/qu/g, 'k').replace(/gu(?=[eéèêiy])/g, 'g');
    if ((w.match(VOWELS) ?? []).length > 1) w = w.replace(/(e|es|ent)$/u, '');
  }
  return (w.match(VOWELS) ?? []).length;
}

export function syllables(word: string, language: SyllableLanguage): number {
  const segments = hyphenator(language)(word, { hyphenChar: '\u00ad', minWordLength: 2 }).split('\u00ad').length;
  return Math.max(1, segments, vowelGroups(word, language));
}
