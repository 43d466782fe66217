/**
 * Block Kit for approval requests: what came in, what Mailroom proposes, its reasoning and
 * confidence, the fields, competing values side by side, and the buttons. Each button carries
 * the approval id, the version and the hash of exactly what is shown, so a vote decides what its
 * author saw and nothing else (a click on an edited request's old message is refused).
 */
import type { Approval } from '../../approvals/types.ts';

type Block = Record<string, unknown>;
const text = (t: string) => ({ type: 'mrkdwn', text: t.slice(0, 2900) });
/** Slack mrkdwn from untrusted text: no mentions, links or formatting smuggled in. */
export const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The dashboard's page for an approval (PUBLIC_URL, else this machine on PORT). */
export const approvalUrl = (env: { PUBLIC_URL?: string; PORT: number }, id: string) => `${(env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, '')}/approvals/${encodeURIComponent(id)}`;

/** `link`: the approval's dashboard page, shown under the buttons (the same rules apply there). */
export function approvalBlocks(a: Approval, link?: string): Block[] {
  const r = a.request;
  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: `Approval needed: ${a.title}`.slice(0, 150) } },
    { type: 'section', text: text(`*From:* ${escape(r.summary.from ?? '-')}\n*Subject:* ${escape(r.summary.subject ?? '-')}${r.summary.excerpt ? `\n>${escape(r.summary.excerpt.slice(0, 400)).replace(/\n/g, '\n>')}` : ''}`) },
    { type: 'section', text: text(`*Proposal (${r.proposal.type}):* ${escape(r.proposal.description)}${a.amount !== null ? `\n*Amount:* ${a.amount} ${a.currency ?? ''}${a.tier ? ` (tier ${a.tier}, ${a.required_approvals} approver${a.required_approvals > 1 ? 's' : ''})` : ''}` : ''}`) },
  ];
  if (r.proposal.draft) blocks.push({ type: 'section', text: text(`*Draft:*\n\`\`\`${escape(r.proposal.draft).slice(0, 2500)}\`\`\``) });
  if (r.fields) {
    const fields = Object.entries(r.fields).filter(([, v]) => v !== null && v !== undefined && typeof v !== 'object').slice(0, 10);
    if (fields.length) blocks.push({ type: 'section', fields: fields.map(([k, v]) => text(`*${k}:* ${escape(String(v))}`)) });
  }
  for (const c of r.review ?? []) {
    blocks.push({ type: 'section', text: text(`:warning: *${c.field}* — ${c.values.map((v) => `${v.source}: \`${escape(JSON.stringify(v.value))}\``).join('  vs  ')}${c.note ? `\n_${escape(c.note)}_` : ''}`) });
  }
  blocks.push({ type: 'context', elements: [text(`*Reasoning:* ${escape(r.reasoning)}${r.confidence !== null ? ` (confidence ${r.confidence.toFixed(2)})` : ''}${r.reasons.length ? `\n*Why a person:* ${escape(r.reasons.join('; '))}` : ''}`)] });
  if (a.version > 1) blocks.push({ type: 'context', elements: [text(`*Version ${a.version}*: edited (${escape(Object.keys(a.edits ?? {}).join(', '))}); votes for earlier versions no longer count.`)] });
  const value = JSON.stringify({ id: a.id, h: a.shown_hash, v: a.version });
  // A request with a few possible answers (a triage's workflow, a lead alert's Take it / Nurture
  // instead / Disqualify) gets one button per answer; only routing choices read "Send to ...".
  const choices = r.options?.workflow ?? [];
  blocks.push({
    type: 'actions',
    block_id: `approval:${a.id}`,
    elements: choices.length
      ? choices.slice(0, 24).map((c) => ({ type: 'button', action_id: `approval_choose:${c}`, text: { type: 'plain_text', text: c === 'ignore' ? 'Ignore' : r.proposal.type === 'routing' ? `Send to ${c}` : c }, value: JSON.stringify({ id: a.id, h: a.shown_hash, v: a.version, c }) }))
      : [
        { type: 'button', action_id: 'approval_approve', style: 'primary', text: { type: 'plain_text', text: 'Approve' }, value },
        { type: 'button', action_id: 'approval_reject', style: 'danger', text: { type: 'plain_text', text: 'Reject' }, value },
        ...(r.editable.length ? [{ type: 'button', action_id: 'approval_edit', text: { type: 'plain_text', text: 'Edit' }, value }] : []),
      ],
  });
  if (link) blocks.push({ type: 'context', elements: [text(`<${link}|Open in the dashboard>`)] });
  return blocks;
}

export function decidedBlocks(a: Approval, who: string[], outcome: string, at: Date): Block[] {
  const kept = approvalBlocks(a).filter((b) => b.type !== 'actions');
  return [...kept, { type: 'context', elements: [text(`*${outcome.toUpperCase()}* by ${who.map((w) => (w.startsWith('U') ? `<@${w}>` : escape(w))).join(', ')} at ${at.toISOString()}`)] }];
}

/** The edit modal: the draft and the editable fields, prefilled. */
export function editModal(a: Approval): Record<string, unknown> {
  const r = a.request;
  const inputs = r.editable.map((field) => {
    const initial = field === 'draft' ? (r.proposal.draft ?? '') : String((r.proposal.parameters?.[field] ?? r.fields?.[field]) ?? '');
    const options = r.options?.[field];
    if (options?.length) {
      const option = (o: string) => ({ text: { type: 'plain_text', text: o }, value: o });
      return {
        type: 'input',
        block_id: `edit:${field}`,
        optional: true,
        label: { type: 'plain_text', text: field },
        element: { type: 'static_select', action_id: 'value', options: options.slice(0, 100).map(option), ...(options.includes(initial) ? { initial_option: option(initial) } : {}) },
      };
    }
    return {
      type: 'input',
      block_id: `edit:${field}`,
      optional: true,
      label: { type: 'plain_text', text: field },
      element: { type: 'plain_text_input', action_id: 'value', multiline: field === 'draft', initial_value: initial.slice(0, 2900) },
    };
  });
  return {
    type: 'modal',
    callback_id: 'approval_edit_submit',
    private_metadata: JSON.stringify({ id: a.id, h: a.shown_hash, v: a.version }),
    title: { type: 'plain_text', text: 'Edit, then approve' },
    submit: { type: 'plain_text', text: 'Approve' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: inputs,
  };
}
