/**
 * Replies are matched by Message-ID first (reply-match.ts); a new mail from a lead's address
 * that names none of ours still belongs to that lead. The router may ask: is a lead run waiting
 * on this address? Then it hands the mail over as `lead.engagement` (`via: 'email'`, keyed by
 * the normalised address), which the run reads as the lead's answer.
 */
import type pg from 'pg';
import { normaliseAddress } from './form.ts';

export async function waitingLeadRun(pool: Pick<pg.Pool, 'query'>, address: string): Promise<{ runId: string; key: string } | null> {
  const key = normaliseAddress(address);
  const { rows } = await pool.query<{ run_id: string }>(
    `SELECT l.run_id FROM mailroom.leads l JOIN mailroom.runs r ON r.id = l.run_id
      WHERE l.email = $1 AND r.state IN ('queued', 'running', 'waiting') LIMIT 1`,
    [key],
  );
  return rows[0] ? { runId: rows[0].run_id, key } : null;
}

/** The event payload the lead run reads as a mail from the lead. */
export function leadMailEvent(itemId: string, text: string): { via: 'email'; itemId: string; message: string } {
  return { via: 'email', itemId, message: text.slice(0, 20_000) };
}
