/**
 * The sales alert for a hot lead (or a lead who replied "interested"): exactly one per lead
 * (claimed in the leads row), posted where approvals are posted (Slack Block Kit with the score
 * breakdown and the message; without Slack, `mailroom approvals`). The rep chooses *Take it*
 * (the drafted reply, edited or not, goes out as theirs), *Nurture instead* (the sequence
 * starts) or *Disqualify* (the lead is closed).
 */
import { askForApproval } from '../../approvals/ask.ts';
import { resolveIdentities } from '../../policy/load.ts';
import { approvalDeps } from '../ports.ts';
import { breakdown } from './assess.ts';
import { changeStatus, type LeadRun } from './context.ts';
import type { Draft } from './drafts.ts';
import { hasRepPlaceholder } from './drafts-i18n.ts';
import type { Score } from './score.ts';
import { sendLeadEmail } from './send.ts';
import { claimAlert } from './store.ts';

export const CHOICES = { take: 'Take it', nurture: 'Nurture instead', disqualify: 'Disqualify' } as const;
export type AlertOutcome = 'taken' | 'nurture' | 'disqualified' | 'expired' | 'already_alerted';

export async function alertSales(run: LeadRun, key: string, score: Score, message: string, draft: Draft, why: string): Promise<AlertOutcome> {
  const { step, s, lp } = run;
  const first = await step.run(`alert:${key}:claim`, () => claimAlert(s.pool, run.leadId));
  if (!first) {
    await step.decide({ action: 'lead.alert.skipped', parameters: { key }, reasoning: 'sales were already alerted about this lead once; no second alert' });
    return 'already_alerted';
  }
  await changeStatus(run, `alert:${key}`, 'alerted', `${why}; sales alerted (score ${breakdown(score)})`);
  const who = [run.name, run.title, run.company].filter(Boolean).join(', ') || run.email;
  const decision = await askForApproval(step, approvalDeps(s), {
    key: `alert:${key}`,
    kind: 'lead.alert',
    title: `Hot lead: ${who} — score ${score.total}`,
    request: {
      summary: { from: run.email, subject: `${who} (${score.band}, ${score.total}/100)`, channel: 'lead', excerpt: message.slice(0, 1500) },
      proposal: {
        type: 'other',
        description: `${CHOICES.take}: send the reply below to ${run.email} as yours (edit it first); ${CHOICES.nurture}: start the nurture sequence; ${CHOICES.disqualify}: close the lead`,
        draft: draft.text,
        to: run.email,
        parameters: { workflow: CHOICES.take },
      },
      reasoning: `${why}. Score ${breakdown(score)}`,
      confidence: null,
      reasons: [`score ${score.total} is above lead.thresholds.hot (${lp.thresholds.hot})`],
      fields: {
        score: score.total, fit: score.fit, intent: score.intent, engagement: score.engagement, band: score.band,
        email: run.email, name: run.name, title: run.title, company: run.company,
        ...(lp.sales_channel ? { slack_channel: lp.sales_channel } : {}),
        factors: score.factors,
      },
      editable: ['draft', 'workflow'],
      // `workflow` is the field Slack renders as one button per choice.
      options: { workflow: [CHOICES.take, CHOICES.nurture, CHOICES.disqualify] },
    },
    approvers: resolveIdentities(s.policy, lp.approvers ?? s.policy.approvers),
    remindAfterMs: s.policy.approval.remind_after,
    expireAfterMs: s.policy.approval.expire_after,
  });
  const by = decision.approvers.join(', ') || 'nobody';
  const choice = decision.outcome === 'approved' ? String(decision.edits?.workflow ?? CHOICES.take) : decision.outcome === 'rejected' ? CHOICES.disqualify : null;
  await step.decide({ action: 'lead.alert.decided', parameters: { outcome: decision.outcome, choice, by: decision.approvers }, reasoning: choice ? `${by} chose ${choice}` : 'nobody decided in time', provider: 'person' });
  if (choice === CHOICES.nurture) return 'nurture';
  if (choice === CHOICES.disqualify) {
    await changeStatus(run, `alert:${key}:disqualified`, 'closed', `disqualified by ${by}`);
    return 'disqualified';
  }
  if (choice === null) return 'expired';
  const text = typeof decision.edits?.draft === 'string' && decision.edits.draft.trim() ? decision.edits.draft : draft.text;
  if (!hasRepPlaceholder(text)) {
    await sendLeadEmail(run, `rep:${key}`, 'rep_reply', { ...draft, text }, { why: `${by} took the lead and approved this reply`, approved: true });
  } else {
    await step.decide({ action: 'lead.email.skipped', parameters: { kind: 'rep_reply' }, reasoning: 'the draft still has placeholders: the rep writes to the lead personally' });
  }
  return 'taken';
}
