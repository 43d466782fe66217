/**
 * Reading bounces. Standard ones are delivery status notifications (RFC 3464): a per-message
 * block, then one block per recipient with `Final-Recipient`, `Action`, `Status` (x.y.z, RFC
 * 3463) and `Diagnostic-Code`. Many servers still send plain text instead (qmail's "failure
 * notice", Exim's "Mail delivery failed", old Sendmail and Exchange): for those the recipient,
 * status and reason are read from the text as best we can — an SMTP reply code or enhanced status
 * in the diagnostic, the failed address in the lines that name it, the returned copy's
 * Message-ID.
 *
 * Pure functions over text; nothing here throws on odd input.
 */

export interface BounceFacts {
  hard: boolean;
  /**
   * A warning, not a failure: the reporting server still holds the message and keeps trying
   * (DSN `Action: delayed`, or "will retry" wording). Nothing is to be resent for it.
   */
  delayed: boolean;
  /** Enhanced status `x.y.z`; derived from the SMTP reply code or the wording when not given. */
  status: string;
  recipient: string | null;
  diagnostic: string | null;
  /** Message-ID of the returned message, or the DSN's Original-Envelope-Id when it looks like one. */
  originalMessageId: string | null;
  /** What the facts were read from: `dsn` (RFC 3464 fields) or `text` (best effort). */
  from: 'dsn' | 'text';
}

const ADDRESS = /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+/;
const ADDRESS_G = new RegExp(ADDRESS.source, 'g');
// x.y.z not part of an IP address or a longer dotted number.
const ENHANCED = /(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d]|\.\d)/;

/** `Name: value` fields of one block, continuation lines joined; names lower-cased, first wins. */
function fields(block: string): Map<string, string> {
  const out = new Map<string, string>();
  let last: string | null = null;
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && last) {
      out.set(last, `${out.get(last)!} ${line.trim()}`);
      continue;
    }
    const m = /^([A-Za-z][\w-]*)[ \t]*:[ \t]*(.*)$/.exec(line);
    if (!m) continue;
    last = m[1]!.toLowerCase();
    if (!out.has(last)) out.set(last, m[2]!.trim());
    else last = null;
  }
  return out;
}

/** `rfc822; someone@example.com` → the address. */
function typedAddress(value: string | undefined): string | null {
  if (!value) return null;
  const m = ADDRESS.exec(value.replace(/^[^;]*;/, ''));
  return m ? m[0].toLowerCase() : null;
}

function typedText(value: string | undefined): string | null {
  if (!value) return null;
  const v = value.replace(/^\s*(smtp|x-[\w-]+|x400)\s*;\s*/i, '').trim();
  return v ? v.slice(0, 1000) : null;
}

export function messageIdIn(value: string | undefined | null): string | null {
  const m = /<([^<>\s]+@[^<>\s]+)>/.exec(value ?? '');
  return m ? `<${m[1]}>` : null;
}

export function headerIn(headers: string | null | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  return new RegExp(`^${name}[ \\t]*:[ \\t]*(.*)$`, 'im').exec(headers.replace(/\r?\n[ \t]+/g, ' '))?.[1]?.trim();
}

