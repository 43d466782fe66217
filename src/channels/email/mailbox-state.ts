/**
 * All SQL for IMAP mailbox state (table mailroom.imap_mailboxes): the resume point (UIDVALIDITY,
 * last processed UID) and the health record the CLI and the dashboard show.
 */
import type pg from 'pg';

type Db = Pick<pg.Pool, 'query'>;

export interface MailboxState {
  account: string;
  mailbox: string;
  uidvalidity: string | null;
  last_uid: number;
  connected: boolean;
  connected_at: Date | null;
  last_idle_event_at: Date | null;
  last_message_at: Date | null;
  pending: number;
  lag_ms: number | null;
  reconnects: number;
  uidvalidity_changes: number;
  last_error: string | null;
  last_error_at: Date | null;
  updated_at: Date;
}

export async function loadMailboxState(db: Db, account: string, mailbox: string): Promise<MailboxState | undefined> {
  const { rows } = await db.query<MailboxState & { last_uid: string }>(`SELECT * FROM mailroom.imap_mailboxes WHERE account = $1 AND mailbox = $2`, [account, mailbox]);
  const r = rows[0];
  return r && { ...r, last_uid: Number(r.last_uid) };
}

export async function ensureMailboxState(db: Db, account: string, mailbox: string): Promise<MailboxState> {
  await db.query(`INSERT INTO mailroom.imap_mailboxes (account, mailbox) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [account, mailbox]);
  return (await loadMailboxState(db, account, mailbox))!;
}

/** Records the resume point. Never moves last_uid backwards within one UIDVALIDITY. */
export async function saveResumePoint(db: Db, account: string, mailbox: string, point: { uidvalidity: string; lastUid: number; pending?: number; lagMs?: number | null }): Promise<void> {
  await db.query(
    `UPDATE mailroom.imap_mailboxes
        SET last_uid = CASE WHEN uidvalidity IS DISTINCT FROM $3 THEN $4 ELSE GREATEST(last_uid, $4) END,
            uidvalidity = $3, pending = COALESCE($5, pending), lag_ms = COALESCE($6, lag_ms),
            last_message_at = CASE WHEN $6::int IS NULL THEN last_message_at ELSE now() END, updated_at = now()
      WHERE account = $1 AND mailbox = $2`,
    [account, mailbox, point.uidvalidity, point.lastUid, point.pending ?? null, point.lagMs ?? null],
  );
}

/** A new UIDVALIDITY: the old UIDs mean nothing any more; start again from 0 and count the event. */
export async function resetForUidValidity(db: Db, account: string, mailbox: string, uidvalidity: string): Promise<void> {
  await db.query(
    `UPDATE mailroom.imap_mailboxes SET uidvalidity = $3, last_uid = 0, uidvalidity_changes = uidvalidity_changes + 1, updated_at = now() WHERE account = $1 AND mailbox = $2`,
    [account, mailbox, uidvalidity],
  );
}

export async function markConnected(db: Db, account: string, mailbox: string, connected: boolean): Promise<void> {
  await db.query(
    `UPDATE mailroom.imap_mailboxes SET connected = $3, connected_at = CASE WHEN $3 THEN now() ELSE connected_at END,
            reconnects = reconnects + CASE WHEN $3 AND connected_at IS NOT NULL THEN 1 ELSE 0 END, updated_at = now()
      WHERE account = $1 AND mailbox = $2`,
    [account, mailbox, connected],
  );
}

export async function markIdleEvent(db: Db, account: string, mailbox: string, at: Date): Promise<void> {
  await db.query(`UPDATE mailroom.imap_mailboxes SET last_idle_event_at = $3, updated_at = now() WHERE account = $1 AND mailbox = $2`, [account, mailbox, at]);
}

export async function recordError(db: Db, account: string, mailbox: string, error: string): Promise<void> {
  await db.query(
    `UPDATE mailroom.imap_mailboxes SET last_error = $3, last_error_at = now(), connected = false, updated_at = now() WHERE account = $1 AND mailbox = $2`,
    [account, mailbox, error.slice(0, 1000)],
  );
}

export async function recordReject(db: Db, r: { account: string; mailbox: string; uidvalidity: string; uid: number; size: number | null; reason: string }): Promise<void> {
  await db.query(
    `INSERT INTO mailroom.imap_rejects (account, mailbox, uidvalidity, uid, size, reason) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (account, mailbox, uidvalidity, uid) DO UPDATE SET reason = EXCLUDED.reason`,
    [r.account, r.mailbox, r.uidvalidity, r.uid, r.size, r.reason],
  );
}

/** Every mailbox's health, for `mailroom` status output and the dashboard. */
export async function listMailboxHealth(db: Db): Promise<MailboxState[]> {
  const { rows } = await db.query<MailboxState & { last_uid: string }>(`SELECT * FROM mailroom.imap_mailboxes ORDER BY account, mailbox`);
  return rows.map((r) => ({ ...r, last_uid: Number(r.last_uid) }));
}
