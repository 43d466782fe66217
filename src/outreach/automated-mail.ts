/**
 * What kind of automatic mail an inbound message is, by code alone: a bounce (RFC 3464 delivery
 * status notification, or a plain-text one from qmail, Exim, old Sendmail...), an abuse complaint
 * (ARF, RFC 5965), an auto-reply or out-of-office (RFC 3834 and the usual texts), or none of
 * these (a person wrote it).
 *
 *   feedback-report part ───────────────────────────────► complaint
 *   delivery-status part (or its fields in the text) ───► bounce (hard 5.x.x / soft 4.x.x), or none when "delivered"
 *   from a mailer daemon / X-Failed-Recipients / a bounce subject with the evidence of one ─► bounce (read from the text)
 *   Auto-Submitted / X-Autoreply / Precedence / OOO subject and text ─► auto_reply (with a return date when stated)
 *   otherwise ─► none
 *
 * Bounces are checked before auto-replies: a DSN also carries `Auto-Submitted: auto-replied`
 * or `auto-generated`. Pure; never throws on odd input.
 */
import type { ReportParts } from '../channels/email/report-parts.ts';
import { readAutoReply } from './auto-reply.ts';
import { headerIn, messageIdIn, readDeliveryStatus, readTextBounce } from './dsn.ts';
import { readSesNotification } from './ses-notification.ts';

export interface ClassifiableMail {
  from: { address: string; name?: string } | null;
  subject: string;
  text: string;
  /** Lower-case header names (the parser's headers of interest). */
  headers: Record<string, string>;
  date: string | null;
  inReplyTo: string | null;
  references: string[];
  report?: ReportParts | null;
}

export type AutomatedMail =
  | { kind: 'bounce'; hard: boolean; delayed: boolean; status: string; recipient: string | null; originalMessageId: string | null; diagnostic: string | null; evidence: string }
  | { kind: 'complaint'; feedbackType: string; recipient: string | null; originalMessageId: string | null; evidence: string }
  | { kind: 'auto_reply'; returnDate: string | null; originalMessageId: string | null; evidence: string }
  /** An unsubscribe request by mail (a `mailto:` List-Unsubscribe, or a person writing "unsubscribe" as the subject). */
  | { kind: 'unsubscribe'; address: string | null; evidence: string }
  | { kind: 'none' };

const DAEMON_LOCAL = /^(mailer-daemon|mailer_daemon|mailerdaemon|mail-daemon|postmaster|post_master|mmdf)$/i;
const DAEMON_NAME = /\b(mail delivery (subsystem|system|service)|mailer[- ]daemon|postmaster|delivery status notification|mail administrator)\b/i;
const BOUNCE_SUBJECT =
  /\b(undeliver(able|ed)|delivery (status notification|failure|failed|has failed|problem|report|notification|error)|mail delivery failed|failure notice|returned mail|returned to sender|could not be delivered|not be delivered|non[- ]?remis|unzustellbar|nicht zustellbar|mail system error|message not delivered|delivery incomplete|rejected|bounced?|no se puede entregar|non recapitabile|warning: could not send|error (sending|delivering)|trouble delivering)\b|エラー|不達|配信不能|送信できません/i;
// A bounce that says so in its first lines, whatever its subject.
const BOUNCE_TEXT = /\b(could not be delivered|couldn'?t be delivered|was not delivered|undeliverable|delivery (has )?failed|permanent (fatal )?errors?|wasn'?t able to deliver|unable to deliver|error delivering|trouble delivering|delivery to the following recipients? failed|returned to sender)\b/i;
// An SMTP reply code or enhanced status in the text (550 5.1.1 ...).
const DIAGNOSTIC = /(?<![\d.])[45]\.\d{1,3}\.\d{1,3}(?![\d]|\.\d)|(?:^|\s)[45][0-5]\d[ -](?=\S)/m;
const UNSUBSCRIBE_SUBJECT = /^\s*((re|aw|fwd?)\s*:\s*)*(unsubscribe|abmelden|d[ée]sinscri(re|ption)|d[ée]sabonner|darse de baja|baja|cancel(ar)? suscripci[oó]n|uitschrijven)\s*[.!]?\s*$/i;
const PLAIN_COMPLAINT_SUBJECT = /\b(complaint about message from|abuse report|spam complaint|spam report|email feedback report)\b/i;
const DSN_IN_TEXT = /^\s*(final-recipient|original-recipient)\s*:/im;

/** The original message an automatic reply answers: In-Reply-To, else the last reference. */
function answered(mail: ClassifiableMail): string | null {
  return messageIdIn(mail.inReplyTo) ?? messageIdIn(mail.references.at(-1) ?? null);
}

