/**
 * The paths of a scored lead, as a state machine over durable waits:
 *
 *   warm:  first email ─wait(sequence[0])─► follow-up 1 ─wait(sequence[1])─► follow-up 2 ...
 *          ─wait until last_touch_after─► "last touch?" task for sales (never a 4th email)
 *   cold:  resource email ─wait(engagement_window)─► new engagement re-scores (maybe warm/hot)
 *
 * Any wait ends early on a reply (its intent decides: unsubscribe / not interested close it,
 * not now parks it, interested alerts sales, a question gets a drafted answer for approval; the
 * rules read it, and a model's checked answer where there is one: model-judgements.ts),
 * an unsubscribe, a hard bounce; new engagement re-scores and may alert sales once. A refused
 * or rejected email stops the sequence.
 */
import { askForApproval } from '../../approvals/ask.ts';
import { resolveIdentities } from '../../policy/load.ts';
import { suppress } from '../../outreach/suppression.ts';
import { approvalDeps } from '../ports.ts';
import { alertSales } from './alert.ts';
import { changeStatus, crmNote, type LeadRun } from './context.ts';
import { answerDraft, repReply, resourceEmail, type Draft, type DraftContext } from './drafts.ts';
import { firstEmailDraft, followUpDraft } from './model-draft.ts';
import { judgeReply } from './model-judgements.ts';
import type { Score } from './score.ts';
import { sendLeadEmail } from './send.ts';
import { recordLeadEvent, updateLead } from './store.ts';
import { waitOnLead, type EngagementEvent, type WaitEnd } from './waits.ts';

export interface PathEnd {
  outcome: string;
}

/** What a path needs from the workflow: drafts' context, and re-scoring on new engagement. */
export interface PathDeps {
  draft: () => DraftContext;
  rescore(engagement: EngagementEvent): Promise<Score>;
}

export async function warmPath(run: LeadRun, deps: PathDeps): Promise<PathEnd> {
  const { lp, step } = run;
  await changeStatus(run, 'nurture', 'nurturing', `warm lead: the nurture sequence starts (${lp.sequence.length} follow-up(s) planned)`);
  const written = await firstEmailDraft(run, deps.draft());
  const first = await sendLeadEmail(run, 'first', 'first_email', written.draft, { why: `first email of the nurture sequence (score ${deps.draft().score.total}, ${run.band}); ${written.by === 'model' ? 'written by the model and checked by code' : 'the template'}`, fields: { score: deps.draft().score.total, written_by: written.by } });
  if (!first.sent) return stopAfterEmail(run, 'first', first.reason);
  const firstAt = await step.run('sequence:started', () => Date.now());
  const sentSoFar: Draft[] = [written.draft];

  for (let i = 0; i <= lp.sequence.length; i++) {
    const last = i === lp.sequence.length;
    // After the last follow-up: wait until the last-touch day, then hand over to sales.
    const wait = last ? Math.max(1, firstAt + lp.last_touch_after - (await step.run(`seq:${i}:now`, () => Date.now()))) : lp.sequence[i]!;
    await step.run(`seq:${i}:next`, async () => {
      await updateLead(run.s.pool, run.leadId, { nextStepAt: new Date(Date.now() + wait) });
      return true;
    });
    const end = await waitHandlingEngagement(run, `seq:${i}`, wait, deps);
    if (end) return end;
    if (last) return lastTouch(run, deps);
    const followUp = await followUpDraft(run, deps.draft(), i + 1, lp.sequence.length, sentSoFar);
    const sent = await sendLeadEmail(run, `follow-up:${i + 1}`, 'follow_up', followUp.draft, { why: `follow-up ${i + 1} of ${lp.sequence.length}: no answer after ${Math.round(lp.sequence[i]! / 1000)} s; ${followUp.by === 'model' ? 'written by the model and checked by code' : 'the template'}`, inReplyTo: first.messageId, fields: { written_by: followUp.by } });
    if (!sent.sent) return stopAfterEmail(run, `follow-up:${i + 1}`, sent.reason);
    sentSoFar.push(followUp.draft);
  }
  return { outcome: 'sequence_done' };
}

