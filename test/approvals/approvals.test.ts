import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { defineWorkflow } from '../../src/engine/define.ts';
import { askForApproval, type ApprovalNotifier } from '../../src/approvals/ask.ts';
import { castVote, getApproval, listApprovals } from '../../src/approvals/store.ts';
import type { Approval } from '../../src/approvals/types.ts';
import type { TestServices } from '../fixtures/engine-workflows.ts';
import { engineFixture, runRow, type EngineFixture } from '../engine/harness.ts';

const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'mailroom.js');
const posted: Approval[] = [];
const reminders: Array<{ id: string; escalated: boolean }> = [];
const notifier: ApprovalNotifier = {
  async post(a) {
    posted.push(a);
    if (a.title.includes('post fails')) throw new Error('slack said channel_not_found');
    return { channel: 'C1', ts: `${posted.length}.0001` };
  },
  async remind(a, escalated) {
    reminders.push({ id: a.id, escalated });
  },
};

const pay = defineWorkflow({
  name: 'pay-invoice',
  version: 1,
  input: z.object({ title: z.string(), amount: z.number(), required: z.number().default(1), requestedBy: z.string().optional(), remindAfterMs: z.number().optional(), expireAfterMs: z.number().optional() }),
  async run(input, step, ctx) {
    const { pool } = ctx.services as TestServices;
    const decision = await askForApproval(step, { pool, notifier }, {
      key: 'payment',
      kind: 'invoice.payment',
      title: input.title,
      request: {
        summary: { from: 'billing@vendor.example', subject: 'Invoice 42' },
        proposal: { type: 'payment', description: `pay ${input.amount} EUR to DE89370400440532013000` },
        reasoning: 'amount matches PO-7',
        confidence: 0.9,
        reasons: ['payments always need a human'],
      },
      amount: input.amount,
      currency: 'EUR',
      approvers: ['U_ALICE', 'U_BOB', 'cli:*'],
      escalation: ['U_CFO'],
      requiredApprovals: input.required,
      requester: input.requestedBy ? { identity: input.requestedBy } : null,
      remindAfterMs: input.remindAfterMs,
      expireAfterMs: input.expireAfterMs,
    });
    return { outcome: decision.outcome, approvers: decision.approvers };
  },
});

