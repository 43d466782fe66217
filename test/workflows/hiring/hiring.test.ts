/**
 * The hiring workflow through the whole service (real PostgreSQL, the SMTP peer, the local Slack
 * API): an application email with a PDF resume is routed to hiring, acknowledged, screened
 * blind, and put to a person as a card with Advance to screening / Reject / Hold. Nothing is
 * decided without them; a rejection mail goes only after a person chose Reject, once.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import MailComposer from 'nodemailer/lib/mail-composer';
import { listApprovals } from '../../../src/approvals/store.ts';
import { createPolicyGate } from '../../../src/policy/gate.ts';
import { candidateForRun } from '../../../src/queries/candidates.ts';
import { upsertJobs } from '../../../src/workflows/hiring/jobs.ts';
import { textPdf } from '../../harness/pdf.ts';
import { cardButtons, eventually, startTestService, type TestService } from '../../harness/service.ts';
import { startSmtpSink, type SmtpSink } from '../../harness/smtp-sink.ts';
import { ALICE, BACKEND_JOB, KWAME, backendResume, type Person } from './fixtures.ts';

/** An application email to jobs+backend@ with the resume as a PDF (the fixture's visible lines). */
async function application(p: Person, id: string): Promise<Buffer> {
  const lines = backendResume(p).visible_text.split('\n').map((l) => l.replace(/[^\x20-\x7e]/g, '-'));
  return new MailComposer({
    from: `${p.name} <${p.email}>`, to: 'jobs+backend@acme.example', subject: 'Application: Senior Backend Engineer', messageId: `<${id}@applicant.example>`,
    text: 'Hello, I would like to apply for the position. My CV is attached.',
    attachments: [{ filename: 'CV.pdf', content: textPdf([lines]), contentType: 'application/pdf' }],
  }).compile().build();
}

describe('hiring: application in, a person decides, every applicant hears back', () => {
  let svc: TestService;
  let smtp: SmtpSink;

  before(async () => {
    smtp = await startSmtpSink();
    svc = await startTestService({ SMTP_URL: smtp.url, MAIL_FROM: 'Jobs <jobs@acme.example>', SLACK_APPROVERS: 'U_HR' }, { slack: true, policy: 'approvers: ["U_HR", "cli:*"]\n' });
    const { version: _v, ...spec } = BACKEND_JOB;
    await upsertJobs(svc.db.pool, [spec]);
  });
  after(async () => {
    await svc?.close();
    await smtp?.close();
  });

  const decisionCard = (email: string) =>
    eventually(`the decision card for ${email}`, async () => {
      for (const a of await listApprovals(svc.db.pool, { status: 'pending' })) {
        if (a.kind !== 'hiring.decision') continue;
        const c = await candidateForRun(svc.db.pool, a.run_id);
        if (c?.email === email) return { approval: a, candidate: c };
      }
      return undefined;
    }, 60_000);

  test('Advance: acknowledged, screened blind with quotes, a blind card with three choices, then the screening mail', async () => {
    await svc.app.intake.accept({ kind: 'email', bytes: await application(ALICE, 'alice-1'), source: { channel: 'email' } });
    const { approval, candidate } = await decisionCard(ALICE.email);
    assert.equal(candidate.stage, 'awaiting_decision');
    assert.equal(candidate.job, 'backend-1');
    assert.ok(candidate.requirements.length === 6, JSON.stringify(candidate.requirements));
    const typescript = candidate.requirements.find((r) => r.requirement === 'TypeScript')!;
    assert.equal(typescript.verdict, 'met');
    assert.ok(candidate.resume && JSON.stringify(candidate.resume).includes(typescript.evidence!), 'the quote is from the resume');
    assert.equal(typeof candidate.score, 'number');
    assert.ok(!approval.title.includes('Alice') && !JSON.stringify(approval.request.summary).includes(ALICE.email), 'the card does not lead with the name or address');

    const ack = await eventually('the acknowledgement', () => smtp.messages.find((m) => m.to.includes(ALICE.email) && /Your application/.test(m.headers.subject ?? '')));
    assert.match(ack.text, /Dear Alice/);
    assert.match(ack.headers.subject ?? '', /Senior Backend Engineer/, 'the acknowledgement names the job');

    const buttons = await eventually('the Slack card', () => cardButtons(svc.slack.calls, approval.title));
    assert.deepEqual((buttons as Array<{ text?: { text: string } }>).map((b) => b.text?.text), ['Advance to screening', 'Reject', 'Hold']);
    const advance = buttons.find((b) => b.action_id === 'approval_choose:Advance to screening')!;
    assert.equal((await svc.click('U_HR', advance)).status, 200);

    await eventually('the screening stage', async () => (await candidateForRun(svc.db.pool, approval.run_id))?.stage === 'screening');
    await eventually('the screening mail', () => smtp.messages.find((m) => m.to.includes(ALICE.email) && /Screening call/.test(m.headers.subject ?? '')));
    const toAlice = smtp.messages.filter((m) => m.to.includes(ALICE.email));
    assert.ok(toAlice.every((m) => !/score|\b\d{1,3}\s*%/i.test(m.text)), 'no score in any status mail');
  });

  test('Reject after a person chose it: exactly one rejection mail, no reasons given; the gate refuses a rejection nobody decided', async () => {
    await svc.app.intake.accept({ kind: 'email', bytes: await application(KWAME, 'kwame-1'), source: { channel: 'email' } });
    const { approval } = await decisionCard(KWAME.email);

    const gate = createPolicyGate({ pool: svc.db.pool, policy: svc.app.services.policy, correspondents: async () => [KWAME.email] });
    const before = await gate.check({ runId: approval.run_id, workflow: 'hiring', key: 'x', kind: 'hiring.status_mail', parameters: { to: KWAME.email, stage: 'rejected', candidate: approval.request.proposal.parameters?.candidate } });
    assert.equal(before.allow, false, 'no rejection mail before a person decided');

    const buttons = await eventually('the Slack card', () => cardButtons(svc.slack.calls, approval.title));
    await svc.click('U_HR', buttons.find((b) => b.action_id === 'approval_choose:Reject')!);
    await eventually('the rejected stage', async () => (await candidateForRun(svc.db.pool, approval.run_id))?.stage === 'rejected');
    const rejection = await eventually('the rejection mail', () => smtp.messages.find((m) => m.to.includes(KWAME.email) && /Your application/.test(m.headers.subject ?? '') && /other applicants/.test(m.text)));
    assert.doesNotMatch(rejection.text, /because|due to|score/i);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(smtp.messages.filter((m) => m.to.includes(KWAME.email) && /other applicants/.test(m.text)).length, 1, 'one rejection mail');
    const stranger = await gate.check({ runId: approval.run_id, workflow: 'hiring', key: 'y', kind: 'hiring.invite', parameters: { to: 'someone@elsewhere.example', job: 'backend-1', candidate: 'c' } });
    assert.equal(stranger.allow, false, 'interviewer mail only to the job\'s interviewers');
    const interviewer = await gate.check({ runId: approval.run_id, workflow: 'hiring', key: 'y', kind: 'hiring.invite', parameters: { to: 'dana@mailroom.example', job: 'backend-1', candidate: 'c' } });
    assert.equal(interviewer.allow, true);
    const afterDecision = await gate.check({ runId: approval.run_id, workflow: 'hiring', key: 'x', kind: 'hiring.status_mail', parameters: { to: KWAME.email, stage: 'rejected', candidate: approval.request.proposal.parameters?.candidate } });
    assert.equal(afterDecision.allow, true);
  });
});
