/**
 * One lead email: drafted by code, approved by a person unless `lead.auto_send` names its kind
 * (default: nothing is auto-sent; the draft is editable, as for support), then sent through
 * the mailer with an idempotency key and the policy gate's check (`email.send`). A refusal —
 * the unanswered-mail cap, a suppressed address, no postal address — is an outcome, not a
 * crash: it is recorded, the sequence stops, and the CRM gets a note.
 */
import { askForApproval } from '../../approvals/ask.ts';
import { StepFailedError } from '../../engine/signals.ts';
import { normaliseMessageId } from '../../intake/intake.ts';
import { nextSendTime } from '../../outreach/send-window.ts';
import { resolveIdentities } from '../../policy/load.ts';
import { approvalDeps, type OutgoingMail } from '../ports.ts';
import { crmNote, type LeadRun } from './context.ts';
import type { Draft } from './drafts.ts';
import { recordLeadEvent } from './store.ts';

export type EmailKind = 'first_email' | 'follow_up' | 'resource_email' | 'answer' | 'rep_reply';

const LABEL: Record<EmailKind, string> = {
  first_email: 'first email', follow_up: 'follow-up', resource_email: 'resource email', answer: 'answer', rep_reply: "sales rep's reply",
};

export type SendResult =
  | { sent: true; messageId: string; text: string }
  | { sent: false; reason: string; refused: boolean };

export interface SendOptions {
  /** Why this email, for the approver and the trace. */
  why: string;
  /** Already approved by a person (the rep's reply after "Take it"): no second approval. */
  approved?: boolean;
  /** Answer in the thread of our earlier mail. */
  inReplyTo?: string | null;
  /** Shown to the approver (score breakdown...). */
  fields?: Record<string, unknown>;
}

export async function sendLeadEmail(run: LeadRun, key: string, kind: EmailKind, draft: Draft, o: SendOptions): Promise<SendResult> {
  const { step, s, lp } = run;
  const label = LABEL[kind];
  const auto = o.approved || (kind !== 'rep_reply' && (lp.auto_send as string[]).includes(kind));
  let text = draft.text;
  if (!auto) {
    const decision = await askForApproval(step, approvalDeps(s), {
      key: `email:${key}`,
      kind: `lead.${kind}`,
      title: `Lead ${label} to ${run.email}: ${draft.subject}`,
      request: {
        summary: { from: run.email, subject: draft.subject, channel: 'lead', excerpt: o.why.slice(0, 500) },
        proposal: { type: 'reply', description: `send this ${label} to ${run.email}`, draft: draft.text, to: run.email },
        reasoning: o.why,
        confidence: null,
        reasons: [`lead.auto_send does not include ${kind}: a person approves each ${label}`],
        fields: { ...(o.fields ?? {}), band: run.band },
        editable: ['draft'],
      },
      approvers: resolveIdentities(s.policy, lp.approvers ?? s.policy.approvers),
      remindAfterMs: s.policy.approval.remind_after,
      expireAfterMs: s.policy.approval.expire_after,
    });
    if (decision.outcome !== 'approved') {
      const reason = `the ${label} was ${decision.outcome === 'rejected' ? `rejected by ${decision.approvers.join(', ') || 'a person'}` : 'not approved in time'}`;
      await step.decide({ action: 'lead.email.skipped', parameters: { kind, key, outcome: decision.outcome }, reasoning: reason });
      return { sent: false, reason, refused: false };
    }
    if (typeof decision.edits?.draft === 'string' && decision.edits.draft.trim()) text = decision.edits.draft;
  }

  // Our own automated outreach carries the unsubscribe headers and counts toward the cap; a reply
  // a person wrote or approved as their own (the rep's) is ordinary mail.
  const mail: OutgoingMail = {
    to: run.email,
    subject: draft.subject,
    text,
    automated: kind !== 'rep_reply',
    language: run.language,
    ...(o.inReplyTo ? { inReplyTo: o.inReplyTo, references: [o.inReplyTo] } : {}),
  };
  if (mail.automated && lp.send_window.enabled) await waitForSendWindow(run, key);
  let messageId: string;
  try {
    const res = await step.action(`email:${key}`, () => s.mailer.send(mail, `${run.runId}:email:${key}`, { runId: run.runId }), { kind: 'email.send', parameters: { to: run.email, kind, automated: mail.automated }, repeatable: true });
    messageId = res.messageId;
  } catch (err) {
    if (!(err instanceof StepFailedError)) throw err;
    const refused = err.stored.code === 'POLICY_DENIED';
    const reason = refused ? `the policy gate refused the ${label}: ${err.stored.message.replace(/^.*refused by policy: /, '')}` : `the ${label} could not be sent: ${err.stored.message}`;
    await step.decide({ action: 'lead.email.refused', parameters: { kind, key, refused }, reasoning: reason });
    await crmNote(run, `refused:${key}`, `Email not sent (${label}): ${reason}`);
    return { sent: false, reason, refused };
  }
  const normalised = normaliseMessageId(messageId) ?? messageId;
  if (!run.sent.includes(normalised)) run.sent.push(normalised);
  await step.run(`email:${key}:record`, async () => {
    await recordLeadEvent(s.pool, { leadId: run.leadId, runId: run.runId, key: `email:${run.runId}:${key}`, kind: 'email_sent', detail: { kind, messageId, subject: draft.subject } });
    return true;
  });
  await step.decide({ action: 'lead.email.sent', parameters: { kind, key, messageId, auto }, reasoning: `${label} sent: ${o.why}${auto && !o.approved ? ` (lead.auto_send allows ${kind})` : ''}` });
  await crmNote(run, `email:${key}`, `Email sent (${label}): "${draft.subject}". ${o.why}`);
  return { sent: true, messageId, text };
}

/** Automated mail waits for the recipient's business hours (form zone, else their domain's country, else the default). */
async function waitForSendWindow(run: LeadRun, key: string): Promise<void> {
  const w = run.lp.send_window;
  const next = await run.step.run(`email:${key}:window`, () => {
    const n = nextSendTime({ now: new Date(), address: run.email, timezone: run.timezone, defaultTimezone: run.lp.default_timezone, window: { startHour: w.start_hour, endHour: w.end_hour, days: w.days, jitterMs: w.jitter } });
    return { at: n.at.toISOString(), local: n.local, source: n.source };
  });
  const at = new Date(next.at);
  if (at.getTime() <= Date.now() + 1000) return;
  await run.step.decide({ action: 'lead.send_window', parameters: next, reasoning: `outside the recipient's business hours: sending at ${next.local} (time zone from the ${next.source})` });
  await run.step.sleep(at, `email:${key}:window-sleep`);
}
