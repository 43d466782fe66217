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
import { isConnectionError } from '../../db/connection-errors.ts';
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
  /** Extra headers (List-Unsubscribe...), added to the composed message. */
  headers?: Record<string, string>;
  /** Outreach (not a reply a person asked for): recorded so the policy gate can count it per recipient. */
  automated?: boolean;
  /** An iMIP calendar part (text/calendar; method=REQUEST|CANCEL...), as nodemailer's `icalEvent`. */
  icalEvent?: { method: string; content: string; filename?: string };
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

/** What became of a sent message that bounced softly. */
export interface SoftBounceResend {
  /** True when the message is queued again (status `retrying`, sent at `nextAttemptAt`). */
  resent: boolean;
  /** Soft bounces of this message so far, this one included. */
  softBounces: number;
  nextAttemptAt: Date | null;
  /** Why not resent: `exhausted` (the limit reached), `not_found`, or `not_sent` (not in state sent). */
  reason?: 'exhausted' | 'not_found' | 'not_sent';
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
  /** One message now, whatever its backoff (not sent, retrying or failed); a sent one is never sent again. */
  sendOne(id: string): Promise<{ outcome: 'sent' | 'retrying' | 'failed' | 'skipped'; row: OutboxRow | undefined }>;
  /**
   * A relay returned this sent message after a temporary failure: queue the same bytes (same
   * Message-ID) again after a growing delay, at most `softBounceResends` times.
   */
  resendAfterSoftBounce(messageId: string, reason: string): Promise<SoftBounceResend>;
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
  /** How often a softly bounced message is sent again (default 2), and the first delay (1 h, doubling). */
  softBounceResends?: number;
  softBounceDelayMs?: number;
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
    ? { pool: poolOrOptions, from: settings!.from, smtp: settings!.smtp, maxAttempts: settings!.maxAttempts, retryBaseMs: settings!.retryBaseMs, retryMaxMs: settings!.retryMaxMs, pollMs: settings!.pollMs, softBounceResends: settings!.softBounceResends, softBounceDelayMs: settings!.softBounceDelayMs }
    : poolOrOptions;
  const { pool } = options;
  const log = (options.log ?? logger()).child({ component: 'outbox' });
  const smtp = options.smtp;
  const configured = Boolean(options.transport || smtp?.url || smtp?.host);
  const maxAttempts = options.maxAttempts ?? 10;
  const retryBaseMs = options.retryBaseMs ?? 30_000;
  const retryMaxMs = options.retryMaxMs ?? 6 * 3600_000;
  const softBounceResends = options.softBounceResends ?? 2;
  const softBounceDelayMs = options.softBounceDelayMs ?? 3600_000;
  const domain = /@([^>\s]+)>?\s*$/.exec(options.from)?.[1] ?? os.hostname();
  let transport: RawSender | undefined = options.transport;
  const sender = () => (transport ??= createSmtpTransport(smtp!));
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<unknown> = Promise.resolve();
  // Sent, but not yet recorded as sent (the database went away in between): never sent again here.
  const unrecorded = new Set<string>();

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
      // Checked under the row lock: a pass that waited out the outage must not send it again.
      if (!row || unrecorded.has(id)) {
        await client.query('COMMIT');
        return 'skipped';
      }
      const attempts = row.attempts + 1;
      let delivered = false;
      try {
        await sender().send({ from: row.from_address, to: row.to_address.split(',').map((s) => s.trim()).filter(Boolean) }, row.raw);
        delivered = true;
        await client.query(`UPDATE mailroom.outbox SET status = 'sent', sent_at = now(), attempts = $2, last_error = NULL, next_attempt_at = NULL WHERE id = $1`, [id, attempts]);
        await client.query('COMMIT');
        log.info({ outbox_id: id, attempts }, 'message sent');
        return 'sent';
      } catch (err) {
        if (delivered && isConnectionError(err)) return await recordSentWhenBack(id, attempts);
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

  /**
   * The server took the message but the database went away before it was recorded (its
   * transaction, and the row lock, are gone). Sending again would deliver it twice: record it
   * once the database answers instead. A process killed meanwhile still sends it again.
   */
  const recordSentWhenBack = async (id: string, attempts: number): Promise<'sent'> => {
    const giveUp = Date.now() + 10 * 60_000;
    unrecorded.add(id);
    try {
      for (let wait = 250; ; wait = Math.min(5000, wait * 2)) {
        try {
          await pool.query(`UPDATE mailroom.outbox SET status = 'sent', sent_at = now(), attempts = $2, last_error = NULL, next_attempt_at = NULL WHERE id = $1`, [id, attempts]);
          log.info({ outbox_id: id, attempts }, 'message sent; recorded after a database outage');
          return 'sent';
        } catch (err) {
          if (!isConnectionError(err) || Date.now() > giveUp) {
            log.error({ outbox_id: id, err: errorMessage(err) }, 'a sent message could not be recorded as sent; it may go out again');
            throw err;
          }
          await new Promise((r) => setTimeout(r, wait));
        }
      }
    } finally {
      unrecorded.delete(id);
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
        headers: { 'Auto-Submitted': 'auto-generated', ...(mail.headers ?? {}) },
        ...(mail.icalEvent ? { icalEvent: mail.icalEvent } : {}),
      })
        .compile()
        .build();
      const recipients = [...to, ...(mail.cc ?? [])].map(bareAddress);
      await pool.query(
        `INSERT INTO mailroom.outbox (id, idempotency_key, message_id, run_id, from_address, to_address, subject, raw, status, next_attempt_at, automated)
         VALUES ($1, $2, $3, (SELECT id FROM mailroom.runs WHERE id = $4::uuid), $5, $6, $7, $8, $9, now(), $10) ON CONFLICT (idempotency_key) DO NOTHING`,
        [crypto.randomUUID(), key, messageId, opts.runId ?? null, bareAddress(from), recipients.join(', '), mail.subject, raw, configured ? 'queued' : 'not_sent', mail.automated ?? false],
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

    async sendOne(id) {
      const row = await getRow('id', id);
      if (!row || !configured || row.status === 'sent') return { outcome: 'skipped', row };
      // Asked for by a person: attempts count again from zero, as for an explicit flush.
      if (row.status === 'failed' || row.status === 'not_sent') await pool.query(`UPDATE mailroom.outbox SET attempts = 0 WHERE id = $1 AND status = $2`, [id, row.status]);
      const run = () => attempt(id, ['queued', 'retrying', 'not_sent', 'failed']);
      const result = pass.then(run, run);
      pass = result.catch(() => undefined);
      const outcome = await result;
      return { outcome, row: await getRow('id', id) };
    },

    async list(filter) {
      const f = typeof filter === 'string' ? { status: filter } : (filter ?? {});
      const { rows } = await pool.query<OutboxRow>(
        `SELECT ${COLUMNS} FROM mailroom.outbox WHERE ($1::text IS NULL OR status = $1) ORDER BY created_at LIMIT $2`,
        [f.status ?? null, f.limit ?? 1000],
      );
      return rows;
    },

    async resendAfterSoftBounce(messageId, reason) {
      // One statement, so two reports of the same bounce (two recipients, a replayed step) cannot
      // both queue it; the count grows only while the row is `sent`.
      const { rows } = await pool.query<{ soft_bounces: number; status: OutboxStatus; next_attempt_at: Date | null; resent: boolean }>(
        `WITH target AS (
           SELECT id, status, soft_bounces FROM mailroom.outbox WHERE lower(btrim(message_id, '<> ')) = $1 ORDER BY created_at LIMIT 1 FOR UPDATE
         ), bumped AS (
           UPDATE mailroom.outbox o
              SET soft_bounces = o.soft_bounces + 1,
                  status = CASE WHEN o.soft_bounces < $2 THEN 'retrying' ELSE o.status END,
                  next_attempt_at = CASE WHEN o.soft_bounces < $2 THEN now() + ($3 * 2 ^ o.soft_bounces) * interval '1 millisecond' ELSE o.next_attempt_at END,
                  last_error = $4
             FROM target t WHERE o.id = t.id AND t.status = 'sent'
           RETURNING o.soft_bounces, o.status, o.next_attempt_at, t.soft_bounces < $2 AS resent
         )
         SELECT soft_bounces, status, next_attempt_at, resent FROM bumped
         UNION ALL SELECT soft_bounces, status, NULL, false FROM target WHERE NOT EXISTS (SELECT 1 FROM bumped)`,
        [idKey(messageId), softBounceResends, softBounceDelayMs, `soft bounce: ${reason}`.slice(0, 500)],
      );
      const row = rows[0];
      if (!row) return { resent: false, softBounces: 0, nextAttemptAt: null, reason: 'not_found' };
      if (row.resent) {
        log.info({ message_id: messageId, soft_bounces: row.soft_bounces, next_attempt_at: row.next_attempt_at }, 'soft bounce: the message will be sent again');
        return { resent: true, softBounces: row.soft_bounces, nextAttemptAt: row.next_attempt_at };
      }
      return { resent: false, softBounces: row.soft_bounces, nextAttemptAt: null, reason: row.status === 'sent' ? 'exhausted' : 'not_sent' };
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

/** Message-IDs as replies name them: no angle brackets, lower case (the index's expression). */
const idKey = (id: string) => id.trim().replace(/^<|>$/g, '').toLowerCase();

/**
 * Which of these Message-IDs are messages Mailroom sent, with the run that sent each: a reply's
 * In-Reply-To and References are matched here, and a copy of our own mail is recognised.
 */
export async function sentMessagesAmong(db: Pick<pg.Pool, 'query'>, ids: string[]): Promise<Array<{ message_id: string; run_id: string | null }>> {
  const keys = [...new Set(ids.filter(Boolean).map(idKey))];
  if (!keys.length) return [];
  const { rows } = await db.query<{ message_id: string; run_id: string | null }>(
    `SELECT message_id, run_id FROM mailroom.outbox WHERE lower(btrim(message_id, '<> ')) = ANY($1::text[])`,
    [keys],
  );
  return rows;
}
