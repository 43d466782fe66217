/**
 * SMTP at the edge: one nodemailer transport built from the settings, with timeouts short enough
 * that a dead server makes a send fail (and the outbox retry later) instead of hanging a step.
 * Messages are sent as stored raw bytes, so a retry sends exactly what was recorded.
 */
import nodemailer from 'nodemailer';
import type { SmtpSettings } from './settings.ts';

export interface RawSender {
  send(envelope: { from: string; to: string[] }, raw: Buffer): Promise<{ response: string }>;
  close(): void;
}

export function createSmtpTransport(smtp: SmtpSettings, timeouts: { connectionMs?: number; socketMs?: number } = {}): RawSender {
  const common = {
    connectionTimeout: timeouts.connectionMs ?? 15_000,
    greetingTimeout: timeouts.connectionMs ?? 15_000,
    socketTimeout: timeouts.socketMs ?? 60_000,
  };
  // SMTP_URL is read here (not handed to nodemailer as a string) so the timeouts apply to it too.
  const fromUrl = smtp.url ? new URL(smtp.url) : undefined;
  const host = fromUrl ? fromUrl.hostname : smtp.host;
  const tls = fromUrl ? fromUrl.protocol === 'smtps:' : (smtp.tls ?? smtp.secure);
  const port = fromUrl?.port ? Number(fromUrl.port) : (smtp.port ?? (tls ? 465 : 587));
  const user = fromUrl ? decodeURIComponent(fromUrl.username) : smtp.user;
  const pass = fromUrl ? decodeURIComponent(fromUrl.password) : smtp.password;
  const transport = nodemailer.createTransport({
    host,
    port,
    secure: tls ?? port === 465,
    auth: user ? { user, pass: pass ?? '' } : undefined,
    ...common,
  });
  return {
    async send(envelope, raw) {
      const info = (await transport.sendMail({ envelope, raw })) as { response?: string };
      return { response: String(info.response ?? '') };
    },
    close() {
      transport.close();
    },
  };
}

/** A 5xx answer means the server refused the message for good; retrying cannot help. */
export function isPermanentSmtpError(err: unknown): boolean {
  const code = (err as { responseCode?: unknown }).responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}
