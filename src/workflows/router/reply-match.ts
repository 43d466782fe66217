/**
 * Replies to Mailroom's own mail. A message whose In-Reply-To or References name a message we
 * sent is a reply to that run; if the run is waiting for one (a survey answer, a lead's reply),
 * the router hands it over as an `email.reply` event keyed by our Message-ID instead of routing
 * it afresh. A copy of a message we sent (a BCC, a mailing-list echo) is never a new request.
 *
 * A reply can be quicker than the run that sent the message: between the send and the run
 * registering its wait, the run is still queued or running. That is `early`: the router looks
 * again a few times before it treats the mail as new.
 */
import type pg from 'pg';
import { sentMessagesAmong } from '../../channels/email/outbox.ts';
import type { EmailSummary } from '../ports.ts';
import { normaliseMessageId } from '../../intake/intake.ts';

export type ReplyMatch =
  | { kind: 'own'; messageId: string }
  | { kind: 'reply'; key: string; runId: string }
  /** It answers a message of a run that is still active and may be about to wait for it. */
  | { kind: 'early'; runIds: string[] }
  | { kind: 'none' };

export async function matchReply(pool: pg.Pool, email: EmailSummary): Promise<ReplyMatch> {
  const own = email.messageId ? await sentMessagesAmong(pool, [email.messageId]) : [];
  if (own.length) return { kind: 'own', messageId: own[0]!.message_id };
  const named = [email.inReplyTo, ...email.references].filter((x): x is string => Boolean(x));
  const ours = await sentMessagesAmong(pool, named);
  if (!ours.length) return { kind: 'none' };
  const keys = ours.map((o) => normaliseMessageId(o.message_id) ?? o.message_id);
  const { rows } = await pool.query<{ key: string; run_id: string }>(
    `SELECT w.key, w.run_id FROM mailroom.run_waits w JOIN mailroom.runs r ON r.id = w.run_id
      WHERE w.name = 'email.reply' AND w.key = ANY($1::text[]) AND r.state = 'waiting' LIMIT 1`,
    [keys],
  );
  if (rows[0]) return { kind: 'reply', key: rows[0].key, runId: rows[0].run_id };
  const senders = [...new Set(ours.map((o) => o.run_id).filter((id): id is string => Boolean(id)))];
  if (!senders.length) return { kind: 'none' };
  const { rows: active } = await pool.query<{ id: string }>(`SELECT id FROM mailroom.runs WHERE id = ANY($1::uuid[]) AND state IN ('queued', 'running')`, [senders]);
  return active.length ? { kind: 'early', runIds: active.map((r) => r.id) } : { kind: 'none' };
}
