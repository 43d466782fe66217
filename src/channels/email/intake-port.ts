/**
 * The port every email source (IMAP listener, watched folder, `mailroom import`, `mailroom
 * process`) hands raw messages to. The intake behind it (src/intake/intake.ts) stores the bytes
 * content-addressed, detects duplicate deliveries (same Message-ID or same bytes) and starts
 * the router run; channels never call workflows themselves.
 *
 * Contract for sources: call `accept` exactly once per newly seen message, and only after it
 * resolved mark the message as processed (keyword, move, file rename, checkpoint). A crash in
 * between leads to a second `accept` of the same message, which the port reports as
 * `duplicate: true` and which starts no second run.
 */
export interface IncomingItem {
  kind: 'email';
  /** The raw RFC 822 message, untouched. */
  bytes: Buffer;
  /** Normalised Message-ID when present (see normaliseMessageId). */
  dedupeKey?: string;
  source: {
    channel: 'imap' | 'folder' | 'import' | 'cli';
    account?: string;
    mailbox?: string;
    uid?: number;
    uidValidity?: string;
    path?: string;
  };
}

export interface IntakeResult {
  itemId: string;
  runId: string | null;
  duplicate: boolean;
}

export interface IntakePort {
  accept(item: IncomingItem): Promise<IntakeResult>;
}

/**
 * Message-ID for deduplication: angle brackets, surrounding space and the case of the domain do
 * not matter (the local part is case-sensitive by RFC 5322). Same rule as src/intake/intake.ts.
 */
export function normaliseMessageId(id: string | undefined | null): string | undefined {
  if (!id) return undefined;
  const bare = id.trim().replace(/^<|>$/g, '').trim();
  if (!bare) return undefined;
  const at = bare.lastIndexOf('@');
  return at < 0 ? bare : `${bare.slice(0, at)}@${bare.slice(at + 1).toLowerCase()}`;
}

/**
 * Reads the Message-ID header from the head of a raw message without parsing it (sources call
 * this for every delivery, so it must be cheap and must never throw on hostile input).
 */
export function messageIdOf(bytes: Buffer): string | undefined {
  const headEnd = bytes.indexOf('\r\n\r\n');
  const headEndLf = bytes.indexOf('\n\n');
  const ends = [headEnd, headEndLf].filter((n) => n >= 0);
  const end = Math.min(ends.length ? Math.min(...ends) : bytes.length, 256 * 1024);
  const head = bytes.subarray(0, end).toString('latin1').replace(/\r?\n[ \t]+/g, ' ');
  const m = /^message-id[ \t]*:[ \t]*(<[^>\r\n]*>|[^\s]+)/im.exec(head);
  return normaliseMessageId(m?.[1]);
}

/** The dedupe key a source passes with a message: its normalised Message-ID, if any. */
export function dedupeKeyOf(bytes: Buffer): string | undefined {
  return messageIdOf(bytes);
}
