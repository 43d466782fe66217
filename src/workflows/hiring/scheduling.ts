/**
 * Advance → a screening call. The first free slot of the job's interviewers (working hours
 * minus busy times, calendar.ts) is booked on the interviewer's calendar, and an iMIP
 * invitation (METHOD:REQUEST, one UID per candidate, SEQUENCE per offer) goes to the candidate
 * (the screening status mail) and the interviewer. Then the run waits for the candidate's
 * METHOD:REPLY (the router hands it over as `hiring.calendar_reply`, keyed by UID):
 *
 *   invited ──ACCEPTED──► scheduled (briefing to the interviewer)
 *      │ ──DECLINED──► the next slot, same UID, SEQUENCE+1 (once); declined again → a person
 *      │ ──a written reply to the invitation──► a person reads it (Accepted / Offer another time /
 *      │                                         Withdrawn / Keep waiting)
 *      └──no answer──► a reminder; still none → a person (Hold / Withdrawn)
 */
import { askForApproval } from '../../approvals/ask.ts';
import type { StepApi } from '../../engine/types.ts';
import { normaliseMessageId } from '../../intake/intake.ts';
import { resolveIdentities } from '../../policy/load.ts';
import { approvalDeps, type WorkflowServices } from '../ports.ts';
import { briefingText } from './briefing.ts';
import { calendarFor } from './calendar.ts';
import { invitation } from './invite.ts';
import type { Interviewer, Job } from './jobs.ts';
import type { RedFlag } from './red-flags.ts';
import type { RequirementVerdict } from './requirements.ts';
import { freeSlots } from './slots.ts';
import { sendStatusMail, type StatusMailContext } from './status-mail.ts';
import { bookingByUid, setBookingHref, setBookingStatus, setStage, upsertBooking } from './store.ts';

export interface ScheduleContext {
  candidateId: string;
  job: Job;
  applicant: { email: string; name: string | null };
  mail: StatusMailContext;
  requirements: RequirementVerdict[];
  redFlags: RedFlag[];
  /** The address replies go to (MAIL_FROM): the organizer. */
  organizer: { name: string; email: string };
}

export type ScheduleOutcome = 'scheduled' | 'hold' | 'withdrawn';

const MAX_OFFERS = 2;

export const bookingUid = (candidateId: string) => `screening-${candidateId}@mailroom`;

