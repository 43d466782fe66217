/**
 * Every applicant hears back: an acknowledgement on receipt, then one message per stage change
 * (screening call booked, rejected after a person decided, on hold). Each is sent once per
 * candidate and stage (the outbox key and the candidate_messages ledger), through the policy
 * gate as `hiring.status_mail` (a rejection needs a person's decision on the run).
 *
 * Personalised (first name, job title, an optional line from the person who decided) but
 * checked by code before it goes: no score or ranking, no protected attribute, and no reason
 * for a rejection (the templates give none, and a person's line that does is left out), so the
 * mail never invents or leaks what the decision rested on.
 */
import type { StepApi } from '../../engine/types.ts';
import { PolicyDeniedError } from '../../errors.ts';
import type { WorkflowServices } from '../ports.ts';
import type { HiringPolicy } from './policy.ts';
import { recordStageMessage, stageMessageSent } from './store.ts';

export type MailStage = 'received' | 'screening' | 'rescheduled' | 'reminder' | 'rejected' | 'hold';

export interface StatusMailContext {
  candidateId: string;
  to: string;
  name: string | null;
  jobTitle: string | null;
  language: 'en' | 'de';
  /** A line the deciding person added (checked like the rest). */
  note?: string | null;
  /** For `screening`: when the call is, in the candidate's words (set by the scheduler). */
  when?: string | null;
  inReplyTo?: string | null;
}

