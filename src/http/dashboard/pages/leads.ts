/**
 * `/leads` (score, band, status and sequence progress, filtered by status and band in the URL)
 * and `/leads/:id` (the score factors with points and evidence, the lead's events, its CRM
 * notes and a link to its run): the same objects as `mailroom leads` and `GET /api/v1/leads`.
 */
import type { LeadDetail, LeadListItem } from '../../../queries/leads.ts';
import { badge, html, nothing, pre, time, truncate, type Html } from '../html.ts';

export const LEAD_STATUSES: Array<LeadListItem['status']> = ['new', 'alerted', 'nurturing', 'replied', 'closed', 'unsubscribed', 'bounced', 'suppressed'];
export const LEAD_BANDS: Array<NonNullable<LeadListItem['band']>> = ['hot', 'warm', 'cold'];

const option = (value: string, current: string | undefined, label = value) => html`<option value="${value}"${value === (current ?? '') ? html` selected` : nothing}>${label}</option>`;
const num = (n: number | null) => (n === null ? '-' : String(n));

export function leadsPage(rows: LeadListItem[], f: { status?: string; band?: string }): Html {
  return html`<h1>Leads</h1>
  <form method="get" action="/leads" class="filters">
    <label>Status <select name="status">${option('', f.status, 'any')}${LEAD_STATUSES.map((s) => option(s, f.status))}</select></label>
    <label>Band <select name="band">${option('', f.band, 'any')}${LEAD_BANDS.map((b) => option(b, f.band))}</select></label>
    <button type="submit">Filter</button> <a href="/leads">clear</a>
  </form>
  <div id="live"><table class="list" id="leads-table"><thead><tr><th>Email</th><th>Company</th><th>Score</th><th>Fit / intent / engagement</th><th>Band</th><th>Status</th><th>Emails sent</th><th>Last contact</th><th>Next step</th></tr></thead><tbody>
  ${rows.length
    ? rows.map(
      (r) => html`<tr><td><a href="/leads/${r.id}">${truncate(r.email, 120)}</a></td><td>${truncate(r.company ?? '', 120)}</td><td>${num(r.score)}</td>
        <td>${num(r.fit)} / ${num(r.intent)} / ${num(r.engagement)}</td><td>${badge(r.band)}</td><td>${badge(r.status)}</td><td>${r.emails_sent}</td>
        <td>${time(r.last_contact_at)}</td><td>${time(r.next_step_at)}</td></tr>`,
    )
    : html`<tr><td colspan="9" class="muted">No leads${f.status || f.band ? ' match this filter' : ' yet'}.</td></tr>`}
  </tbody></table></div>
  ${rows.length >= 1000 ? html`<p class="muted">The first 1000 shown; narrow the filter.</p>` : nothing}`;
}

interface ShownFactor { category?: unknown; factor?: unknown; points?: unknown; evidence?: unknown; source?: unknown }

export function leadPage(d: LeadDetail): Html {
  const factors = d.factors as ShownFactor[];
  const text = (v: unknown, max = 300) => (typeof v === 'string' ? truncate(v, max) : v === undefined || v === null ? '' : truncate(String(v), max));
  return html`<h1>${truncate(d.email, 200)}</h1>
  <div id="live"><dl class="kv">
    <dt>Name</dt><dd>${d.name ?? '-'}</dd>
    <dt>Company</dt><dd>${d.company ?? '-'}${d.title ? html` <span class="muted">(${d.title})</span>` : nothing}</dd>
    <dt>Score</dt><dd><strong>${num(d.score)}</strong> <span class="muted">fit ${num(d.fit)} · intent ${num(d.intent)} · engagement ${num(d.engagement)}</span> ${badge(d.band)}</dd>
    <dt>Status</dt><dd>${badge(d.status)}${d.status_reason ? html` <span class="muted">${truncate(d.status_reason, 300)}</span>` : nothing}</dd>
    <dt>Emails sent</dt><dd>${d.emails_sent}</dd>
    <dt>Last contact</dt><dd>${time(d.last_contact_at)}</dd>
    <dt>Next step</dt><dd>${time(d.next_step_at)}</dd>
    <dt>Run</dt><dd>${d.run_id ? html`<a href="/runs/${d.run_id}">${d.run_id}</a>` : '-'}</dd>
  </dl>
  <h2>Score factors</h2>
  <table class="list" id="lead-factors"><thead><tr><th>Category</th><th>Factor</th><th>Points</th><th>Evidence</th><th>Source</th></tr></thead><tbody>
  ${factors.length
    ? factors.map((f) => html`<tr><td>${text(f.category)}</td><td>${text(f.factor)}</td><td>${text(f.points)}</td><td>${text(f.evidence, 500)}</td><td class="muted">${text(f.source)}</td></tr>`)
    : html`<tr><td colspan="5" class="muted">Not scored yet.</td></tr>`}
  </tbody></table>
  <h2>Events</h2>
  <table class="list" id="lead-events"><thead><tr><th>At</th><th>Kind</th><th>Detail</th></tr></thead><tbody>
  ${d.events.length
    ? d.events.map((e) => html`<tr><td>${time(e.at)}</td><td>${e.kind}</td><td>${pre(e.detail, 500)}</td></tr>`)
    : html`<tr><td colspan="3" class="muted">No events.</td></tr>`}
  </tbody></table>
  <h2>CRM notes</h2>
  ${d.notes.length
    ? d.notes.map((n) => html`<div class="card"><p class="muted">${time(n.at)}</p><pre>${truncate(n.body, 4000)}</pre></div>`)
    : html`<p class="muted">No CRM notes.</p>`}</div>
  <p><a href="/leads">← all leads</a></p>`;
}
