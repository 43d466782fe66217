/**
 * An application through a form: `POST /webhook/job-form` (a triggers-file source bound to the
 * hiring workflow) with the applicant, the job and the resume as base64. No mail came in, so no
 * acknowledgement goes to an address nobody sent from; after a person's decision the applicant
 * (the approved recipient) hears back.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { listApprovals } from '../../../src/approvals/store.ts';
import { candidateForRun } from '../../../src/queries/candidates.ts';
import { upsertJobs } from '../../../src/workflows/hiring/jobs.ts';
import { textPdf } from '../../harness/pdf.ts';
import { makeTempDir } from '../../harness/postgres.ts';
import { cardButtons, eventually, startTestService, type TestService } from '../../harness/service.ts';
import { startSmtpSink, type SmtpSink } from '../../harness/smtp-sink.ts';
import { ALICE, BACKEND_JOB, backendResume } from './fixtures.ts';

const TOKEN = 'form-test-token-0123456789';

describe('hiring: an application through a webhook form', () => {
  let svc: TestService;
  let smtp: SmtpSink;
  const dir = makeTempDir('mailroom-hiring-form-');

  before(async () => {
    smtp = await startSmtpSink();
    fs.writeFileSync(path.join(dir, 'triggers.yaml'), 'webhooks:\n  job-form:\n    workflow: hiring\n');
    svc = await startTestService(
      { SMTP_URL: smtp.url, MAIL_FROM: 'Jobs <jobs@acme.example>', SLACK_APPROVERS: 'U_HR', MAILROOM_API_TOKEN: TOKEN, MAILROOM_TRIGGERS: path.join(dir, 'triggers.yaml') },
      // Hold comes back to a person after 3 s instead of 14 days.
      { slack: true, policy: 'approvers: ["U_HR"]\nhiring:\n  hold_review: 3s\n' },
    );
    const { version: _v, ...spec } = BACKEND_JOB;
    await upsertJobs(svc.db.pool, [{ ...spec, interviewers: [] }]);
  });
  after(async () => {
    await svc?.close();
    await smtp?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the form starts hiring with the parsed resume; Hold tells the applicant, and brings the candidate back to a person later', async () => {
    const pdf = textPdf([backendResume(ALICE).visible_text.split('\n').map((l) => l.replace(/[^\x20-\x7e]/g, '-'))]);
    const res = await fetch(`http://127.0.0.1:${svc.app.http!.port}/webhook/job-form`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ applicant: { email: ALICE.email, name: ALICE.name }, job: 'backend-1', talent_pool: true, resume_file: { filename: 'cv.pdf', content_base64: pdf.toString('base64') } }),
    });
    assert.equal(res.status, 202, await res.clone().text());
    const { run_id } = (await res.json()) as { run_id: string };
    const approval = await eventually('the decision card', async () => (await listApprovals(svc.db.pool, { status: 'pending' })).find((a) => a.kind === 'hiring.decision' && a.run_id === run_id), 60_000);
    const c = (await candidateForRun(svc.db.pool, run_id))!;
    assert.equal(c.job, 'backend-1');
    assert.equal(c.talent_pool, true);
    assert.equal(c.requirements.find((r) => r.requirement === 'TypeScript')?.verdict, 'met');
    assert.equal(smtp.messages.length, 0, 'no acknowledgement to an address no mail came from');

    const buttons = await eventually('the card', () => cardButtons(svc.slack.calls, approval.title));
    await svc.click('U_HR', buttons.find((b) => b.action_id === 'approval_choose:Hold')!);
    await eventually('hold', async () => (await candidateForRun(svc.db.pool, run_id))?.stage === 'hold');
    const mail = await eventually('the on-hold mail', () => smtp.messages.find((m) => m.to.includes(ALICE.email)));
    assert.match(mail.text, /still open/);

    // The API shows the same candidate as the CLI and the dashboard (src/queries/candidates.ts).
    const api = (p: string, token = TOKEN) => fetch(`http://127.0.0.1:${svc.app.http!.port}${p}`, { headers: { authorization: `Bearer ${token}` } });
    const list = (await (await api('/api/v1/candidates?job=backend-1&stage=hold')).json()) as { candidates: Array<{ id: string; stage: string; score: number }> };
    assert.deepEqual(list.candidates.map((x) => [x.id, x.stage]), [[c.id, 'hold']]);
    const one = (await (await api(`/api/v1/candidates/${c.id}`)).json()) as { id: string; job: string; requirements: unknown[]; red_flags: unknown[] };
    assert.equal(one.job, 'backend-1');
    assert.ok(one.requirements.length > 0);
    assert.equal((await (await api('/api/v1/candidates?stage=scheduled')).json() as { candidates: unknown[] }).candidates.length, 0);
    assert.equal((await api('/api/v1/candidates?stage=hired')).status, 422, 'a stage outside the contract');
    assert.equal((await api('/api/v1/candidates/00000000-0000-4000-8000-000000000000')).status, 404);
    assert.equal((await api('/api/v1/candidates', 'wrong-token')).status, 401);

    // Hold is not the end: after hiring.hold_review the candidate comes back to a person.
    const again = await eventually('a new decision card', async () => (await listApprovals(svc.db.pool, { status: 'pending' })).find((a) => a.kind === 'hiring.decision' && a.run_id === run_id && a.id !== approval.id), 30_000);
    assert.match(again.title, /on hold since \d{4}-\d{2}-\d{2}, decide again/);
    const second = await eventually('the second card', () => cardButtons(svc.slack.calls, again.title));
    await svc.click('U_HR', second.find((b) => b.action_id === 'approval_choose:Reject')!);
    await eventually('rejected', async () => (await candidateForRun(svc.db.pool, run_id))?.stage === 'rejected');
    await eventually('the rejection mail', () => smtp.messages.find((m) => m.to.includes(ALICE.email) && /other applicants/.test(m.text)));
    assert.equal(smtp.messages.filter((m) => m.to.includes(ALICE.email) && /still open/.test(m.text)).length, 1, 'the on-hold mail went once');
    const trace = (await svc.db.pool.query<{ action: string; reasoning: string }>('SELECT action, reasoning FROM mailroom.decisions WHERE run_id = $1 ORDER BY seq', [run_id])).rows;
    assert.ok(trace.some((d) => d.action === 'hiring.hold' && /comes back to a person in 3 s/.test(d.reasoning)), JSON.stringify(trace.map((d) => d.action)));
    assert.ok(trace.some((d) => d.action === 'hiring.decision' && /chose Reject \(review 1 of a hold\)/.test(d.reasoning)));
    // The status mails name their run: the run's story lists them, and a bounce finds the run.
    const sent = (await svc.db.pool.query<{ run_id: string | null }>('SELECT run_id FROM mailroom.outbox WHERE to_address = $1', [ALICE.email])).rows;
    assert.ok(sent.length >= 2 && sent.every((r) => r.run_id === run_id), JSON.stringify(sent));
    const story = (await (await api(`/api/v1/runs/${run_id}`)).json()) as { mail: Array<{ to_address: string; subject: string }> };
    assert.equal(story.mail.filter((m) => m.to_address === ALICE.email).length, sent.length);
  });
});
