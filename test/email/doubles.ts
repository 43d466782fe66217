/**
 * Intake doubles for the email channel's tests. The intake is a port (src/channels/email/
 * intake-port.ts): these record what the channel handed over and answer like the real one
 * (duplicate = same Message-ID or same bytes).
 */
import crypto from 'node:crypto';
import type pg from 'pg';
import type { IncomingItem, IntakePort, IntakeResult } from '../../src/channels/email/intake-port.ts';

export interface RecordingIntake extends IntakePort {
  items: IncomingItem[];
  /** Accepts that were not duplicates ("runs started"). */
  runs: IncomingItem[];
  /** Make the next `n` accepts throw (an intake outage). */
  failNext(n: number): void;
  waitFor(count: number, timeoutMs?: number): Promise<void>;
}

export function recordingIntake(): RecordingIntake {
  const items: IncomingItem[] = [];
  const runs: IncomingItem[] = [];
  const seen = new Map<string, string>();
  let failing = 0;
  const waiters: Array<{ count: number; resolve(): void }> = [];
  return {
    items,
    runs,
    failNext(n) {
      failing = n;
    },
    async accept(item): Promise<IntakeResult> {
      if (failing > 0) {
        failing--;
        throw new Error('intake unavailable');
      }
      items.push(item);
      const hash = crypto.createHash('sha256').update(item.bytes).digest('hex');
      const prior = (item.dedupeKey && seen.get(`k:${item.dedupeKey}`)) || seen.get(`h:${hash}`);
      if (prior) return { itemId: prior, runId: null, duplicate: true };
      const itemId = crypto.randomUUID();
      seen.set(`h:${hash}`, itemId);
      if (item.dedupeKey) seen.set(`k:${item.dedupeKey}`, itemId);
      runs.push(item);
      for (const w of waiters.splice(0)) if (runs.length >= w.count) w.resolve();
      else waiters.push(w);
      return { itemId, runId: crypto.randomUUID(), duplicate: false };
    },
    waitFor(count, timeoutMs = 10_000) {
      if (runs.length >= count) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timed out waiting for ${count} runs (have ${runs.length})`)), timeoutMs);
        waiters.push({ count, resolve: () => (clearTimeout(t), resolve()) });
      });
    },
  };
}

/** A DB-backed double: deliveries recorded in mailroom.email_deliveries (migration 0003). */
export function dbIntake(pool: pg.Pool): IntakePort {
  return {
    async accept(item) {
      const hash = crypto.createHash('sha256').update(item.bytes).digest('hex');
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 7))', [hash]);
        const prior = await client.query<{ id: string }>(
          `SELECT id::text FROM mailroom.email_deliveries WHERE NOT duplicate AND (sha256 = $1 OR ($2::text IS NOT NULL AND dedupe_key = $2)) LIMIT 1`,
          [hash, item.dedupeKey ?? null],
        );
        const duplicate = prior.rows.length > 0;
        const { rows } = await client.query<{ id: string }>(
          `INSERT INTO mailroom.email_deliveries (channel, account, mailbox, uid, uidvalidity, path, sha256, dedupe_key, duplicate)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id::text`,
          [item.source.channel, item.source.account ?? null, item.source.mailbox ?? null, item.source.uid ?? null, item.source.uidValidity ?? null, item.source.path ?? null, hash, item.dedupeKey ?? null, duplicate],
        );
        await client.query('COMMIT');
        return { itemId: prior.rows[0]?.id ?? rows[0]!.id, runId: duplicate ? null : `run-${rows[0]!.id}`, duplicate };
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
  };
}

export function message(id: string, subject = 'Invoice', body = 'Please pay.'): Buffer {
  return Buffer.from(`Message-ID: <${id}@vendor.example>\r\nFrom: Billing <billing@vendor.example>\r\nTo: inbox@example.test\r\nSubject: ${subject}\r\nDate: Fri, 20 Nov 2026 09:12:00 +0000\r\n\r\n${body}\r\n`);
}

export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
