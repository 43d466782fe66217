/**
 * A real SMTP peer for tests (smtp-server on loopback): records every message it accepts, and
 * can refuse connections for a while to exercise the outbox's retries.
 */
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: Buffer;
  headers: { messageId?: string; inReplyTo?: string; references?: string | string[]; subject?: string };
  text: string;
}

export interface SmtpSink {
  port: number;
  url: string;
  messages: ReceivedMail[];
  setDown(down: boolean): void;
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const messages: ReceivedMail[] = [];
  let down = false;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onConnect(_session, callback) {
      callback(down ? Object.assign(new Error('service not available'), { responseCode: 421 }) : undefined);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        const raw = Buffer.concat(chunks);
        const parsed = await simpleParser(raw);
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          headers: { messageId: parsed.messageId, inReplyTo: parsed.inReplyTo, references: parsed.references, subject: parsed.subject },
          text: parsed.text ?? '',
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as { port: number }).port;
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    setDown(v) {
      down = v;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
