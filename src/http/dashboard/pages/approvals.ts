/**
 * `/approvals` (the waiting ones first) and `/approvals/:id`: what Slack's card shows
 * (src/channels/slack/approval-blocks.ts): what came in, the proposal, the amount and its tier,
 * the draft, the fields, competing extraction values side by side, the reasoning and why a
 * person is asked; then the vote form. The form carries the version and the hash of exactly
 * what this page shows, so a vote decides what its author saw: if the request changed in
 * between, the vote is refused as stale and the page shows the new version.
 */
import type { Approval } from '../../../approvals/types.ts';
import { shownValue } from '../../../approvals/versions.ts';
import { badge, html, jsonText, nothing, time, truncate, type Html } from '../html.ts';

export type VoteRow = { approver: string; decision: string; note: string | null; channel: string; version: number; shown_hash: string; at: Date };

export function approvalsList(list: Approval[]): Html {
  // Waiting first (oldest waiting at the top: it has waited longest), then the rest, newest first.
  const pending = list.filter((a) => a.status === 'pending').sort((a, b) => +a.created_at - +b.created_at);
  const rest = list.filter((a) => a.status !== 'pending').sort((a, b) => +b.created_at - +a.created_at).slice(0, 200);
  const rows = (items: Approval[]) =>
    items.map(
      (a) => html`<tr><td><a href="/approvals/${a.id}">${truncate(a.title, 160)}</a></td><td>${badge(a.status)}</td><td>${a.workflow}/${a.kind}</td>
        <td>${a.amount !== null ? `${a.amount} ${a.currency ?? ''}` : ''}${a.tier ? html` <span class="pill">tier ${a.tier}</span>` : nothing}</td>
        <td>${truncate(a.request.summary.from ?? '', 80)}</td><td>${time(a.created_at)}</td><td>${a.expires_at ? time(a.expires_at) : '-'}</td></tr>`,
    );
  const table = (items: Approval[], empty: string) =>
    items.length
      ? html`<table class="list"><thead><tr><th>Request</th><th>Status</th><th>Kind</th><th>Amount</th><th>From</th><th>Requested</th><th>Expires</th></tr></thead><tbody>${rows(items)}</tbody></table>`
      : html`<p class="muted">${empty}</p>`;
  return html`<h1>Approvals</h1><div id="live">
    <h2>Waiting (${pending.length})</h2>${table(pending, 'Nothing waits for a decision.')}
    <h2>Decided</h2>${table(rest, 'None yet.')}</div>`;
}

function review(a: Approval): Html {
  const items = a.request.review ?? [];
  if (!items.length) return nothing;
  return html`<section class="card"><h2>Values that disagree</h2>${items.map(
    (c) => html`<h3>${c.field}</h3><div class="side-by-side">${c.values.map((v) => html`<div><span class="muted">${v.source}</span><br><strong>${jsonText(v.value, 300)}</strong></div>`)}</div>${c.note ? html`<p class="muted">${c.note}</p>` : nothing}`,
  )}</section>`;
}

function fields(a: Approval): Html {
  const entries = Object.entries(a.request.fields ?? {}).filter(([, v]) => v !== null && v !== undefined);
  if (!entries.length) return nothing;
  return html`<section class="card"><h2>Fields</h2><dl class="kv">${entries.slice(0, 60).map(([k, v]) => html`<dt>${k}</dt><dd>${jsonText(v, 500)}</dd>`)}</dl></section>`;
}

function editInput(a: Approval, field: string): Html {
  const value = shownValue(a.request, field);
  const options = a.request.options?.[field];
  const name = `edit.${field}`;
  if (options?.length) {
    return html`<label>${field} <select name="${name}">${options.map((o) => html`<option value="${o}"${String(value) === o ? html` selected` : nothing}>${o}</option>`)}</select></label>`;
  }
  if (field === 'draft') return html`<label>draft<textarea name="${name}" maxlength="20000">${String(value ?? '')}</textarea></label>`;
  return html`<label>${field} <input name="${name}" value="${value === null || value === undefined ? '' : String(value)}" maxlength="500"></label>`;
}