export function classifyAutomatedMail(mail: ClassifiableMail): AutomatedMail {
  const report = mail.report ?? null;
  const returned = report?.returnedHeaders ?? null;

  if (report?.feedbackReport || report?.reportType === 'feedback-report') {
    const f = report.feedbackReport ?? '';
    const type = (/^feedback-type\s*:\s*([\w-]+)/im.exec(f)?.[1] ?? 'abuse').toLowerCase();
    // `not-spam` is the opposite of a complaint. Authentication-failure (DMARC forensic) reports are
    // reports too, but about forgery, not the person: the router suppresses only on abuse/fraud/virus/other.
    if (type !== 'not-spam') {
      const rcpt = /^original-rcpt-to\s*:\s*(.*)$/im.exec(f)?.[1] ?? headerIn(returned, 'to') ?? null;
      return {
        kind: 'complaint',
        feedbackType: type,
        recipient: /[^\s<>@]+@[^\s<>@]+/.exec(rcpt ?? '')?.[0]?.toLowerCase() ?? null,
        originalMessageId: messageIdIn(headerIn(returned, 'message-id')) ?? answered(mail),
        evidence: `ARF feedback report (Feedback-Type: ${type})`,
      };
    }
  }

  if (UNSUBSCRIBE_SUBJECT.test(mail.subject) && mail.from?.address) {
    return { kind: 'unsubscribe', address: mail.from.address.toLowerCase(), evidence: `subject "${mail.subject.trim().slice(0, 60)}"` };
  }

  const ses = readSesNotification(mail.text.slice(0, 200_000));
  if (ses) return { ...ses, evidence: `Amazon SES ${ses.kind} notification` };

  // Providers that report complaints without ARF (Hotmail's JMRP): their wording, and the complained-of message quoted.
  const plainComplaint = PLAIN_COMPLAINT_SUBJECT.exec(mail.subject);
  if (plainComplaint && (returned || /^(from|subject|to|date|message-id):/im.test(mail.text.slice(0, 4000)))) {
    const quoted = returned ?? mail.text.slice(0, 20_000);
    return {
      kind: 'complaint',
      feedbackType: 'abuse',
      recipient: /[^\s<>@"]+@[^\s<>@"]+/.exec(headerIn(quoted, 'to') ?? '')?.[0]?.toLowerCase() ?? null,
      originalMessageId: messageIdIn(headerIn(quoted, 'message-id')) ?? answered(mail),
      evidence: `subject "${plainComplaint[0]}" with the reported message quoted`,
    };
  }

  const dsnText = report?.deliveryStatus ?? (DSN_IN_TEXT.test(mail.text) ? mail.text : null);
  if (dsnText) {
    const dsn = readDeliveryStatus(dsnText, returned);
    if (dsn === 'delivered') return { kind: 'none' };
    if (dsn) {
      return {
        kind: 'bounce',
        ...withoutFrom(dsn),
        originalMessageId: dsn.originalMessageId ?? answered(mail),
        evidence: `${report?.deliveryStatus ? 'delivery-status report' : 'delivery-status fields in the text'} (Status ${dsn.status})`,
      };
    }
  }

  const from = mail.from?.address ?? '';
  const local = from.split('@')[0] ?? '';
  const failed = mail.headers['x-failed-recipients'] ?? null;
  const nullSender = /^<\s*>$/.test(mail.headers['return-path'] ?? '');
  const daemon = DAEMON_LOCAL.test(local) || DAEMON_NAME.test(mail.from?.name ?? '');
  const subject = BOUNCE_SUBJECT.exec(mail.subject);
  const opening = mail.text.slice(0, 4000);
  const looksReturned = Boolean(returned) || /^-+ ?(below this line is a copy|original message|returned message)|^message headers follow/im.test(mail.text);
  const saysFailed = BOUNCE_TEXT.exec(opening);
  const why = failed
    ? 'X-Failed-Recipients header'
    : daemon
      ? `sent by ${mail.from?.name && DAEMON_NAME.test(mail.from.name) ? mail.from.name : local}`
      : (subject || saysFailed) && (nullSender || looksReturned || DIAGNOSTIC.test(opening))
        ? `${subject ? `subject "${subject[0]}"` : `text "${saysFailed![0]}"`} with ${nullSender ? 'an empty Return-Path' : looksReturned ? 'the returned message' : 'an SMTP error'}`
        : null;
  if (why) {
    const b = readTextBounce({ text: mail.text, failedRecipients: failed, returnedHeaders: returned, ownAddress: from.toLowerCase() || null });
    return { kind: 'bounce', ...withoutFrom(b), originalMessageId: b.originalMessageId ?? answered(mail), evidence: `${why}; read from the text` };
  }

  const auto = readAutoReply({ subject: mail.subject, text: mail.text, headers: mail.headers, date: mail.date });
  if (auto) return { kind: 'auto_reply', returnDate: auto.returnDate, originalMessageId: answered(mail), evidence: auto.signal };
  return { kind: 'none' };
}

function withoutFrom<T extends { from: unknown }>(facts: T): Omit<T, 'from'> {
  const { from: _from, ...rest } = facts;
  return rest;
}

/** Baseline for the benchmark: "a bounce is whatever a mailer daemon sent", nothing else known. */
export function baselineKind(mail: Pick<ClassifiableMail, 'from'>): AutomatedMail['kind'] {
  return DAEMON_LOCAL.test(mail.from?.address.split('@')[0] ?? '') ? 'bounce' : 'none';
}