describe('approvals', () => {
  let fx: EngineFixture;
  const emit = (tx: any, name: string, key: string, payload: unknown, source: string) => fx.engine.sendEventInTransaction(tx, name, key, payload, source);
  const waitingApproval = async (runId: string) => {
    await fx.engine.waitForRun(runId, { states: ['waiting'] });
    const [a] = (await listApprovals(fx.db.pool)).filter((x) => x.run_id === runId);
    return a!;
  };
  before(async () => {
    fx = await engineFixture([pay]);
  });
  after(async () => fx.close());

  test('an approval is posted, and an approver’s vote resumes the run with the decision', async () => {
    const { runId } = await fx.engine.startRun(pay, { title: 'pay A', amount: 120 });
    const a = await waitingApproval(runId);
    assert.ok(posted.some((p) => p.id === a.id));
    assert.equal((await getApproval(fx.db.pool, a.id))!.slack_ts !== null, true);
    const out = await castVote(fx.db.pool, { approvalId: a.id, approver: 'U_ALICE', decision: 'approve', channel: 'slack', shownHash: a.shown_hash }, emit);
    assert.equal(out.kind, 'recorded');
    assert.equal(await fx.engine.waitForRun(runId, { states: ['completed', 'failed'] }), 'completed');
    assert.deepEqual((await runRow(fx.db, runId)).output, { outcome: 'approved', approvers: ['U_ALICE'] });
  });

  test('someone who is not an approver is refused and nothing changes', async () => {
    const { runId } = await fx.engine.startRun(pay, { title: 'pay B', amount: 10 });
    const a = await waitingApproval(runId);
    const out = await castVote(fx.db.pool, { approvalId: a.id, approver: 'U_MALLORY', decision: 'approve', channel: 'slack', version: a.version }, emit);
    assert.equal(out.kind, 'refused');
    assert.match((out as { reason: string }).reason, /not an approver/);
    assert.equal((await getApproval(fx.db.pool, a.id))!.status, 'pending');
    await fx.engine.cancelRun(runId);
  });

  test('double and concurrent clicks produce one decision', async () => {
    const { runId } = await fx.engine.startRun(pay, { title: 'pay C', amount: 10 });
    const a = await waitingApproval(runId);
    const outs = await Promise.all([
      castVote(fx.db.pool, { approvalId: a.id, approver: 'U_ALICE', decision: 'approve', channel: 'slack', version: a.version }, emit),
      castVote(fx.db.pool, { approvalId: a.id, approver: 'U_ALICE', decision: 'approve', channel: 'slack', version: a.version }, emit),
      castVote(fx.db.pool, { approvalId: a.id, approver: 'U_BOB', decision: 'reject', channel: 'slack', version: a.version }, emit),
    ]);
    assert.equal(outs.filter((o) => o.kind === 'recorded' && o.final).length, 1);
    assert.equal(await fx.engine.waitForRun(runId, { states: ['completed', 'failed'] }), 'completed');
    const { rows } = await fx.db.pool.query(`SELECT count(*)::int AS n FROM mailroom.events WHERE name = 'approval.decided' AND key = $1`, [a.id]);
    assert.equal(rows[0].n, 1);
  });

  test('the person who started the request may not approve it', async () => {
    const { runId } = await fx.engine.startRun(pay, { title: 'pay D', amount: 10, requestedBy: 'U_ALICE' });
    const a = await waitingApproval(runId);
    const out = await castVote(fx.db.pool, { approvalId: a.id, approver: 'U_ALICE', decision: 'approve', channel: 'slack', version: a.version }, emit);
    assert.equal(out.kind, 'refused');
    assert.match((out as { reason: string }).reason, /separation of duties/);
    await fx.engine.cancelRun(runId);
  });

  test('a tier that needs two approvers waits for the second, distinct approver', async () => {
    const { runId } = await fx.engine.startRun(pay, { title: 'pay E', amount: 50_000, required: 2 });
    const a = await waitingApproval(runId);
    const first = await castVote(fx.db.pool, { approvalId: a.id, approver: 'U_ALICE', decision: 'approve', channel: 'slack', version: a.version }, emit);
    assert.deepEqual([first.kind, (first as { final: boolean }).final], ['recorded', false]);
    const again = await castVote(fx.db.pool, { approvalId: a.id, approver: 'U_ALICE', decision: 'approve', channel: 'slack', version: a.version }, emit);
    assert.equal(again.kind, 'refused');
    assert.equal((await runRow(fx.db, runId)).state, 'waiting');
    await castVote(fx.db.pool, { approvalId: a.id, approver: 'U_BOB', decision: 'approve', channel: 'slack', version: a.version }, emit);
    assert.equal(await fx.engine.waitForRun(runId, { states: ['completed', 'failed'] }), 'completed');
    assert.deepEqual((await runRow(fx.db, runId)).output, { outcome: 'approved', approvers: ['U_ALICE', 'U_BOB'] });
  });

  test('without a decision: reminder and escalation, then expiry takes the timeout path', async () => {
    const { runId } = await fx.engine.startRun(pay, { title: 'pay F', amount: 10, remindAfterMs: 300, expireAfterMs: 900 });
    const a = await waitingApproval(runId);
    assert.equal(await fx.engine.waitForRun(runId, { states: ['completed', 'failed'], timeoutMs: 15_000 }), 'completed');
    assert.deepEqual(reminders.filter((r) => r.id === a.id), [{ id: a.id, escalated: true }]);
    assert.deepEqual((await runRow(fx.db, runId)).output, { outcome: 'expired', approvers: [] });
    assert.equal((await getApproval(fx.db.pool, a.id))!.status, 'expired');
  });

  test('a failed Slack post is recorded and the request stays decidable from the CLI', async () => {
    const { runId } = await fx.engine.startRun(pay, { title: 'pay G post fails', amount: 10 });
    const a = await waitingApproval(runId);
    assert.match((await getApproval(fx.db.pool, a.id))!.post_error ?? '', /channel_not_found/);
    const env = { ...process.env, DATABASE_URL: fx.db.url, LOG_LEVEL: 'silent' };
    const list = spawnSync(process.execPath, [bin, 'approvals'], { env, encoding: 'utf8' });
    assert.match(list.stdout, new RegExp(`${a.id}\\s+PENDING`));
    assert.match(list.stdout, /slack post failed: slack said channel_not_found/);
    const approve = spawnSync(process.execPath, [bin, 'approve', a.id, '--note', 'checked the PO'], { env, encoding: 'utf8' });
    assert.equal(approve.status, 0, approve.stderr);
    assert.match(approve.stdout, new RegExp(`approved by cli:${os.userInfo().username}`));
    assert.equal(await fx.engine.waitForRun(runId, { states: ['completed', 'failed'] }), 'completed');
    const twice = spawnSync(process.execPath, [bin, 'reject', a.id], { env, encoding: 'utf8' });
    assert.equal(twice.status, 2);
    assert.match(twice.stderr, /already approved/);
  });
});
