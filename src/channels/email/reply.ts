/**
 * Builds a reply to a parsed message: In-Reply-To and References so every client threads it,
 * one "Re:" (whatever prefixes other clients used: Re, RE, AW, SV, Antw, Réf, RIF, R, VS, Odp),
 * the original quoted below the answer, and the From/Reply-To the caller chose.
 */
import type { ParsedEmail } from './parse-core.ts';
import type { OutgoingMail } from './outbox.ts';

const REPLY_PREFIX = /^\s*(?:(?:re|aw|sv|antw|antwort|réf|ref|rif|r|vs|odp|ynt|απ|回复|答复)(?:\[\d+\]|\(\d+\))?\s*:\s*)+/iu;

/** "Re: " exactly once in front of the subject without its reply prefixes. */
export function replySubject(subject: string | null | undefined): string {
  let s = (subject ?? '').replace(/\s+/g, ' ').trim();
  // Prefixes can hide behind a list tag: "[list] Re: AW: x" → "Re: [list] x".
  const tag = /^(\[[^\]]{1,40}\])\s*/.exec(s);
  if (tag) s = s.slice(tag[0].length);
  s = s.replace(REPLY_PREFIX, '').trim();
  if (tag) s = `${tag[1]} ${s}`.trim();
  return `Re: ${s || '(no subject)'}`;
}

/** References of a reply: the original's references plus its Message-ID, de-duplicated, bounded. */
export function replyReferences(original: Pick<ParsedEmail, 'references' | 'messageId' | 'inReplyTo'>): string[] {
  const list = [...(original.references ?? [])];
  if (!list.length && original.inReplyTo) list.push(original.inReplyTo);
  if (original.messageId) list.push(original.messageId);
  const seen = new Set<string>();
  const unique = list.filter((id) => id && !seen.has(id) && seen.add(id));
  // RFC 5322 §3.6.4 allows trimming; keep the thread root and the most recent ids.
  return unique.length > 20 ? [unique[0]!, ...unique.slice(-19)] : unique;
}

function display(a: { address: string; name?: string } | null): string {
  if (!a) return 'someone';
  return a.name ? `${a.name} <${a.address}>` : a.address;
}

/** The original, quoted with "> " under an attribution line; bounded so a long thread stays readable. */
export function quoteOriginal(original: Pick<ParsedEmail, 'from' | 'date' | 'text'>, maxLines = 200): string {
  const when = original.date ? new Date(original.date).toUTCString() : null;
  const lines = (original.text ?? '').replace(/\r\n?/g, '\n').split('\n');
  const shown = lines.slice(0, maxLines).map((l) => (l.startsWith('>') ? `>${l}` : `> ${l}`.trimEnd()));
  if (lines.length > maxLines) shown.push('> […]');
  return `${when ? `On ${when}, ` : ''}${display(original.from)} wrote:\n${shown.join('\n')}`;
}

export interface ReplyOptions {
  /** The mailbox we answer from, e.g. "Accounts Payable <ap@example.com>". */
  from: string;
  body: string;
  replyTo?: string;
  /** Override the recipient (default: the original's Reply-To, else its From). */
  to?: string;
  /** Quote the original below the answer (default true). */
  quote?: boolean;
}

export function buildReply(original: ParsedEmail, options: ReplyOptions): OutgoingMail {
  const recipient = options.to ?? original.replyTo?.address ?? original.from?.address;
  if (!recipient) throw new Error('the original message has no From or Reply-To address to answer');
  const text = options.quote === false ? options.body : `${options.body.trimEnd()}\n\n${quoteOriginal(original)}\n`;
  return {
    from: options.from,
    to: recipient,
    subject: replySubject(original.subject),
    text,
    inReplyTo: original.messageId ?? null,
    references: replyReferences(original),
    ...(options.replyTo ? { replyTo: options.replyTo } : {}),
  };
}
