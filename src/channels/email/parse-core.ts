/**
 * The parsing itself (mailparser), run inside a worker by parse.ts so that a hostile message can
 * be stopped by a time and memory limit. Pure: bytes and limits in, ParsedEmail out, InputError
 * when over a limit or unparseable.
 */
import crypto from 'node:crypto';
import { simpleParser, type AddressObject, type ParsedMail, type Attachment } from 'mailparser';
import { InputError } from '../../errors.ts';
import { readTrustedAuthResults, type SenderAuth } from './auth.ts';
import { findOriginal, isForward, parseAddress, type Address, type ForwardedOriginal } from './forwarded.ts';
import { measureMime, MimeLimitError } from './mime-structure.ts';
import { hasReportParts, readReportParts, type ReportParts } from './report-parts.ts';
import { DEFAULT_EMAIL_LIMITS, type EmailLimitsSettings } from './settings.ts';

export type { Address, ForwardedOriginal, ReportParts };

export interface EmailLimits extends EmailLimitsSettings {
  /** authserv-id of the receiving server whose Authentication-Results header we trust. */
  trustedAuthservId?: string;
}

export const DEFAULT_LIMITS: EmailLimits = { ...DEFAULT_EMAIL_LIMITS };

export interface ParsedAttachment {
  filename: string | null;
  contentType: string;
  size: number;
  sha256: string;
  content: Buffer;
  /** Content-Disposition inline (shown in the body rather than offered as a file). */
  inline: boolean;
  /** Part of a multipart/related body (an embedded image referenced by cid:). */
  related: boolean;
  contentId: string | null;
  /** Came out of an attached forwarded message. */
  fromForwarded?: boolean;
}

export interface CalendarPart {
  /** iTIP method: REQUEST, REPLY, CANCEL, PUBLISH … */
  method: string | null;
  contentType: string;
  filename: string | null;
  content: string;
}

export interface ForwardInfo {
  /** Who forwarded it to us: the outer message's sender. */
  by: Address | null;
  method: 'inline' | 'attachment';
  original: ForwardedOriginal;
}

export interface ParsedEmail {
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  from: Address | null;
  sender: Address | null;
  to: Address[];
  cc: Address[];
  replyTo: Address | null;
  /** ISO 8601, or null when the Date header is missing or unreadable. */
  date: string | null;
  subject: string;
  /** The plain text body; when the message has only HTML, the HTML turned into readable text. */
  text: string;
  textFromHtml: boolean;
  hasHtml: boolean;
  attachments: ParsedAttachment[];
  calendar: CalendarPart[];
  /** Headers of interest, lower-case names, first occurrence (auto-submitted, list-id, precedence, …). */
  headers: Record<string, string>;
  forwarded: ForwardInfo | null;
  auth: SenderAuth;
  size: number;
  /** Delivery-status / feedback-report fields and the returned message's headers (bounces, abuse reports); null when none. */
  report: ReportParts | null;
}

const INTERESTING = /^(auto-submitted|list-id|list-unsubscribe|list-unsubscribe-post|precedence|authentication-results|return-path|received-spf|x-[\w-]*auto-?re(spon|pl)[\w-]*|x-autoreply|x-autorespond|x-auto-response-suppress|x-mailer|x-spam-status|x-spam-flag|feedback-id|x-original-to|delivered-to|x-failed-recipients)$/;

function addresses(field: AddressObject | AddressObject[] | undefined): Address[] {
  const list = Array.isArray(field) ? field : field ? [field] : [];
  const out: Address[] = [];
  const walk = (values: AddressObject['value']) => {
    for (const a of values) {
      if (a.group) walk(a.group);
      else if (a.address) out.push({ address: a.address.toLowerCase(), ...(a.name ? { name: a.name } : {}) });
    }
  };
  for (const f of list) walk(f.value);
  return out;
}

