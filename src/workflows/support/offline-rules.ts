/**
 * The offline rules of the support workflow: whether an item is a support request and, if so,
 * its category, priority and sentiment, each hit explained. Rules guess, so they never claim more
 * than 0.6 and the policy sends their decisions to a person.
 */
import { detectLanguage } from '../../llm/offline/language.ts';
import type { Priority, SupportCategory, TriageInput, TriageResult } from '../ports.ts';
import { readItem, type Rule } from '../routes.ts';

const CATEGORIES: Array<{ category: SupportCategory; rules: Rule[] }> = [
  {
    category: 'complaint',
    rules: [
      { re: /\b(disappointed|unacceptable|terrible|worst|complain|complaint|angry|furious|fed up|third time|once again|never again|déçu|mécontent|inacceptable|plainte|enttäuscht|unzufrieden|beschwerde|decepcionado|queja|deluso|reclamo|teleurgesteld|klacht)\b/i, why: 'expresses dissatisfaction' },
      { re: /\b(cancel my (account|subscription)|résilier|kündigen|cancelar|disdire|opzeggen)\b/i, why: 'threatens to cancel' },
    ],
  },
  {
    category: 'technical',
    rules: [
      { re: /\b(error|errors|bug|crash|crashes|broken|down|outage|not working|doesn't work|does not work|fails?|failing|timeout|500|502|503|api|http|exception|export|import|integration|sync|settings|option|feature not|cannot find|could not find|fehler|funktioniert nicht|erreur|ne fonctionne pas|panne|errore|fout|storing)\b/i, why: 'describes a technical problem or how-to' },
    ],
  },
  {
    category: 'account',
    rules: [
      { re: /\b(password|passwort|mot de passe|contraseña|login|log in|sign in|signin|anmelden|konto|account|compte|cuenta|2fa|two-factor|locked out|reset|zurücksetzen|réinitialiser|username|e-mail address change)\b/i, why: 'is about access to an account' },
    ],
  },
  {
    category: 'billing',
    rules: [
      { re: /\b(refund|charged|charge|overcharged|payment|subscription|plan|pricing|price|receipt|credit card|vat|erstattung|abbuchung|remboursement|prélèvement|reembolso|cobro|rimborso|terugbetaling)\b/i, why: 'is about charges or payments' },
    ],
  },
  {
    category: 'feature_request',
    rules: [
      { re: /\b(feature (idea|request)|would be (great|nice|cool)|it would be|please add|could you add|wish|suggestion|dark mode|roadmap|feature-wunsch|wäre schön|ce serait bien|suggestion|sería genial|sarebbe bello)\b/i, why: 'asks for something new' },
    ],
  },
];

const URGENT: Rule[] = [
  { re: /\b(all (of )?(our|my) (customers|users)|every request|production|prod\b|outage|down\b|checkout is broken|data loss|security (breach|incident)|hacked|cannot (process|take) (orders|payments)|complete(ly)? (down|broken))\b/i, why: 'production impact on many users' },
  { re: /\b(returning|returns|throwing) (http )?5\d\d\b|\b5\d\d(s)? (for|on) (all|every)\b/i, why: 'server errors for everyone' },
];
const HIGH: Rule[] = [
  { re: /\b(third time|again and again|nobody (answers|responds)|personne ne répond|niemand antwortet|résilier|cancel|kündigen|lawyer|legal action|refund now)\b/i, why: 'repeated failure or churn risk' },
  { re: /\b(urgent|asap|immediately|dringend|sofort|urgence|urgente)\b/i, why: 'the sender says it is urgent' },
];
const LOW: Rule[] = [{ re: /\b(at some point|someday|no rush|when you have time|would be (great|nice)|idea|suggestion|love the product)\b/i, why: 'no time pressure' }];
const NEGATIVE = /\b(disappointed|unacceptable|terrible|angry|broken|déçu|mécontent|enttäuscht|ärgerlich|frustrat\w*|annoyed|worst|furious)\b/i;
const POSITIVE = /\b(love|great|thanks|thank you|awesome|merci|danke|gracias|grazie)\b/i;
const QUESTION_OR_PROBLEM = /\?|\b(help|problem|issue|how (do|can)|can you|could you|not working|doesn't|cannot|can't|hilfe|können sie|aide|pouvez-vous|ayuda|aiuto)\b/i;

export type SupportClassification = Pick<TriageResult, 'routeReason' | 'sentiment' | 'solvable' | 'confidence' | 'reasoning'> & { category: SupportCategory; priority: Priority };

/**
 * The rules' classification of a support request; null when the item does not look like one,
 * unless `force` (people routed items like it to support) asks for the best guess anyway.
 */
export function classifySupport(input: TriageInput, options: { force?: boolean } = {}): SupportClassification | null {
  const { all, body } = readItem(input);
  const lang = detectLanguage(body);
  const why: string[] = [];
  const scored = CATEGORIES.map(({ category, rules }) => ({ category, hits: rules.filter((r) => r.re.test(all)) })).filter((c) => c.hits.length);
  // Complaints win over the topic they complain about; feature requests over generic how-to words.
  const order: SupportCategory[] = ['complaint', 'feature_request', 'account', 'billing', 'technical'];
  scored.sort((a, b) => order.indexOf(a.category) - order.indexOf(b.category));
  const looksLikeRequest = scored.length > 0 || QUESTION_OR_PROBLEM.test(all);
  if (!looksLikeRequest && !options.force) return null;
  const category: SupportCategory = scored[0]?.category ?? 'other';
  if (scored[0]) why.push(`category ${category}: ${scored[0].hits.map((h) => h.why).join(', ')}`);
  else why.push(`category other: ${looksLikeRequest ? 'a question with no topic rule matching' : 'no topic rule matched'}`);

  let priority: Priority = 'normal';
  const urgent = URGENT.filter((r) => r.re.test(all));
  const high = HIGH.filter((r) => r.re.test(all));
  const low = LOW.filter((r) => r.re.test(all));
  if (urgent.length) priority = 'urgent';
  else if (high.length || category === 'complaint') priority = 'high';
  else if (low.length || category === 'feature_request') priority = 'low';
  const pWhy = urgent[0]?.why ?? high[0]?.why ?? low[0]?.why ?? (category === 'complaint' ? 'complaints are handled first' : category === 'feature_request' ? 'feature requests are not time-critical' : 'no urgency signal');
  why.push(`priority ${priority}: ${pWhy}`, `language ${lang.language}`);
  const sentiment = NEGATIVE.test(all) || category === 'complaint' ? 'negative' : POSITIVE.test(all) ? 'positive' : 'neutral';
  const confidence = Math.min(0.6, 0.35 + 0.1 * (scored[0]?.hits.length ?? 0) + (urgent.length ? 0.1 : 0) + lang.confidence * 0.1);
  return {
    routeReason: `support request: ${scored[0] ? scored[0].hits[0]!.why : 'asks a question'}`,
    category,
    priority,
    sentiment,
    solvable: solvableCategory(category),
    confidence: Math.round(confidence * 100) / 100,
    reasoning: why.join('; '),
  };
}

export const solvableCategory = (category: SupportCategory) => category === 'technical' || category === 'account' || category === 'billing' || category === 'other';