export async function coldPath(run: LeadRun, deps: PathDeps): Promise<PathEnd | { rescored: Score }> {
  const { lp } = run;
  if (lp.resources.length) {
    const sent = await sendLeadEmail(run, 'resources', 'resource_email', resourceEmail(deps.draft()), { why: `cold lead (score ${deps.draft().score.total}): resources instead of a sales conversation` });
    if (sent.sent) await changeStatus(run, 'cold:resources', 'nurturing', 'cold lead: resource email sent; waiting for new engagement');
  } else {
    await run.step.decide({ action: 'lead.email.skipped', parameters: { kind: 'resource_email' }, reasoning: 'cold lead, but lead.resources is empty: nothing to send; waiting for new engagement' });
  }
  for (let n = 0; n < 20; n++) {
    const end = await waitOnLead(run, `cold:${n}`, lp.engagement_window);
    if (end.kind === 'timeout') return { outcome: 'cold_no_engagement' };
    if (end.kind === 'stopped') return { outcome: end.reason };
    if (end.kind === 'reply') return handleReply(run, end, deps);
    if (end.engagement.via === 'email') return handleReply(run, asReply(end.engagement), deps);
    const score = await deps.rescore(end.engagement);
    if (score.band !== 'cold') return { rescored: score };
  }
  return { outcome: 'cold_no_engagement' };
}

/** Waits; new engagement re-scores (a lead turning hot alerts sales once) and the wait goes on. */
async function waitHandlingEngagement(run: LeadRun, id: string, ms: number, deps: PathDeps): Promise<PathEnd | null> {
  const until = await run.step.run(`${id}:until`, () => Date.now() + ms);
  for (let n = 0; n < 20; n++) {
    const end: WaitEnd = await waitOnLead(run, `${id}:${n}`, Math.max(1, until - (await run.step.run(`${id}:${n}:now`, () => Date.now()))));
    if (end.kind === 'timeout') return null;
    if (end.kind === 'stopped') return { outcome: end.reason };
    if (end.kind === 'reply') return handleReply(run, end, deps);
    // A new mail from the lead (not a reply to ours) is an answer too: the automated sequence stops.
    if (end.engagement.via === 'email') return handleReply(run, asReply(end.engagement), deps);
    const score = await deps.rescore(end.engagement);
    if (score.band === 'hot') {
      const outcome = await alertSales(run, `engaged:${id}:${n}`, score, end.engagement.message ?? deps.draft().message, repReply(deps.draft()), 'new engagement made the lead hot');
      if (outcome === 'taken' || outcome === 'disqualified') return { outcome: outcome === 'taken' ? 'taken_by_sales' : 'disqualified' };
    }
  }
  return null;
}

function asReply(e: EngagementEvent): Extract<WaitEnd, { kind: 'reply' }> {
  return { kind: 'reply', reply: { itemId: e.itemId ?? 'unknown', from: null, text: e.message ?? '' }, messageKey: '' };
}

async function stopAfterEmail(run: LeadRun, key: string, reason: string): Promise<PathEnd> {
  await crmNote(run, `stopped:${key}`, `Sequence stopped: ${reason}`);
  await run.step.decide({ action: 'lead.sequence.stopped', parameters: { at: key }, reasoning: reason });
  return { outcome: 'sequence_stopped' };
}

