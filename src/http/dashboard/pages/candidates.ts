/**
 * `/candidates`: applications by job and stage, as `mailroom candidates` lists them. Hiring is
 * blind screening, so the list shows the candidate's id and job, never a name, email or phone;
 * who the person is stays in the run, behind the workflow's own rules.
 */
import { CANDIDATE_STAGES, type CandidateView } from '../../../queries/candidates.ts';
import { badge, html, nothing, time, truncate, type Html } from '../html.ts';


const option = (value: string, current: string | undefined, label = value) => html`<option value="${value}"${value === (current ?? '') ? html` selected` : nothing}>${label}</option>`;

export function candidatesPage(rows: CandidateView[], f: { job?: string; stage?: string; jobs: string[] }): Html {
  const jobs = f.job && !f.jobs.includes(f.job) ? [...f.jobs, f.job] : f.jobs;
  return html`<h1>Candidates</h1>
  <p class="muted">Blind screening: candidates are shown by id and job only.</p>
  <form method="get" action="/candidates" class="filters">
    <label>Job <select name="job">${option('', f.job, 'any')}${jobs.map((j) => option(j, f.job))}</select></label>
    <label>Stage <select name="stage">${option('', f.stage, 'any')}${CANDIDATE_STAGES.map((s) => option(s, f.stage))}</select></label>
    <button type="submit">Filter</button> <a href="/candidates">clear</a>
  </form>
  <div id="live"><table class="list" id="candidates-table"><thead><tr><th>Candidate</th><th>Job</th><th>Stage</th><th>Score</th><th>Must-haves</th><th>Red flags</th><th>Received</th><th>Stage since</th><th>Run</th></tr></thead><tbody>
  ${rows.length
    ? rows.map(
      (r) => html`<tr><td class="mono">${r.id.slice(0, 8)}${r.talent_pool ? html` <span class="pill">talent pool</span>` : nothing}</td><td>${truncate(r.job ?? '-', 100)}</td><td>${badge(r.stage)}</td>
        <td>${r.score === null ? '-' : r.score.toFixed(2)}</td><td>${r.gate_passed === null ? '-' : r.gate_passed ? 'met' : 'not met'}</td><td>${r.red_flags.length || ''}</td>
        <td>${time(r.received_at)}</td><td>${time(r.stage_changed_at)}</td><td>${r.run_id ? html`<a href="/runs/${r.run_id}">${r.run_id.slice(0, 8)}</a>` : ''}</td></tr>`,
    )
    : html`<tr><td colspan="9" class="muted">No candidates${f.job || f.stage ? ' match this filter' : ' yet'}.</td></tr>`}
  </tbody></table></div>`;
}
