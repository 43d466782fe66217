/**
 * Code decides before any model is asked: auto-replies, mailing lists and newsletters, bounces
 * and no-reply senders are recorded as `unrouted` with the reason, at no cost.
 */
import type { TriageInput } from '../workflows/ports.ts';

export function prefilter(input: TriageInput): { skip: true; reason: string } | { skip: false } {
  const h = input.email?.headers ?? {};
  const from = input.email?.from?.address ?? '';
  if (h['auto-submitted'] && !/^no$/i.test(h['auto-submitted'])) return { skip: true, reason: `auto-submitted message (${h['auto-submitted']})` };
  if (h['x-autoreply'] || h['x-autorespond'] || /^(auto_reply|autoreply)$/i.test(h['x-auto-response-suppress'] ?? '')) return { skip: true, reason: 'auto-reply' };
  if (/^(bulk|junk|list)$/i.test(h.precedence ?? '')) return { skip: true, reason: `bulk mail (Precedence: ${h.precedence})` };
  if (h['list-unsubscribe'] || h['list-id']) return { skip: true, reason: 'newsletter or mailing list (List-Id / List-Unsubscribe)' };
  if (/^(mailer-daemon|postmaster)@/i.test(from)) return { skip: true, reason: 'delivery status notification' };
  if (/^(no-?reply|do-?not-?reply|donotreply|notifications?)@/i.test(from) && !input.attachments.length) return { skip: true, reason: `no-reply sender ${from}` };
  if (/^(out of office|automatic reply|abwesenheitsnotiz|réponse automatique|autosvar|respuesta automática)/i.test(input.email?.subject ?? '')) return { skip: true, reason: 'out-of-office reply' };
  return { skip: false };
}
