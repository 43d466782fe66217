/**
 * Offline drafts for every email the lead workflow writes: personalised with what enrichment
 * found (company, size, stack) and the lead's own words, never inventing a fact. Automated
 * mail gets its unsubscribe footer and postal address from the outbox (src/outreach), not here.
 * Where outside enrichment data was used, the first email says so (GDPR Art. 14).
 *
 * Each draft is in the lead's language (`language`, chosen once per run: language.ts), worded by
 * drafts-i18n.ts; this file decides what each email says, the same facts in every language.
 */
import type { Policy } from '../../policy/schema.ts';
import type { Enrichment } from './enrich/enrich.ts';
import { PHRASES, type DraftLanguage, type Phrases } from './drafts-i18n.ts';
import type { Score } from './score.ts';

export type { DraftLanguage } from './drafts-i18n.ts';

export interface DraftContext {
  name: string | null;
  company: string | null;
  message: string;
  enrichment: Enrichment;
  score: Score;
  lead: Policy['lead'];
  /** The language to write in; English when not given. */
  language?: DraftLanguage;
}

export interface Draft {
  subject: string;
  text: string;
}

const phrases = (c: DraftContext): Phrases => PHRASES[c.language ?? 'en'] ?? PHRASES.en;
const firstName = (name: string | null) => (name ?? '').trim().split(/\s+/)[0] || null;
const greeting = (c: DraftContext) => phrases(c).greeting(firstName(c.name));
const sign = (c: DraftContext, who = c.lead.sender_name) => `${phrases(c).closing}\n${who}`;
const companyName = (c: DraftContext) => c.company?.trim() || c.enrichment.company?.name || null;

/** The lead's own words, shortened to one quotable sentence. */
function theirWords(c: DraftContext): string | null {
  const first = c.message.replace(/\s+/g, ' ').trim().split(/(?<=[.!?])\s/)[0]?.replace(/[.!]+$/, '');
  return first ? (first.length > 200 ? `${first.slice(0, 197)}...` : first) : null;
}

function painLine(c: DraftContext): string | null {
  const pain = c.enrichment.signals.filter((s) => s.kind === 'pain').map((s) => s.match);
  if (!pain.length) return null;
  // The policy's pain words are the operator's (English by default): in another language only
  // the ones the lead wrote themselves are named, so no English word lands in a German sentence.
  const lower = c.message.toLowerCase();
  const named = (c.language ?? 'en') === 'en' ? pain : pain.filter((p) => lower.includes(p.toLowerCase()));
  return phrases(c).pain(named.slice(0, 2), c.lead.product_name);
}

function contextLine(c: DraftContext): string | null {
  const co = c.enrichment.company;
  const name = companyName(c);
  if (!co || !name) return null;
  const stack = co.tech.filter((t) => c.lead.icp.tech.some((x) => x.toLowerCase() === t.toLowerCase()));
  if (!co.employees && !stack.length) return null;
  return phrases(c).context(name, c.lead.product_name, co.employees || null, stack);
}

/** The GDPR Art. 14 notice, when facts about the lead came from outside data (enrichment). */
export function art14(c: DraftContext): string | null {
  return c.enrichment.outsideData ? phrases(c).art14 : null;
}

const lines = (...parts: Array<string | null | undefined | false>) => parts.filter((p): p is string => Boolean(p)).join('\n\n');

export function firstEmail(c: DraftContext): Draft {
  const p = phrases(c);
  const resource = c.lead.resources[0];
  return {
    subject: p.firstSubject(c.lead.product_name, companyName(c)),
    text: lines(
      greeting(c),
      p.firstThanks(theirWords(c)),
      painLine(c),
      contextLine(c),
      resource ? p.startWith(resource.title, resource.url) : null,
      p.callAsk,
      art14(c),
      sign(c),
    ),
  };
}

export function followUp(c: DraftContext, n: number): Draft {
  const p = phrases(c);
  const resource = c.lead.resources[n % Math.max(1, c.lead.resources.length)];
  const body = n === 1 ? `${p.followUpFirst(companyName(c))} ${painLine(c) ?? p.followUpDefault}` : p.followUpLast;
  return {
    subject: `Re: ${firstEmail(c).subject}`,
    text: lines(greeting(c), body, resource && n === 1 ? p.meantime(resource.title, resource.url) : null, sign(c)),
  };
}

export function resourceEmail(c: DraftContext): Draft {
  const p = phrases(c);
  const list = c.lead.resources.map((r) => `- ${r.title}: ${r.url}`).join('\n');
  return {
    subject: p.resourcesSubject(c.lead.product_name),
    text: lines(greeting(c), p.resourcesIntro(c.lead.product_name), list, p.resourcesTalk, sign(c)),
  };
}

/** The first reply a sales rep sends a hot lead: theirs to edit (alert.ts sends none with a placeholder left). */
export function repReply(c: DraftContext): Draft {
  const p = phrases(c);
  const asks = c.enrichment.signals.filter((s) => s.kind === 'buying_request').map((s) => s.match.toLowerCase());
  return {
    subject: p.repSubject(companyName(c)),
    text: lines(
      greeting(c),
      p.repThanks(theirWords(c)),
      painLine(c),
      asks.some((a) => /pric|quote|angebot|devis|precio|tarif/.test(a)) ? p.repPricing : null,
      p.repSlots((n) => `[${p.placeholder.slot} ${n}]`),
      art14(c),
      sign(c, `[${p.placeholder.yourName}]`),
    ),
  };
}

/** An answer to a lead's question, for a person to complete and approve. */
export function answerDraft(c: DraftContext, question: string): Draft {
  const p = phrases(c);
  return {
    subject: `Re: ${firstEmail(c).subject}`,
    text: lines(greeting(c), p.answerThanks, `> ${question.replace(/\s+/g, ' ').slice(0, 500)}`, `[${p.placeholder.answer}]`, p.answerCall, sign(c)),
  };
}
