/**
 * The router's first look at an inbound email, before the reply match and the prefilter:
 * automatic mail is handled by code and never routed as a request — and an auto-reply whose
 * In-Reply-To names our message must never count as that person's reply.
 *
 *   bounce / complaint tied to a message we sent ─► `email.bounce` (key = that Message-ID, normalised)
 *        hard bounce or complaint also ─► the recipient is suppressed
 *        soft bounce: a "delayed" warning needs nothing; a returned message is sent again by the
 *        outbox later (bounded by OUTBOX_SOFT_BOUNCE_RESENDS), then `retry.outcome = gave_up`
 *   auto-reply tied to a message we sent ────────► `email.auto_reply` (same key; returnDate when stated)
 *   "unsubscribe" by mail ───────────────────────► suppressed + `lead.unsubscribe` (key = the address)
 *   automatic but tied to nothing of ours ───────► set aside (backscatter, someone else's bounce):
 *        nothing is suppressed on its word, since anyone can forge one
 *   a person's mail ─────────────────────────────► noted as their last own mail (the cap counts from it); null
 *
 * Whoever waits on the keys (the lead workflow) decides what the event means for its sequence.
 */
import type { StepApi } from '../../engine/types.ts';
import { sentMessagesAmong } from '../../channels/email/outbox.ts';
import { normaliseMessageId } from '../../intake/intake.ts';
import { classifyAutomatedMail, type AutomatedMail } from '../../outreach/automated-mail.ts';
import { noteInbound, normaliseAddress, suppress } from '../../outreach/suppression.ts';
import type { EmailSummary, WorkflowServices } from '../ports.ts';

export interface AutomatedMailRoute {
  route: 'bounce' | 'complaint' | 'auto_reply' | 'unsubscribe';
  reason: string;
  /** The run that sent the message this mail answers (the one the event is for), if any. */
  runId: string | null;
}

interface Tied {
  messageId: string;
  runId: string | null;
  /** Our recipient when the message had exactly one (more reliable than what a bounce claims). */
  to: string | null;
}

// Complaint feedback types that are about the person's wish, not about forgery.
const PERSON_COMPLAINTS = new Set(['abuse', 'fraud', 'virus', 'other']);

export async function handleAutomatedMail(step: StepApi, services: WorkflowServices, itemId: string, email: EmailSummary): Promise<AutomatedMailRoute | null> {
  const { pool } = services;
  const seen = await step.run('automated-mail', async (): Promise<{ mail: AutomatedMail; tied: Tied | null }> => {
    const mail = classifyAutomatedMail(email);
    if (mail.kind === 'none') {
      // A person wrote this: the unanswered-mail cap counts from now.
      if (email.from?.address) await noteInbound(pool, email.from.address, new Date(), itemId);
      return { mail, tied: null };
    }
    if (mail.kind === 'unsubscribe') return { mail, tied: null };
    const named = [mail.originalMessageId, email.inReplyTo, ...email.references].filter((x): x is string => Boolean(x));
    const ours = await sentMessagesAmong(pool, named);
    if (!ours.length) return { mail, tied: null };
    const first = ours[0]!;
    const { rows } = await pool.query<{ to_address: string }>(`SELECT to_address FROM mailroom.outbox WHERE message_id = $1 LIMIT 1`, [first.message_id]);
    const to = rows[0]?.to_address && !rows[0].to_address.includes(',') ? normaliseAddress(rows[0].to_address) : null;
    return { mail, tied: { messageId: first.message_id, runId: first.run_id, to } };
  });
  const { mail, tied } = seen;
  if (mail.kind === 'none') return null;
  const events = services.events;
  const send = (id: string, name: string, key: string, payload: unknown) =>
    step.run(id, async () => (events ? (await events.send(name, key, payload), true) : false));

  if (mail.kind === 'unsubscribe') {
    const address = mail.address ?? normaliseAddress(email.from?.address ?? '');
    await step.run('suppress', () => suppress(pool, address, 'unsubscribe', `unsubscribe by mail (item ${itemId})`));
    await send('deliver-unsubscribe', 'lead.unsubscribe', address, { address, via: 'mail', itemId });
    const reason = `an unsubscribe request by mail (${mail.evidence}): the sender is suppressed`;
    await step.decide({ action: 'route', parameters: { route: 'unsubscribe' }, reasoning: reason, confidence: 1, provider: 'code' });
    return { route: 'unsubscribe', reason, runId: null };
  }

  const route = mail.kind;
  if (!tied) {
    const reason = `${describe(mail)}, about no message Mailroom sent: set aside (nothing suppressed on an untied report)`;
    await step.decide({ action: 'route', parameters: { route: 'unrouted', automated: route }, reasoning: reason, confidence: 1, provider: 'code' });
    return { route, reason, runId: null };
  }

  const key = normaliseMessageId(tied.messageId) ?? tied.messageId;
  let reason: string;
  if (mail.kind === 'auto_reply') {
    await send('deliver-auto-reply', 'email.auto_reply', key, { itemId, from: email.from?.address ?? null, returnDate: mail.returnDate });
    reason = `${describe(mail)} to our ${tied.messageId}: not a reply; handed to its run as email.auto_reply`;
  } else {
    const recipient = tied.to ?? mail.recipient;
    const kind = mail.kind === 'complaint' ? 'complaint' : mail.hard ? 'hard' : 'soft';
    const retry = kind === 'soft' && mail.kind === 'bounce' ? await softBounceRetry(step, services, tied.messageId, mail) : null;
    const payload = {
      itemId, kind, status: mail.kind === 'bounce' ? mail.status : null, recipient, diagnostic: mail.kind === 'bounce' ? mail.diagnostic : `feedback type ${mail.feedbackType}`,
      ...(retry ? { retry } : {}),
    };
    await send('deliver-bounce', 'email.bounce', key, payload);
    const suppressIt = recipient && (kind === 'hard' || (mail.kind === 'complaint' && PERSON_COMPLAINTS.has(mail.feedbackType)));
    if (suppressIt) await step.run('suppress', () => suppress(pool, recipient, kind === 'hard' ? 'hard_bounce' : 'complaint', `${kind === 'hard' ? 'hard bounce' : 'complaint'} of ${tied.messageId}`));
    reason = `${describe(mail)} of our ${tied.messageId}: handed to its run as email.bounce (${kind})${suppressIt ? '; the recipient is suppressed' : retry ? `; a soft bounce, the address stays: ${retryText(retry)}` : ''}`;
  }
  await step.decide({ action: 'route', parameters: { route, run: tied.runId }, reasoning: reason, confidence: 1, provider: 'code' });
  return { route, reason, runId: tied.runId };
}

