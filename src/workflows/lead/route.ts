/**
 * What the router sends to the lead workflow: someone interested in buying from us. The offline
 * rule reads the same buying signals the score reads (pricing, demo, quote, trial, seats,
 * "interested in your product"; English, German, French, Spanish) and stays out of the way of
 * existing customers talking about their own account or bill (support, rank 40, and invoices,
 * rank 10, are judged around it).
 */
import type { RouteSpec } from '../routes.ts';
import { readItem } from '../routes.ts';
import { readSignals } from './enrich/message-facts.ts';
import { leadMailEvent, waitingLeadRun } from './address-match.ts';

// An existing customer about their own plan is support, however often they say "pricing".
const CUSTOMER = /\b(my|our) (account|subscription|invoice|bill|plan|license|licence)\b|\b(refund|charged|overcharged|cancel|not working|error|bug|broken|kündigen|rückerstattung|remboursement|reembolso)\b/i;

export const leadRoute: RouteSpec = {
  route: 'lead',
  workflow: 'lead',
  installed: true,
  summary: 'someone interested in buying from us: asks for pricing, a demo, a quote or a trial, names a seat count, or says they are interested in our product',
  offline: {
    rank: 30,
    match(input) {
      const { all } = readItem(input);
      if (CUSTOMER.test(all)) return null;
      const buying = readSignals(all.slice(0, 20_000), []).filter((s) => s.kind === 'buying_request');
      if (!buying.length) return null;
      const why = `asks to buy (${[...new Set(buying.map((b) => b.match.toLowerCase()))].slice(0, 4).join(', ')})`;
      return { why: `lead: ${why}`, confidence: 0.6, fields: { reasoning: why } };
    },
  },
  input: (item) => {
    const email = item.email;
    // A lead forwarded by a colleague is the original sender's.
    const from = email?.forwarded?.original.from ?? email?.replyTo ?? email?.from ?? null;
    return {
      itemId: item.itemId,
      email: from?.address ?? item.requester?.email ?? '',
      ...(from?.name ? { name: from.name } : {}),
      message: (email?.forwarded?.original.text ?? item.text).slice(0, 20_000),
      source: 'email',
      inbound: email,
      requester: item.requester,
      ...(item.triage?.language ? { triageLanguage: { language: item.triage.language, provider: item.triage.provider } } : {}),
    };
  },
  async ongoing(pool, email, itemId) {
    const from = email.replyTo?.address ?? email.from?.address;
    const waiting = from ? await waitingLeadRun(pool, from) : null;
    return waiting && { name: 'lead.engagement', key: waiting.key, payload: leadMailEvent(itemId, email.text), runId: waiting.runId };
  },
};
