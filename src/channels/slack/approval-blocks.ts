/**
 * Block Kit for approval requests: what came in, what Mailroom proposes, its reasoning and
 * confidence, the fields, competing values side by side, and the buttons. Each button carries
 * the approval id and the hash of exactly what is shown, so a vote records what its author saw.
 */
import type { Approval } from '../../approvals/types.ts';

type Block = Record<string, unknown>;
const text = (t: string) => ({ type: 'mrkdwn', text: t.slice(0, 2900) });
/** Slack mrkdwn from untrusted text: no mentions, links or formatting smuggled in. */
export const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function approvalBlocks(a: Approval): Block[] {
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
  const value = JSON.stringify({ id: a.id, h: a.shown_hash });
  blocks.push({
    type: 'actions',
    block_id: `approval:${a.id}`,
    elements: [
      { type: 'button', action_id: 'approval_approve', style: 'primary', text: { type: 'plain_text', text: 'Approve' }, value },
      { type: 'button', action_id: 'approval_reject', style: 'danger', text: { type: 'plain_text', text: 'Reject' }, value },
      ...(r.editable.length ? [{ type: 'button', action_id: 'approval_edit', text: { type: 'plain_text', text: 'Edit' }, value }] : []),
    ],
  });
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
    private_metadata: JSON.stringify({ id: a.id, h: a.shown_hash }),
    title: { type: 'plain_text', text: 'Edit, then approve' },
    submit: { type: 'plain_text', text: 'Approve' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: inputs,
  };
}
