/**
 * Support triage and escalation: knowledge-base search, a draft in the sender's language citing
 * the articles used (or routing to the right team with the sender's history when the base has
 * no answer), the policy's auto-send decision, an approval with an editable draft otherwise, an
 * SLA timer per priority (reminder and escalation when it runs out), and a satisfaction survey.
 */
import { z } from 'zod';
import { askForApproval } from '../../approvals/ask.ts';
import { searchArticles, upsertArticles } from '../../data/kb.ts';
import { defineWorkflow } from '../../engine/define.ts';
import { StepFailedError } from '../../engine/signals.ts';
import { detectInjection, routeSupportReply } from '../../policy/decide.ts';
import { resolveIdentities } from '../../policy/load.ts';
import { approvalDeps, reportProgress, requesterSchema, type EmailSummary, type Priority, type SupportCategory, type TriageResult, type WorkflowServices } from '../ports.ts';
import { replySubject, quoteOriginal } from './reply-text.ts';
import { senderHistory } from './history.ts';
import { runSurvey } from './survey-step.ts';

/** Articles ranked below this share of the best match are left out of the answer. */
const RELEVANT_SHARE = 0.4;

export interface SupportOutput {
  category: SupportCategory;
  priority: Priority;
  language: string;
  outcome: 'auto_sent' | 'sent_after_approval' | 'rejected' | 'expired' | 'routed';
  team: string | null;
  draft: string | null;
  citations: string[];
  escalated: boolean;
  reasons: string[];
  /** The satisfaction survey's answer, when one was asked (rating null: not answered or unreadable). */
  survey: { rating: number | null; comment: string | null } | null;
}