export async function scheduleScreening(step: StepApi, s: WorkflowServices, c: ScheduleContext): Promise<ScheduleOutcome> {
  const hp = s.policy.hiring;
  const calendar = calendarFor(s.config.env, s.pool);
  const uid = bookingUid(c.candidateId);
  const ref = c.candidateId.slice(0, 8);
  const declined: string[] = [];
  const replyKeys: string[] = [];

  for (let offer = 0; offer < MAX_OFFERS; offer++) {
    const slot = await step.run(`slot:${offer}`, async () => {
      const from = new Date(Date.now() + hp.min_notice);
      const to = new Date(from.getTime() + hp.slot_horizon);
      const busy: Record<string, Array<{ start: Date; end: Date }>> = {};
      for (const iv of c.job.interviewers) busy[iv.id] = await calendar.busy(iv, from, to);
      const slots = freeSlots({ interviewers: c.job.interviewers, busy, from, to, minutes: hp.call_minutes, limit: 5 });
      const pick = slots.find((x) => !declined.includes(x.start.toISOString()));
      return pick ? { interviewer: pick.interviewer, start: pick.start.toISOString(), end: pick.end.toISOString() } : null;
    });
    if (!slot) {
      await step.decide({ action: 'hiring.no_slot', parameters: { interviewers: c.job.interviewers.map((i) => i.id), calendar: calendar.kind }, reasoning: `no free ${hp.call_minutes}-minute slot in the interviewers' working hours within the horizon` });
      return askPerson(step, s, c, 'no free slot was found in the interviewers\' calendars');
    }
    const iv = c.job.interviewers.find((i) => i.id === slot.interviewer)!;
    const start = new Date(slot.start);
    const end = new Date(slot.end);
    const when = `${start.toLocaleString('en-GB', { timeZone: iv.timezone, dateStyle: 'full', timeStyle: 'short' })} (${iv.timezone})`;
    const ics = invitation({
      uid, sequence: offer, start, end,
      summary: `Screening call: ${c.job.title}`,
      description: `A ${hp.call_minutes}-minute screening call with ${iv.name} about ${c.job.title}.`,
      organizer: c.organizer,
      attendees: [{ email: c.applicant.email, name: c.applicant.name }, { email: iv.email, name: iv.name }],
    });
    await step.action(`book:${offer}`, async () => {
      const booking = await upsertBooking(s.pool, { candidateId: c.candidateId, interviewerId: iv.id, uid, sequence: offer, start, end, calendar: calendar.kind });
      const put = await calendar.put(iv, { uid, start, end, ics, bookingId: booking.id });
      await setBookingHref(s.pool, uid, put.href);
      return { uid, href: put.href };
    }, { kind: 'calendar.book', parameters: { interviewer: iv.id, start: slot.start, uid, sequence: offer }, repeatable: true });
    await step.decide({ action: 'hiring.booked', parameters: { uid, sequence: offer, interviewer: iv.id, start: slot.start, calendar: calendar.kind }, reasoning: `first free slot of ${iv.name}: ${when}` });

    const calendarPart = { method: 'REQUEST', content: ics };
    const sent = await sendStatusMail(step, s, offer ? 'rescheduled' : 'screening', { ...c.mail, when }, { attachCalendar: calendarPart, ledgerStage: offer ? `rescheduled:${offer}` : 'screening' });
    // A written answer to the invitation (not a calendar reply) comes back as email.reply on its Message-ID.
    const replyKey = normaliseMessageId(sent.messageId);
    if (replyKey) replyKeys.push(replyKey);
    await step.action(`invite-interviewer:${offer}`, () => s.mailer.send({ to: iv.email, subject: `Screening call: ${c.job.title} (candidate ${ref})`, text: `Hello ${iv.name.split(/\s+/)[0]},\n\na screening call for ${c.job.title} with candidate ${ref}: ${when}. The invitation is attached; the briefing follows when the candidate accepts.`, icalEvent: calendarPart }, `hiring:${c.candidateId}:invite:${iv.id}:${offer}`, { runId: step.runId }), { kind: 'hiring.invite', parameters: { to: iv.email, candidate: c.candidateId, job: c.job.id }, repeatable: true });

    const answer = await waitForAnswer(step, s, c, uid, offer, when, replyKeys);
    if (answer === 'ACCEPTED') {
      await step.run(`accepted:${offer}`, async () => {
        await setBookingStatus(s.pool, uid, 'accepted');
        await setStage(s.pool, c.candidateId, 'scheduled');
        return true;
      });
      await step.decide({ action: 'hiring.scheduled', parameters: { uid, start: slot.start, interviewer: iv.id }, reasoning: 'the candidate accepted the invitation' });
      // The briefing goes `hiring.briefing_before` the call (at once when that time has passed).
      const briefAt = new Date(start.getTime() - s.policy.hiring.briefing_before);
      const now = await step.run(`briefing-time:${offer}`, () => Date.now());
      if (briefAt.getTime() > now) await step.sleep(briefAt, `briefing-wait:${offer}`);
      const brief = briefingText({ candidateRef: ref, jobTitle: c.job.title, interviewerName: iv.name, start, timezone: iv.timezone, requirements: c.requirements, redFlags: c.redFlags });
      // A Slack DM when the jobs file names the interviewer's Slack id and Slack is configured; mail otherwise.
      const dm = iv.slack && s.directMessage;
      if (dm) {
        await step.action('briefing', () => dm(iv.slack!, `*${brief.subject}*\n\n${brief.text}`), { kind: 'hiring.briefing', parameters: { to: iv.email, slack: iv.slack, candidate: c.candidateId, job: c.job.id }, repeatable: true });
      } else {
        await step.action('briefing', () => s.mailer.send({ to: iv.email, subject: brief.subject, text: brief.text }, `hiring:${c.candidateId}:briefing:${uid}:${offer}`, { runId: step.runId }), { kind: 'hiring.briefing', parameters: { to: iv.email, candidate: c.candidateId, job: c.job.id }, repeatable: true });
      }
      await step.decide({ action: 'hiring.briefing', parameters: { interviewer: iv.id, via: dm ? 'slack' : 'email' }, reasoning: `the interviewer briefing went to ${iv.name} by ${dm ? 'Slack direct message' : 'mail'}: the requirement table with evidence, the unknowns to probe, the red-flag questions, a scorecard` });
      return 'scheduled';
    }
    if (answer === 'none') return askPerson(step, s, c, 'the candidate did not answer the invitation or the reminder');
    if (answer === 'WITHDRAWN') {
      await cancelCall(step, s, c, { uid, sequence: offer + 1, start, end, interviewer: iv, organizer: c.organizer });
      await step.run(`withdrawn:${offer}`, () => setStage(s.pool, c.candidateId, 'withdrawn').then(() => true));
      await step.decide({ action: 'hiring.withdrawn', parameters: { uid }, reasoning: 'a person read the candidate\'s reply as a withdrawal' , provider: 'person' });
      return 'withdrawn';
    }
    await step.run(`declined:${offer}`, () => setBookingStatus(s.pool, uid, 'declined').then(() => true));
    await step.decide({ action: 'hiring.declined', parameters: { uid, sequence: offer }, reasoning: offer + 1 < MAX_OFFERS ? 'the candidate declined: the next free slot is offered (same UID, SEQUENCE + 1)' : 'the candidate declined the second time too' });
    declined.push(slot.start);
  }
  return askPerson(step, s, c, `the candidate declined ${MAX_OFFERS} proposed times`);
}

