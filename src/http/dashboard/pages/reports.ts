/**
 * `/costs` (a uPlot chart per day with the daily budget line, and the same numbers as a table),
 * `/mailboxes` (IMAP health) and `/outbox` (backlog, failures, and *send now*).
 */
import type { OutboxRow } from '../../../channels/email/outbox.ts';
import type { MailboxState } from '../../../channels/email/mailbox-state.ts';
import type { CostRow } from '../../../queries/costs.ts';
import { badge, html, money, nothing, time, truncate, type Html } from '../html.ts';

/** Per day: total cost and cost per workflow, oldest first (the chart's series). */
export function costSeries(rows: CostRow[], days: number, today = new Date()): { days: string[]; workflows: Record<string, number[]>; total: number[] } {
  const dayList = Array.from({ length: days }, (_, i) => new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - (days - 1 - i))).toISOString().slice(0, 10));
  const index = new Map(dayList.map((d, i) => [d, i]));
  const workflows: Record<string, number[]> = {};
  const total = dayList.map(() => 0);
  for (const r of rows) {
    const i = index.get(r.day);
    if (i === undefined) continue;
    (workflows[r.workflow] ??= dayList.map(() => 0))[i]! += r.cost_usd;
    total[i]! += r.cost_usd;
  }
  return { days: dayList, workflows, total };
}

export function costsPage(rows: CostRow[], o: { days: number; budgetUsd: number }): Html {
  const series = costSeries(rows, o.days);
  const sum = rows.reduce((s, r) => s + r.cost_usd, 0);
  const calls = rows.reduce((s, r) => s + r.calls, 0);
  const chart = { ...series, budget: o.budgetUsd };
  return html`<h1>Costs</h1>
  <form method="get" action="/costs" class="filters"><label>Days <select name="days">${[7, 14, 30, 90].map((d) => html`<option value="${d}"${d === o.days ? html` selected` : nothing}>${d}</option>`)}</select></label><button type="submit">Show</button></form>
  <p><span class="stat"><strong>${money(sum)}</strong>in ${o.days} days</span><span class="stat"><strong>${calls}</strong>model calls</span><span class="stat"><strong>${money(o.budgetUsd)}</strong>daily budget per workflow (LLM_DAILY_BUDGET_USD)</span></p>
  <div id="costs-chart" class="chart card" data-chart="${JSON.stringify(chart)}"></div>
  <div id="live"><table class="list" id="costs-table"><thead><tr><th>Day</th><th>Workflow</th><th>Provider</th><th>Model</th><th>Calls</th><th>Input tokens</th><th>Output tokens</th><th>Cache read</th><th>Cost</th><th>Of budget</th></tr></thead><tbody>
  ${rows.length
    ? rows.map(
      (r) => html`<tr><td>${r.day}</td><td>${r.workflow}</td><td>${r.provider}</td><td>${r.model}</td><td>${r.calls}</td><td>${r.input_tokens}</td><td>${r.output_tokens}</td><td>${r.cache_read_tokens}</td><td>${money(r.cost_usd)}</td><td>${o.budgetUsd > 0 ? `${((r.cost_usd / o.budgetUsd) * 100).toFixed(1)}%` : '-'}</td></tr>`,
    )
    : html`<tr><td colspan="10" class="muted">No model calls in this period (the offline provider costs nothing).</td></tr>`}
  </tbody></table></div>`;
}

export function mailboxesPage(rows: MailboxState[]): Html {
  if (!rows.length) return html`<h1>Mailboxes</h1><p class="muted">No IMAP mailbox has been read yet (IMAP_HOST / IMAP_ACCOUNTS unset: the watched folder is the inbox).</p>`;
  return html`<h1>Mailboxes</h1><div id="live"><table class="list"><thead><tr><th>Account / mailbox</th><th>State</th><th>Last IDLE event</th><th>Last message</th><th>Last UID</th><th>Pending</th><th>Lag</th><th>Reconnects</th><th>Last error</th></tr></thead><tbody>
  ${rows.map(
    (r) => html`<tr><td>${r.account} / ${r.mailbox}</td><td>${badge(r.connected ? 'connected' : 'disconnected')}${r.connected_at ? html` <span class="muted">since ${time(r.connected_at)}</span>` : nothing}</td>
      <td>${time(r.last_idle_event_at)}</td><td>${time(r.last_message_at)}</td><td>${r.last_uid}${r.uidvalidity ? html` <span class="muted">(UIDVALIDITY ${r.uidvalidity})</span>` : nothing}</td>
      <td>${r.pending}</td><td>${r.lag_ms === null ? '-' : `${r.lag_ms} ms`}</td><td>${r.reconnects}</td><td>${r.last_error ? html`<span class="error">${truncate(r.last_error, 300)}</span> ${time(r.last_error_at)}` : '-'}</td></tr>`,
  )}</tbody></table></div>`;
}

const UNSENT = ['not_sent', 'failed', 'retrying', 'queued'];

export function outboxPage(rows: OutboxRow[], o: { configured: boolean; canAct: boolean; status?: string }): Html {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  const unsent = rows.filter((r) => UNSENT.includes(r.status)).length;
  // Trouble first: unsent and failed mail above what went out, newest first within each.
  const shown = [...rows].sort((a, b) => Number(b.status !== 'sent') - Number(a.status !== 'sent') || +b.created_at - +a.created_at).slice(0, 300);
  return html`<h1>Outbox</h1>
  <p>${['not_sent', 'queued', 'retrying', 'failed', 'sent'].map((s) => html`<a class="stat" href="/outbox?status=${s}"><strong>${counts.get(s) ?? 0}</strong>${s.replace('_', ' ')}</a>`)} <a href="/outbox">all</a></p>
  ${o.canAct && unsent
    ? o.configured
      ? html`<form method="post" action="/outbox/send" class="controls"><button type="submit" class="primary">Send now (${unsent} unsent)</button></form>`
      : html`<p class="warn">SMTP is not configured (SMTP_URL or SMTP_HOST): ${unsent} messages stay here as not sent until it is; then send them from here.</p>`
    : nothing}
  <div id="live"><table class="list"><thead><tr><th>Created</th><th>Status</th><th>To</th><th>Subject</th><th>Attempts</th><th>Last error</th><th>Sent</th><th>Run</th>${o.canAct && o.configured ? html`<th></th>` : nothing}</tr></thead><tbody>
  ${shown.length
    ? shown.map(
      (r) => html`<tr><td>${time(r.created_at)}</td><td>${badge(r.status)}</td><td>${truncate(r.to_address, 120)}</td><td>${truncate(r.subject, 160)}</td><td>${r.attempts}</td>
        <td>${r.last_error ? truncate(r.last_error, 200) : ''}${r.next_attempt_at && r.status === 'retrying' ? html` <span class="muted">next ${time(r.next_attempt_at)}</span>` : nothing}</td><td>${time(r.sent_at)}</td>
        <td>${r.run_id ? html`<a href="/runs/${r.run_id}">${r.run_id.slice(0, 8)}</a>` : ''}</td>${o.canAct && o.configured ? html`<td>${UNSENT.includes(r.status) ? html`<form method="post" action="/outbox/${r.id}/send"><button type="submit">Send now</button></form>` : nothing}</td>` : nothing}</tr>`,
    )
    : html`<tr><td colspan="${o.canAct && o.configured ? 9 : 8}" class="muted">The outbox is empty${o.status ? ` for ${o.status}` : ''}.</td></tr>`}
  </tbody></table></div>`;
}
