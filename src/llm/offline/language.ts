/** Language by stop-word counts: enough to answer in the sender's language, honest when unsure. */
const STOPWORDS: Record<string, string[]> = {
  en: ['the', 'and', 'is', 'to', 'of', 'my', 'for', 'you', 'it', 'have', 'with', 'not', 'this', 'how', 'our', 'could', 'would', 'please', 'since', 'all', 'are', 'do'],
  de: ['der', 'die', 'das', 'und', 'ist', 'es', 'wir', 'nicht', 'ich', 'mein', 'meine', 'mit', 'sie', 'zum', 'den', 'ein', 'eine', 'können', 'bitte', 'kommt', 'hallo', 'des', 'auf', 'für'],
  fr: ['le', 'la', 'les', 'et', 'est', 'une', 'je', 'mes', 'ma', 'pas', 'que', 'qui', 'des', 'du', 'pour', 'bonjour', 'vous', 'personne', 'très', 'ne', 'en', "c'est"],
  es: ['el', 'la', 'los', 'las', 'y', 'es', 'un', 'una', 'mi', 'por', 'que', 'no', 'para', 'hola', 'con', 'del', 'gracias', 'pero', 'muy', 'se'],
  it: ['il', 'lo', 'la', 'gli', 'e', 'è', 'un', 'una', 'mio', 'per', 'che', 'non', 'con', 'ciao', 'buongiorno', 'grazie', 'della', 'sono', 'molto'],
  nl: ['de', 'het', 'een', 'en', 'is', 'niet', 'ik', 'mijn', 'van', 'voor', 'met', 'dat', 'kunt', 'hallo', 'graag', 'bedankt', 'wij', 'zijn'],
  pt: ['o', 'a', 'os', 'as', 'e', 'é', 'um', 'uma', 'meu', 'minha', 'para', 'que', 'não', 'com', 'olá', 'obrigado', 'por', 'muito'],
};

// A word several languages share ("la", "un", "es") says less than one only one language has:
// each counts 1 / the number of lists it is in, so "es ist" reads German, not Spanish.
const SHARED = new Map<string, number>();
for (const list of Object.values(STOPWORDS)) for (const w of new Set(list)) SHARED.set(w, (SHARED.get(w) ?? 0) + 1);
const SETS = Object.entries(STOPWORDS).map(([lang, list]) => [lang, new Set(list)] as const);

export function detectLanguage(text: string): { language: string; confidence: number } {
  const words = text.toLowerCase().match(/[\p{L}']+/gu) ?? [];
  if (words.length < 3) return { language: 'en', confidence: 0.3 };
  const scores = SETS.map(([lang, set]) => [lang, words.reduce((n, w) => n + (set.has(w) ? 1 / SHARED.get(w)! : 0), 0)] as const);
  scores.sort((a, b) => b[1] - a[1]);
  const [best, second] = scores;
  if (!best || best[1] === 0) return { language: 'en', confidence: 0.3 };
  const margin = (best[1] - (second?.[1] ?? 0)) / best[1];
  return { language: best[0], confidence: Math.min(0.95, 0.5 + margin * 0.45) };
}
