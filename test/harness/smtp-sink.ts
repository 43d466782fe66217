/**
 * A real SMTP peer for tests (smtp-server on loopback): records every message it accepts with its
 * envelope, raw bytes and the threading headers as received, and can be down (refuse connections
 * with 421) or refuse the first N messages (451 or, with `failCode`, a permanent 5xx).
 */
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';

export interface ReceivedMail {
  envelope: { from: string; to: string[] };
  /** Same as envelope.from / envelope.to (older tests). */
  from: string;
  to: string[];
  raw: Buffer;
  headers: { messageId?: string; inReplyTo?: string; references?: string | string[]; subject?: string; from?: string; to?: string; replyTo?: string };
  text: string;
}

export interface SmtpSink {
  port: number;
  url: string;
  messages: ReceivedMail[];
  /** Connections refused while down. */
  setDown(down: boolean): void;
  /** Refuse the next `n` messages at DATA with `code` (default 451, temporary). */
  failNext(n: number, code?: number): void;
  /** Connection attempts seen (accepted or refused). */
  readonly connections: number;
  close(): Promise<void>;
}

/** `port`: listen on this one (a peer restarted where the old one was); default a free port. */
export async function startSmtpSink(options: { failFirst?: number; failCode?: number; down?: boolean; port?: number } = {}): Promise<SmtpSink> {
  const messages: ReceivedMail[] = [];
  let down = options.down ?? false;
  let failing = options.failFirst ?? 0;
  let failCode = options.failCode ?? 451;
  let connections = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onConnect(_session, callback) {
      connections++;
      callback(down ? Object.assign(new Error('service not available'), { responseCode: 421 }) : undefined);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (failing > 0) {
          failing--;
          callback(Object.assign(new Error(failCode >= 500 ? 'mailbox unavailable' : 'try again later'), { responseCode: failCode }));
          return;
        }
        const raw = Buffer.concat(chunks);
        simpleParser(raw).then(
          (parsed) => {
            const envelope = { from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address) };
            messages.push({
              envelope,
              from: envelope.from,
              to: envelope.to,
              raw,
              headers: {
                messageId: parsed.messageId,
                inReplyTo: parsed.inReplyTo,
                references: parsed.references,
                subject: parsed.subject,
                from: parsed.from?.text,
                to: Array.isArray(parsed.to) ? parsed.to.map((t) => t.text).join(', ') : parsed.to?.text,
                replyTo: parsed.replyTo?.text,
              },
              text: parsed.text ?? '',
            });
            callback();
          },
          (err: Error) => callback(err),
        );
      });
    },
  });
  // A client killed mid-session resets its connection; smtp-server reports that as an 'error' event.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as { port: number }).port;
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    setDown(v) {
      down = v;
    },
    failNext(n, code = 451) {
      failing = n;
      failCode = code;
    },
    get connections() {
      return connections;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
