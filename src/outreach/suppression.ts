/**
 * The suppression list (table mailroom.suppressions, migration 0016): addresses that must never
 * get outreach again, because the person unsubscribed, the address hard-bounced, or the person
 * complained. Stored as the SHA-256 of the normalised address, so the entry outlives the lead
 * and any erasure of the person's data (GDPR Art. 17 erases, Art. 21 objection must stay
 * honoured) without keeping the address.
 *
 * Also the record of a person's last own mail to us (mailroom.inbound_contacts), which the
 * policy gate's unanswered-mail cap counts from.
 */
import crypto from 'node:crypto';
import type pg from 'pg';

export type SuppressionReason = 'unsubscribe' | 'hard_bounce' | 'complaint' | 'manual';

type Db = Pick<pg.Pool, 'query'>;

/**
 * Trimmed and lower-cased, with a display name or angle brackets removed. Deliberately no
 * provider-specific folding (Gmail dots, plus tags): two spellings a person uses are two
 * addresses to them too, and folding wrongly would suppress a stranger.
 */
export function normaliseAddress(address: string): string {
  const bare = /<([^>]*)>/.exec(address)?.[1] ?? address;
  return bare.trim().replace(/^mailto:/i, '').toLowerCase();
}

export function addressHash(address: string): string {
  return crypto.createHash('sha256').update(normaliseAddress(address), 'utf8').digest('hex');
}

/**
 * Adds the address (idempotent). A later, stronger reason does not replace the first one: the
 * entry records why the person was first suppressed; `updated_at` says when it was seen again.
 */
export async function suppress(db: Db, address: string, reason: SuppressionReason, source: string): Promise<{ created: boolean }> {
  if (!normaliseAddress(address).includes('@')) throw new Error(`not an email address: cannot suppress "${address.slice(0, 80)}"`);
  const { rows } = await db.query<{ created: boolean }>(
    `INSERT INTO mailroom.suppressions (address_hash, reason, source) VALUES ($1, $2, $3)
     ON CONFLICT (address_hash) DO UPDATE SET updated_at = now()
     RETURNING (xmax = 0) AS created`,
    [addressHash(address), reason, source.slice(0, 200)],
  );
  return { created: Boolean(rows[0]?.created) };
}

export async function isSuppressed(db: Db, address: string): Promise<boolean> {
  return (await suppression(db, address)) !== null;
}

export async function suppression(db: Db, address: string): Promise<{ reason: SuppressionReason; source: string; created_at: Date } | null> {
  const { rows } = await db.query<{ reason: SuppressionReason; source: string; created_at: Date }>(
    `SELECT reason, source, created_at FROM mailroom.suppressions WHERE address_hash = $1`,
    [addressHash(address)],
  );
  return rows[0] ?? null;
}

/** Removes an entry (a person who asks to be mailed again, by hand); true when one was there. */
export async function unsuppress(db: Db, address: string): Promise<boolean> {
  const { rowCount } = await db.query(`DELETE FROM mailroom.suppressions WHERE address_hash = $1`, [addressHash(address)]);
  return (rowCount ?? 0) > 0;
}

/** Notes a mail the person wrote themselves (not an auto-reply or bounce): the cap counts from it. */
export async function noteInbound(db: Db, address: string, at: Date | string, itemId: string | null): Promise<void> {
  await db.query(
    `INSERT INTO mailroom.inbound_contacts (address_hash, last_inbound_at, last_item_id) VALUES ($1, $2, $3)
     ON CONFLICT (address_hash) DO UPDATE SET last_inbound_at = GREATEST(mailroom.inbound_contacts.last_inbound_at, EXCLUDED.last_inbound_at),
       last_item_id = CASE WHEN EXCLUDED.last_inbound_at >= mailroom.inbound_contacts.last_inbound_at THEN EXCLUDED.last_item_id ELSE mailroom.inbound_contacts.last_item_id END`,
    [addressHash(address), new Date(at), itemId],
  );
}

export async function lastInbound(db: Db, address: string): Promise<Date | null> {
  const { rows } = await db.query<{ last_inbound_at: Date }>(`SELECT last_inbound_at FROM mailroom.inbound_contacts WHERE address_hash = $1`, [addressHash(address)]);
  return rows[0]?.last_inbound_at ?? null;
}

/**
 * Automated mails to the address since its last own mail to us: what the outbox holds (sent, or
 * still to go out), not counting messages the server refused for good.
 */
export async function automatedSinceLastInbound(db: Db, address: string): Promise<{ count: number; since: Date | null }> {
  const since = await lastInbound(db, address);
  const { rows } = await db.query<{ n: string }>(
    `SELECT count(*) AS n FROM mailroom.outbox
      WHERE automated AND lower(btrim(to_address)) = $1 AND status <> 'failed' AND ($2::timestamptz IS NULL OR created_at > $2)`,
    [normaliseAddress(address), since],
  );
  return { count: Number(rows[0]?.n ?? 0), since };
}
