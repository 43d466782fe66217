/**
 * The gate's outreach rules for `email.send`, in every workflow:
 *
 * 1. Never to a suppressed address (unsubscribed, hard-bounced, complained), whatever the mail.
 * 2. Automated mail (parameters `automated: true`) only with the sender's postal address set
 *    (`lead.postal_address`): every such mail carries it.
 * 3. Never more than `lead.max_unanswered` (default 3) automated mails to one person since their
 *    last own mail to us, counted from the outbox over every workflow — a fourth is refused
 *    whatever the workflow asks.
 *
 * `decideOutreach` is pure (facts in, verdict out); `outreachFacts` reads the facts.
 */
import type pg from 'pg';
import { automatedSinceLastInbound, normaliseAddress, suppression, type SuppressionReason } from '../outreach/suppression.ts';
import type { Policy } from './schema.ts';

export interface OutreachFacts {
  to: string;
  automated: boolean;
  suppressed: { reason: SuppressionReason; since: Date } | null;
  postalAddress: string | null;
  /** Automated mails to `to` since their last own mail (null: they never wrote). */
  sent: number;
  lastInbound: Date | null;
  maxUnanswered: number;
}

export type OutreachVerdict = { allow: true } | { allow: false; reason: string };

const REASONS: Record<SuppressionReason, string> = {
  unsubscribe: 'unsubscribed',
  hard_bounce: 'hard-bounced',
  complaint: 'complained (abuse report)',
  manual: 'was suppressed by hand',
};

export function decideOutreach(f: OutreachFacts): OutreachVerdict {
  if (f.suppressed) {
    return { allow: false, reason: `${f.to} is on the suppression list: the address ${REASONS[f.suppressed.reason]} on ${f.suppressed.since.toISOString().slice(0, 10)}` };
  }
  if (!f.automated) return { allow: true };
  if (!f.postalAddress?.trim()) return { allow: false, reason: 'automated email needs the sender\'s postal address: set lead.postal_address in the policy file' };
  if (f.sent >= f.maxUnanswered) {
    const since = f.lastInbound ? `since their last mail on ${f.lastInbound.toISOString().slice(0, 10)}` : 'and they have never written to us';
    return { allow: false, reason: `${f.to} already got ${f.sent} automated email(s) ${since}: the cap is ${f.maxUnanswered} without a response (lead.max_unanswered)` };
  }
  return { allow: true };
}

export async function outreachFacts(pool: Pick<pg.Pool, 'query'>, policy: Policy, to: string, automated: boolean): Promise<OutreachFacts> {
  const address = normaliseAddress(to);
  const s = await suppression(pool, address);
  const counted = automated ? await automatedSinceLastInbound(pool, address) : { count: 0, since: null };
  return {
    to: address,
    automated,
    suppressed: s ? { reason: s.reason, since: s.created_at } : null,
    postalAddress: outreachPolicy(policy).postalAddress,
    sent: counted.count,
    lastInbound: counted.since,
    maxUnanswered: outreachPolicy(policy).maxUnanswered,
  };
}

/**
 * The policy keys these rules read, from the `lead:` section (`lead.postal_address`,
 * `lead.max_unanswered`, default 3). Read structurally so that a policy object built without the
 * section (older fixtures) gets the defaults rather than a crash.
 */
export function outreachPolicy(policy: Policy): { postalAddress: string | null; maxUnanswered: number } {
  const lead = (policy as { lead?: { postal_address?: string; max_unanswered?: number } }).lead;
  return { postalAddress: lead?.postal_address?.trim() || null, maxUnanswered: lead?.max_unanswered ?? 3 };
}

/**
 * The address a lead run was started for (the form's `email`, a string, unlike the router's
 * parsed `email` object): automated mail to it is the run's purpose, so it counts as the run's
 * correspondent — the rules above still apply.
 */
export async function leadAddressOf(pool: Pick<pg.Pool, 'query'>, runId: string): Promise<string | null> {
  const { rows } = await pool.query<{ address: string | null }>(
    `SELECT CASE WHEN jsonb_typeof(input->'email') = 'string' THEN input->>'email' WHEN jsonb_typeof(input->'form'->'email') = 'string' THEN input->'form'->>'email' END AS address
       FROM mailroom.runs WHERE id = $1`,
    [runId],
  );
  return rows[0]?.address ? normaliseAddress(rows[0].address) : null;
}