const SCORE = /\b(score[ds]?|scoring|ranking|ranked|rank|percentile|points?|punkte|bewertung)\b|\b\d{1,3}\s*(%|\/\s*100|von 100|out of 100)/i;
const PROTECTED = /\b(age|aged|old|young|gender|sex|male|female|pregnan\w*|nationality|national origin|citizenship|race|racial|ethnic\w*|religio\w*|marital|married|disab\w*|sexual orientation|alter|geschlecht|schwanger\w*|staatsangehörigkeit|herkunft|religion|familienstand|behinderung)\b/i;
const REASON = /\b(because|due to|since you|as you (did not|didn't|lack)|lack of|insufficient|not enough|weil|aufgrund|mangels|da sie)\b/i;

/** What the policy check found wrong with a text (empty: fine). */
export function checkStatusText(text: string, stage: MailStage): string[] {
  const problems: string[] = [];
  if (SCORE.test(text)) problems.push('mentions a score or ranking');
  if (PROTECTED.test(text)) problems.push('mentions a protected attribute');
  if (stage === 'rejected' && REASON.test(text)) problems.push('gives a reason for the rejection');
  return problems;
}

const firstName = (name: string | null) => name?.trim().split(/\s+/)[0] ?? null;

function compose(stage: MailStage, c: StatusMailContext, p: HiringPolicy): { subject: string; body: string } {
  const job = c.jobTitle ?? (c.language === 'de' ? 'die ausgeschriebene Stelle' : 'the position');
  const first = firstName(c.name);
  if (c.language === 'de') {
    const hello = first ? `Hallo ${first},` : 'Guten Tag,';
    const lines: Record<MailStage, [string, string]> = {
      received: [`Ihre Bewerbung: ${job}`, `vielen Dank für Ihre Bewerbung als ${job}. Wir haben sie erhalten; eine Person aus unserem Team sieht sie sich an, und wir melden uns bei Ihnen.`],
      screening: [`Kennenlerngespräch: ${job}`, `wir möchten Sie gern in einem kurzen Gespräch kennenlernen${c.when ? ` – am ${c.when}` : ''}. Die Einladung ist beigefügt; bitte sagen Sie zu oder ab, dann richten wir uns danach.`],
      rescheduled: [`Kennenlerngespräch: ${job} (neuer Termin)`, `danke für Ihre Rückmeldung. Wir schlagen einen neuen Termin vor${c.when ? `: ${c.when}` : ''}; die aktualisierte Einladung ist beigefügt.`],
      reminder: [`Erinnerung: Kennenlerngespräch ${job}`, `eine kurze Erinnerung an unsere Einladung zum Gespräch${c.when ? ` am ${c.when}` : ''}. Könnten Sie in Ihrem Kalender zu- oder absagen, damit wir planen können?`],
      rejected: [`Ihre Bewerbung: ${job}`, `vielen Dank für Ihr Interesse an der Stelle als ${job} und die Zeit, die Sie sich genommen haben. Wir haben uns entschieden, das Verfahren mit anderen Bewerbungen fortzusetzen. Wir wünschen Ihnen alles Gute.`],
      hold: [`Ihre Bewerbung: ${job}`, `vielen Dank für Ihre Geduld. Ihre Bewerbung als ${job} ist noch offen; wir brauchen etwas mehr Zeit und melden uns, sobald es weitergeht.`],
    };
    const [subject, text] = lines[stage];
    return { subject, body: `${hello}\n\n${text}\n\nViele Grüße\n${p.sender_name}, ${p.company_name}` };
  }
  const hello = first ? `Dear ${first},` : 'Hello,';
  const lines: Record<MailStage, [string, string]> = {
    received: [`Your application: ${job}`, `thank you for applying for ${job}. We have received your application; a person on our team will review it, and we will be in touch.`],
    screening: [`Screening call: ${job}`, `we would like to get to know you in a short call${c.when ? ` on ${c.when}` : ''}. The invitation is attached; please accept or decline it, and we will go from there.`],
    rescheduled: [`Screening call: ${job} (new time)`, `thank you for letting us know. Here is a new time for the call${c.when ? `: ${c.when}` : ''}; the updated invitation is attached.`],
    reminder: [`Reminder: screening call for ${job}`, `a short reminder of our invitation to a screening call${c.when ? ` on ${c.when}` : ''}. Could you accept or decline it in your calendar, so that we can plan?`],
    rejected: [`Your application: ${job}`, `thank you for your interest in ${job} and for the time you took to apply. We have decided to continue with other applicants for this role. We wish you all the best.`],
    hold: [`Your application: ${job}`, `thank you for your patience. Your application for ${job} is still open; we need a little more time and will write again as soon as there is news.`],
  };
  const [subject, text] = lines[stage];
  return { subject, body: `${hello}\n\n${text}\n\nKind regards,\n${p.sender_name}, ${p.company_name}` };
}

/** The mail as it would go, with the person's line left out if the check refuses it. */
export function statusMail(stage: MailStage, c: StatusMailContext, p: HiringPolicy): { subject: string; text: string; droppedNote: string[] } {
  const { subject, body } = compose(stage, c, p);
  const fixed = checkStatusText(`${subject}\n${body}`, stage);
  // The templates are ours: a failing one is a bug, never sent.
  if (fixed.length) throw new PolicyDeniedError(`the ${stage} status mail template ${fixed.join(', ')}`);
  const note = c.note?.trim();
  const problems = note ? checkStatusText(note, stage) : [];
  if (!note || problems.length) return { subject, text: body, droppedNote: problems };
  const [hello, ...rest] = body.split('\n\n');
  return { subject, text: [hello, rest[0], note, ...rest.slice(1)].join('\n\n'), droppedNote: [] };
}

/** Sends the stage's status mail once per candidate; later calls (any run) do nothing. */
export async function sendStatusMail(
  step: StepApi,
  s: WorkflowServices,
  stage: MailStage,
  c: StatusMailContext,
  extra: { attachCalendar?: { method: string; content: string }; ledgerStage?: string } = {},
): Promise<{ sent: boolean; outboxId: string | null; messageId: string | null }> {
  // One message per candidate and ledger stage (a reschedule or reminder names its own).
  const ledger = extra.ledgerStage ?? stage;
  const already = await step.run(`status-mail:${ledger}:check`, () => stageMessageSent(s.pool, c.candidateId, ledger));
  if (already) {
    await step.decide({ action: 'hiring.status_mail.skipped', parameters: { stage: ledger }, reasoning: `the ${ledger} message was already sent to this candidate` });
    return { sent: false, outboxId: null, messageId: null };
  }
  const mail = statusMail(stage, c, s.policy.hiring);
  if (mail.droppedNote.length) {
    await step.decide({ action: 'hiring.status_mail.note_dropped', parameters: { stage, problems: mail.droppedNote }, reasoning: `the decider's line was left out: it ${mail.droppedNote.join(', ')}` });
  }
  const key = `hiring:${c.candidateId}:${ledger}`;
  const sent = await step.action(`status-mail:${ledger}`, async () => {
    const row = await s.mailer.send({ to: c.to, subject: mail.subject, text: mail.text, inReplyTo: c.inReplyTo ?? null, ...(extra.attachCalendar ? { icalEvent: extra.attachCalendar } : {}) }, key, { runId: step.runId });
    await recordStageMessage(s.pool, c.candidateId, ledger, row.id);
    return row;
  }, { kind: 'hiring.status_mail', parameters: { to: c.to, stage, candidate: c.candidateId }, repeatable: true });
  await step.decide({ action: 'hiring.status_mail', parameters: { stage: ledger, outbox: sent.id, status: sent.status }, reasoning: `the applicant is told: ${ledger}` });
  return { sent: true, outboxId: sent.id, messageId: sent.messageId };
}
