/**
 * Nothing falls through the cracks: an item no workflow claims becomes a triage approval a
 * person sees (CLI, Slack, `process --json`), and their choice starts that workflow on the same
 * item; what code sets aside stays visible with its reason and asks nobody.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer';
import { getApproval, listApprovals } from '../../src/approvals/store.ts';
import type { Approval } from '../../src/approvals/types.ts';
import { summariseItem } from '../../src/workflows/summary.ts';
import type { RouterOutput } from '../../src/workflows/router/router.ts';
import type { App } from '../../src/main.ts';
import { repoRoot } from '../harness/shared.ts';
import { cardButtons, eventually, startTestService, type TestService } from '../harness/service.ts';
import { routes } from '../../src/workflows/index.ts';

// The choices come from the registry: every installed workflow's route, then ignore.
const CHOICES = [...routes.specs.filter((s) => s.installed).map((s) => s.route), 'ignore'];
const PENDING = routes.specs.find((s) => !s.installed);

const mail = (m: { from: string; subject: string; text: string; id: string; headers?: Record<string, string> }) =>
  new MailComposer({ from: m.from, to: 'hello@mailroom.example', subject: m.subject, text: m.text, messageId: m.id, headers: m.headers }).compile().build();

describe('triage: items no workflow claims reach a person', () => {
  let svc: TestService;
  let db: TestService['db'];
  let app: App;
  before(async () => {
    svc = await startTestService({ SLACK_APPROVERS: 'U_LEAD' }, { slack: true });
    ({ db, app } = svc);
  });
  after(async () => svc.close());

  const triageFor = (runId: string): Promise<Approval> =>
    eventually('a triage approval', async () => (await listApprovals(db.pool, { status: 'pending' })).find((a) => a.run_id === runId && a.kind === 'triage'));
  const routerOutput = async (runId: string) => {
    await app.engine.waitForRun(runId, { states: ['completed', 'failed'], timeoutMs: 20_000 });
    return (await db.pool.query('SELECT output FROM mailroom.runs WHERE id = $1', [runId])).rows[0].output as RouterOutput;
  };

  test('an unrecognised mail becomes a triage approval; choosing support from the CLI starts support on the same item', async () => {
    const bytes = await mail({ from: 'tom@customer.example', subject: 'The new office', text: 'Hello team, the new office looks lovely in the photos. Cheers, Tom', id: '<office@customer.example>' });
    const { itemId, runId } = await app.intake.accept({ kind: 'email', bytes, source: { channel: 'test' } });
    const approval = await triageFor(runId!);
    assert.deepEqual(approval.request.options?.workflow, CHOICES);
    assert.ok(CHOICES.includes('support') && CHOICES.includes('invoice'));
    assert.match(approval.request.reasons.join(' '), /no workflow claimed this item/);
    // `process --json`'s summary tells the truth: a person is asked, and which approval it is.
    await app.engine.waitForRun(runId!, { states: ['waiting'] });
    const summary = await summariseItem(db.pool, 'office.eml', itemId, false, runId!);
    assert.equal(summary.escalated, true);
    assert.equal(summary.approval?.id, approval.id);
    assert.equal(summary.state, 'waiting');

    const cli = await promisify(execFile)(process.execPath, [path.join(repoRoot, 'bin', 'mailroom.js'), 'approve', approval.id, '--set', 'workflow=support', '--set', 'category=feature_request'], {
      env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'silent' },
    });
    assert.match(cli.stdout, /approved by cli:/);
    const out = await routerOutput(runId!);
    assert.equal(out.route, 'support');
    assert.ok(out.childRunId);
    const child = (await db.pool.query('SELECT workflow, input FROM mailroom.runs WHERE id = $1', [out.childRunId])).rows[0];
    assert.equal(child.workflow, 'support');
    assert.equal(child.input.itemId, itemId, 'the chosen workflow runs on the same item');
    assert.equal(child.input.triage.category, 'feature_request', 'the person’s category is passed on');
    assert.equal(child.input.triage.provider, 'person');
    // The choice and the corrected category are kept as labelled examples to learn from.
    const learned = (await db.pool.query(`SELECT kind, label FROM mailroom.labelled_examples WHERE approval_id = $1 ORDER BY kind`, [approval.id])).rows;
    assert.deepEqual(learned.map((r) => [r.kind, r.label.route ?? r.label.category]), [['category', 'feature_request'], ['route', 'support']]);
  });

  test('a wrong workflow name is refused by the CLI and nothing is decided', async () => {
    const bytes = await mail({ from: 'ann@customer.example', subject: 'Hi', text: 'Just saying hello to everyone there.', id: '<hello@customer.example>' });
    const { runId } = await app.intake.accept({ kind: 'email', bytes, source: { channel: 'test' } });
    const approval = await triageFor(runId!);
    const cli = await promisify(execFile)(process.execPath, [path.join(repoRoot, 'bin', 'mailroom.js'), 'approve', approval.id, '--set', 'workflow=payroll'], {
      env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'silent' },
    }).catch((err: { code: number; stderr: string }) => err);
    assert.equal((cli as { code: number }).code, 2);
    assert.ok((cli as { stderr: string }).stderr.includes(`workflow is one of ${CHOICES.join(', ')}`), (cli as { stderr: string }).stderr);
    assert.equal((await getApproval(db.pool, approval.id))!.status, 'pending');
    await app.engine.cancelRun(runId!);
  });

  test('the Slack card offers one button per workflow; Ignore ends the item as chosen by that person', async () => {
    const bytes = await mail({ from: 'lee@customer.example', subject: 'Photos', text: 'The team photos from Friday are attached to the shared drive now.', id: '<photos@customer.example>' });
    const { runId } = await app.intake.accept({ kind: 'email', bytes, source: { channel: 'test' } });
    const approval = await triageFor(runId!);
    const buttons = await eventually('the triage card', () => cardButtons(svc.slack.calls, approval.title));
    assert.deepEqual(buttons.map((b) => b.action_id), CHOICES.map((c) => `approval_choose:${c}`));
    await svc.click('U_LEAD', buttons.find((b) => b.action_id === 'approval_choose:ignore')!);
    const out = await routerOutput(runId!);
    assert.equal(out.route, 'unrouted');
    assert.deepEqual(out.chosenBy, ['U_LEAD']);
    assert.match(out.reason, /U_LEAD/);
  });

  test('an auto-reply is set aside by code with its reason (shown by mailroom runs --workflow router) and asks nobody', async () => {
    const bytes = await mail({ from: 'kim@customer.example', subject: 'Out of office', text: 'I am out of the office until Monday.', id: '<ooo@customer.example>', headers: { 'Auto-Submitted': 'auto-replied' } });
    const { itemId, runId } = await app.intake.accept({ kind: 'email', bytes, source: { channel: 'test' } });
    const out = await routerOutput(runId!);
    assert.equal(out.route, 'auto_reply');
    assert.match(out.reason, /set aside/);
    assert.equal((await listApprovals(db.pool)).filter((a) => a.run_id === runId).length, 0);
    assert.equal((await summariseItem(db.pool, 'ooo.eml', itemId, false, runId!)).escalated, false);
    const listed = await promisify(execFile)(process.execPath, [path.join(repoRoot, 'bin', 'mailroom.js'), 'runs', '--workflow', 'router', '--json'], {
      env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'silent' },
    });
    const row = listed.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; reason: string }).find((r) => r.id === runId);
    assert.match(row?.reason ?? '', /set aside/, 'mailroom runs --workflow router shows why it was set aside');
  });

  test('an item forced to a workflow that is not installed goes to a person, not nowhere', { skip: !PENDING && 'every registered workflow is installed' }, async () => {
    const bytes = await mail({ from: 'cv@applicant.example', subject: 'Application', text: 'Please find my application for the backend role.', id: '<cv@applicant.example>' });
    const { runId } = await app.intakeWith({ workflow: PENDING!.workflow }).accept({ kind: 'email', bytes, source: { channel: 'test' } });
    const approval = await triageFor(runId!);
    assert.match(approval.request.reasons.join(' '), new RegExp(`${PENDING!.workflow} workflow is not installed`));
    await app.engine.cancelRun(runId!);
  });
});
