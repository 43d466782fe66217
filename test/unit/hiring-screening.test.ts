import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blindResume } from '../../src/workflows/hiring/blind.ts';
import { matchJob } from '../../src/workflows/hiring/jobs.ts';
import { findRedFlags } from '../../src/workflows/hiring/red-flags.ts';
import { keepQuoted, parseRequirement, screenOffline, totalScore } from '../../src/workflows/hiring/requirements.ts';
import { ALICE, BACKEND_JOB, KWAME, backendResume, type Person } from '../workflows/hiring/fixtures.ts';

const screen = (p: Person) => {
  const r = backendResume(p);
  return screenOffline(blindResume(r), r.visible_text, BACKEND_JOB);
};

test('the blind resume holds no name, email, phone, address, pronoun, birth date, nationality or marital status', () => {
  const blind = blindResume(backendResume(KWAME));
  const text = [...blind.lines, ...blind.work.flatMap((w) => [w.position, ...w.highlights])].join('\n');
  for (const leak of ['Kwame', 'Mensah', 'Boateng', 'k.mensah', '1234 5678', 'Lindenstraße', 'Berlin', 'He ', ' his ', 'he/him', '1992', 'British', 'married']) {
    assert.ok(!text.includes(leak), `"${leak}" left in the blind text:\n${text}`);
  }
  assert.ok(text.includes('Designed event-driven services in TypeScript'), 'the work itself stays');
  assert.ok(text.includes('2017-01 to 2020-06'), 'date ranges are not taken for phone numbers');
  assert.ok(blind.removed.name >= 1 && blind.removed.contact >= 2 && blind.removed.pronoun >= 2 && blind.removed.personal === 1);
});

test('fairness: swapping names, pronouns and addresses between two otherwise identical resumes gives identical verdicts and score', () => {
  const a = screen(ALICE);
  const b = screen(KWAME);
  assert.deepEqual(a, b);
  assert.deepEqual(blindResume(backendResume(ALICE)).lines, blindResume(backendResume(KWAME)).lines, 'the model and the rules see the same text');
});

test('each requirement gets met, partial, missing or unknown with a verbatim quote for met and partial', () => {
  const r = backendResume(ALICE);
  const s = screen(ALICE);
  const by = Object.fromEntries(s.requirements.map((v) => [v.requirement, v]));
  assert.equal(by['TypeScript']!.verdict, 'met');
  assert.equal(by['PostgreSQL']!.verdict, 'met');
  assert.equal(by['5+ years of backend experience']!.verdict, 'met', by['5+ years of backend experience']!.why);
  assert.equal(by['Kubernetes']!.verdict, 'met');
  assert.equal(by['Rust']!.verdict, 'missing');
  assert.equal(by['Rust']!.evidence, null);
  assert.equal(by['experience with event sourcing']!.verdict, 'partial', by['experience with event sourcing']!.why);
  for (const v of s.requirements.filter((x) => x.evidence)) assert.ok(r.visible_text.includes(v.evidence!), `quote "${v.evidence}" is verbatim`);
  assert.equal(s.gate_passed, true);
  // 70 % of 3/3 must-haves + 30 % of (1 + 0 + 0.5)/3 nice-to-haves.
  assert.equal(s.score, 85);
});

test('synonyms count: Postgres and k8s in the resume meet PostgreSQL and Kubernetes', () => {
  const r = backendResume(ALICE);
  r.visible_text = r.visible_text.replaceAll('PostgreSQL', 'Postgres').replaceAll('Kubernetes', 'k8s');
  const s = screenOffline(blindResume(r), r.visible_text, { must_have: ['PostgreSQL', 'Kubernetes'], nice_to_have: [] });
  assert.deepEqual(s.requirements.map((v) => v.verdict), ['met', 'met']);
});

test('a verdict whose quote is not in the visible text is dropped to unknown', () => {
  const [v] = keepQuoted([{ requirement: 'Rust', kind: 'must_have', verdict: 'met', evidence: 'Wrote the Rust compiler', why: 'model' }], 'Built REST APIs in Go');
  assert.equal(v!.verdict, 'unknown');
  assert.equal(v!.evidence, null);
});

test('a missing must-have fails the gate and caps the score below 50; unknowns do not fail it', () => {
  const v = (kind: 'must_have' | 'nice_to_have', verdict: 'met' | 'missing' | 'unknown') => ({ requirement: 'x', kind, verdict, evidence: null, why: '' });
  assert.deepEqual(totalScore([v('must_have', 'met'), v('must_have', 'missing'), v('nice_to_have', 'met')]), { score: 49, gate_passed: false });
  assert.equal(totalScore([v('must_have', 'met'), v('must_have', 'unknown')]).gate_passed, true);
});

test('an unreadable resume is unknown on every requirement, not missing', () => {
  const r = { ...backendResume(ALICE), visible_text: '', work: [] };
  const s = screenOffline(blindResume(r), '', BACKEND_JOB);
  assert.ok(s.requirements.every((v) => v.verdict === 'unknown'));
});