/** The candidate's answer to this offer; the interviewer's own replies are noted and waited past. */
async function waitForAnswer(step: StepApi, s: WorkflowServices, c: ScheduleContext, uid: string, offer: number, when: string, replyKeys: string[]): Promise<'ACCEPTED' | 'DECLINED' | 'WITHDRAWN' | 'none'> {
  let reminded = false;
  for (let n = 0; n < 10; n++) {
    const got = await step.waitForAny<{ partstat: string; attendee: string; sequence: number } | { from: string | null; subject: string; text: string }>(
      [{ name: 'hiring.calendar_reply', key: uid }, ...replyKeys.map((key) => ({ name: 'email.reply', key }))],
      { timeoutMs: s.policy.hiring.reply_wait, id: `reply:${offer}:${n}` },
    );
    if (got.timeout) {
      if (reminded) return 'none';
      reminded = true;
      const sent = await sendStatusMail(step, s, 'reminder', { ...c.mail, when }, { ledgerStage: `reminder:${offer}` });
      const key = normaliseMessageId(sent.messageId);
      if (key) replyKeys.push(key);
      continue;
    }
    if (got.name === 'email.reply') {
      const answer = await readWrittenReply(step, s, c, got.payload as { from: string | null; subject: string; text: string }, `${offer}:${n}`);
      if (answer === 'keep') continue;
      return answer;
    }
    const { partstat, attendee, sequence } = got.payload as { partstat: string; attendee: string; sequence: number };
    const fromCandidate = attendee === c.applicant.email.toLowerCase();
    await step.decide({ action: 'hiring.calendar_reply', parameters: { uid, partstat, attendee: fromCandidate ? 'candidate' : 'interviewer', sequence }, reasoning: `${fromCandidate ? 'the candidate' : 'an interviewer'} answered ${partstat}` });
    // An answer to an earlier offer (a lower SEQUENCE) says nothing about this one.
    if (!fromCandidate || sequence < offer) continue;
    if (partstat === 'ACCEPTED' || partstat === 'DECLINED') return partstat;
    await step.run(`tentative:${offer}:${n}`, () => setBookingStatus(s.pool, uid, 'tentative').then(() => true));
  }
  return 'none';
}

const WRITTEN = { accepted: 'Accepted', another: 'Offer another time', withdrawn: 'Withdrawn', keep: 'Keep waiting' } as const;

/** The candidate wrote back instead of answering in their calendar: a person reads it and says what it means. */
async function readWrittenReply(step: StepApi, s: WorkflowServices, c: ScheduleContext, reply: { from: string | null; subject: string; text: string }, id: string): Promise<'ACCEPTED' | 'DECLINED' | 'WITHDRAWN' | 'keep'> {
  const decision = await askForApproval(step, approvalDeps(s), {
    key: `written-reply:${id}`,
    kind: 'hiring.candidate_reply',
    title: `Candidate ${c.candidateId.slice(0, 8)} (${c.job.title}) wrote back about the screening call`,
    request: {
      summary: { subject: reply.subject, channel: 'email', excerpt: reply.text.slice(0, 1500) },
      proposal: { type: 'other', description: `What does the reply mean? ${Object.values(WRITTEN).join(' / ')}`, parameters: { workflow: WRITTEN.keep, candidate: c.candidateId } },
      reasoning: 'a written reply to the invitation, not a calendar answer: a person reads it',
      confidence: null,
      reasons: ['the candidate answered in words; code does not guess what they meant'],
      editable: ['workflow'],
      options: { workflow: Object.values(WRITTEN) },
    },
    approvers: resolveIdentities(s.policy, s.policy.hiring.approvers ?? s.policy.approvers),
    remindAfterMs: s.policy.approval.remind_after,
  });
  const choice = decision.outcome === 'approved' ? String(decision.edits?.workflow ?? WRITTEN.keep) : WRITTEN.keep;
  await step.decide({ action: 'hiring.candidate_reply', parameters: { choice, by: decision.approvers }, reasoning: `${decision.approvers.join(', ') || 'nobody'} read the reply as: ${choice}`, provider: 'person' });
  return choice === WRITTEN.accepted ? 'ACCEPTED' : choice === WRITTEN.another ? 'DECLINED' : choice === WRITTEN.withdrawn ? 'WITHDRAWN' : 'keep';
}