function voteForm(a: Approval, o: { canAct: boolean; eligible: boolean; requester: boolean }): Html {
  if (a.status !== 'pending') return html`<p>This request is ${badge(a.status)}${a.decided_at ? html` since ${time(a.decided_at)}` : nothing}.</p>`;
  if (!o.canAct) return html`<p class="muted">Signed in read-only: you can look, not vote.</p>`;
  const note = !o.eligible
    ? html`<p class="warn">You are not on this request's approver list (${a.approvers.join(', ') || 'none'}); a vote will be refused.</p>`
    : o.requester
      ? html`<p class="warn">You brought this item in: separation of duties refuses your vote.</p>`
      : nothing;
  return html`<form method="post" action="/approvals/${a.id}/vote" class="vote-form card">
    <h2>Decide version ${a.version}</h2>${note}
    <input type="hidden" name="version" value="${a.version}">
    <input type="hidden" name="shown_hash" value="${a.shown_hash}">
    ${a.request.editable.length ? html`<fieldset><legend>Edit before approving (an edit that changes the proposal makes version ${a.version + 1}; earlier votes then no longer count)</legend>${a.request.editable.map((f) => editInput(a, f))}</fieldset>` : nothing}
    <label>Note <input name="note" maxlength="2000"></label>
    <p><button type="submit" name="decision" value="approve" class="primary">Approve</button>
    <button type="submit" name="decision" value="reject" class="danger">Reject</button></p>
  </form>`;
}

export function approvalPage(a: Approval, votes: VoteRow[], o: { canAct: boolean; eligible: boolean; requester: boolean }): Html {
  const r = a.request;
  return html`<div id="live">
  <h1>${a.title} ${badge(a.status)}</h1>
  <p class="muted">${a.id} · ${a.workflow}/${a.kind} · version ${a.version} · run <a href="/runs/${a.run_id}">${a.run_id.slice(0, 8)}</a> · requested ${time(a.created_at)}${a.requested_by ? ` by ${a.requested_by}` : ''}${a.expires_at ? html` · expires ${time(a.expires_at)}` : nothing}</p>
  <section class="card"><h2>What came in</h2><dl class="kv">
    <dt>From</dt><dd>${r.summary.from ?? '-'}</dd><dt>Subject</dt><dd>${r.summary.subject ?? '-'}</dd>
    ${r.summary.channel ? html`<dt>Channel</dt><dd>${r.summary.channel}</dd>` : nothing}</dl>
    ${r.summary.excerpt ? html`<pre class="mail-body">${truncate(r.summary.excerpt, 2000)}</pre>` : nothing}</section>
  <section class="card"><h2>Proposal (${r.proposal.type})</h2><p>${r.proposal.description}</p>
    ${r.proposal.to ? html`<p>To: ${r.proposal.to}</p>` : nothing}
    ${a.amount !== null ? html`<p><strong>Amount:</strong> ${a.amount} ${a.currency ?? ''}${a.tier ? ` (tier ${a.tier}, ${a.required_approvals} approver${a.required_approvals > 1 ? 's' : ''})` : ''}</p>` : nothing}
    ${r.proposal.draft ? html`<h3>Draft</h3><pre class="draft">${truncate(r.proposal.draft, 20000)}</pre>` : nothing}</section>
  ${fields(a)}
  ${review(a)}
  <section class="card"><h2>Why</h2><p>${r.reasoning}${r.confidence !== null ? ` (confidence ${r.confidence.toFixed(2)})` : ''}</p>
    ${r.reasons.length ? html`<p><strong>Why a person:</strong> ${r.reasons.join('; ')}</p>` : nothing}
    ${a.version > 1 ? html`<p class="warn">Version ${a.version}: edited (${Object.keys(a.edits ?? {}).join(', ')}); votes for earlier versions no longer count.</p>` : nothing}
    <p class="muted">Needs ${a.required_approvals} approval(s) from ${a.approvers.join(', ') || '-'}${a.escalation.length ? `; escalates to ${a.escalation.join(', ')}` : ''}.</p></section>
  <section class="card"><h2>Votes</h2>${votes.length
    ? html`<table class="list"><thead><tr><th>Who</th><th>Vote</th><th>Version</th><th>Through</th><th>When</th><th>Saw (hash)</th><th>Note</th></tr></thead><tbody>${votes.map(
      (v) => html`<tr><td>${v.approver}</td><td>${v.decision}</td><td>${v.version}</td><td>${v.channel}</td><td>${time(v.at)}</td><td class="hash">${v.shown_hash.slice(0, 16)}</td><td>${truncate(v.note ?? '', 300)}</td></tr>`,
    )}</tbody></table>`
    : html`<p class="muted">No votes yet.</p>`}</section>
  ${voteForm(a, o)}
</div>`;
}