/** What happens to a softly bounced message: `delayed` (the relay still tries), `resent` at a time, or `gave_up`. */
export type SoftBounceRetry =
  | { outcome: 'delayed' }
  | { outcome: 'resent'; at: string; softBounces: number }
  | { outcome: 'gave_up'; softBounces: number }
  | { outcome: 'not_resent'; why: string };

/**
 * A delayed-delivery warning needs nothing: the reporting server keeps the message. A relay
 * that gave up on a temporary failure returned it, so the outbox sends it again, a bounded
 * number of times; past that the address is treated as not reachable for now (not suppressed).
 */
async function softBounceRetry(step: StepApi, services: WorkflowServices, messageId: string, mail: Extract<AutomatedMail, { kind: 'bounce' }>): Promise<SoftBounceRetry> {
  if (mail.delayed) return { outcome: 'delayed' };
  const resend = services.mailer?.resendAfterSoftBounce;
  if (!resend) return { outcome: 'not_resent', why: 'this mailer cannot resend' };
  return step.run('soft-bounce-resend', async (): Promise<SoftBounceRetry> => {
    const r = await resend(messageId, `${mail.status}${mail.diagnostic ? ` ${mail.diagnostic.slice(0, 200)}` : ''}`);
    if (r.resent) return { outcome: 'resent', at: r.nextAttemptAt!.toISOString(), softBounces: r.softBounces };
    if (r.reason === 'exhausted') return { outcome: 'gave_up', softBounces: r.softBounces };
    return { outcome: 'not_resent', why: r.reason ?? 'unknown' };
  });
}

function retryText(r: SoftBounceRetry): string {
  if (r.outcome === 'delayed') return 'a delay warning, the reporting server keeps trying';
  if (r.outcome === 'resent') return `sent again at ${r.at} (soft bounce ${r.softBounces})`;
  if (r.outcome === 'gave_up') return `not sent again: ${r.softBounces} soft bounces, the limit reached`;
  return `not sent again (${r.why})`;
}

function describe(mail: Exclude<AutomatedMail, { kind: 'none' | 'unsubscribe' }>): string {
  if (mail.kind === 'bounce') return `a ${mail.hard ? 'hard' : 'soft'} bounce (status ${mail.status}; ${mail.evidence})`;
  if (mail.kind === 'complaint') return `a complaint (${mail.evidence})`;
  return `an automatic reply (${mail.evidence}${mail.returnDate ? `; back on ${mail.returnDate}` : ''})`;
}
