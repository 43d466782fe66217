/**
 * `/runs/:id`: a run's story in the order it happened. First what came in (the mail, Slack
 * message or document; escaped, truncated, attachments listed), then one timeline of
 * transitions, steps (timing, attempts), decisions (action, reasoning, confidence, model,
 * tokens, cost, latency), waits and the events that ended them, approvals with every vote
 * (who, when, channel, the hash of what they saw), ledger actions (uncertain ones marked) and
 * outbox mail. Retry and cancel are offered only where the run's state allows them.
 *
 * Built from the same `runTrace` as `mailroom run <id> --json` and GET /api/v1/runs/:id.
 */
import type { RunTrace } from '../../../engine/inspect.ts';
import type { RunItem } from '../../../queries/items.ts';
import type { EmailSummary } from '../../../workflows/ports.ts';
import { badge, duration, html, jsonText, money, nothing, pre, time, truncate, type Html } from '../html.ts';

const BODY_CHARS = 8000;

interface Line {
  at: number;
  kind: string;
  body: Html;
  cls?: string;
}

/** The parsed mail: a routed workflow's input, or the router's `parse` step. */
function parsedEmail(t: RunTrace): EmailSummary | undefined {
  const fromInput = (t.run.input as { email?: EmailSummary } | null)?.email;
  if (fromInput && typeof fromInput === 'object') return fromInput;
  const parse = t.steps.find((s) => s.step_id === 'parse' && s.status === 'completed');
  const out = parse?.output as { email?: EmailSummary } | null | undefined;
  return out?.email && typeof out.email === 'object' ? out.email : undefined;
}

const addr = (a: { name?: string | null; address?: string | null } | null | undefined) => (a ? (a.name ? `${a.name} <${a.address ?? ''}>` : (a.address ?? '')) : '-');

function cameIn(t: RunTrace, item: RunItem | undefined): Html {
  const email = parsedEmail(t);
  const meta = item
    ? html`<p class="muted">${item.kind} item ${item.id}, received ${time(item.received_at)} through ${String(item.source?.channel ?? '-')}, ${item.size} bytes ${item.content_type}${item.filename ? html`, file ${item.filename}` : nothing}</p>`
    : nothing;
  if (email) {
    const text = String(email.text ?? '');
    const attachments = Array.isArray(email.attachments) ? email.attachments : [];
    return html`<section class="card came-in"><h2>What came in</h2>${meta}
      <dl class="kv">
        <dt>From</dt><dd>${addr(email.from)}</dd>
        <dt>To</dt><dd>${(Array.isArray(email.to) ? email.to : []).map(addr).join(', ') || '-'}</dd>
        <dt>Subject</dt><dd class="subject">${truncate(String(email.subject ?? ''), 500)}</dd>
        <dt>Date</dt><dd>${email.date ?? '-'}</dd>
        ${email.forwarded?.original?.from ? html`<dt>Forwarded from</dt><dd>${addr(email.forwarded.original.from)}</dd>` : nothing}
        ${email.auth ? html`<dt>Sender checks</dt><dd>SPF ${email.auth.spf ?? '-'}, DKIM ${email.auth.dkim ?? '-'}, DMARC ${email.auth.dmarc ?? '-'}</dd>` : nothing}
      </dl>
      <pre class="mail-body">${truncate(text, BODY_CHARS)}</pre>
      ${attachments.length
        ? html`<h3>Attachments</h3><ul>${attachments.slice(0, 100).map((a) => html`<li>${a.filename ?? '(no name)'} <span class="muted">${a.contentType}, ${a.size} bytes</span></li>`)}</ul>${attachments.length > 100 ? html`<p class="muted">and ${attachments.length - 100} more</p>` : nothing}`
        : html`<p class="muted">No attachments.</p>`}
    </section>`;
  }
  if (item) {
    const textual = /^(text\/|message\/|application\/json)/.test(item.content_type);
    return html`<section class="card came-in"><h2>What came in</h2>${meta}
      ${textual ? html`<pre class="mail-body">${truncate(item.head.toString('utf8'), BODY_CHARS)}</pre>` : html`<p class="muted">Binary content, not shown.</p>`}
      ${item.error ? html`<p class="error">${item.error}</p>` : nothing}</section>`;
  }
  return html`<section class="card came-in"><h2>What came in</h2><h3>Input</h3>${pre(t.run.input, 4000)}</section>`;
}

