/**
 * The outbox: every outgoing message is composed and recorded (raw bytes, with a Message-ID
 * derived from its idempotency key) before any attempt to send it, and kept whatever happens.
 * A second enqueue with the same key returns the stored row: a retried or replayed step never
 * sends twice, and if a send reached the server but its result was lost, the resend carries the
 * same Message-ID, so the receiver (and we) can recognise it.
 *
 *   enqueue ─► queued ──send ok──► sent
 *     │          │ 4xx / down ─► retrying ─(backoff with jitter)─► … ─► failed (after maxAttempts)
 *     │          └ 5xx ────────► failed (permanent refusal; kept, re-sendable with --send)
 *     └─(no SMTP configured)─► not_sent (kept; `mailroom outbox --send` once SMTP is set)
 *
 * A row is sent under a row lock (SELECT … FOR UPDATE SKIP LOCKED held for the SMTP exchange),
 * so two processes (a service's retry loop and a CLI flush) never send the same row at once.
 * Table: mailroom.outbox (migration 0007).
 */
import crypto from 'node:crypto';
import os from 'node:os';
import type pg from 'pg';
import MailComposer from 'nodemailer/lib/mail-composer';
import { errorMessage } from '../../errors.ts';
import { logger, type Logger } from '../../logger.ts';
import type { OutboxSettings, SmtpSettings } from './settings.ts';
import { createSmtpTransport, isPermanentSmtpError, type RawSender } from './smtp-transport.ts';

export interface OutgoingMail {
  to: string | string[];
  cc?: string[];
  subject: string;
  text: string;
  html?: string;
  inReplyTo?: string | null;
  references?: string[];
  replyTo?: string;
  /** Defaults to the outbox's MAIL_FROM. */
  from?: string;
}

export type OutboxStatus = 'not_sent' | 'queued' | 'sent' | 'retrying' | 'failed';

export interface OutboxRow {
  id: string;
  idempotency_key: string;
  message_id: string;
  /** Same as message_id (camel case for ports that expect it). */
  messageId: string;
  run_id: string | null;
  to_address: string;
  subject: string;
  status: OutboxStatus;
  attempts: number;
  last_error: string | null;
  next_attempt_at: Date | null;
  created_at: Date;
  sent_at: Date | null;
}

export interface SendReport {
  sent: number;
  failed: number;
  retrying: number;
}

export interface Outbox {
  readonly configured: boolean;
  enqueue(mail: OutgoingMail, key: string | { idempotencyKey: string; runId?: string | null; sendNow?: boolean }, runId?: string | null): Promise<OutboxRow>;
  /** Sends what is due: queued and retrying rows past their backoff; optionally not_sent and failed ones too. */
  sendPending(options?: { limit?: number; includeNotSent?: boolean; includeFailed?: boolean }): Promise<SendReport>;
  list(filter?: string | { status?: string; limit?: number }): Promise<OutboxRow[]>;
  /** Background loop that sends due rows every `intervalMs`. */
  start(intervalMs?: number): void;
  stop(): Promise<void>;
}

export interface OutboxOptions {
  pool: pg.Pool;
  from: string;
  smtp?: SmtpSettings;
  log?: Logger;
  maxAttempts?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  pollMs?: number;
  /** Replaces the SMTP transport (tests). */
  transport?: RawSender;
}

const COLUMNS = `id, idempotency_key, message_id, message_id AS "messageId", run_id, to_address, subject, status, attempts, last_error, next_attempt_at, created_at, sent_at`;

/** `<mailroom.{hash of key}@{domain}>`: stable per idempotency key (run id + step). */
export function messageIdFor(idempotencyKey: string, domain: string): string {
  return `<mailroom.${crypto.createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32)}@${domain}>`;
}

export function bareAddress(value: string): string {
  return (/<([^>]+)>/.exec(value)?.[1] ?? value).trim();
}

function isPool(x: unknown): x is pg.Pool {
  return typeof (x as { query?: unknown }).query === 'function' && typeof (x as { connect?: unknown }).connect === 'function';
}