test('requirements are read into years and alternatives', () => {
  assert.deepEqual(parseRequirement('5+ years of experience with TypeScript or JavaScript'), { years: 5, alternatives: ['typescript', 'javascript'] });
  assert.deepEqual(parseRequirement('CI/CD'), { years: null, alternatives: ['ci/cd'] });
  assert.deepEqual(parseRequirement('Strong knowledge of AWS / GCP'), { years: null, alternatives: ['aws', 'gcp'] });
});

test('red flags: a gap between merged roles, a short tenure, a claim the dates do not reach, a level mismatch; overlapping jobs are no gap', () => {
  const now = new Date('2026-06-01T00:00:00Z');
  const r = blindResume(backendResume(ALICE));
  const flags = findRedFlags(r, BACKEND_JOB, { now });
  assert.deepEqual(flags.map((f) => f.kind), ['gap'], JSON.stringify(flags));
  assert.match(flags[0]!.detail, /2020-07 to 2021-02/);
  assert.match(flags[0]!.question, /\?$/);

  const overlapping = { ...r, work: [{ position: 'Engineer', company: 'A', startDate: '2018-01', endDate: '2020-12', highlights: [] }, { position: 'Engineer', company: 'B', startDate: '2020-06', endDate: '2022-01', highlights: [] }, { position: 'Engineer', company: 'C', startDate: '2021-06', highlights: [] }] };
  assert.deepEqual(findRedFlags(overlapping, { title: 'Engineer' }, { now }), [], 'overlaps and a role held at the same time are not gaps');

  const hopper = { ...r, lines: ['Engineer with 15 years of experience'], work: [{ position: 'Engineer', company: 'A', startDate: '2024-01', endDate: '2024-06', highlights: [] }, { position: 'Engineering intern', company: 'B', startDate: '2023-06', endDate: '2023-09', highlights: [] }, { position: 'Engineer', company: 'C', startDate: '2024-07', highlights: [] }] };
  const kinds = findRedFlags(hopper, { title: 'Lead Engineer' }, { now }).map((f) => f.kind).sort();
  assert.deepEqual(kinds, ['date_conflict', 'level_mismatch', 'short_tenure'], 'the internship is short by design');
});

test('red flags never change the score', () => {
  const r = backendResume(ALICE);
  const s1 = screenOffline(blindResume(r), r.visible_text, BACKEND_JOB);
  r.work[1]!.endDate = '2017-04';
  const s2 = screenOffline(blindResume(r), r.visible_text, BACKEND_JOB);
  assert.ok(findRedFlags(blindResume(r), BACKEND_JOB).some((f) => f.kind === 'short_tenure'));
  assert.equal(s1.score, s2.score);
});

test('an application finds its job by --job, alias, id in the subject, then title; else a person is asked', () => {
  const other = { ...BACKEND_JOB, id: 'design-2', title: 'Product Designer', alias: 'jobs+design@acme.example' };
  const jobs = [BACKEND_JOB, other];
  assert.equal(matchJob(jobs, { forced: 'design-2' }).job?.id, 'design-2');
  assert.equal(matchJob(jobs, { to: ['jobs+backend@acme.example'] }).job?.id, 'backend-1');
  assert.equal(matchJob(jobs, { to: ['jobs+design@acme.example'] }).job?.id, 'design-2');
  assert.equal(matchJob(jobs, { to: ['jobs@acme.example'], subject: 'Application for backend-1' }).job?.id, 'backend-1');
  assert.equal(matchJob(jobs, { subject: 'Bewerbung als Product Designer' }).job?.id, 'design-2');
  const none = matchJob(jobs, { to: ['jobs@acme.example'], subject: 'My CV' });
  assert.equal(none.job, null);
  assert.ok(!none.job && /neither/.test(none.reason));
});

test('fairness through the real parser: the two resumes as PDFs parse, blind and score identically', async () => {
  const { parseResume } = await import('../../src/documents/resume/parse.ts');
  const { resumePdf } = await import('../documents/resume-pdf.ts');
  const pdf = (p: Person) => resumePdf(backendResume(p).visible_text.split('\n').map((text, i) => ({ text: text.replace(/[^\x20-\x7e]/g, '-'), x: 50, y: 60 + i * 18, size: i === 0 ? 16 : 10, bold: i === 0 })));
  const [a, b] = await Promise.all([parseResume(pdf(ALICE), 'a.pdf', { ocr: false }), parseResume(pdf(KWAME), 'k.pdf', { ocr: false })]);
  const sa = screenOffline(blindResume(a), a.visible_text, BACKEND_JOB);
  const sb = screenOffline(blindResume(b), b.visible_text, BACKEND_JOB);
  assert.deepEqual(sa, sb);
  assert.deepEqual(findRedFlags(blindResume(a), BACKEND_JOB), findRedFlags(blindResume(b), BACKEND_JOB));
  assert.ok(sa.requirements.some((v) => v.verdict === 'met'), JSON.stringify(sa.requirements));
});
