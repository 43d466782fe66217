/**
 * Hiring from the command line, as a user runs it (the `mailroom` binary as a child process on
 * a real database): data import jobs, process an application (email with a PDF, and a PDF on its
 * own with --job) with the `candidate` key, candidates --json, data erase, and the retention
 * pass that pseudonymises applicants past hiring.retention unless they joined the talent pool.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer';
import { eraseExpiredCandidates } from '../../../src/workflows/hiring/erase.ts';
import { mailroomAsync } from '../../harness/cli.ts';
import { textPdf } from '../../harness/pdf.ts';
import { makeTempDir, testDatabase, type TestDatabase } from '../../harness/postgres.ts';
import { ALICE, KWAME, backendResume, type Person } from './fixtures.ts';

const JOBS = `
jobs:
  - id: backend-1
    title: Senior Backend Engineer
    alias: backend
    level: senior
    must_have: ["5+ years of backend experience", TypeScript, PostgreSQL]
    nice_to_have: [Kubernetes, Rust]
    interviewers:
      - { id: dana, name: Dana Reviewer, email: dana@acme.example, working_hours: "09:00-17:00", timezone: Europe/Berlin }
  - id: design-2
    title: Product Designer
    description: "Experience with Figma is required. Knowledge of HTML is a plus."
`;

const pdfOf = (p: Person) => textPdf([backendResume(p).visible_text.split('\n').map((l) => l.replace(/[^\x20-\x7e]/g, '-'))]);

describe('hiring CLI: jobs, process --json with the candidate, candidates, erase, retention', () => {
  let db: TestDatabase;
  const dir = makeTempDir('mailroom-hiring-cli-');
  let env: Record<string, string>;
  const cli = async (...args: string[]) => {
    const r = await mailroomAsync(args, env);
    return { ...r, lines: r.stdout.trim().split('\n').filter(Boolean) };
  };

  before(async () => {
    db = await testDatabase();
    env = { DATABASE_URL: db.url, MAILROOM_DATA_DIR: dir, LOG_LEVEL: 'silent', LLM_PROVIDER: 'offline' };
    fs.writeFileSync(path.join(dir, 'jobs.yaml'), JOBS);
    const mail = await new MailComposer({
      from: `${ALICE.name} <${ALICE.email}>`, to: 'jobs+backend@acme.example', subject: 'Application', messageId: '<cli-alice@applicant.example>',
      text: 'I would like to apply for the position. I am happy to be kept in your talent pool.',
      attachments: [{ filename: 'Alice-CV.pdf', content: pdfOf(ALICE), contentType: 'application/pdf' }],
    }).compile().build();
    fs.writeFileSync(path.join(dir, 'application.eml'), mail);
    fs.writeFileSync(path.join(dir, 'kwame.pdf'), pdfOf(KWAME));
  });
  after(async () => {
    await db?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('data import jobs reads YAML and says which job has no requirements', async () => {
    const r = await cli('data', 'import', 'jobs', path.join(dir, 'jobs.yaml'));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /imported 2 jobs/);
    assert.match(r.stderr, /design-2 has no must_have.*jobs propose/);
  });

  test('data import busy fills the built-in calendar', async () => {
    fs.writeFileSync(path.join(dir, 'busy.csv'), 'interviewer,start,end,summary\ndana,2026-12-07T08:00:00Z,2026-12-07T12:00:00Z,offsite\n');
    const r = await cli('data', 'import', 'busy', path.join(dir, 'busy.csv'));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /imported 1 busy time/);
    const { rows } = await db.pool.query(`SELECT interviewer, starts_at FROM mailroom.calendar_busy`);
    assert.deepEqual(rows.map((x) => [x.interviewer, x.starts_at.toISOString()]), [['dana', '2026-12-07T08:00:00.000Z']]);
  });

  test('process --workflow hiring --json: an application email gets the candidate key, waiting for a person', async () => {
    const r = await cli('process', path.join(dir, 'application.eml'), '--workflow', 'hiring', '--json');
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.lines.at(-1)!);
    assert.equal(out.workflow, 'hiring');
    assert.equal(out.route, 'job_application');
    const c = out.candidate;
    assert.ok(c, r.stdout);
    assert.equal(c.job, 'backend-1');
    assert.equal(c.stage, 'awaiting_decision');
    assert.equal(typeof c.score, 'number');
    assert.ok(c.resume?.visible_text, 'the parsed resume');
    for (const v of c.requirements) {
      assert.deepEqual(Object.keys(v).sort(), ['evidence', 'kind', 'requirement', 'verdict']);
      if (v.evidence) assert.ok(c.resume.visible_text.replace(/\s+/g, ' ').includes(v.evidence.replace(/\s+/g, ' ')), `quote "${v.evidence}"`);
    }
    for (const f of c.red_flags) assert.deepEqual(Object.keys(f).sort(), ['detail', 'kind', 'question']);
  });

  test('process a resume PDF on its own with --job', async () => {
    const r = await cli('process', path.join(dir, 'kwame.pdf'), '--workflow', 'hiring', '--job', 'backend-1', '--json');
    assert.equal(r.status, 0, r.stderr);
    const c = JSON.parse(r.lines.at(-1)!).candidate;
    assert.equal(c.job, 'backend-1');
    assert.equal(c.stage, 'awaiting_decision');
  });

  test('candidates --json: one object per candidate, with a stage from the contract', async () => {
    const r = await cli('candidates', '--json');
    assert.equal(r.status, 0, r.stderr);
    const rows = r.lines.map((l) => JSON.parse(l));
    assert.equal(rows.length, 2);
    for (const c of rows) assert.ok(['received', 'screening', 'awaiting_decision', 'scheduled', 'rejected', 'hold', 'withdrawn'].includes(c.stage));
    assert.equal((await cli('candidates', '--job', 'design-2', '--json')).lines.length, 0);
    const alice = rows.find((c) => c.email === ALICE.email);
    assert.equal(alice.talent_pool, true, 'consent in the message');
  });

  test('retention pseudonymises applicants past hiring.retention, except the talent pool', async () => {
    const later = new Date(Date.now() + 181 * 86_400_000);
    const report = await eraseExpiredCandidates({ pool: db.pool }, later);
    assert.equal(report.candidates, 1, 'Kwame (no consent); Alice is in the talent pool');
    const { rows } = await db.pool.query(`SELECT email, name, resume, pseudonym, stage, score, requirements FROM mailroom.candidates ORDER BY received_at`);
    const kwame = rows.find((r) => r.pseudonym)!;
    assert.equal(kwame.email, null);
    assert.equal(kwame.resume, null);
    assert.equal(kwame.stage, 'awaiting_decision', 'the record stays');
    assert.ok(kwame.requirements.every((v: { evidence?: string; verdict: string }) => v.evidence === undefined && v.verdict), 'verdicts kept, quotes gone');
  });

  test('data erase <email>: the applicant is gone from candidates, runs, approvals, stored files and the outbox; the decision record stays', async () => {
    const r = await cli('data', 'erase', ALICE.email, '--json');
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.lines.at(-1)!);
    assert.equal(report.candidates, 1);
    const dump = JSON.stringify((await db.pool.query(`
      SELECT (SELECT json_agg(c) FROM mailroom.candidates c) AS c, (SELECT json_agg(r.input) FROM mailroom.runs r) AS r,
             (SELECT json_agg(s.output) FROM mailroom.steps s) AS s, (SELECT json_agg(a.request) FROM mailroom.approvals a) AS a,
             (SELECT json_agg(o.to_address) FROM mailroom.outbox o) AS o, (SELECT json_agg(i.source) FROM mailroom.items i) AS i`)).rows[0]);
    for (const leak of [ALICE.email, 'Whitfield', 'Mensah']) assert.ok(!dump.includes(leak), `"${leak}" is still stored`);
    const blobs = (await db.pool.query(`SELECT count(*)::int AS n FROM mailroom.blobs WHERE position('Whitfield' in convert_from(bytes, 'LATIN1')) > 0`)).rows[0].n;
    assert.equal(blobs, 0, 'no stored file holds the name');
    const left = (await cli('candidates', '--json')).lines.map((l) => JSON.parse(l));
    assert.equal(left.length, 2);
    assert.ok(left.every((c) => c.pseudonymised && c.stage && c.email.startsWith('candidate-')));
  });
});
