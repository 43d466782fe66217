/**
 * Advance → a screening call on the built-in calendar, through the whole service: the first
 * free slot outside the interviewer's busy times is booked; the candidate and the interviewer
 * get an iMIP invitation (text/calendar; method=REQUEST) at the SMTP peer; the candidate's
 * METHOD:REPLY mail (no In-Reply-To, matched by UID) declines → the next slot with the same UID
 * and SEQUENCE 1; then accepts → scheduled, and the interviewer's briefing waits until an hour before the call.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { simpleParser } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import { listApprovals } from '../../../src/approvals/store.ts';
import { candidateForRun } from '../../../src/queries/candidates.ts';
import { parseReply } from '../../../src/workflows/hiring/invite.ts';
import { upsertJobs } from '../../../src/workflows/hiring/jobs.ts';
import { textPdf } from '../../harness/pdf.ts';
import { cardButtons, eventually, startTestService, type TestService } from '../../harness/service.ts';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../../harness/smtp-sink.ts';
import { ALICE, BACKEND_JOB, backendResume } from './fixtures.ts';

/** The text/calendar part of a received message. */
async function calendarOf(m: ReceivedMail): Promise<{ ics: string; method: string | undefined }> {
  const parsed = await simpleParser(m.raw);
  const part = parsed.attachments.find((a) => /text\/calendar/i.test(a.contentType));
  assert.ok(part, `no text/calendar part in "${m.headers.subject}"`);
  return { ics: part.content.toString('utf8'), method: /method=([A-Z]+)/i.exec(m.raw.toString('latin1'))?.[1] };
}

/** What a calendar client sends back: METHOD:REPLY, the attendee with their PARTSTAT; no threading headers. */
async function replyMail(ics: string, partstat: 'ACCEPTED' | 'DECLINED', id: string): Promise<Buffer> {
  const reply = ics
    .replace(/^METHOD:REQUEST/m, 'METHOD:REPLY')
    .replace(/\r?\n /g, '')
    .split(/\r?\n/)
    .filter((l) => !l.startsWith('ATTENDEE') || l.toLowerCase().includes(ALICE.email))
    .map((l) => (l.startsWith('ATTENDEE') ? `ATTENDEE;PARTSTAT=${partstat}:mailto:${ALICE.email}` : l))
    .join('\r\n');
  assert.ok(parseReply(reply), 'a valid reply');
  return new MailComposer({ from: ALICE.email, to: 'jobs@acme.example', subject: `${partstat === 'ACCEPTED' ? 'Accepted' : 'Declined'}: Screening call`, messageId: `<${id}@applicant.example>`, text: partstat, icalEvent: { method: 'REPLY', content: reply } }).compile().build();
}

