/**
 * Parses a raw RFC 822 message with mailparser into what workflows need: addresses, subject,
 * readable text (HTML turned to text when there is no text part), attachments with their
 * hashes, forwarded originals, and the sender-authentication verdict from a trusted receiving
 * server. Hostile input is bounded: size, attachment count and size, MIME nesting depth and
 * parse time are limited, and going over a limit is an InputError that names the limit.
 */
import crypto from 'node:crypto';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { InputError } from '../../errors.ts';
import { readAuthenticationResults, type SenderAuth } from './auth.ts';
import { findInlineForward, looksForwarded, type Address, type ForwardedOriginal } from './forwarded.ts';

export interface EmailLimits {
  maxBytes: number;
  maxAttachments: number;
  maxAttachmentBytes: number;
  maxNestingDepth: number;
  timeoutMs: number;
  /** authserv-id of the receiving server whose Authentication-Results header we trust. */
  trustedAuthservId?: string;
}

export const DEFAULT_LIMITS: EmailLimits = {
  maxBytes: 25 * 1024 * 1024,
  maxAttachments: 50,
  maxAttachmentBytes: 20 * 1024 * 1024,
  maxNestingDepth: 20,
  timeoutMs: 20_000,
};

export interface ParsedAttachment {
  filename: string | null;
  contentType: string;
  size: number;
  sha256: string;
  inline: boolean;
  content: Buffer;
}

export interface ParsedEmail {
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  from: Address | null;
  replyTo: Address | null;
  to: Address[];
  cc: Address[];
  subject: string;
  date: string | null;
  text: string;
  attachments: ParsedAttachment[];
  forwarded: null | { by: Address | null; method: 'inline' | 'attachment'; original: ForwardedOriginal };
  auth: SenderAuth;
  headers: Record<string, string>;
}

const INTERESTING_HEADERS = ['auto-submitted', 'list-id', 'list-unsubscribe', 'precedence', 'x-autoreply', 'x-autorespond', 'x-auto-response-suppress', 'return-path', 'authentication-results', 'x-mailer'];

function addresses(field: AddressObject | AddressObject[] | undefined): Address[] {
  const list = Array.isArray(field) ? field : field ? [field] : [];
  return list.flatMap((f) => f.value).flatMap((a) => (a.address ? [{ address: a.address.toLowerCase(), ...(a.name ? { name: a.name } : {}) }] : []));
}

/** Deepest multipart nesting, from the boundaries declared in the raw text (before parsing). */
export function mimeDepth(raw: string): number {
  return (raw.match(/^content-type:\s*multipart\//gim) ?? []).length;
}

async function parseWithTimeout(bytes: Buffer, limits: EmailLimits): Promise<ParsedMail> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      simpleParser(bytes, { skipImageLinks: true, maxHtmlLengthToParse: 2 * 1024 * 1024 }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new InputError(`message took longer than ${limits.timeoutMs} ms to parse`)), limits.timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function toAttachment(a: ParsedMail['attachments'][number]): ParsedAttachment {
  return {
    filename: a.filename ?? null,
    contentType: (a.contentType || 'application/octet-stream').toLowerCase(),
    size: a.size ?? a.content.length,
    sha256: crypto.createHash('sha256').update(a.content).digest('hex'),
    inline: a.contentDisposition === 'inline' || Boolean(a.related),
    content: a.content,
  };
}

export async function parseEmail(bytes: Buffer, limits: EmailLimits = DEFAULT_LIMITS): Promise<ParsedEmail> {
  if (!bytes.length) throw new InputError('empty message');
  if (bytes.length > limits.maxBytes) throw new InputError(`message is ${bytes.length} bytes, over the ${limits.maxBytes}-byte limit`);
  const depth = mimeDepth(bytes.toString('latin1'));
  if (depth > limits.maxNestingDepth) throw new InputError(`MIME nesting of ${depth} multiparts is over the limit of ${limits.maxNestingDepth}`);
  let mail: ParsedMail;
  try {
    mail = await parseWithTimeout(bytes, limits);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`unparseable message: ${(err as Error).message}`, { cause: err });
  }
  if (mail.attachments.length > limits.maxAttachments) throw new InputError(`${mail.attachments.length} attachments, over the limit of ${limits.maxAttachments}`);
  const big = mail.attachments.find((a) => a.size > limits.maxAttachmentBytes);
  if (big) throw new InputError(`attachment ${big.filename ?? '(unnamed)'} is ${big.size} bytes, over the ${limits.maxAttachmentBytes}-byte limit`);

  const headers: Record<string, string> = {};
  for (const name of INTERESTING_HEADERS) {
    const line = mail.headerLines.find((h) => h.key === name);
    if (line) headers[name] = line.line.slice(line.line.indexOf(':') + 1).trim().slice(0, 2000);
  }
  const text = (mail.text ?? (typeof mail.html === 'string' ? (mail.textAsHtml ?? '') : '') ?? '').trim();
  const from = addresses(mail.from)[0] ?? null;
  const attachments = mail.attachments.filter((a) => a.contentType !== 'message/rfc822').map(toAttachment);

  let forwarded: ParsedEmail['forwarded'] = null;
  const attachedMessage = mail.attachments.find((a) => a.contentType === 'message/rfc822');
  if (attachedMessage && depth < limits.maxNestingDepth) {
    const inner = await parseEmail(attachedMessage.content, { ...limits, maxNestingDepth: limits.maxNestingDepth - depth }).catch(() => undefined);
    if (inner) {
      forwarded = { by: from, method: 'attachment', original: { from: inner.from, date: inner.date, subject: inner.subject, to: inner.to, text: inner.text } };
      attachments.push(...inner.attachments);
    }
  }
  if (!forwarded) {
    const inline = findInlineForward(text);
    if (inline && (looksForwarded(mail.subject) || inline.from?.address !== from?.address)) forwarded = { by: from, method: 'inline', original: inline };
  }

  return {
    messageId: mail.messageId ?? null,
    inReplyTo: mail.inReplyTo ?? null,
    references: Array.isArray(mail.references) ? mail.references : mail.references ? [mail.references] : [],
    from,
    replyTo: addresses(mail.replyTo)[0] ?? null,
    to: addresses(mail.to),
    cc: addresses(mail.cc),
    subject: mail.subject ?? '',
    date: mail.date && !Number.isNaN(mail.date.getTime()) ? mail.date.toISOString() : null,
    text,
    attachments,
    forwarded,
    auth: readAuthenticationResults(headers['authentication-results'], from?.address ?? null, limits.trustedAuthservId),
    headers,
  };
}
