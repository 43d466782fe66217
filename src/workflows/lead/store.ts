/**
 * The leads table family (migration 0015): one lead per normalised address, the run that owns
 * its sequence, its score and status, and its events. Every write here runs inside a workflow
 * step, so a replay does not repeat it (events are keyed).
 */
import crypto from 'node:crypto';
import type pg from 'pg';
import type { Activity } from './form.ts';
import type { Band, Factor } from './score.ts';

export type LeadStatus = 'new' | 'alerted' | 'nurturing' | 'replied' | 'closed' | 'unsubscribed' | 'bounced' | 'suppressed';

export interface LeadRow {
  id: string;
  email: string;
  name: string | null;
  company: string | null;
  title: string | null;
  domain: string | null;
  form: Record<string, unknown>;
  activity: Activity[];
  submissions: number;
  status: LeadStatus;
  band: Band | null;
  score: number | null;
  run_id: string | null;
  emails_sent: number;
  alerted_at: string | null;
}

export interface Submission {
  email: string;
  domain: string;
  name: string | null;
  company: string | null;
  title: string | null;
  form: Record<string, unknown>;
  activity: Activity[];
}

/** Records a submission: a new lead, or the same lead updated (activity appended, one more submission). */
export async function recordSubmission(pool: pg.Pool, s: Submission): Promise<{ lead: LeadRow; created: boolean }> {
  const { rows } = await pool.query<LeadRow & { created: boolean }>(
    `INSERT INTO mailroom.leads (id, email, domain, name, company, title, form, activity)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (email) DO UPDATE SET
       name = coalesce(EXCLUDED.name, leads.name), company = coalesce(EXCLUDED.company, leads.company),
       title = coalesce(EXCLUDED.title, leads.title), form = leads.form || EXCLUDED.form,
       activity = leads.activity || EXCLUDED.activity, submissions = leads.submissions + 1, updated_at = now()
     RETURNING id, email, name, company, title, domain, form, activity, submissions, status, band, score, run_id, emails_sent, alerted_at, (xmax = 0) AS created`,
    [crypto.randomUUID(), s.email, s.domain, s.name, s.company, s.title, JSON.stringify(s.form), JSON.stringify(s.activity)],
  );
  const { created, ...lead } = rows[0]!;
  return { lead, created };
}

export async function getLead(pool: pg.Pool, id: string): Promise<LeadRow | undefined> {
  const { rows } = await pool.query<LeadRow>(
    `SELECT id, email, name, company, title, domain, form, activity, submissions, status, band, score, run_id, emails_sent, alerted_at FROM mailroom.leads WHERE id = $1`,
    [id],
  );
  return rows[0];
}

/**
 * Makes `runId` the lead's run unless another run still owns it (queued, running or waiting):
 * one sequence per lead. Returns the owner after the claim.
 */
export async function claimLead(pool: pg.Pool, leadId: string, runId: string): Promise<string> {
  const { rows } = await pool.query<{ run_id: string }>(
    `UPDATE mailroom.leads l SET run_id = $2, updated_at = now()
      WHERE l.id = $1 AND (l.run_id IS NULL OR l.run_id = $2 OR NOT EXISTS (
        SELECT 1 FROM mailroom.runs r WHERE r.id = l.run_id AND r.state IN ('queued', 'running', 'waiting')))
      RETURNING run_id`,
    [leadId, runId],
  );
  if (rows[0]) return rows[0].run_id;
  const owner = await pool.query<{ run_id: string }>('SELECT run_id FROM mailroom.leads WHERE id = $1', [leadId]);
  return owner.rows[0]!.run_id;
}

export interface LeadPatch {
  status?: LeadStatus;
  statusReason?: string;
  score?: { total: number; fit: number; intent: number; engagement: number; band: Band; factors: Factor[] };
  nextStepAt?: Date | null;
  lastContactAt?: Date;
  activity?: Activity[];
}

export async function updateLead(pool: pg.Pool, id: string, p: LeadPatch): Promise<void> {
  await pool.query(
    `UPDATE mailroom.leads SET
       status = coalesce($2, status), status_reason = coalesce($3, status_reason),
       score = coalesce($4, score), fit = coalesce($5, fit), intent = coalesce($6, intent), engagement = coalesce($7, engagement),
       band = coalesce($8, band), factors = coalesce($9::jsonb, factors),
       next_step_at = CASE WHEN $10::boolean THEN $11::timestamptz ELSE next_step_at END,
       last_contact_at = coalesce($12, last_contact_at), activity = coalesce($13::jsonb, activity), updated_at = now()
     WHERE id = $1`,
    [
      id, p.status ?? null, p.statusReason ?? null,
      p.score?.total ?? null, p.score?.fit ?? null, p.score?.intent ?? null, p.score?.engagement ?? null, p.score?.band ?? null,
      p.score ? JSON.stringify(p.score.factors) : null,
      p.nextStepAt !== undefined, p.nextStepAt ?? null, p.lastContactAt ?? null, p.activity ? JSON.stringify(p.activity) : null,
    ],
  );
}

/** Claims the lead's one sales alert: true for the first caller only. */
export async function claimAlert(pool: pg.Pool, id: string): Promise<boolean> {
  const { rowCount } = await pool.query(`UPDATE mailroom.leads SET alerted_at = now() WHERE id = $1 AND alerted_at IS NULL`, [id]);
  return rowCount === 1;
}

/** Appends an event once per key; an `email_sent` also counts the email and the contact time. */
export async function recordLeadEvent(pool: pg.Pool, e: { leadId: string; runId: string; key: string; kind: string; detail?: Record<string, unknown> }): Promise<void> {
  const { rowCount } = await pool.query(
    `INSERT INTO mailroom.lead_events (lead_id, run_id, key, kind, detail) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (lead_id, key) DO NOTHING`,
    [e.leadId, e.runId, e.key, e.kind, JSON.stringify(e.detail ?? {})],
  );
  if (rowCount && e.kind === 'email_sent') {
    await pool.query(`UPDATE mailroom.leads SET emails_sent = emails_sent + 1, last_contact_at = now(), updated_at = now() WHERE id = $1`, [e.leadId]);
  }
}