function decisionBody(d: Record<string, unknown>): Html {
  const num = (v: unknown) => (typeof v === 'number' ? v : null);
  const conf = num(d.confidence);
  const tokens = [num(d.input_tokens) !== null ? `${d.input_tokens as number} in` : '', num(d.output_tokens) !== null ? `${d.output_tokens as number} out` : '', num(d.cache_read_tokens) ? `${d.cache_read_tokens as number} cache read` : '']
    .filter(Boolean)
    .join(' / ');
  return html`<strong>${String(d.action)}</strong>
    ${conf !== null ? html` <span class="pill">confidence ${conf.toFixed(2)}</span>` : nothing}
    ${d.provider ? html` <span class="pill">${String(d.provider)}${d.model ? `/${String(d.model)}` : ''}</span>` : nothing}
    ${tokens ? html` <span class="pill">${tokens} tokens</span>` : nothing}
    ${num(d.cost_usd) !== null ? html` <span class="pill">${money(d.cost_usd as number)}</span>` : nothing}
    ${num(d.latency_ms) !== null ? html` <span class="pill">${d.latency_ms as number} ms</span>` : nothing}
    ${d.reasoning ? html`<p class="reasoning">${truncate(String(d.reasoning), 2000)}</p>` : nothing}
    ${d.parameters !== null && d.parameters !== undefined ? html`<details><summary>parameters</summary>${pre(d.parameters, 3000)}</details>` : nothing}`;
}

export function timeline(t: RunTrace): Line[] {
  const lines: Line[] = [];
  const at = (d: unknown) => +new Date(d as string);
  for (const x of t.transitions) lines.push({ at: at(x.at), kind: 'state', body: html`${x.from_state ?? '∅'} → ${badge(x.to_state)} ${x.reason}` });
  for (const s of t.steps) {
    const took = duration(s.started_at, s.finished_at);
    const detail = s.status === 'completed' ? s.output : s.error;
    lines.push({
      at: at(s.started_at),
      kind: s.kind === 'wait' || s.kind === 'sleep' || s.status === 'waiting' ? 'wait' : 'step',
      cls: s.status === 'failed' ? 'failed' : undefined,
      body: html`<strong>${s.step_id}</strong> <span class="muted">[${s.kind}]</span> ${badge(s.status)}${took ? html` <span class="pill">${took}</span>` : nothing}${s.attempts > 1 ? html` <span class="pill">${s.attempts} attempts</span>` : nothing}
        ${jsonText(detail, 1) ? html`<details><summary>${s.status === 'completed' ? 'result' : 'error'}</summary>${pre(detail, 3000)}</details>` : nothing}`,
    });
  }
  for (const d of t.decisions) lines.push({ at: at(d.created_at), kind: 'decision', body: decisionBody(d) });
  for (const e of t.events) lines.push({ at: at(e.at), kind: 'event', body: html`<strong>${e.name}</strong> [${truncate(e.key, 200)}] received by step ${e.step_id}${jsonText(e.payload, 1) ? html`<details><summary>payload</summary>${pre(e.payload, 3000)}</details>` : nothing}` });
  for (const a of t.actions) {
    const status = String(a.status);
    lines.push({
      at: at(a.completed_at ?? a.started_at),
      kind: 'action',
      cls: status === 'uncertain' || status === 'started' ? 'uncertain' : status === 'failed' ? 'failed' : undefined,
      body: html`<strong>${String(a.key)}</strong> <span class="muted">(${String(a.kind)})</span> ${badge(status === 'started' ? 'uncertain' : status)}${Number(a.attempts) > 1 ? html` <span class="pill">${String(a.attempts)} attempts</span>` : nothing}
        ${status === 'started' || status === 'uncertain' ? html`<p class="warn">Uncertain: the process stopped between starting this action and recording its result. Check whether it happened, then retry saying so.</p>` : nothing}
        ${a.result ? html`<details><summary>result</summary>${pre(a.result, 2000)}</details>` : nothing}${a.error ? html`<details open><summary>error</summary>${pre(a.error, 2000)}</details>` : nothing}`,
    });
  }
  for (const ap of t.approvals) {
    lines.push({ at: at(ap.created_at), kind: 'approval', body: html`<a href="/approvals/${ap.id}">${ap.id}</a> requested (${ap.kind}): ${truncate(ap.title, 300)} ${badge(ap.status)}` });
    for (const v of ap.votes) {
      lines.push({
        at: at(v.at),
        kind: 'vote',
        body: html`<strong>${v.approver}</strong> ${v.decision === 'approve' ? 'approved' : 'rejected'} ${ap.id} through ${v.channel}${v.version ? ` (version ${v.version})` : ''}
          ${v.note ? html`<q>${truncate(v.note, 500)}</q>` : nothing} <span class="muted hash" title="hash of what they were shown">saw ${String(v.shown_hash ?? '-').slice(0, 16)}</span>`,
      });
    }
    if (ap.decided_at) lines.push({ at: at(ap.decided_at), kind: 'approval', body: html`${ap.id} ${badge(ap.status)}` });
  }
  for (const m of t.mail) lines.push({ at: at(m.sent_at ?? m.created_at), kind: 'mail', body: html`to ${m.to_address} “${truncate(m.subject, 200)}” ${badge(m.status)} <span class="muted">${m.message_id}</span>` });
  // Stable: equal times keep the order above (a transition before the step it started).
  return lines.map((l, i) => ({ l, i })).sort((a, b) => a.l.at - b.l.at || a.i - b.i).map(({ l }) => l);
}

