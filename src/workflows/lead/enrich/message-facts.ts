/**
 * What the lead's own words say, read by code: a buying request, budget, timeline, the pain the
 * product solves, hedges, signs of someone who is not a buyer, and stated facts (seats, team
 * size). Each signal carries the sentence it was read from, so the score can quote it. English,
 * German, French and Spanish at least; the rules are words, not a model, so the same message
 * always reads the same.
 */

export type SignalKind = 'buying_request' | 'info_request' | 'budget' | 'timeline' | 'no_timeline' | 'pain' | 'not_a_buyer';

export interface Signal {
  kind: SignalKind;
  /** What matched (a pain word, "pricing"...). */
  match: string;
  /** The sentence it was found in. */
  quote: string;
}

export interface StatedFact {
  field: 'seats' | 'employees';
  value: number;
  quote: string;
  source: 'stated in the message';
  confidence: number;
}

const RULES: Array<{ kind: Exclude<SignalKind, 'pain'>; re: RegExp }> = [
  {
    kind: 'buying_request',
    re: /\b(pricing|prices?|price list|quote|quotation|demo|trial|book a (call|meeting)|schedule a (call|meeting)|(talk|speak) (to|with) (sales|someone)|sales (contact|call)|contact (sales|me)|ready to (buy|purchase|sign)|purchase|buy (it|now|this)|interested in (your|the) (product|service|platform|solution|tool)|\d+\s*(seats|users|licen[cs]es)|preis(e|liste)?|angebot|kostenvoranschlag|testversion|testzugang|kaufen|lizenzen|interesse an (ihrem|eurem) (produkt|angebot|tool)|tarifs?|tarification|prix|devis|démo|essai gratuit|acheter|intéressée? par votre|precios?|cotizaci[oó]n|demostraci[oó]n|prueba gratuita|comprar|licencias|interesad[oa] en (su|vuestro) (producto|servicio))\b/giu,
  },
  { kind: 'info_request', re: /\b(share (some )?(general )?information|more information|more info|learn more|brochure|overview|informationen|infos? (zu|über)|plus d'informations|más informaci[oó]n)\b/giu },
  { kind: 'budget', re: /\b(budget|presupuesto aprobado|tenemos presupuesto|budget approuvé)\b/giu },
  {
    kind: 'timeline',
    re: /\b(this (week|month|quarter)|next (week|month)|within \d+ (days|weeks)|today|asap|as soon as possible|right away|urgent(ly)?|diese[nr]? (woche|monat|quartal)|nächste woche|innerhalb von \d+ (tagen|wochen)|heute|dringend|cette semaine|ce mois|ce trimestre|la semaine prochaine|sous \d+ jours|aujourd'hui|esta semana|este mes|este trimestre|la pr[oó]xima semana|en \d+ d[ií]as|hoy)\b/giu,
  },
  { kind: 'no_timeline', re: /\b(no timeline|not (right )?now|next year|at some point|nothing planned|just exploring|no rush|kein zeitplan|keine eile|nächstes jahr|irgendwann|pas de calendrier|l'année prochaine|pas pressé|sin prisa|el a[nñ]o que viene|m[aá]s adelante)\b/giu },
  {
    kind: 'not_a_buyer',
    re: /\b(student|school (report|project)|homework|thesis|just curious|free (stuff|templates?|samples?|resources?)|internship|job (opening|application)|studentin|schulprojekt|hausarbeit|étudiante?|projet scolaire|estudiante|trabajo escolar)\b/giu,
  },
];

const STATED: Array<{ field: StatedFact['field']; re: RegExp }> = [
  { field: 'seats', re: /\b(\d{1,6})\s*(seats|users|licen[cs]es|lizenzen|nutzer|utilisateurs|licences|usuarios|licencias)\b/iu },
  { field: 'employees', re: /\b(?:team of|we are|we're|wir sind|nous sommes|somos)\s*(?:about |around |ca\. |environ |unos )?(\d{1,6})\s*(people|employees|staff|mitarbeiter(innen)?|personen|personnes|employés|salariés|empleados|personas)?\b/iu },
  { field: 'employees', re: /\b(\d{1,6})\s*(employees|staff|mitarbeiter(innen)?|employés|salariés|empleados)\b/iu },
];

/** Sentences, so a match can be quoted with its context (and nothing more of the message). */
export function sentences(text: string): string[] {
  return text.replace(/\s+/g, ' ').split(/(?<=[.!?;])\s+|\n/).map((s) => s.trim()).filter(Boolean);
}

/** Word-stem matching of pain words ("automate" for "automation", "scale" for "scaling"). */
function stem(word: string): string {
  return word.toLowerCase().replace(/(ations?|ing|ion|ed|es|e|s)$/u, '');
}

export function readSignals(text: string, painWords: readonly string[]): Signal[] {
  const out: Signal[] = [];
  const seen = new Set<string>();
  const add = (s: Signal) => {
    const id = `${s.kind}:${s.match.toLowerCase()}`;
    if (seen.has(id)) return;
    seen.add(id);
    out.push(s);
  };
  const painStems = painWords.map((p) => ({ word: p, parts: p.split(/\s+/).map(stem) }));
  for (const sentence of sentences(text)) {
    for (const rule of RULES) for (const m of sentence.matchAll(rule.re)) add({ kind: rule.kind, match: m[0], quote: sentence.slice(0, 300) });
    const words = sentence.split(/[^\p{L}\p{N}]+/u).filter(Boolean).map(stem);
    for (const p of painStems) {
      const hit = p.parts.length === 1 ? words.includes(p.parts[0]!) : words.join(' ').includes(p.parts.join(' '));
      if (hit) add({ kind: 'pain', match: p.word, quote: sentence.slice(0, 300) });
    }
  }
  return out;
}

export function statedFacts(text: string): StatedFact[] {
  const out: StatedFact[] = [];
  for (const sentence of sentences(text)) {
    for (const s of STATED) {
      if (out.some((f) => f.field === s.field)) continue;
      const m = s.re.exec(sentence);
      // "we are 3" without a noun is read, but trusted less than "200 employees".
      if (m) out.push({ field: s.field, value: Number(m[1]), quote: sentence.slice(0, 300), source: 'stated in the message', confidence: m[2] ? 0.8 : 0.5 });
    }
  }
  return out;
}
