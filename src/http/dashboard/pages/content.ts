/**
 * `/content`: the content workflow's pieces (title, status, the checks in one line, where the
 * CMS put it) with a link to each run, newest first, filtered by status in the URL.
 */
import { checksSummary, PIECE_STATUSES, type PieceListRow } from '../../../queries/content.ts';
import { badge, html, nothing, time, truncate, type Html } from '../html.ts';

const option = (value: string, current: string | undefined, label = value) => html`<option value="${value}"${value === (current ?? '') ? html` selected` : nothing}>${label}</option>`;

/** A CMS's URL becomes a link only when it is http(s): a `javascript:` URL stays text. */
function remote(r: PieceListRow): Html {
  if (!r.remote_id && !r.remote_url) return html`-`;
  const url = r.remote_url ?? '';
  const link = /^https?:\/\//i.test(url) ? html` <a href="${url}" rel="noopener noreferrer">${truncate(url, 120)}</a>` : url ? html` <span class="muted">${truncate(url, 120)}</span>` : nothing;
  return html`${r.cms ? html`<span class="muted">${r.cms}</span> ` : nothing}<span class="mono">${truncate(r.remote_id ?? '', 80)}</span>${r.remote_status ? html` (${r.remote_status})` : nothing}${link}`;
}

export function contentPage(rows: PieceListRow[], f: { status?: string }): Html {
  return html`<h1>Content</h1>
  <form method="get" action="/content" class="filters">
    <label>Status <select name="status">${option('', f.status, 'any')}${PIECE_STATUSES.map((s) => option(s, f.status, s.replace('_', ' ')))}</select></label>
    <button type="submit">Filter</button> <a href="/content">clear</a>
  </form>
  <div id="live"><table class="list" id="content-table"><thead><tr><th>Updated</th><th>Title</th><th>Status</th><th>Checks</th><th>Published / scheduled</th><th>Remote</th><th>Run</th></tr></thead><tbody>
  ${rows.length
    ? rows.map((r) => {
      const checks = checksSummary(r.checks);
      return html`<tr><td>${time(r.updated_at)}</td><td>${r.title ? truncate(r.title, 200) : html`<span class="muted">untitled</span>`}</td><td>${badge(r.status)}</td>
        <td class="${checks.passed === false ? 'error' : checks.passed ? '' : 'muted'}">${truncate(checks.text, 400)}</td>
        <td>${r.published_at ? time(r.published_at) : r.publish_at ? html`for ${time(r.publish_at)}` : '-'}</td><td>${remote(r)}</td>
        <td><a href="/runs/${r.run_id}">${r.run_id.slice(0, 8)}</a> ${badge(r.run_state)}</td></tr>`;
    })
    : html`<tr><td colspan="7" class="muted">No content pieces${f.status ? ` ${f.status.replace('_', ' ')}` : ' yet'}.</td></tr>`}
  </tbody></table></div>`;
}