/** A person decides when scheduling cannot: Hold (the candidate is told) or Withdrawn. */
async function askPerson(step: StepApi, s: WorkflowServices, c: ScheduleContext, why: string): Promise<ScheduleOutcome> {
  const decision = await askForApproval(step, approvalDeps(s), {
    key: 'schedule',
    kind: 'hiring.schedule',
    title: `Screening call for candidate ${c.candidateId.slice(0, 8)} (${c.job.title}): ${why}`,
    request: {
      summary: { channel: 'hiring' },
      proposal: { type: 'other', description: 'Hold: the candidate is told it takes longer; Withdrawn: the application is closed as withdrawn (no mail)', to: c.applicant.email, parameters: { workflow: 'Hold', candidate: c.candidateId } },
      reasoning: why,
      confidence: null,
      reasons: [why],
      editable: ['workflow', 'note'],
      options: { workflow: ['Hold', 'Withdrawn'] },
    },
    approvers: resolveIdentities(s.policy, s.policy.hiring.approvers ?? s.policy.approvers),
    remindAfterMs: s.policy.approval.remind_after,
  });
  const choice = decision.outcome === 'approved' ? String(decision.edits?.workflow ?? 'Hold') : 'Hold';
  await step.decide({ action: 'hiring.schedule.decided', parameters: { choice, by: decision.approvers }, reasoning: `${decision.approvers.join(', ') || 'nobody'} chose ${choice}`, provider: 'person' });
  const record = { choice, by: decision.approvers, at: decision.decidedAt, approval: decision.approvalId };
  // No call will happen as booked: it comes off the interviewer's calendar.
  const booked = await step.run('booking-to-cancel', async () => {
    const b = await bookingByUid(s.pool, bookingUid(c.candidateId));
    return b && b.status !== 'cancelled' ? { uid: b.uid, sequence: b.sequence, start: b.starts_at, end: b.ends_at, interviewer: b.interviewer_id } : null;
  });
  const iv = booked && c.job.interviewers.find((i) => i.id === booked.interviewer);
  if (booked && iv) await cancelCall(step, s, c, { uid: booked.uid, sequence: booked.sequence + 1, start: new Date(booked.start), end: new Date(booked.end), interviewer: iv, organizer: c.organizer });
  if (choice === 'Withdrawn') {
    await step.run('stage:withdrawn', () => setStage(s.pool, c.candidateId, 'withdrawn', record));
    return 'withdrawn';
  }
  await step.run('stage:hold:schedule', () => setStage(s.pool, c.candidateId, 'hold', record));
  await sendStatusMail(step, s, 'hold', { ...c.mail, note: typeof decision.edits?.note === 'string' ? decision.edits.note : null });
  return 'hold';
}

/** Takes the call off the interviewer's calendar and sends them METHOD:CANCEL (same UID, next SEQUENCE). */
async function cancelCall(step: StepApi, s: WorkflowServices, c: ScheduleContext, b: { uid: string; sequence: number; start: Date; end: Date; interviewer: Interviewer; organizer: { name: string; email: string } }): Promise<void> {
  const calendar = calendarFor(s.config.env, s.pool);
  const iv = b.interviewer;
  await step.action('cancel-call', async () => {
    const booking = await bookingByUid(s.pool, b.uid);
    if (booking) await calendar.remove(iv, b.uid, booking.id);
    await setBookingStatus(s.pool, b.uid, 'cancelled');
    return true;
  }, { kind: 'calendar.cancel', parameters: { uid: b.uid, interviewer: iv.id }, repeatable: true });
  const ics = invitation({ uid: b.uid, sequence: b.sequence, start: b.start, end: b.end, summary: `Screening call: ${c.job.title}`, description: 'Cancelled.', organizer: b.organizer, attendees: [{ email: iv.email, name: iv.name }], method: 'CANCEL' });
  await step.action('cancel-interviewer', () => s.mailer.send({ to: iv.email, subject: `Cancelled: screening call for ${c.job.title} (candidate ${c.candidateId.slice(0, 8)})`, text: `Hello ${iv.name.split(/\s+/)[0]},\n\nthe screening call with candidate ${c.candidateId.slice(0, 8)} will not take place; it is off your calendar.`, icalEvent: { method: 'CANCEL', content: ics } }, `hiring:${c.candidateId}:cancel:${b.uid}`, { runId: step.runId }), { kind: 'hiring.invite', parameters: { to: iv.email, candidate: c.candidateId, job: c.job.id }, repeatable: true });
  await step.decide({ action: 'hiring.call_cancelled', parameters: { uid: b.uid, interviewer: iv.id }, reasoning: 'the call will not take place: removed from the calendar, the interviewer told (METHOD:CANCEL)' });
}
