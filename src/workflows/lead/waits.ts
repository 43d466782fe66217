/**
 * Waiting on a lead: one durable `waitForAny` over everything that may end or change the wait —
 * a reply to any mail we sent it (`email.reply`, keyed by our Message-ID), a bounce or an
 * auto-reply about one (`email.bounce`, `email.auto_reply`, same key), an unsubscribe
 * (`lead.unsubscribe`, keyed by the address) and new engagement (`lead.engagement`, same key) —
 * with the remaining time as timeout. Auto-replies never count as replies: an out-of-office
 * with a return date moves the deadline to that date; any other is noted and the wait goes on.
 * A soft bounce is noted (the outbox sends the message again, or the relay still tries); one
 * that came back after every resend stops the sequence, as a hard bounce or complaint does.
 */
import type { EventMatcher } from '../../engine/types.ts';
import { changeStatus, crmNote, type LeadRun } from './context.ts';

export interface ReplyEvent {
  itemId: string;
  from: string | null;
  subject?: string;
  text: string;
}
export interface EngagementEvent {
  /** `email`: the lead wrote to us (a new mail, not a reply to ours): that is an answer. */
  via?: 'form' | 'email';
  itemId?: string | null;
  message?: string | null;
  activity?: unknown[];
  submissions?: number;
}

export type WaitEnd =
  | { kind: 'timeout' }
  | { kind: 'reply'; reply: ReplyEvent; messageKey: string }
  | { kind: 'stopped'; reason: string }
  | { kind: 'engaged'; engagement: EngagementEvent };

interface BouncePayload {
  kind: 'hard' | 'soft' | 'complaint';
  status?: string | null;
  diagnostic?: string | null;
  /** Soft bounces: what the outbox did (router/automated-mail.ts). */
  retry?: { outcome: 'delayed' | 'resent' | 'gave_up' | 'not_resent'; at?: string; softBounces?: number };
}
interface AutoReplyPayload { returnDate?: string | null }

/** Longest out-of-office pause honoured; a stated return date further out is not believed. */
const MAX_PAUSE_MS = 60 * 86_400_000;

export async function waitOnLead(run: LeadRun, id: string, durationMs: number, options: { engagement?: boolean } = {}): Promise<WaitEnd> {
  const { step } = run;
  let deadline = await step.run(`${id}:deadline`, () => Date.now() + durationMs);
  for (let n = 0; n < 100; n++) {
    const matchers: EventMatcher[] = [
      ...run.sent.flatMap((key) => ['email.reply', 'email.bounce', 'email.auto_reply'].map((name) => ({ name, key }))),
      { name: 'lead.unsubscribe', key: run.email },
      ...(options.engagement === false ? [] : [{ name: 'lead.engagement', key: run.email }]),
    ];
    const remaining = Math.max(1, deadline - Date.now());
    const ev = await step.waitForAny(matchers, { timeoutMs: remaining, id: `${id}#${n}` });
    if (ev.timeout) return { kind: 'timeout' };
    if (ev.name === 'email.reply') return { kind: 'reply', reply: ev.payload as ReplyEvent, messageKey: ev.key };
    if (ev.name === 'lead.engagement') return { kind: 'engaged', engagement: ev.payload as EngagementEvent };
    if (ev.name === 'lead.unsubscribe') {
      await changeStatus(run, `${id}:unsubscribed`, 'unsubscribed', 'the lead unsubscribed (link or mail); no further email');
      return { kind: 'stopped', reason: 'unsubscribed' };
    }
    if (ev.name === 'email.bounce') {
      const b = ev.payload as BouncePayload;
      if (b.kind === 'soft' && b.retry?.outcome !== 'gave_up') {
        const retried = b.retry?.outcome === 'resent' ? `the message is sent again at ${b.retry.at}` : b.retry?.outcome === 'delayed' ? 'the receiving side is still trying' : 'delivery is retried';
        await step.decide({ action: 'lead.bounce.soft', parameters: { status: b.status ?? null, retry: b.retry ?? null }, reasoning: `a soft bounce (${b.status ?? '4.x.x'}${b.diagnostic ? `: ${b.diagnostic.slice(0, 200)}` : ''}): ${retried}; the sequence goes on` });
        await crmNote(run, `${id}:soft-bounce#${n}`, `Soft bounce (${b.status ?? '4.x.x'}): ${retried}; the sequence goes on.`);
        continue;
      }
      if (b.kind === 'soft') {
        // Sent again as often as the outbox allows and still returned: unreachable for now, not suppressed.
        await changeStatus(run, `${id}:bounced`, 'bounced', `soft bounces ${b.retry?.softBounces ?? ''} times (${b.status ?? '4.x.x'}${b.diagnostic ? `: ${b.diagnostic.slice(0, 200)}` : ''}), resent up to the limit: the sequence stops; the address is not suppressed (the failure was temporary)`);
        return { kind: 'stopped', reason: 'bounced' };
      }
      const what = b.kind === 'complaint' ? 'a spam complaint' : `a hard bounce (${b.status ?? '5.x.x'})`;
      await changeStatus(run, `${id}:bounced`, 'bounced', `${what}${b.diagnostic ? `: ${b.diagnostic.slice(0, 200)}` : ''}; the address is suppressed and the sequence stops`);
      return { kind: 'stopped', reason: 'bounced' };
    }
    // An auto-reply: never a reply. With a return date in the future, the sequence waits for it.
    const a = ev.payload as AutoReplyPayload;
    const back = a.returnDate ? Date.parse(a.returnDate) : NaN;
    const eventAt = Date.parse(ev.receivedAt);
    if (Number.isFinite(back) && back > deadline && back - eventAt <= MAX_PAUSE_MS) {
      deadline = back;
      await step.decide({ action: 'lead.paused', parameters: { until: new Date(back).toISOString() }, reasoning: `an out-of-office reply says the lead is back on ${new Date(back).toISOString().slice(0, 10)}: the next email waits until then` });
      await crmNote(run, `${id}:ooo#${n}`, `Out of office until ${new Date(back).toISOString().slice(0, 10)}: the sequence is paused until then.`);
    } else {
      await step.decide({ action: 'lead.auto_reply', parameters: { returnDate: a.returnDate ?? null }, reasoning: 'an automatic reply (not a reply from the person): the sequence goes on unchanged' });
    }
  }
  return { kind: 'timeout' };
}
