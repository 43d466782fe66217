/**
 * The survey as durable steps: wait the policy's delay, send the question in the sender's
 * language (once, ledgered), then wait for a reply to that very message (the router delivers
 * replies to Mailroom's own Message-IDs as `email.reply` events) for `survey_window`. The answer
 * is stored with the team that handled the request.
 */
import { recordSurveyAnswer, recordSurveySent } from '../../data/surveys.ts';
import { normaliseMessageId } from '../../intake/intake.ts';
import type { StepApi } from '../../engine/types.ts';
import type { WorkflowServices } from '../ports.ts';
import { replySubject } from './reply-text.ts';
import { parseRating, surveyText, type SurveyAnswer } from './survey.ts';

/** What the router hands to a run waiting for a reply to one of its messages. */
export interface ReplyEvent {
  itemId: string;
  from: string | null;
  subject: string;
  text: string;
}

export async function runSurvey(
  step: StepApi,
  s: WorkflowServices,
  ctx: { runId: string; itemId: string; to: string; subject: string; inReplyTo: string | null; language: string; team: string; category: string },
): Promise<SurveyAnswer | null> {
  const { policy, pool } = s;
  await step.sleep(policy.support.survey_after, 'survey-delay');
  const sent = await step.action('survey', () => s.mailer.send(
    { to: ctx.to, subject: replySubject(ctx.subject), text: surveyText(ctx.language), inReplyTo: ctx.inReplyTo },
    `${ctx.runId}:survey`,
    { runId: ctx.runId },
  ), { kind: 'email.send', parameters: { to: ctx.to }, repeatable: true });
  await step.run('survey.sent', () => recordSurveySent(pool, { runId: ctx.runId, itemId: ctx.itemId, team: ctx.team, category: ctx.category, language: ctx.language }).then(() => true));
  const reply = await step.waitForEvent<ReplyEvent>('email.reply', { key: normaliseMessageId(sent.messageId) ?? sent.messageId, timeoutMs: policy.support.survey_window, id: 'survey-answer' });
  if (reply.timeout) {
    await step.decide({ action: 'survey.unanswered', reasoning: `no answer within ${Math.round(policy.support.survey_window / 86_400_000)} day(s)` });
    return null;
  }
  const answer = parseRating(reply.payload.text);
  if (!answer) {
    await step.decide({ action: 'survey.unreadable', parameters: { itemId: reply.payload.itemId }, reasoning: 'the reply to the survey gives no rating from 1 to 5' });
    return null;
  }
  await step.run('survey.answer', () => recordSurveyAnswer(pool, ctx.runId, answer).then(() => true));
  await step.decide({ action: 'survey.answered', parameters: { rating: answer.rating, team: ctx.team, itemId: reply.payload.itemId }, reasoning: `the customer rated the answer ${answer.rating} of 5${answer.comment ? ' and commented' : ''}` });
  return answer;
}
