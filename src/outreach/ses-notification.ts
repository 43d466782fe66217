/**
 * Amazon SES bounce and complaint notifications delivered by email (an SNS "AWS Notification
 * Message" whose body is JSON, or SES's own JSON). Senders who relay through SES get their
 * bounces this way instead of as DSNs. Documented shape: `notificationType` Bounce|Complaint,
 * `bounce.bounceType` Permanent|Transient|Undetermined, `bouncedRecipients[]` with
 * `emailAddress`, `status`, `diagnosticCode`; `complaint.complainedRecipients[]`; the original
 * message under `mail` (`commonHeaders.messageId`, `headers[]`).
 */

export type SesFacts =
  | { kind: 'bounce'; hard: boolean; delayed: boolean; status: string; recipient: string | null; diagnostic: string | null; originalMessageId: string | null }
  | { kind: 'complaint'; feedbackType: string; recipient: string | null; originalMessageId: string | null };

interface SesMail {
  commonHeaders?: { messageId?: string };
  headers?: Array<{ name?: string; value?: string }>;
}

function parseJson(text: string): Record<string, unknown> | null {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) return null;
  const slice = text.slice(start, end + 1);
  // Mail transport wraps long lines, also inside JSON strings; whitespace between tokens can go.
  for (const candidate of [slice, slice.replace(/\r?\n[ \t]?/g, '')]) {
    try {
      const v = JSON.parse(candidate) as unknown;
      return v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
    } catch {
      /* try the next form */
    }
  }
  return null;
}

function originalId(mail: SesMail | undefined): string | null {
  const fromHeaders = mail?.headers?.find((h) => h.name?.toLowerCase() === 'message-id')?.value;
  const id = fromHeaders ?? mail?.commonHeaders?.messageId;
  if (!id) return null;
  return id.startsWith('<') ? id : `<${id}>`;
}

export function readSesNotification(text: string): SesFacts | null {
  if (!/notificationType|eventType/.test(text)) return null;
  let body = parseJson(text);
  if (body && typeof body.Message === 'string') body = parseJson(body.Message);
  if (!body) return null;
  const type = String(body.notificationType ?? body.eventType ?? '');
  const mail = body.mail as SesMail | undefined;
  if (type === 'Bounce') {
    const b = (body.bounce ?? {}) as { bounceType?: string; bouncedRecipients?: Array<{ emailAddress?: string; status?: string; diagnosticCode?: string }> };
    const r = b.bouncedRecipients?.[0];
    const hard = b.bounceType === 'Permanent';
    const status = /^[45]\.\d{1,3}\.\d{1,3}$/.test(r?.status ?? '') ? r!.status! : hard ? '5.0.0' : '4.0.0';
    return {
      kind: 'bounce',
      hard: status.startsWith('5') && b.bounceType !== 'Transient',
      // SES reports a transient bounce once it has stopped retrying.
      delayed: false,
      status,
      recipient: r?.emailAddress?.toLowerCase() ?? null,
      diagnostic: r?.diagnosticCode?.replace(/^smtp;\s*/i, '') ?? null,
      originalMessageId: originalId(mail),
    };
  }
  if (type === 'Complaint') {
    const c = (body.complaint ?? {}) as { complaintFeedbackType?: string; complainedRecipients?: Array<{ emailAddress?: string }> };
    return { kind: 'complaint', feedbackType: c.complaintFeedbackType ?? 'abuse', recipient: c.complainedRecipients?.[0]?.emailAddress?.toLowerCase() ?? null, originalMessageId: originalId(mail) };
  }
  return null;
}