function controls(t: RunTrace, canAct: boolean): Html {
  const r = t.run;
  if (!canAct) return nothing;
  const uncertain = t.actions.some((a) => a.status === 'started' || a.status === 'uncertain');
  const button = (action: string, label: string, extra?: Html) => html`<form method="post" action="/runs/${r.id}/${action}" class="inline">${extra ?? nothing}<button type="submit">${label}</button></form>`;
  if (r.state === 'failed' || r.state === 'cancelled') {
    return uncertain
      ? html`<div class="controls">${button('retry', 'Retry: the uncertain actions happened', html`<input type="hidden" name="actions" value="done">`)}
          ${button('retry', 'Retry: repeat the uncertain actions', html`<input type="hidden" name="actions" value="repeat">`)}</div>`
      : html`<div class="controls">${button('retry', 'Retry from the failed step')}</div>`;
  }
  if (r.state === 'queued' || r.state === 'running' || r.state === 'waiting') return html`<div class="controls">${button('cancel', 'Cancel run')}</div>`;
  return nothing;
}

/** The part of the page that live updates replace (`#live`). */
export function runStory(t: RunTrace, item: RunItem | undefined, canAct: boolean): Html {
  const r = t.run;
  const link = (x: { id: string; workflow: string; state: string }) => html`<a href="/runs/${x.id}">${x.workflow}</a> ${badge(x.state)}`;
  return html`<div id="live">
  <h1>${r.workflow} <span class="muted">v${r.workflow_version}</span> ${badge(r.state)}</h1>
  <p class="muted mono">${r.id}</p>
  <dl class="kv">
    <dt>Created</dt><dd>${time(r.created_at)}${r.started_by ? ` by ${r.started_by}` : ''}</dd>
    <dt>Finished</dt><dd>${time(r.finished_at)}${r.finished_at ? ` (${duration(r.created_at, r.finished_at)})` : ''}</dd>
    <dt>Executions</dt><dd>${r.executions}${r.crashes ? `, ${r.crashes} crashes` : ''}</dd>
    ${t.parent ? html`<dt>Started by run</dt><dd>${link(t.parent)}</dd>` : nothing}
    ${t.children.length ? html`<dt>Started runs</dt><dd>${t.children.map((c) => html`<span class="child">${link(c)}</span> `)}</dd>` : nothing}
    ${r.wait ? html`<dt>Waiting for</dt><dd>${jsonText(r.wait, 500)}${r.wake_at ? html`, until ${time(r.wake_at)}` : nothing}</dd>` : nothing}
  </dl>
  ${r.error ? html`<p class="error">${r.error.code ? `[${r.error.code}] ` : ''}${truncate(r.error.message, 2000)}</p>` : nothing}
  ${controls(t, canAct)}
  ${cameIn(t, item)}
  <section class="card"><h2>Story</h2>
  <table class="timeline"><tbody>
  ${timeline(t).map((l) => html`<tr class="${l.cls ?? ''}"><td class="t">${time(new Date(l.at))}</td><td><span class="kind k-${l.kind}">${l.kind}</span></td><td>${l.body}</td></tr>`)}
  </tbody></table></section>
  ${r.output !== null && r.output !== undefined ? html`<section class="card"><h2>Output</h2>${pre(r.output, 6000)}</section>` : nothing}
</div>`;
}
