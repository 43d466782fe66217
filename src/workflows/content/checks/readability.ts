/**
 * Readability, by code, with each language's own adaptation of Flesch's reading ease (higher is
 * easier, about 0–100 in every one, so one policy minimum serves all):
 *
 *   en  Flesch (1948), wooorm's `flesch` with `syllable` counts   206.835 − 1.015·ASL − 84.6·ASW
 *   de  Amstad (1978)                                               180 − ASL − 58.5·ASW
 *   fr  Kandel & Moles (1958)                                       207 − 1.015·ASL − 73.6·ASW
 *   es  Szigriszt-Pazos (1993, "perspicuidad")                      206.835 − 62.3·ASW − ASL
 *   it  Flesch-Vacca (1972)                                         206 − 65·ASW − ASL
 *   nl  Douma (1960)                                                206.835 − 0.93·ASL − 77·ASW
 *
 * (ASL words per sentence, ASW syllables per word; syllables.ts counts them outside English.)
 * Other languages are reported as not measured rather than scored with the wrong yardstick.
 */
import { flesch } from 'flesch';
import { syllable } from 'syllable';
import type { ContentPolicy } from '../policy.ts';
import { proseText, sentences, words } from '../text.ts';
import { SYLLABLE_LANGUAGES, syllables, type SyllableLanguage } from './syllables.ts';

export type ReadabilityMeasure = 'flesch_reading_ease' | 'amstad' | 'kandel_moles' | 'szigriszt_pazos' | 'flesch_vacca' | 'douma' | 'none';

export interface ReadabilityResult {
  passed: boolean;
  measure: ReadabilityMeasure;
  /** The language measured (ISO 639-1). */
  language: string;
  score: number | null;
  sentences: number;
  words: number;
  /** Average words per sentence: long sentences are what most often drags the score down. */
  words_per_sentence: number;
  failures: string[];
}

const FORMULAS: Record<SyllableLanguage, { measure: ReadabilityMeasure; name: string; score(asl: number, asw: number): number }> = {
  de: { measure: 'amstad', name: 'Amstad reading ease', score: (asl, asw) => 180 - asl - 58.5 * asw },
  fr: { measure: 'kandel_moles', name: 'Kandel-Moles reading ease', score: (asl, asw) => 207 - 1.015 * asl - 73.6 * asw },
  es: { measure: 'szigriszt_pazos', name: 'Szigriszt-Pazos perspicuity', score: (asl, asw) => 206.835 - 62.3 * asw - asl },
  it: { measure: 'flesch_vacca', name: 'Flesch-Vacca reading ease', score: (asl, asw) => 206 - 65 * asw - asl },
  nl: { measure: 'douma', name: 'Douma reading ease', score: (asl, asw) => 206.835 - 0.93 * asl - 77 * asw },
};

/** A readability measure's name for people (the approval card, the trace). */
export function measureName(measure: ReadabilityMeasure): string {
  return measure === 'flesch_reading_ease' ? 'Flesch reading ease' : Object.values(FORMULAS).find((f) => f.measure === measure)?.name ?? 'readability';
}

export function checkReadability(markdown: string, policy: ContentPolicy['readability'], language = 'en'): ReadabilityResult {
  const prose = proseText(markdown);
  const list = words(prose);
  const sentenceCount = Math.max(1, sentences(prose).length);
  const perSentence = Math.round((list.length / sentenceCount) * 10) / 10;
  const lang = language.toLowerCase().slice(0, 2);
  const base = { language: lang, sentences: sentenceCount, words: list.length, words_per_sentence: perSentence };
  let measure: ReadabilityMeasure;
  let score: number;
  if (lang === 'en') {
    const count = list.reduce((n, w) => n + Math.max(1, syllable(w)), 0);
    measure = 'flesch_reading_ease';
    score = list.length ? flesch({ sentence: sentenceCount, word: list.length, syllable: count }) : 0;
  } else if ((SYLLABLE_LANGUAGES as readonly string[]).includes(lang)) {
    const formula = FORMULAS[lang as SyllableLanguage];
    const count = list.reduce((n, w) => n + syllables(w, lang as SyllableLanguage), 0);
    measure = formula.measure;
    score = list.length ? formula.score(list.length / sentenceCount, count / list.length) : 0;
  } else {
    return { ...base, passed: true, measure: 'none', score: null, failures: [] };
  }
  score = Math.round(score * 10) / 10;
  const failures = score < policy.min_flesch ? [`${measureName(measure)} ${score} (at least ${policy.min_flesch})`] : [];
  return { ...base, passed: failures.length === 0, measure, score, failures };
}
