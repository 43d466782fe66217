/**
 * The machine-readable parts of a report (RFC 6522 multipart/report): a delivery status
 * notification's `message/delivery-status` (RFC 3464), an abuse report's
 * `message/feedback-report` (RFC 5965), and the header block of the message they return
 * (`message/rfc822` or `text/rfc822-headers`). mailparser folds delivery-status into the body
 * text and keeps returned messages as opaque attachments; the bounce classifier needs the fields
 * one recipient block at a time and the returned Message-ID, so they are read here from the raw
 * bytes.
 *
 * Bounded like mime-structure.ts: a fixed number of parts and levels, and each kept part capped,
 * so a hostile message costs no more than the limits.
 */

export interface ReportParts {
  /** The `report-type` parameter of a multipart/report, lower case; null for other messages. */
  reportType: string | null;
  /** Body of the message/delivery-status (or message/global-delivery-status) part. */
  deliveryStatus: string | null;
  /** Body of the message/feedback-report part. */
  feedbackReport: string | null;
  /** Header block of the returned message (message/rfc822 or text/rfc822-headers), unfolded. */
  returnedHeaders: string | null;
}

const MAX_PARTS = 200;
const MAX_DEPTH = 6;
const KEEP = 64 * 1024;

interface Part {
  headers: string;
  body: string;
}

function splitPart(text: string): Part {
  const m = /\r?\n\r?\n/.exec(text);
  if (!m) return { headers: text, body: '' };
  return { headers: text.slice(0, m.index), body: text.slice(m.index + m[0].length) };
}

function header(headers: string, name: string): string | undefined {
  const unfolded = headers.replace(/\r?\n[ \t]+/g, ' ');
  return new RegExp(`^${name}[ \\t]*:[ \\t]*(.*)$`, 'im').exec(unfolded)?.[1]?.trim();
}

function param(value: string, name: string): string | undefined {
  const m = new RegExp(`(?:^|;)\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(value);
  return (m?.[1] ?? m?.[2])?.trim();
}

function decode(body: string, encoding: string | undefined): string {
  const enc = (encoding ?? '').toLowerCase();
  if (enc === 'base64') return Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64').toString('latin1');
  if (enc === 'quoted-printable') {
    return body.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  }
  return body;
}

/** The parts of `text` between `--boundary` lines (the preamble and epilogue left out). */
function multipartBodies(body: string, boundary: string): string[] {
  const out: string[] = [];
  const lines = body.split(/\n/);
  let current: string[] | null = null;
  for (const raw of lines) {
    const line = raw.replace(/\r$/, '');
    if (line.startsWith(`--${boundary}`)) {
      if (current) out.push(current.join('\n'));
      if (out.length >= MAX_PARTS) return out;
      const closing = line.trimEnd() === `--${boundary}--`;
      current = closing ? null : [];
      if (closing) break;
      continue;
    }
    current?.push(raw);
  }
  if (current?.length) out.push(current.join('\n'));
  return out;
}

/** Reads the report parts of a raw message; fields it does not find are null. */
export function readReportParts(bytes: Buffer): ReportParts {
  const found: ReportParts = { reportType: null, deliveryStatus: null, feedbackReport: null, returnedHeaders: null };
  let parts = 0;
  const walk = (text: string, depth: number, top: boolean) => {
    if (depth > MAX_DEPTH || ++parts > MAX_PARTS) return;
    const { headers, body } = splitPart(text);
    const contentType = header(headers, 'content-type') ?? 'text/plain';
    const type = contentType.split(';')[0]!.trim().toLowerCase();
    const encoding = header(headers, 'content-transfer-encoding');
    if (type.startsWith('multipart/')) {
      if (top && type === 'multipart/report') found.reportType = param(contentType, 'report-type')?.toLowerCase() ?? null;
      const boundary = param(contentType, 'boundary');
      if (!boundary) return;
      for (const p of multipartBodies(body, boundary)) walk(p, depth + 1, false);
      return;
    }
    if (top) return;
    if ((type === 'message/delivery-status' || type === 'message/global-delivery-status') && found.deliveryStatus === null) {
      found.deliveryStatus = decode(body, encoding).slice(0, KEEP);
    } else if (type === 'message/feedback-report' && found.feedbackReport === null) {
      found.feedbackReport = decode(body, encoding).slice(0, KEEP);
    } else if ((type === 'message/rfc822' || type === 'message/global' || type === 'text/rfc822-headers') && found.returnedHeaders === null) {
      const inner = decode(body, encoding);
      found.returnedHeaders = splitPart(inner.replace(/^\s*\r?\n/, '')).headers.replace(/\r?\n[ \t]+/g, ' ').slice(0, KEEP);
    }
  };
  walk(bytes.toString('latin1'), 0, true);
  return found;
}

/** True when there is anything a report classifier could use. */
export function hasReportParts(r: ReportParts): boolean {
  return Boolean(r.reportType || r.deliveryStatus || r.feedbackReport || r.returnedHeaders);
}
