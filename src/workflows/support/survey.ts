/**
 * The satisfaction survey: the question in the sender's language, and the answer read back from
 * a reply. People answer "5", "4/5", "★★★★", "vier Sterne", "trois, merci" or "5 - great!" above
 * the quoted question; only the new text counts (the quoted original carries our own "1 (poor)
 * to 5 (great)", which must never be read as a rating).
 */
import EmailReplyParserModule from 'email-reply-parser';

const SURVEY_TEXT: Record<string, string> = {
  en: 'How did we do? Reply with a number from 1 (poor) to 5 (great). Thank you!',
  de: 'Wie zufrieden waren Sie? Antworten Sie mit einer Zahl von 1 (schlecht) bis 5 (sehr gut). Vielen Dank!',
  fr: 'Êtes-vous satisfait ? Répondez par un chiffre de 1 (mauvais) à 5 (excellent). Merci !',
  es: '¿Qué tal lo hicimos? Responda con un número del 1 (mal) al 5 (excelente). ¡Gracias!',
  it: 'Com’è andata? Risponda con un numero da 1 (scarso) a 5 (ottimo). Grazie!',
  nl: 'Hoe tevreden bent u? Antwoord met een cijfer van 1 (slecht) tot 5 (uitstekend). Dank u!',
  pt: 'Como nos saímos? Responda com um número de 1 (ruim) a 5 (ótimo). Obrigado!',
};

export function surveyText(language: string): string {
  return SURVEY_TEXT[language.slice(0, 2).toLowerCase()] ?? SURVEY_TEXT.en!;
}

// Number words 1-5, minus those that are also articles or common words (un, ein, one, due...):
// "un service excellent" is not a rating of 1.
const NUMBER_WORDS: Record<string, number> = {
  two: 2, three: 3, four: 4, five: 5,
  eins: 1, zwei: 2, drei: 3, vier: 4, fünf: 5, fuenf: 5,
  deux: 2, trois: 3, quatre: 4, cinq: 5,
  dos: 2, tres: 3, cuatro: 4, cinco: 5,
  tre: 3, quattro: 4, cinque: 5,
  één: 1, twee: 2, drie: 3, vijf: 5,
  dois: 2, duas: 2, três: 3, quatro: 4,
};

export interface SurveyAnswer {
  rating: number;
  /** The rest of what they wrote, trimmed (kept for the team, never shown to the model as an instruction). */
  comment: string | null;
}

const Parser = (EmailReplyParserModule as unknown as { default?: new () => { parseReply(t: string): string } }).default
  ?? (EmailReplyParserModule as unknown as new () => { parseReply(t: string): string });

/** The new text of a reply, without the quoted original and signature (bounded: input is hostile). */
export function replyTop(text: string): string {
  const bounded = text.slice(0, 4000);
  try {
    return new Parser().parseReply(bounded).trim();
  } catch {
    return bounded.split(/\n>|\n-{2,}\s*Original/)[0]!.trim();
  }
}

/** The rating a reply gives, or null when it gives none (or more than one different one). */
export function parseRating(text: string): SurveyAnswer | null {
  const top = replyTop(text);
  if (!top) return null;
  const head = top.slice(0, 300);
  const stars = /^[\s*]*([★⭐]{1,5})/u.exec(head);
  let rating: number | undefined = stars ? [...stars[1]!].length : undefined;
  if (rating === undefined) {
    // "4", "4/5", "4 out of 5", "4 von 5", "note : 4" — the first figure 1–5 standing alone.
    const figures = [...head.matchAll(/(?<![\d.,])([1-5])(?![\d.,]\d)(?:\s*(?:\/|out of|von|sur|de|di|van|em)\s*5)?/giu)].map((m) => Number(m[1]));
    const distinct = [...new Set(figures)];
    if (distinct.length === 1) rating = distinct[0];
  }
  if (rating === undefined) {
    const words = head.toLowerCase().match(/\p{L}+/gu) ?? [];
    const found = [...new Set(words.map((w) => NUMBER_WORDS[w]).filter((n): n is number => n !== undefined))];
    if (found.length === 1) rating = found[0];
  }
  if (rating === undefined || rating < 1 || rating > 5) return null;
  const comment = top.replace(/^[\s*★⭐]*[1-5]?\s*(?:\/\s*5)?[\s\-–—:,.!]*/u, '').trim().slice(0, 1000);
  return { rating, comment: comment || null };
}