/** From the reply code alone: 550 → 5.0.0, 452 → 4.0.0. */
function statusFromText(text: string): string | null {
  const enhanced = ENHANCED.exec(text);
  if (enhanced && enhanced[1] !== '2') return `${enhanced[1]}.${enhanced[2]}.${enhanced[3]}`;
  const code = /(?:^|[\s:(#"'])([45][0-5]\d)(?=[\s-]|$)/m.exec(text);
  return code ? `${code[1]![0]}.0.0` : null;
}

// Wording that says "try again later" (soft) or "this address does not work" (hard), for bounces without codes.
const SOFT_WORDS = /\b(temporar(y|ily)|delayed|deferred|will (be )?retr(y|ied)|still trying|not yet been delivered|try again later|retry timeout|warning: message)\b/i;
const HARD_WORDS = /\b(user unknown|unknown user|no such (user|address|mailbox|recipient)|does not exist|doesn'?t exist|mailbox (unavailable|not found|disabled)|invalid (recipient|address|mailbox)|recipient (rejected|not found|address rejected)|address rejected|account (has been )?(disabled|suspended|closed)|unrouteable|host not found|domain not found|permanent(ly)? (error|failure)|given up|rejected)\b/i;

// A soft bounce that says the server keeps the message and retries by itself.
const STILL_TRYING = /\b(delayed|deferred|will (be )?retr(y|ied)|will (continue|keep) (to )?(try|trying)|still trying|not yet been delivered|has not been delivered yet|warning: message)\b/i;

function statusFromWords(text: string): string {
  if (SOFT_WORDS.test(text) && !/permanent|given up/i.test(text)) return '4.0.0';
  if (/\b(user unknown|unknown user|no such (user|mailbox)|does not exist|invalid (recipient|mailbox))\b/i.test(text)) return '5.1.1';
  if (/\b(host not found|domain not found|unrouteable)\b/i.test(text)) return '5.1.2';
  if (/\b(mailbox (is )?full|over ?quota|quota exceeded)\b/i.test(text)) return '5.2.2';
  // A bounce that says nothing more is a failure: treat it as permanent rather than mail again.
  return '5.0.0';
}

/** Status from a DSN, or null when the report says the message was delivered (a success DSN). */
export function readDeliveryStatus(report: string, returnedHeaders: string | null): BounceFacts | 'delivered' | null {
  const blocks = report.split(/\r?\n[ \t]*\r?\n/).map(fields).filter((f) => f.size);
  if (!blocks.length) return null;
  const perMessage = blocks[0]!;
  const recipients = blocks.filter((b) => b.has('final-recipient') || b.has('original-recipient') || b.has('action') || b.has('status'));
  if (!recipients.length) return null;
  // The first recipient that failed, else the first delayed, else the first.
  const pick =
    recipients.find((b) => /^failed/i.test(b.get('action') ?? '')) ??
    recipients.find((b) => /^delayed/i.test(b.get('action') ?? '')) ??
    recipients[0]!;
  const action = (pick.get('action') ?? '').toLowerCase();
  if (/^(delivered|relayed|expanded)/.test(action) && recipients.every((b) => /^(delivered|relayed|expanded)/i.test(b.get('action') ?? ''))) return 'delivered';
  const diagnostic = typedText(pick.get('diagnostic-code')) ?? typedText(pick.get('x-postfix-sender'));
  let status = ENHANCED.exec(pick.get('status') ?? '')?.slice(1, 4).join('.') ?? null;
  // A "2.0.0" or missing status on a failed recipient: the diagnostic says more.
  if (!status || status.startsWith('2')) status = (diagnostic && statusFromText(diagnostic)) ?? (action === 'delayed' ? '4.0.0' : action === 'failed' ? '5.0.0' : null);
  if (!status) return null;
  const soft = action === 'delayed' || status.startsWith('4');
  return {
    hard: !soft,
    delayed: action === 'delayed',
    status,
    recipient: typedAddress(pick.get('final-recipient')) ?? typedAddress(pick.get('original-recipient')),
    diagnostic,
    originalMessageId: messageIdIn(headerIn(returnedHeaders, 'message-id')) ?? messageIdIn(perMessage.get('original-envelope-id')),
    from: 'dsn',
  };
}

// Where a plain-text bounce starts quoting the returned message.
const RETURNED_MARKER = /^(-+ ?(below this line is a copy of the message|original message|this is a copy of the message|the header of the original message|returned message|original message headers?|the original message was received|message headers? follow)|-{3,}.*(original|returned|headers?).*-{3,}|content-type: message\/rfc822|original message headers:|received: from )/im;

/** Best-effort facts from a bounce without RFC 3464 fields. */
export function readTextBounce(input: { text: string; failedRecipients?: string | null; returnedHeaders: string | null; ownAddress: string | null }): BounceFacts {
  const text = input.text.slice(0, 200_000);
  const cut = RETURNED_MARKER.exec(text);
  const head = cut ? text.slice(0, cut.index) : text.slice(0, 8000);
  const returned = cut ? text.slice(cut.index) : '';
  const diagnosticLine =
    head.split(/\r?\n/).find((l) => /\b[45]\d\d[\s-]|(?<![\d.])[45]\.\d{1,3}\.\d{1,3}\b/.test(l) && !/^\s*(received|date):/i.test(l)) ??
    head.split(/\r?\n/).find((l) => HARD_WORDS.test(l) || SOFT_WORDS.test(l)) ??
    null;
  const status = statusFromText(diagnosticLine ?? '') ?? statusFromText(head.replace(/^\s*(received|date|x-[\w-]+):.*$/gim, '')) ?? statusFromWords(head);
  const notRecipient = (a: string) => /^(mailer-daemon|postmaster|mail-daemon|noreply|no-reply|root|double-bounce)@/i.test(a) || a === input.ownAddress;
  let recipient: string | null = typedAddress(input.failedRecipients ?? undefined);
  if (!recipient) {
    // qmail `<addr>:`, Exim's indented address, "RCPT TO:<addr>", "addr: 550 ...", then any address.
    const shapes = [/^<([^>\s]+@[^>\s]+)>:?\s*$/m, /^[ \t]+([^\s@<>]+@[^\s@<>]+)\s*$/m, /RCPT TO:\s*<([^>\s]+@[^>\s]+)>/i, /^\s*<?([^\s@<>]+@[^\s@<>:]+)>?\s*[:(]/m];
    for (const re of shapes) {
      const m = re.exec(head);
      if (m && ADDRESS.test(m[1]!) && !notRecipient(m[1]!.toLowerCase())) {
        recipient = ADDRESS.exec(m[1]!)![0].toLowerCase();
        break;
      }
    }
  }
  if (!recipient) recipient = (head.match(ADDRESS_G) ?? []).map((a) => a.toLowerCase()).find((a) => !notRecipient(a)) ?? null;
  if (!recipient) recipient = typedAddress(headerIn(input.returnedHeaders, 'to')) ?? typedAddress(/^to:\s*(.*)$/im.exec(returned)?.[1]);
  const originalMessageId = messageIdIn(headerIn(input.returnedHeaders, 'message-id')) ?? messageIdIn(/^\s*message-id:\s*(.*)$/im.exec(returned || text)?.[1]);
  return {
    hard: status.startsWith('5'),
    delayed: status.startsWith('4') && STILL_TRYING.test(head),
    status,
    recipient,
    diagnostic: diagnosticLine ? diagnosticLine.trim().slice(0, 1000) : null,
    originalMessageId,
    from: 'text',
  };
}