/**
 * `createOutbox({ pool, from, smtp, log })` or `createOutbox(pool, settings)` with the resolved
 * OutboxSettings of settings.ts.
 */
export function createOutbox(poolOrOptions: pg.Pool | OutboxOptions, settings?: OutboxSettings): Outbox {
  const options: OutboxOptions = isPool(poolOrOptions)
    ? { pool: poolOrOptions, from: settings!.from, smtp: settings!.smtp, maxAttempts: settings!.maxAttempts, retryBaseMs: settings!.retryBaseMs, retryMaxMs: settings!.retryMaxMs, pollMs: settings!.pollMs }
    : poolOrOptions;
  const { pool } = options;
  const log = (options.log ?? logger()).child({ component: 'outbox' });
  const smtp = options.smtp;
  const configured = Boolean(options.transport || smtp?.url || smtp?.host);
  const maxAttempts = options.maxAttempts ?? 10;
  const retryBaseMs = options.retryBaseMs ?? 30_000;
  const retryMaxMs = options.retryMaxMs ?? 6 * 3600_000;
  const domain = /@([^>\s]+)>?\s*$/.exec(options.from)?.[1] ?? os.hostname();
  let transport: RawSender | undefined = options.transport;
  const sender = () => (transport ??= createSmtpTransport(smtp!));
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<unknown> = Promise.resolve();

  const backoffMs = (attempts: number) => Math.min(retryMaxMs, retryBaseMs * 2 ** Math.max(0, attempts - 1)) * (0.5 + Math.random() / 2);

  /** One locked attempt at one row. Returns the outcome, or 'skipped' when another sender holds it or it is no longer due. */
  const attempt = async (id: string, statuses: OutboxStatus[]): Promise<'sent' | 'retrying' | 'failed' | 'skipped'> => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ id: string; raw: Buffer; from_address: string; to_address: string; attempts: number }>(
        `SELECT id, raw, from_address, to_address, attempts FROM mailroom.outbox WHERE id = $1 AND status = ANY($2::text[]) FOR UPDATE SKIP LOCKED`,
        [id, statuses],
      );
      const row = rows[0];
      if (!row) {
        await client.query('COMMIT');
        return 'skipped';
      }
      const attempts = row.attempts + 1;
      try {
        await sender().send({ from: row.from_address, to: row.to_address.split(',').map((s) => s.trim()).filter(Boolean) }, row.raw);
        await client.query(`UPDATE mailroom.outbox SET status = 'sent', sent_at = now(), attempts = $2, last_error = NULL, next_attempt_at = NULL WHERE id = $1`, [id, attempts]);
        await client.query('COMMIT');
        log.info({ outbox_id: id, attempts }, 'message sent');
        return 'sent';
      } catch (err) {
        const permanent = isPermanentSmtpError(err);
        const status = permanent || attempts >= maxAttempts ? 'failed' : 'retrying';
        await client.query(`UPDATE mailroom.outbox SET status = $2, attempts = $3, last_error = $4, next_attempt_at = now() + $5 * interval '1 millisecond' WHERE id = $1`, [
          id,
          status,
          attempts,
          errorMessage(err).slice(0, 500),
          Math.round(backoffMs(attempts)),
        ]);
        await client.query('COMMIT');
        log.warn({ outbox_id: id, attempts, status, err: errorMessage(err) }, 'send failed');
        return status;
      }
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  };

  const getRow = async (where: string, value: string): Promise<OutboxRow | undefined> =>
    (await pool.query<OutboxRow>(`SELECT ${COLUMNS} FROM mailroom.outbox WHERE ${where} = $1`, [value])).rows[0];

  const outbox: Outbox = {
    configured,

    async enqueue(mail, keyOrOpts, legacyRunId = null) {
      const opts = typeof keyOrOpts === 'string' ? { idempotencyKey: keyOrOpts, runId: legacyRunId } : keyOrOpts;
      const key = opts.idempotencyKey;
      if (!key) throw new Error('outbox.enqueue needs an idempotency key (run id + step)');
      const existing = await getRow('idempotency_key', key);
      if (existing) return existing;
      const from = mail.from ?? options.from;
      const to = (Array.isArray(mail.to) ? mail.to : [mail.to]).filter(Boolean);
      if (!to.length) throw new Error('outgoing mail has no recipient');
      const messageId = messageIdFor(key, domain);
      const raw = await new MailComposer({
        from,
        to,
        cc: mail.cc?.length ? mail.cc : undefined,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId,
        inReplyTo: mail.inReplyTo ?? undefined,
        references: mail.references?.length ? mail.references : undefined,
        replyTo: mail.replyTo,
        headers: { 'Auto-Submitted': 'auto-generated' },
      })
        .compile()
        .build();
      const recipients = [...to, ...(mail.cc ?? [])].map(bareAddress);
      await pool.query(
        `INSERT INTO mailroom.outbox (id, idempotency_key, message_id, run_id, from_address, to_address, subject, raw, status, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now()) ON CONFLICT (idempotency_key) DO NOTHING`,
        [crypto.randomUUID(), key, messageId, opts.runId ?? null, bareAddress(from), recipients.join(', '), mail.subject, raw, configured ? 'queued' : 'not_sent'],
      );
      const row = (await getRow('idempotency_key', key))!;
      if (configured && row.status === 'queued' && opts.sendNow !== false) {
        // First attempt right away; a failure leaves the row retrying for the background loop.
        await attempt(row.id, ['queued']).catch((err) => log.warn({ err: errorMessage(err) }, 'first send attempt failed'));
        return (await getRow('id', row.id))!;
      }
      return row;
    },

    async sendPending({ limit = 100, includeNotSent = false, includeFailed = false } = {}) {
      const report: SendReport = { sent: 0, failed: 0, retrying: 0 };
      if (!configured) return report;
      const run = async () => {
        const extra: OutboxStatus[] = [...(includeNotSent ? (['not_sent'] as const) : []), ...(includeFailed ? (['failed'] as const) : [])];
        const { rows } = await pool.query<{ id: string; status: OutboxStatus }>(
          `SELECT id, status FROM mailroom.outbox
            WHERE (status IN ('queued', 'retrying') AND (next_attempt_at IS NULL OR next_attempt_at <= now())) OR status = ANY($1::text[])
            ORDER BY created_at LIMIT $2`,
          [extra, limit],
        );
        for (const r of rows) {
          if (r.status === 'failed' || r.status === 'not_sent') {
            // Given a fresh start by an explicit flush: attempts count again from zero.
            await pool.query(`UPDATE mailroom.outbox SET attempts = 0 WHERE id = $1 AND status = $2`, [r.id, r.status]);
          }
          const outcome = await attempt(r.id, ['queued', 'retrying', ...extra]);
          if (outcome !== 'skipped') report[outcome]++;
        }
        return report;
      };
      // One pass at a time in this process; the row locks cover other processes.
      const result = pass.then(run, run);
      pass = result.catch(() => undefined);
      return result;
    },

    async list(filter) {
      const f = typeof filter === 'string' ? { status: filter } : (filter ?? {});
      const { rows } = await pool.query<OutboxRow>(
        `SELECT ${COLUMNS} FROM mailroom.outbox WHERE ($1::text IS NULL OR status = $1) ORDER BY created_at LIMIT $2`,
        [f.status ?? null, f.limit ?? 1000],
      );
      return rows;
    },

    start(intervalMs = options.pollMs ?? 5000) {
      if (!configured || timer) return;
      timer = setInterval(() => void outbox.sendPending().catch((err) => log.warn({ err: errorMessage(err) }, 'outbox pass failed')), intervalMs);
      timer.unref();
    },

    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await pass;
      transport?.close();
      transport = options.transport;
    },
  };
  return outbox;
}
