/**
 * Approvals that one person cannot subvert, through the whole service: an edit made while
 * approving is a new version every required approver must approve; an edited amount is tiered
 * again; whoever brought an invoice in (the forwarder, the Slack user who shared it) may not
 * approve it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { simpleParser } from 'mailparser';
import { approvalVersions, castVote, getApproval, listApprovals } from '../../src/approvals/store.ts';
import type { Approval, Vote } from '../../src/approvals/types.ts';
import type { App } from '../../src/main.ts';
import { cardButtons, eventually, startTestService, type TestService } from '../harness/service.ts';
import { needsShared, sharedData } from '../harness/shared.ts';

const ATTACKER_IBAN = 'DE89370400440532013000';

describe('approval versions and separation of duties', { skip: needsShared }, () => {
  let svc: TestService;
  let db: TestService['db'];
  let app: App;
  const emit: Parameters<typeof castVote>[2] = (tx, n, k, p, s) => app.engine.sendEventInTransaction(tx, n, k, p, s);
  const vote = (a: Pick<Approval, 'id'>, v: Omit<Vote, 'approvalId' | 'channel'>) => castVote(db.pool, { approvalId: a.id, channel: 'slack', ...v }, emit);

  before(async () => {
    svc = await startTestService({}, {
      slack: true,
      policy: [
        'invoice:',
        '  tiers:',
        '    - { name: standard, up_to: 2000, approvers: [U_A, U_B, U_JANE, U_AP], required: 1 }',
        '    - { name: large, approvers: [U_A, U_B, U_JANE, U_AP], required: 2 }',
      ].join('\n'),
    });
    ({ db, app } = svc);
    svc.slack.users.set('jane@mailroom.example', 'U_JANE');
  });
  after(async () => svc.close());

  const pendingFor = (predicate: (a: Approval) => boolean): Promise<Approval> =>
    eventually('a pending approval', async () => (await listApprovals(db.pool, { status: 'pending' })).find(predicate), 60_000);
  const ledgerOf = async (runId: string) => (await db.pool.query('SELECT total::float8 AS total, iban FROM mailroom.ledger_entries WHERE run_id = $1', [runId])).rows;
  const submit = (sample: string) => app.intake.accept({ kind: 'email', bytes: fs.readFileSync(sharedData('samples', sample)), source: { channel: 'test' } });

  test('one approver’s IBAN edit in a two-approver tier is a new version: the other’s vote for the old one is refused, nothing is booked until both approve it', async () => {
    await submit('04-invoice-forward.eml');
    const v1 = await pendingFor((a) => /INV-9078/.test(a.title));
    assert.equal(v1.required_approvals, 2);
    assert.equal(v1.version, 1);

    const edited = await vote(v1, { approver: 'U_A', decision: 'approve', shownHash: v1.shown_hash, edits: { iban: ATTACKER_IBAN } });
    assert.equal(edited.kind, 'recorded');
    assert.equal((edited as { final: boolean }).final, false);
    assert.equal((edited as { changed?: { version: number } }).changed?.version, 2);

    // B clicks the button of the message they were shown: the unedited version.
    const stale = await vote(v1, { approver: 'U_B', decision: 'approve', shownHash: v1.shown_hash });
    assert.equal(stale.kind, 'refused');
    assert.equal((stale as { code: string }).code, 'stale');
    const still = (await getApproval(db.pool, v1.id))!;
    assert.equal(still.status, 'pending');
    assert.equal(still.version, 2);
    assert.equal(still.request.proposal.parameters?.iban, ATTACKER_IBAN, 'the new version shows the edited IBAN to everyone');
    assert.deepEqual(await ledgerOf(v1.run_id), [], 'nothing booked on one person’s edit');

    // The run tells the channel: the Slack message now carries version 2's buttons.
    const update = await eventually('the Slack card replaced by version 2', () => svc.slack.calls.find((c) => c.method === 'chat.update' && /version 2/.test(String(c.body.text))));
    const value = JSON.parse(update!.body.blocks.find((b: any) => b.type === 'actions').elements[0].value);
    assert.deepEqual([value.v, value.h], [2, still.shown_hash]);

    // B reviews version 2 and approves it: now both approved the same text, and it is booked.
    const second = await vote(v1, { approver: 'U_B', decision: 'approve', version: 2 });
    assert.equal((second as { final: boolean }).final, true);
    assert.equal(await app.engine.waitForRun(v1.run_id, { states: ['completed', 'failed', 'waiting'], timeoutMs: 30_000 }) !== 'failed', true);
    await eventually('the booking', async () => (await ledgerOf(v1.run_id)).length > 0);
    assert.deepEqual(await ledgerOf(v1.run_id), [{ total: 5695.55, iban: ATTACKER_IBAN }]);
    const versions = await approvalVersions(db.pool, v1.id);
    assert.deepEqual(versions.map((v) => [v.version, v.edited_by]), [[1, null], [2, 'U_A']]);
  });

  test('the person who forwarded an invoice may not approve it (their Slack identity found by address)', async () => {
    // 04 is forwarded by jane@mailroom.example, who is U_JANE in Slack.
    const raw = fs.readFileSync(sharedData('samples', '04-invoice-forward.eml'), 'utf8').replace(/^Message-ID:.*$/im, 'Message-ID: <fwd-sod@mailroom.example>').replace(/^Subject: Fwd: Invoice INV-9078/m, 'Subject: Fwd: Invoice INV-9078 (again)');
    await app.intake.accept({ kind: 'email', bytes: Buffer.from(raw), source: { channel: 'test' } });
    const a = await pendingFor((x) => /INV-9078/.test(x.title) && x.requesters.includes('U_JANE'));
    assert.ok(a.requesters.includes('email:jane@mailroom.example'));
    const mine = await vote(a, { approver: 'U_JANE', decision: 'approve', version: a.version });
    assert.equal(mine.kind, 'refused');
    assert.equal((mine as { code: string }).code, 'separation_of_duties');
    await app.engine.cancelRun(a.run_id);
  });

  test('raising an amount past its tier while approving needs the larger tier’s approvers', async () => {
    await submit('02-invoice-text.eml');
    const a = await pendingFor((x) => /INV-218669/.test(x.title));
    assert.deepEqual([a.tier, a.required_approvals], ['standard', 1]);
    const raised = await vote(a, { approver: 'U_A', decision: 'approve', version: 1, edits: { total: 9000, invoice_number: a.request.proposal.parameters?.invoice_number } });
    assert.equal((raised as { final: boolean }).final, false, 'one approver cannot approve 9,000 alone');
    const now = (await getApproval(db.pool, a.id))!;
    assert.deepEqual([now.tier, now.required_approvals, now.version], ['large', 2, 2]);
    // Lowering it again does not make it a one-person decision either.
    const lowered = await vote(a, { approver: 'U_B', decision: 'approve', version: 2, edits: { total: 100 } });
    assert.equal((lowered as { final: boolean }).final, false);
    assert.equal((await getApproval(db.pool, a.id))!.required_approvals, 2);
    await app.engine.cancelRun(a.run_id);
  });

  test('a vote that names no version, or edits a field that is not editable, is refused', async () => {
    const a = (await listApprovals(db.pool)).find((x) => x.status === 'pending') ?? (await (async () => {
      await app.intake.accept({ kind: 'email', bytes: Buffer.from(fs.readFileSync(sharedData('samples', '01-invoice-text.eml'), 'utf8')), source: { channel: 'test' } });
      return pendingFor(() => true);
    })());
    const out = await vote(a, { approver: 'U_A', decision: 'approve' });
    assert.equal((out as { code: string }).code, 'invalid');
    // Whatever the channel sends, only the request's editable fields can be changed.
    const forged = await vote(a, { approver: 'U_A', decision: 'approve', version: a.version, edits: { vendor: 'Mallory Ltd' } });
    assert.equal((forged as { code: string }).code, 'invalid');
    assert.match((forged as { reason: string }).reason, /vendor is not editable/);
  });

  test('the Slack user who shared an invoice may not approve it with a click', async () => {
    const pdf = (await simpleParser(fs.readFileSync(sharedData('samples', '05-invoice-text.eml')))).attachments[0]!.content;
    svc.slack.files.set('shared.pdf', pdf);
    await svc.slackEvent({ type: 'message', subtype: 'file_share', channel: 'C_IN', user: 'U_AP', text: '', ts: '91.1', channel_type: 'channel', files: [{ id: 'F1', name: 'shared.pdf', mimetype: 'application/pdf', size: pdf.length, url_private: `${svc.slack.base}/files/shared.pdf` }] }, 'EvSoD');
    const a = await pendingFor((x) => x.requesters.includes('U_AP'));
    const buttons = await eventually('the approval card', () => cardButtons(svc.slack.calls, a.title));
    await svc.click('U_AP', buttons.find((b) => b.action_id === 'approval_approve')!);
    const refusal = await eventually('the refusal', () => svc.slack.calls.find((c) => c.method === 'chat.postEphemeral' && c.body.user === 'U_AP'));
    assert.match(String(refusal?.body.text), /separation of duties/);
    assert.equal((await getApproval(db.pool, a.id))!.status, 'pending');
    await app.engine.cancelRun(a.run_id);
  });
});