/** Day 14: a task for sales instead of a fourth email. */
async function lastTouch(run: LeadRun, deps: PathDeps): Promise<PathEnd> {
  const { step, s, lp } = run;
  const decision = await askForApproval(step, approvalDeps(s), {
    key: 'last-touch',
    kind: 'lead.last_touch',
    title: `Last touch? ${run.name ?? run.email}${run.company ? ` (${run.company})` : ''} has not answered the sequence`,
    request: {
      summary: { from: run.email, subject: 'No answer to the nurture sequence', channel: 'lead', excerpt: deps.draft().message.slice(0, 500) },
      proposal: { type: 'other', description: `approve: you take it from here (call, or write personally); reject: close the lead. Mailroom sends no further automated email` },
      reasoning: `the sequence (${lp.sequence.length + 1} emails) got no answer; the policy allows at most ${lp.max_unanswered} unanswered emails`,
      confidence: null,
      reasons: ['a last touch is a person\'s call, not a 4th automated email'],
      fields: { score: deps.draft().score.total, band: run.band, email: run.email },
      editable: [],
    },
    approvers: resolveIdentities(s.policy, lp.approvers ?? s.policy.approvers),
    expireAfterMs: s.policy.approval.expire_after,
  });
  if (decision.outcome === 'rejected') {
    await changeStatus(run, 'last-touch:closed', 'closed', `no answer to the sequence; closed by ${decision.approvers.join(', ')}`);
    return { outcome: 'closed' };
  }
  await crmNote(run, 'last-touch', decision.outcome === 'approved' ? `Last touch taken by ${decision.approvers.join(', ')}.` : 'Last touch: nobody decided; the lead stays nurtured without further email.');
  return { outcome: decision.outcome === 'approved' ? 'last_touch_taken' : 'sequence_done' };
}

/** A reply from the lead, by intent, in the issue's order. */
export async function handleReply(run: LeadRun, end: Extract<WaitEnd, { kind: 'reply' }>, deps: PathDeps): Promise<PathEnd> {
  const { step, s } = run;
  const reply = end.reply;
  // The rules first (their unsubscribe always wins), then the model's intent if its quote checks out.
  const read = await judgeReply(step, s.decisions, { id: `lead.reply_intent:${reply.itemId}`, text: reply.text ?? '' });
  await step.decide({
    action: 'lead.reply',
    parameters: { intent: read.intent, itemId: reply.itemId, by: read.by, rulesIntent: read.rulesIntent, ...(read.dropped.length ? { dropped: read.dropped } : {}) },
    reasoning: read.why,
    provider: 'code',
  });
  await step.run(`reply:${reply.itemId}:record`, async () => {
    await recordLeadEvent(s.pool, { leadId: run.leadId, runId: run.runId, key: `reply:${reply.itemId}`, kind: 'reply', detail: { intent: read.intent, itemId: reply.itemId } });
    return true;
  });
  switch (read.intent) {
    case 'unsubscribe':
      await step.run('reply:suppress', () => suppress(s.pool, run.email, 'unsubscribe', `lead reply ${reply.itemId}`));
      await changeStatus(run, 'reply:unsubscribe', 'unsubscribed', `the lead asked to unsubscribe (${read.why}); suppressed`);
      return { outcome: 'unsubscribed' };
    case 'not_interested':
      await changeStatus(run, 'reply:not-interested', 'closed', `the lead is not interested (${read.why}); sequence stopped`);
      return { outcome: 'closed_not_interested' };
    case 'not_now':
      await changeStatus(run, 'reply:not-now', 'replied', `the lead says not now (${read.why}); sequence stopped, check in later`, { nextStepAt: new Date(Date.now() + run.lp.engagement_window) });
      return { outcome: 'not_now' };
    case 'interested': {
      await changeStatus(run, 'reply:interested', 'replied', `the lead replied with interest (${read.why}); automated sequence stopped`);
      const score = await deps.rescore({ message: read.text });
      const outcome = await alertSales(run, 'reply', score, read.text, repReply(deps.draft()), 'the lead replied with interest');
      return { outcome: outcome === 'already_alerted' ? 'replied_interested' : `replied_interested_${outcome}` };
    }
    default: {
      await changeStatus(run, 'reply:question', 'replied', `the lead replied (${read.why}); a drafted answer waits for approval`);
      const sent = await sendLeadEmail(run, 'answer', 'answer', answerDraft(deps.draft(), read.text), { why: `answer to the lead's reply: "${read.text.slice(0, 200)}"`, inReplyTo: end.messageKey ? `<${end.messageKey}>` : null });
      return { outcome: sent.sent ? 'answered' : 'answer_not_sent' };
    }
  }
}