describe('hiring: screening call booked on the built-in calendar, rescheduled on decline, scheduled on accept', () => {
  let svc: TestService;
  let smtp: SmtpSink;

  before(async () => {
    smtp = await startSmtpSink();
    svc = await startTestService({ SMTP_URL: smtp.url, MAIL_FROM: 'Jobs <jobs@acme.example>', SLACK_APPROVERS: 'U_HR' }, { slack: true, policy: 'approvers: ["U_HR"]\nhiring:\n  reply_wait: 1h\n' });
    const { version: _v, ...spec } = BACKEND_JOB;
    await upsertJobs(svc.db.pool, [spec]);
  });
  after(async () => {
    await svc?.close();
    await smtp?.close();
  });

  test('invitation, decline, new time with SEQUENCE 1, accept, then the briefing waits until an hour before the call', async () => {
    const lines = backendResume(ALICE).visible_text.split('\n').map((l) => l.replace(/[^\x20-\x7e]/g, '-'));
    const raw = await new MailComposer({
      from: `${ALICE.name} <${ALICE.email}>`, to: 'jobs+backend@acme.example', subject: 'Application', messageId: '<sched-alice@applicant.example>',
      text: 'I would like to apply for the position.', attachments: [{ filename: 'CV.pdf', content: textPdf([lines]), contentType: 'application/pdf' }],
    }).compile().build();
    await svc.app.intake.accept({ kind: 'email', bytes: raw, source: { channel: 'email' } });
    const approval = await eventually('the decision card', async () => (await listApprovals(svc.db.pool, { status: 'pending' })).find((a) => a.kind === 'hiring.decision'), 60_000);

    // Dana is busy for the whole of the first possible day: the slot must come after it.
    const firstDay = new Date(Date.now() + 86_400_000);
    await svc.db.pool.query(`INSERT INTO mailroom.calendar_busy (interviewer, starts_at, ends_at, summary) VALUES ('iv-1', $1, $2, 'offsite')`, [firstDay, new Date(firstDay.getTime() + 86_400_000)]);

    const buttons = await eventually('the Slack card', () => cardButtons(svc.slack.calls, approval.title));
    await svc.click('U_HR', buttons.find((b) => b.action_id === 'approval_choose:Advance to screening')!);

    const invite = await eventually('the invitation to the candidate', () => smtp.messages.find((m) => m.to.includes(ALICE.email) && /^Screening call/.test(m.headers.subject ?? '')));
    const first = await calendarOf(invite);
    assert.equal(first.method, 'REQUEST', 'Content-Type text/calendar; method=REQUEST');
    assert.match(first.ics, /^METHOD:REQUEST/m);
    const uid = /^UID:(.+?)\r?$/m.exec(first.ics)![1]!;
    assert.match(first.ics, /^SEQUENCE:0\r?$/m);
    const start = new Date(/^DTSTART:(\d{8}T\d{6}Z)/m.exec(first.ics)![1]!.replace(/(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/, '$1-$2-$3T$4:$5:$6Z'));
    assert.ok(start.getTime() >= firstDay.getTime() + 86_400_000, `the slot (${start.toISOString()}) is after the busy day`);
    const toDana = await eventually('the invitation to the interviewer', () => smtp.messages.find((m) => m.to.includes('dana@mailroom.example') && /^Screening call/.test(m.headers.subject ?? '')));
    assert.doesNotMatch(toDana.text, /Alice|Whitfield/, 'the interviewer mail names a candidate reference');
    const busy = await svc.db.pool.query(`SELECT starts_at FROM mailroom.calendar_busy WHERE booking_id IS NOT NULL`);
    assert.equal(busy.rows[0].starts_at.toISOString(), start.toISOString(), 'the call is on the built-in calendar');

    await svc.app.intake.accept({ kind: 'email', bytes: await replyMail(first.ics, 'DECLINED', 'decline-1'), source: { channel: 'email' } });
    const second = await eventually('the new time', async () => {
      const m = smtp.messages.find((x) => x.to.includes(ALICE.email) && /new time/.test(x.headers.subject ?? ''));
      return m && calendarOf(m);
    });
    assert.match(second.ics, new RegExp(`^UID:${uid.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\r?$`, 'm'), 'the same UID');
    assert.match(second.ics, /^SEQUENCE:1\r?$/m, 'SEQUENCE bumped');

    await svc.app.intake.accept({ kind: 'email', bytes: await replyMail(second.ics, 'ACCEPTED', 'accept-1'), source: { channel: 'email' } });
    await eventually('scheduled', async () => (await candidateForRun(svc.db.pool, approval.run_id))?.stage === 'scheduled');
    const c = (await candidateForRun(svc.db.pool, approval.run_id))!;
    assert.equal(c.booking?.status, 'accepted');
    assert.equal(c.booking?.sequence, 1);
    // The briefing waits until hiring.briefing_before (1 h) before the call: the run sleeps until then.
    const secondStart = new Date(/^DTSTART:(\d{8}T\d{6}Z)/m.exec(second.ics)![1]!.replace(/(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/, '$1-$2-$3T$4:$5:$6Z'));
    const sleeping = await eventually('the wait for the briefing', async () => {
      const r = (await svc.db.pool.query<{ state: string; wake_at: Date | null }>('SELECT state, wake_at FROM mailroom.runs WHERE id = $1', [approval.run_id])).rows[0];
      return r?.state === 'waiting' && r.wake_at ? r : undefined;
    });
    assert.ok(Math.abs(sleeping.wake_at!.getTime() - (secondStart.getTime() - 3_600_000)) < 5000, `wakes at ${sleeping.wake_at!.toISOString()}, an hour before ${secondStart.toISOString()}`);
    assert.ok(!smtp.messages.some((m) => m.to.includes('dana@mailroom.example') && /^Briefing/.test(m.headers.subject ?? '')), 'no briefing days ahead of the call');
    assert.equal(smtp.messages.filter((m) => m.to.includes(ALICE.email) && /^Screening call/.test(m.headers.subject ?? '')).length, 2, 'one invitation and one new time, nothing twice');
  });
});

describe('hiring: no answer to the invitation → a reminder, then a person', () => {
  let svc: TestService;
  let smtp: SmtpSink;

  before(async () => {
    smtp = await startSmtpSink();
    svc = await startTestService({ SMTP_URL: smtp.url, MAIL_FROM: 'Jobs <jobs@acme.example>', SLACK_APPROVERS: 'U_HR' }, { slack: true, policy: 'approvers: ["U_HR"]\nhiring:\n  reply_wait: 2s\n' });
    const { version: _v, ...spec } = BACKEND_JOB;
    await upsertJobs(svc.db.pool, [spec]);
  });
  after(async () => {
    await svc?.close();
    await smtp?.close();
  });

  test('silence: one reminder after reply_wait, then a Hold / Withdrawn card; Withdrawn closes it without a mail', async () => {
    const lines = backendResume(ALICE).visible_text.split('\n').map((l) => l.replace(/[^\x20-\x7e]/g, '-'));
    const raw = await new MailComposer({
      from: `${ALICE.name} <${ALICE.email}>`, to: 'jobs+backend@acme.example', subject: 'Application', messageId: '<silent-alice@applicant.example>',
      text: 'I would like to apply for the position.', attachments: [{ filename: 'CV.pdf', content: textPdf([lines]), contentType: 'application/pdf' }],
    }).compile().build();
    await svc.app.intake.accept({ kind: 'email', bytes: raw, source: { channel: 'email' } });
    const approval = await eventually('the decision card', async () => (await listApprovals(svc.db.pool, { status: 'pending' })).find((a) => a.kind === 'hiring.decision'), 60_000);
    await svc.click('U_HR', (await eventually('the card', () => cardButtons(svc.slack.calls, approval.title))).find((b) => b.action_id === 'approval_choose:Advance to screening')!);

    await eventually('the reminder', () => smtp.messages.find((m) => m.to.includes(ALICE.email) && /^Reminder: screening call/.test(m.headers.subject ?? '')), 60_000);
    const ask = await eventually('a person is asked', async () => (await listApprovals(svc.db.pool, { status: 'pending' })).find((a) => a.kind === 'hiring.schedule'), 60_000);
    assert.match(ask.title, /did not answer/);
    const sentBefore = smtp.messages.filter((m) => m.to.includes(ALICE.email)).length;
    await svc.click('U_HR', (await eventually('the card', () => cardButtons(svc.slack.calls, ask.title))).find((b) => b.action_id === 'approval_choose:Withdrawn')!);
    await eventually('withdrawn', async () => (await candidateForRun(svc.db.pool, approval.run_id))?.stage === 'withdrawn');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(smtp.messages.filter((m) => m.to.includes(ALICE.email)).length, sentBefore, 'no mail on withdrawal');
    assert.equal(smtp.messages.filter((m) => /^Reminder/.test(m.headers.subject ?? '')).length, 1, 'one reminder');
    await eventually('METHOD:CANCEL to the interviewer', () => smtp.messages.find((m) => m.to.includes('dana@mailroom.example') && /^Cancelled/.test(m.headers.subject ?? '')));
  });
});

describe('hiring: a written reply to the invitation goes to a person', () => {
  let svc: TestService;
  let smtp: SmtpSink;

  before(async () => {
    smtp = await startSmtpSink();
    svc = await startTestService({ SMTP_URL: smtp.url, MAIL_FROM: 'Jobs <jobs@acme.example>', SLACK_APPROVERS: 'U_HR' }, { slack: true, policy: 'approvers: ["U_HR"]\n' });
    const { version: _v, ...spec } = BACKEND_JOB;
    await upsertJobs(svc.db.pool, [spec]);
  });
  after(async () => {
    await svc?.close();
    await smtp?.close();
  });

  test('"please withdraw my application" in a reply → a card with the text → Withdrawn', async () => {
    const lines = backendResume(ALICE).visible_text.split('\n').map((l) => l.replace(/[^\x20-\x7e]/g, '-'));
    const raw = await new MailComposer({
      from: `${ALICE.name} <${ALICE.email}>`, to: 'jobs+backend@acme.example', subject: 'Application', messageId: '<written-alice@applicant.example>',
      text: 'I would like to apply for the position.', attachments: [{ filename: 'CV.pdf', content: textPdf([lines]), contentType: 'application/pdf' }],
    }).compile().build();
    await svc.app.intake.accept({ kind: 'email', bytes: raw, source: { channel: 'email' } });
    const approval = await eventually('the decision card', async () => (await listApprovals(svc.db.pool, { status: 'pending' })).find((a) => a.kind === 'hiring.decision'), 60_000);
    await svc.click('U_HR', (await eventually('the card', () => cardButtons(svc.slack.calls, approval.title))).find((b) => b.action_id === 'approval_choose:Advance to screening')!);
    const invite = await eventually('the invitation', () => smtp.messages.find((m) => m.to.includes(ALICE.email) && /^Screening call/.test(m.headers.subject ?? '')));

    // The run waits for an answer once the interviewer's invitation is out too.
    await eventually('the run waiting for an answer', async () => (await svc.db.pool.query(`SELECT 1 FROM mailroom.run_waits WHERE run_id = $1 AND name = 'email.reply'`, [approval.run_id])).rowCount);
    const written = await new MailComposer({
      from: ALICE.email, to: 'jobs@acme.example', subject: `Re: ${invite.headers.subject}`, messageId: '<written-reply@applicant.example>',
      inReplyTo: invite.headers.messageId, references: [invite.headers.messageId!], text: 'Thank you, but I have accepted another offer. Please withdraw my application.',
    }).compile().build();
    await svc.app.intake.accept({ kind: 'email', bytes: written, source: { channel: 'email' } });
    const ask = await eventually('the reply card', async () => (await listApprovals(svc.db.pool, { status: 'pending' })).find((a) => a.kind === 'hiring.candidate_reply'), 60_000);
    assert.match(ask.request.summary.excerpt ?? '', /withdraw my application/);
    await svc.click('U_HR', (await eventually('the card', () => cardButtons(svc.slack.calls, ask.title))).find((b) => b.action_id === 'approval_choose:Withdrawn')!);
    await eventually('withdrawn', async () => (await candidateForRun(svc.db.pool, approval.run_id))?.stage === 'withdrawn');
    assert.equal((await candidateForRun(svc.db.pool, approval.run_id))?.booking, null, 'the booking is cancelled');
    const cancel = await eventually('METHOD:CANCEL to the interviewer', () => smtp.messages.find((m) => m.to.includes('dana@mailroom.example') && /^Cancelled/.test(m.headers.subject ?? '')));
    assert.match(cancel.raw.toString('latin1'), /method=CANCEL/i);
    assert.equal((await svc.db.pool.query('SELECT 1 FROM mailroom.calendar_busy WHERE booking_id IS NOT NULL')).rowCount, 0, 'off the built-in calendar');
  });
});