function crudeHtmlToText(html: string): string {
  return html
    .slice(0, 2_000_000)
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<br\s*\/?>|<\/(p|div|tr|li|h\d)>/gi, '\n')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/[ \t]+/g, ' ')
    .replace(/\n\s*\n+/g, '\n\n')
    .trim();
}

async function runMailparser(bytes: Buffer): Promise<{ mail: ParsedMail; textFromHtml: boolean }> {
  const base = { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true, checksumAlgo: 'sha256', keepDeliveryStatus: false };
  try {
    const mail = await simpleParser(bytes, { ...base, maxHtmlLengthToParse: 4 * 1024 * 1024 });
    return { mail, textFromHtml: false };
  } catch (err) {
    // Oversized HTML: parse again without turning HTML into text, and strip tags ourselves.
    if (!/html/i.test((err as Error).message ?? '')) throw err;
    const mail = await simpleParser(bytes, { ...base, skipHtmlToText: true });
    if (!mail.text && typeof mail.html === 'string') mail.text = crudeHtmlToText(mail.html);
    return { mail, textFromHtml: true };
  }
}

function toAttachment(a: Attachment, fromForwarded = false): ParsedAttachment {
  const content = a.content ?? Buffer.alloc(0);
  return {
    filename: a.filename ?? null,
    contentType: (a.contentType || 'application/octet-stream').toLowerCase(),
    size: content.length,
    sha256: a.checksum && a.checksum.length === 64 ? a.checksum : sha256Hex(content),
    content,
    inline: a.contentDisposition === 'inline',
    related: Boolean(a.related),
    contentId: a.cid ?? null,
    ...(fromForwarded ? { fromForwarded } : {}),
  };
}

function sha256Hex(b: Buffer): string {
  return crypto.createHash('sha256').update(b).digest('hex');
}

function isAttachedMessage(a: Attachment): boolean {
  if (a.contentType === 'message/rfc822' || a.contentType === 'message/global') return true;
  if (/\.eml$/i.test(a.filename ?? '') && a.content?.length) {
    const head = a.content.subarray(0, 4096).toString('latin1');
    return /^(from|subject|date|message-id|received|return-path|mime-version)\s*:/im.test(head);
  }
  return false;
}

function calendarOf(a: Attachment): CalendarPart | null {
  const type = (a.contentType || '').toLowerCase();
  if (type !== 'text/calendar' && type !== 'application/ics' && !/\.ics$/i.test(a.filename ?? '')) return null;
  const content = a.content.toString('utf8');
  const method = /^METHOD:(.+)$/im.exec(content)?.[1]?.trim().toUpperCase() ?? null;
  return { method, contentType: type || 'text/calendar', filename: a.filename ?? null, content: content.slice(0, 1_000_000) };
}

/**
 * Parses `bytes` within `limits`. `depthUsed` is how many levels of enclosing messages the caller
 * already spent (an attached message is parsed with what is left).
 */
