/**
 * Leads as the CLI (`mailroom leads`), the API and the dashboard show them: one object per lead
 * with exactly the keys the issue names, plus one lead's story (score factors, events, notes).
 */
import type { Queryable } from '../engine/run-store.ts';

export interface LeadListItem {
  id: string;
  email: string;
  company: string | null;
  score: number | null;
  fit: number | null;
  intent: number | null;
  engagement: number | null;
  band: 'hot' | 'warm' | 'cold' | null;
  status: 'new' | 'alerted' | 'nurturing' | 'replied' | 'closed' | 'unsubscribed' | 'bounced' | 'suppressed';
  emails_sent: number;
  last_contact_at: string | null;
  next_step_at: string | null;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export async function listLeads(db: Queryable, options: { status?: string; band?: string; id?: string; limit?: number } = {}): Promise<LeadListItem[]> {
  const { rows } = await db.query<Omit<LeadListItem, 'last_contact_at' | 'next_step_at'> & { last_contact_at: Date | null; next_step_at: Date | null }>(
    `SELECT l.id, l.email, coalesce(l.company, c.name) AS company, l.score, l.fit, l.intent, l.engagement, l.band, l.status,
            l.emails_sent, l.last_contact_at, l.next_step_at
       FROM mailroom.leads l LEFT JOIN mailroom.companies c ON c.domain = l.domain
      WHERE ($1::text IS NULL OR l.status = $1) AND ($2::text IS NULL OR l.band = $2) AND ($4::uuid IS NULL OR l.id = $4)
      ORDER BY l.score DESC NULLS LAST, l.created_at
      LIMIT $3`,
    [options.status ?? null, options.band ?? null, options.limit ?? 1000, options.id ?? null],
  );
  return rows.map((r) => ({
    id: r.id, email: r.email, company: r.company, score: r.score, fit: r.fit, intent: r.intent, engagement: r.engagement, band: r.band, status: r.status,
    emails_sent: r.emails_sent, last_contact_at: iso(r.last_contact_at), next_step_at: iso(r.next_step_at),
  }));
}

export interface LeadDetail extends LeadListItem {
  name: string | null;
  title: string | null;
  run_id: string | null;
  status_reason: string | null;
  factors: unknown[];
  events: Array<{ kind: string; detail: unknown; at: string }>;
  notes: Array<{ body: string; at: string }>;
}

export async function getLeadDetail(db: Queryable, idOrEmail: string): Promise<LeadDetail | undefined> {
  const { rows } = await db.query(
    `SELECT id FROM mailroom.leads WHERE id::text = $1 OR email = lower(btrim($1)) LIMIT 1`,
    [idOrEmail],
  );
  const id = rows[0]?.id as string | undefined;
  if (!id) return undefined;
  const base = (await listLeads(db, { id }))[0]!;
  const more = (await db.query(`SELECT name, title, run_id, status_reason, factors FROM mailroom.leads WHERE id = $1`, [id])).rows[0];
  const events = (await db.query(`SELECT kind, detail, at FROM mailroom.lead_events WHERE lead_id = $1 ORDER BY id`, [id])).rows;
  const notes = (await db.query(`SELECT n.body, n.at FROM mailroom.crm_notes n JOIN mailroom.crm_contacts c ON c.id = n.contact_id WHERE c.email = $1 ORDER BY n.id`, [base.email])).rows;
  return { ...base, ...more, events: events.map((e) => ({ ...e, at: iso(e.at)! })), notes: notes.map((n) => ({ body: n.body, at: iso(n.at)! })) };
}