export const supportWorkflow = defineWorkflow({
  name: 'support',
  version: 1,
  input: z.object({
    itemId: z.string(),
    email: z.custom<EmailSummary>().nullable(),
    text: z.string(),
    triage: z.custom<TriageResult>().nullable(),
    /** Where the request came from: email replies by mail, Slack in the request's thread. */
    origin: z.enum(['email', 'slack_message', 'document']).default('email'),
    requester: requesterSchema.nullable().default(null),
  }),
  maxSteps: 30,
  async run(input, step, ctx): Promise<SupportOutput> {
    const s = ctx.services as WorkflowServices;
    const { policy, pool } = s;
    const triage = input.triage;
    const category: SupportCategory = triage?.category ?? 'other';
    const priority: Priority = triage?.priority ?? 'normal';
    const language = triage?.language ?? 'en';
    const sender = input.email?.from?.address ?? null;
    const text = input.email?.text ?? input.text;

    const articles = await step.run('kb.search', async () =>
      (await searchArticles(pool, `${input.email?.subject ?? ''} ${text}`.slice(0, 4000), 3))
        // A weak match beside a strong one is noise: it would be cited in the reply.
        .filter((a, _, all) => a.rank >= all[0]!.rank * RELEVANT_SHARE)
        .map((a) => ({ id: a.id, title: a.title, body: a.body, rank: a.rank })),
    );
    const solvable = articles.length > 0 && triage?.solvable !== false;
    await step.decide({
      action: 'kb.search',
      parameters: { hits: articles.map((a) => a.id) },
      reasoning: articles.length ? `found ${articles.map((a) => `"${a.title}"`).join(', ')}` : 'no knowledge-base article matches',
    });

    const team = policy.support.teams[category] ?? 'support';
    if (!solvable) {
      const history = sender ? await step.run('enrich.history', () => senderHistory(pool, sender, ctx.runId)) : [];
      await step.decide({
        action: 'route.team',
        parameters: { team, category, priority, earlierRuns: history.length },
        reasoning: `no knowledge-base answer; ${category} requests go to ${team}${history.length ? `; the sender wrote ${history.length} time(s) before` : ''}`,
      });
    }

    // A draft the model could not write (unreachable through every retry) is written by the approver instead.
    let draftProblem: string | null = null;
    const draft = solvable
      ? await s.decisions.draftReply(step, { email: input.email, text, language, category, articles }).catch((err: unknown) => {
          if (!(err instanceof StepFailedError)) throw err;
          draftProblem = `the draft could not be written: the model could not be reached (${err.stored.message})`;
          return null;
        })
      : null;

    const injection = detectInjection(text);
    const route = routeSupportReply(policy, {
      category,
      confidence: draft ? Math.min(triage?.confidence ?? 0, draft.confidence) : (triage?.confidence ?? 0),
      sender: sender ?? '',
      senderAuthenticated: input.email?.auth?.aligned ?? null,
      injectionSuspected: injection.length > 0,
      solvable,
    });
    await step.decide({ action: 'policy.reply', parameters: { auto: route.auto }, reasoning: route.auto ? 'auto-send allowed by policy' : route.reasons.join('; ') });

    // Email requests are answered by mail to their sender; Slack requests in their own thread.
    const inSlack = !sender && input.origin === 'slack_message' && Boolean(s.progress);
    const replyTo = sender ?? (inSlack ? 'the Slack thread of the request' : null);
    const send = async (body: string, key: string) =>
      inSlack
        ? step.action(key, () => s.progress!(ctx.runId, body), { kind: 'slack.reply', parameters: {}, repeatable: true })
        : step.action(key, () => s.mailer.send(
            { to: sender!, subject: replySubject(input.email?.subject ?? ''), text: `${body}\n\n${quoteOriginal(input.email, text)}`, inReplyTo: input.email?.messageId, references: [...(input.email?.references ?? []), ...(input.email?.messageId ? [input.email.messageId] : [])] },
            `${ctx.runId}:${key}`,
            { runId: ctx.runId },
          ), { kind: 'email.send', parameters: { to: sender }, repeatable: true });

    await reportProgress(step, s, 'classified', `Classified as ${category}, priority ${priority}${solvable ? `; drafting an answer from ${articles.length} article(s)` : `; routed to ${team}`}.`);
    let outcome: SupportOutput['outcome'] = 'routed';
    let escalated = false;
    let finalDraft = draft?.text ?? null;
    if (draft && replyTo && route.auto) {
      await send(draft.text, 'reply');
      outcome = 'auto_sent';
    } else if (replyTo) {
      const sla = policy.support.sla[priority];
      const decision = await askForApproval(step, approvalDeps(s), {
        key: 'reply',
        kind: 'support.reply',
        title: `Reply to ${replyTo}: ${input.email?.subject ?? text.slice(0, 60)}`,
        request: {
          summary: { from: sender ?? undefined, subject: input.email?.subject, receivedAt: input.email?.date ?? undefined, channel: inSlack ? 'slack' : 'email', excerpt: text.slice(0, 500) },
          proposal: draft
            ? { type: 'reply', description: `send this reply to ${replyTo}`, draft: draft.text, ...(sender ? { to: sender } : {}) }
            : { type: 'routing', description: `route to ${team}; write a reply by editing the draft`, draft: '', ...(sender ? { to: sender } : {}) },
          reasoning: triage?.reasoning ?? 'no model classification',
          confidence: triage?.confidence ?? null,
          reasons: draftProblem ? [...route.reasons, draftProblem] : route.reasons,
          fields: { category, priority, language, team, citations: draft?.citations ?? [] },
          // `save_to_kb: yes` when approving also saves the answer to the knowledge base.
          editable: ['draft', 'save_to_kb'],
        },
        approvers: resolveIdentities(policy, policy.support.approvers ?? policy.approvers),
        escalation: resolveIdentities(policy, policy.groups['support-leads'] ? ['group:support-leads'] : []),
        requester: input.requester,
        remindAfterMs: sla,
        expireAfterMs: Math.max(sla * 3, policy.approval.expire_after),
      });
      escalated = decision.outcome === 'expired';
      if (decision.outcome === 'approved') {
        finalDraft = typeof decision.edits?.draft === 'string' && decision.edits.draft.trim() ? decision.edits.draft : (draft?.text ?? null);
        if (finalDraft) {
          await send(finalDraft, 'reply');
          outcome = 'sent_after_approval';
          if (/^(yes|true|1|y)$/i.test(String(decision.edits?.save_to_kb ?? ''))) {
            const article = { id: `answer-${ctx.runId.slice(0, 8)}`, title: input.email?.subject || `${category} answer`, body: finalDraft, language, tags: [category, 'approved-reply'] };
            await step.action('kb.save', () => upsertArticles(pool, [article], 'approved reply'), { kind: 'kb.save', parameters: {}, repeatable: true });
            await step.decide({ action: 'kb.saved', parameters: { id: article.id }, reasoning: `approved by ${decision.approvers.join(', ')} with save_to_kb` });
          }
        }
      } else {
        outcome = decision.outcome === 'rejected' ? 'rejected' : 'expired';
      }
    }

    await reportProgress(step, s, 'outcome', `Outcome: ${outcome.replace(/_/g, ' ')}.`);
    let survey: SupportOutput['survey'] = null;
    if ((outcome === 'auto_sent' || outcome === 'sent_after_approval') && policy.support.survey && sender) {
      const answer = await runSurvey(step, s, { runId: ctx.runId, itemId: input.itemId, to: sender, subject: input.email?.subject ?? '', inReplyTo: input.email?.messageId ?? null, language, team, category });
      survey = answer ? { rating: answer.rating, comment: answer.comment } : { rating: null, comment: null };
    }
    return { category, priority, language, outcome, team: solvable ? null : team, draft: finalDraft, citations: draft?.citations ?? [], escalated, reasons: route.reasons, survey };
  },
});