export async function parseEmailCore(bytes: Buffer, limits: EmailLimits = DEFAULT_LIMITS, depthUsed = 0): Promise<ParsedEmail> {
  if (!bytes.length) throw new InputError('empty message');
  if (bytes.length > limits.maxBytes) throw new InputError(`message is ${bytes.length} bytes, over the limit of ${limits.maxBytes} bytes`);
  const budget = limits.maxNestingDepth - depthUsed;
  let shape;
  try {
    shape = measureMime(bytes, { maxDepth: budget, maxParts: Math.max(limits.maxAttachments * 4 + 50, 200) });
  } catch (err) {
    if (err instanceof MimeLimitError) {
      throw new InputError(`${err.message} (limit: nesting ${limits.maxNestingDepth}, attachments ${limits.maxAttachments})`, { cause: err });
    }
    throw err;
  }

  let mail: ParsedMail;
  let textFromHtml: boolean;
  try {
    ({ mail, textFromHtml } = await runMailparser(bytes));
  } catch (err) {
    throw new InputError(`unparseable message: ${(err as Error).message}`, { cause: err });
  }
  if (mail.attachments.length > limits.maxAttachments) {
    throw new InputError(`message has ${mail.attachments.length} attachments, over the limit of ${limits.maxAttachments}`);
  }
  const big = mail.attachments.find((a) => (a.content?.length ?? a.size) > limits.maxAttachmentBytes);
  if (big) throw new InputError(`attachment "${big.filename ?? '(unnamed)'}" is ${big.content?.length ?? big.size} bytes, over the limit of ${limits.maxAttachmentBytes} bytes`);

  const headers: Record<string, string> = {};
  for (const h of mail.headerLines) {
    if (!INTERESTING.test(h.key) || headers[h.key] !== undefined) continue;
    headers[h.key] = h.line.slice(h.line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim().slice(0, 2000);
  }

  const from = addresses(mail.from)[0] ?? null;
  const hasHtml = typeof mail.html === 'string' && mail.html.length > 0;
  let text = (mail.text ?? '').replace(/\r\n?/g, '\n');
  // mailparser turns HTML into text itself when there is no text part; note when that happened.
  if (hasHtml && !/content-type:\s*text\/plain/i.test(bytes.toString('latin1'))) textFromHtml = true;
  if (!text.trim() && hasHtml) {
    text = crudeHtmlToText(mail.html as string);
    textFromHtml = true;
  }

  const attachments: ParsedAttachment[] = [];
  const calendar: CalendarPart[] = [];
  let forwarded: ForwardInfo | null = null;
  // A bounce or abuse report (multipart/report) returns the original; it is not a forward.
  const contentType = mail.headers.get('content-type') as { value?: string } | undefined;
  const isReport = /^multipart\/report/i.test(contentType?.value ?? '');
  for (const a of mail.attachments) {
    const cal = calendarOf(a);
    if (cal) calendar.push(cal);
    if (!forwarded && !isReport && isAttachedMessage(a) && shape.depth < budget) {
      try {
        const inner = await parseEmailCore(a.content, limits, depthUsed + 1);
        if (!inner.from) throw new Error('attached message has no sender');
        forwarded = {
          by: from,
          method: 'attachment',
          original: { from: inner.from, date: inner.date, dateIso: inner.date, subject: inner.subject, to: inner.to, text: inner.text },
        };
        for (const ia of inner.attachments) attachments.push({ ...ia, fromForwarded: true });
      } catch {
        /* an unreadable attached message stays an attachment */
      }
    }
    attachments.push(toAttachment(a));
  }
  if (attachments.length > limits.maxAttachments) {
    throw new InputError(`message has ${attachments.length} attachments (with those of the attached message), over the limit of ${limits.maxAttachments}`);
  }

  if (!forwarded) {
    const block = findOriginal(text);
    if (block && isForward(block, { subject: mail.subject, from })) {
      const { marker: _marker, ...original } = block;
      forwarded = { by: from, method: 'inline', original };
    }
  }

  const reportParts = isReport || mail.attachments.some((a) => isAttachedMessage(a) || a.contentType === 'text/rfc822-headers') ? readReportParts(bytes) : null;
  const references = Array.isArray(mail.references) ? mail.references : mail.references ? mail.references.split(/\s+/).filter(Boolean) : [];
  return {
    messageId: mail.messageId ?? null,
    inReplyTo: mail.inReplyTo ?? null,
    references,
    from,
    sender: parseAddress(mail.headers.get('sender') ? String((mail.headers.get('sender') as { text?: string }).text ?? '') : null),
    to: addresses(mail.to),
    cc: addresses(mail.cc),
    replyTo: addresses(mail.replyTo)[0] ?? null,
    date: mail.date && !Number.isNaN(mail.date.getTime()) ? mail.date.toISOString() : null,
    subject: mail.subject ?? '',
    text: text.trim(),
    textFromHtml,
    hasHtml,
    attachments,
    calendar,
    headers,
    forwarded,
    auth: readTrustedAuthResults(bytes, limits.trustedAuthservId),
    size: bytes.length,
    report: reportParts && hasReportParts(reportParts) ? reportParts : null,
  };
}
