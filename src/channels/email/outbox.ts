/**
 * The outbox. A message is composed (with a Message-ID derived from its idempotency key, so a
 * retried send is recognisable) and stored before any attempt to send it; a second enqueue with
 * the same key returns the stored row instead of sending twice.
 *
 *   enqueue ─► queued ─send ok─► sent
 *     │          └─fails─► retrying ─(backoff)─► … ─► failed (after max attempts; kept, re-sendable)
 *     └─(no SMTP configured)─► not_sent (kept; `mailroom outbox --send` once SMTP is set)
 */
import crypto from 'node:crypto';
import os from 'node:os';
import type pg from 'pg';
import nodemailer from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { Logger } from '../../logger.ts';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  inReplyTo?: string | null;
  references?: string[];
  replyTo?: string;
}

export interface OutboxRow {
  id: string;
  idempotency_key: string;
  message_id: string;
  to_address: string;
  subject: string;
  status: 'not_sent' | 'queued' | 'sent' | 'retrying' | 'failed';
  attempts: number;
  last_error: string | null;
  created_at: Date;
  sent_at: Date | null;
}

export interface SmtpSettings {
  url?: string;
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  secure?: boolean;
}

export interface Outbox {
  enqueue(mail: OutgoingMail, idempotencyKey: string, runId?: string | null): Promise<OutboxRow>;
  /** Sends what is due (queued, retrying past its backoff, and with `includeNotSent`, not_sent rows). */
  sendPending(options?: { includeNotSent?: boolean; limit?: number }): Promise<{ sent: number; failed: number }>;
  list(status?: string): Promise<OutboxRow[]>;
  /** A background loop that retries due messages. */
  start(intervalMs?: number): void;
  stop(): Promise<void>;
  readonly configured: boolean;
}

const MAX_ATTEMPTS = 8;

export function messageIdFor(idempotencyKey: string, domain: string): string {
  return `<mailroom.${crypto.createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 24)}@${domain}>`;
}

export function createOutbox(options: { pool: pg.Pool; from: string; smtp?: SmtpSettings; log: Logger }): Outbox {
  const { pool, log } = options;
  const smtp = options.smtp;
  const configured = Boolean(smtp?.url || smtp?.host);
  const transport = configured
    ? nodemailer.createTransport(
        smtp!.url ?? { host: smtp!.host, port: smtp!.port ?? 587, secure: smtp!.secure ?? smtp!.port === 465, auth: smtp!.user ? { user: smtp!.user, pass: smtp!.password ?? '' } : undefined, tls: { rejectUnauthorized: smtp!.secure !== false } },
      )
    : undefined;
  const domain = /@([^>\s]+)/.exec(options.from)?.[1] ?? os.hostname();
  let timer: NodeJS.Timeout | undefined;
  let sending: Promise<unknown> = Promise.resolve();

  const attempt = async (row: { id: string; raw: Buffer; from_address: string; to_address: string; attempts: number }): Promise<boolean> => {
    try {
      await transport!.sendMail({ envelope: { from: row.from_address, to: [row.to_address] }, raw: row.raw });
      await pool.query(`UPDATE mailroom.outbox SET status = 'sent', sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = $1`, [row.id]);
      return true;
    } catch (err) {
      const attempts = row.attempts + 1;
      const permanent = /^5\d\d/.test(String((err as { responseCode?: number }).responseCode ?? '')) || attempts >= MAX_ATTEMPTS;
      const delayMs = Math.min(3600_000, 1000 * 2 ** attempts) * (0.5 + Math.random() / 2);
      await pool.query(
        `UPDATE mailroom.outbox SET status = $2, attempts = $3, last_error = $4, next_attempt_at = now() + $5 * interval '1 millisecond' WHERE id = $1`,
        [row.id, permanent ? 'failed' : 'retrying', attempts, (err as Error).message.slice(0, 500), Math.round(delayMs)],
      );
      log.warn({ component: 'outbox', id: row.id, attempts, permanent, err: (err as Error).message }, 'send failed');
      return false;
    }
  };

  const outbox: Outbox = {
    configured,
    async enqueue(mail, key, runId = null) {
      const messageId = messageIdFor(key, domain);
      const raw = await new MailComposer({
        from: options.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        messageId,
        inReplyTo: mail.inReplyTo ?? undefined,
        references: mail.references?.length ? mail.references : undefined,
        replyTo: mail.replyTo,
      }).compile().build();
      const fromAddress = /<([^>]+)>/.exec(options.from)?.[1] ?? options.from;
      await pool.query(
        `INSERT INTO mailroom.outbox (id, idempotency_key, message_id, run_id, from_address, to_address, subject, raw, status, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now()) ON CONFLICT (idempotency_key) DO NOTHING`,
        [crypto.randomUUID(), key, messageId, runId, fromAddress, mail.to, mail.subject, raw, configured ? 'queued' : 'not_sent'],
      );
      const row = (await pool.query<OutboxRow & { raw: Buffer; from_address: string }>('SELECT * FROM mailroom.outbox WHERE idempotency_key = $1', [key])).rows[0]!;
      if (configured && row.status === 'queued') await attempt(row);
      const { raw: _r, from_address: _f, ...rest } = (await pool.query<OutboxRow & { raw: Buffer; from_address: string }>('SELECT * FROM mailroom.outbox WHERE id = $1', [row.id])).rows[0]!;
      return rest;
    },
    async sendPending({ includeNotSent = false, limit = 100 } = {}) {
      if (!configured) return { sent: 0, failed: 0 };
      const run = async () => {
        const { rows } = await pool.query<{ id: string; raw: Buffer; from_address: string; to_address: string; attempts: number }>(
          `SELECT id, raw, from_address, to_address, attempts FROM mailroom.outbox
            WHERE (status IN ('queued', 'retrying') AND next_attempt_at <= now()) OR ($1 AND status IN ('not_sent', 'failed'))
            ORDER BY created_at LIMIT $2`,
          [includeNotSent, limit],
        );
        let sent = 0;
        for (const r of rows) if (await attempt(r)) sent++;
        return { sent, failed: rows.length - sent };
      };
      // One sender at a time in this process: the retry loop and a CLI flush never race.
      const result = sending.then(run, run);
      sending = result.catch(() => undefined);
      return result;
    },
    async list(status) {
      const { rows } = await pool.query<OutboxRow>(
        `SELECT id, idempotency_key, message_id, to_address, subject, status, attempts, last_error, created_at, sent_at
           FROM mailroom.outbox WHERE ($1::text IS NULL OR status = $1) ORDER BY created_at`,
        [status ?? null],
      );
      return rows;
    },
    start(intervalMs = 5000) {
      if (!configured || timer) return;
      timer = setInterval(() => void outbox.sendPending().catch((err) => log.warn({ err: String(err) }, 'outbox pass failed')), intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await sending;
      transport?.close();
    },
  };
  return outbox;
}
