/** Human-readable renderings for the terminal: run lists and a run's trace told as a story. */
import type { RunSummary, RunTrace } from '../engine/inspect.ts';

const time = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString().replace('T', ' ').slice(0, 19) : '-');
const short = (v: unknown, max = 120) => {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s === undefined ? '' : s.length > max ? `${s.slice(0, max - 1)}…` : s;
};

export function formatRunList(runs: RunSummary[]): string {
  if (!runs.length) return 'no runs';
  const lines = runs.map((r) => `${r.id}  ${r.state.padEnd(9)}  ${r.workflow.padEnd(18)}  ${time(r.created_at)}  ${short(r.reason ?? '', 60)}`);
  return [`${'ID'.padEnd(36)}  ${'STATE'.padEnd(9)}  ${'WORKFLOW'.padEnd(18)}  ${'CREATED (UTC)'.padEnd(19)}  LAST REASON`, ...lines].join('\n');
}

export function formatTrace(t: RunTrace): string {
  const out: string[] = [];
  const r = t.run;
  out.push(`Run ${r.id} — workflow ${r.workflow} v${r.workflow_version} — ${r.state.toUpperCase()}`);
  out.push(`  created ${time(r.created_at)}${r.finished_at ? `, finished ${time(r.finished_at)}` : ''}${r.started_by ? `, started by ${r.started_by}` : ''}`);
  if (r.error) out.push(`  error: ${r.error.code ? `[${r.error.code}] ` : ''}${r.error.message}`);
  if (r.wait) out.push(`  waiting: ${short(r.wait)}`);

  // Interleave everything by time so the trace reads in the order it happened.
  type Line = { at: number; text: string };
  const lines: Line[] = [];
  for (const x of t.transitions) lines.push({ at: +new Date(x.at), text: `state   ${x.from_state ?? '∅'} → ${x.to_state}: ${x.reason}` });
  for (const s of t.steps) {
    const detail = s.status === 'completed' ? short(s.output, 100) : short(s.error, 100);
    lines.push({ at: +new Date(s.finished_at ?? s.started_at), text: `step    ${s.step_id} [${s.kind}] ${s.status}${s.attempts > 1 ? ` after ${s.attempts} attempts` : ''}: ${detail}` });
  }
  for (const d of t.decisions) {
    const conf = typeof d.confidence === 'number' ? ` (confidence ${d.confidence.toFixed(2)})` : '';
    const model = d.provider ? ` via ${d.provider}${d.model ? `/${d.model}` : ''}` : '';
    const cost = typeof d.cost_usd === 'number' ? ` $${d.cost_usd.toFixed(4)}` : '';
    lines.push({ at: +new Date(d.created_at as string), text: `decide  ${d.action}${conf}${model}${cost}${d.reasoning ? ` — ${short(d.reasoning, 160)}` : ''}` });
  }
  for (const e of t.events) lines.push({ at: +new Date(e.at), text: `event   ${e.name} [${e.key}] received: ${short(e.payload, 100)}` });
  for (const a of t.actions) {
    lines.push({ at: +new Date((a.completed_at ?? a.started_at) as string), text: `action  ${a.key} (${a.kind}) ${a.status}${a.result ? `: ${short(a.result, 100)}` : ''}` });
  }
  for (const ap of t.approvals) {
    lines.push({ at: +new Date(ap.created_at), text: `approval ${ap.id} requested (${ap.kind}): ${short(ap.title, 100)}` });
    for (const v of ap.votes) lines.push({ at: +new Date(v.at), text: `vote    ${v.approver} ${v.decision}s ${ap.id} via ${v.channel}${v.note ? ` — "${short(v.note, 80)}"` : ''}` });
    if (ap.decided_at) lines.push({ at: +new Date(ap.decided_at), text: `approval ${ap.id} ${ap.status}` });
  }
  for (const m of t.mail) lines.push({ at: +new Date(m.sent_at ?? m.created_at), text: `mail    to ${m.to_address} "${short(m.subject, 60)}" ${m.status} ${m.message_id}` });
  lines.sort((a, b) => a.at - b.at);
  out.push('', ...lines.map((l) => `  ${time(new Date(l.at))}  ${l.text}`));
  if (t.parent) out.push('', `  started by run ${t.parent.id} ${t.parent.workflow} ${t.parent.state}`);
  if (t.children.length) out.push('', '  child runs:', ...t.children.map((c) => `    ${c.id} ${c.workflow} ${c.state}`));
  if (r.output !== null && r.output !== undefined) out.push('', `  output: ${short(r.output, 400)}`);
  return out.join('\n');
}
