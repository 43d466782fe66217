/**
 * `/runs`: the run list with its filters in the URL (state, workflow, channel, time, search
 * words), keyset pagination, and bulk retry/cancel by filter: the confirmation page says how
 * many runs the action will touch before anything happens, and the action is refused if that
 * number changed in between.
 */
import type { RunState } from '../../../engine/types.ts';
import type { RunFilter, RunListRow } from '../../../queries/run-search.ts';
import { badge, html, nothing, query, time, truncate, type Html } from '../html.ts';

export const RUN_STATES: RunState[] = ['queued', 'running', 'waiting', 'completed', 'failed', 'cancelled'];
export const BULK: Record<'retry' | 'cancel', { states: RunState[]; verb: string }> = {
  retry: { states: ['failed', 'cancelled'], verb: 'retry' },
  cancel: { states: ['queued', 'running', 'waiting'], verb: 'cancel' },
};

/** The filter as it is written in the URL (strings as typed, for the form and for links). */
export interface FilterParams {
  state?: string;
  workflow?: string;
  channel?: string;
  since?: string;
  until?: string;
  q?: string;
}

export function parseFilter(p: FilterParams): { filter: RunFilter; params: FilterParams } {
  const clean = (v: string | undefined, max = 200) => (v && v.trim() ? v.trim().slice(0, max) : undefined);
  const date = (v: string | undefined) => {
    const d = v ? new Date(/Z|[+-]\d\d:?\d\d$/.test(v) ? v : `${v}Z`) : undefined;
    return d && !Number.isNaN(+d) ? d : undefined;
  };
  const params: FilterParams = {
    state: RUN_STATES.includes(p.state as RunState) ? p.state : undefined,
    workflow: clean(p.workflow, 100),
    channel: clean(p.channel, 100),
    since: date(p.since) ? clean(p.since, 40) : undefined,
    until: date(p.until) ? clean(p.until, 40) : undefined,
    q: clean(p.q, 300),
  };
  const filter: RunFilter = {
    state: params.state as RunState | undefined,
    workflow: params.workflow,
    channel: params.channel,
    since: date(params.since),
    until: date(params.until),
    q: params.q,
  };
  return { filter, params };
}

const option = (value: string, current: string | undefined, label = value) => html`<option value="${value}"${value === (current ?? '') ? html` selected` : nothing}>${label}</option>`;

function filterForm(p: FilterParams, facets: { workflows: string[]; channels: string[] }): Html {
  const workflows = p.workflow && !facets.workflows.includes(p.workflow) ? [...facets.workflows, p.workflow] : facets.workflows;
  const channels = p.channel && !facets.channels.includes(p.channel) ? [...facets.channels, p.channel] : facets.channels;
  return html`<form method="get" action="/runs" class="filters" role="search">
    <label>Search <input type="search" name="q" value="${p.q ?? ''}" placeholder="subject, sender, invoice number…"></label>
    <label>State <select name="state">${option('', p.state, 'any')}${RUN_STATES.map((s) => option(s, p.state))}</select></label>
    <label>Workflow <select name="workflow">${option('', p.workflow, 'any')}${workflows.map((w) => option(w, p.workflow))}</select></label>
    <label>Channel <select name="channel">${option('', p.channel, 'any')}${channels.map((c) => option(c, p.channel))}</select></label>
    <label>From <input type="datetime-local" name="since" value="${p.since ?? ''}"></label>
    <label>Until <input type="datetime-local" name="until" value="${p.until ?? ''}"></label>
    <button type="submit">Filter</button> <a href="/runs">clear</a>
  </form>`;
}

export function runsTable(runs: RunListRow[]): Html {
  if (!runs.length) return html`<p class="muted" id="runs-table">No runs match.</p>`;
  return html`<table class="list" id="runs-table"><thead><tr><th>Created (UTC)</th><th>State</th><th>Workflow</th><th>Subject</th><th>Sender</th><th>Channel</th><th>Last</th></tr></thead><tbody>
  ${runs.map(
    (r) => html`<tr><td><a href="/runs/${r.id}">${time(r.created_at)}</a></td><td>${badge(r.state)}</td><td>${r.workflow}</td>
      <td><a href="/runs/${r.id}">${truncate(r.subject ?? '', 120) || html`<span class="muted mono">${r.id.slice(0, 8)}</span>`}</a></td>
      <td>${truncate(r.sender ?? '', 80)}</td><td>${r.channel ?? ''}</td><td class="muted">${truncate(r.reason ?? '', 100)}</td></tr>`,
  )}
  </tbody></table>`;
}

export function runsPage(o: { params: FilterParams; runs: RunListRow[]; next: string | null; facets: { workflows: string[]; channels: string[] }; canAct: boolean; first: boolean }): Html {
  const keep = { ...o.params };
  return html`<h1>Runs</h1>
  ${filterForm(o.params, o.facets)}
  <div id="live">
  ${runsTable(o.runs)}
  <nav class="pager">${o.first ? nothing : html`<a href="/runs${query(keep)}">newest</a>`} ${o.next ? html`<a rel="next" href="/runs${query({ ...keep, cursor: o.next })}">older →</a>` : nothing}</nav>
  </div>
  ${o.canAct
    ? html`<p class="bulk">With every run this filter matches:
      <a class="button" href="/runs/bulk${query({ ...keep, action: 'retry' })}">Retry failed…</a>
      <a class="button" href="/runs/bulk${query({ ...keep, action: 'cancel' })}">Cancel unfinished…</a></p>`
    : nothing}`;
}

export function bulkConfirmPage(o: { action: 'retry' | 'cancel'; params: FilterParams; total: number; actionable: number; cap: number }): Html {
  const spec = BULK[o.action];
  const n = Math.min(o.actionable, o.cap);
  const hidden = Object.entries(o.params).map(([k, v]) => (v ? html`<input type="hidden" name="${k}" value="${v}">` : nothing));
  return html`<h1>${o.action === 'retry' ? 'Retry' : 'Cancel'} runs by filter</h1>
  <p>The filter matches <strong>${o.total}</strong> runs; <strong id="bulk-count">${o.actionable}</strong> of them are ${spec.states.join(' or ')} and would be ${o.action === 'retry' ? 'retried' : 'cancelled'}${o.actionable > o.cap ? html` (the first ${o.cap} now; run it again for the rest)` : nothing}.</p>
  ${n
    ? html`<form method="post" action="/runs/bulk">${hidden}<input type="hidden" name="action" value="${o.action}"><input type="hidden" name="expected" value="${n}">
      <button type="submit" class="danger">${o.action === 'retry' ? 'Retry' : 'Cancel'} ${n} runs</button> <a href="/runs${query({ ...o.params })}">back</a></form>`
    : html`<p><a href="/runs${query({ ...o.params })}">back</a></p>`}`;
}
