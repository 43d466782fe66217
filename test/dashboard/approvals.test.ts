/**
 * Approvals on the dashboard over real HTTP: the page shows what Slack shows (draft, fields,
 * competing values side by side), votes go through the same rules as Slack, CLI and API
 * (approver list, separation of duties, versions), an edit makes a new version, a page whose
 * proposal changed meanwhile is refused as stale, and the decision resumes the run.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import type pg from 'pg';
import { askForApproval } from '../../src/approvals/ask.ts';
import { approvalBlocks, approvalUrl } from '../../src/channels/slack/approval-blocks.ts';
import { getApproval } from '../../src/approvals/store.ts';
import { defineWorkflow } from '../../src/engine/define.ts';
import { eventually, startTestService, type TestService } from '../http/service.ts';
import { dashboardClient } from './client.ts';

const ALICE = 'alice:alice-secret-0123456789';
const BOB = 'bob:bob-secret-0123456789abc';
const CAROL = 'carol:carol-secret-0123456789';
const DAVE = 'dave:dave-secret-0123456789a';

const invoice = defineWorkflow({
  name: 'dash-invoice',
  version: 1,
  input: z.object({ required: z.number().int().default(1), vendor: z.string() }),
  async run(input, step, ctx) {
    const { pool } = ctx.services as { pool: pg.Pool };
    return askForApproval(step, { pool }, {
      key: 'pay',
      kind: 'invoice.payment',
      title: `Pay ${input.vendor} <script>alert(1)</script>`,
      request: {
        summary: { from: `ap@${input.vendor}.example`, subject: 'Invoice 2024-17' },
        proposal: { type: 'payment', description: 'book and pay the invoice', draft: 'Dear AP, we will pay within 14 days.' },
        reasoning: 'PO matched; totals differ between paths',
        confidence: 0.55,
        reasons: ['text layer and OCR disagree on the total'],
        fields: { invoice_number: '2024-17', total: 1145.86, iban: 'DE89370400440532013000' },
        review: [{ field: 'total', values: [{ source: 'text layer', value: 1145.86 }, { source: 'ocr', value: 1148.86 }], note: 'check the scan' }],
        editable: ['draft', 'total'],
      },
      approvers: ['api:alice', 'api:bob', 'api:carol'],
      requiredApprovals: input.required,
      requester: { identity: 'api:carol' },
    });
  },
});

describe('dashboard approvals', () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService({ env: { MAILROOM_API_TOKEN: [ALICE, BOB, CAROL, DAVE].join(','), PUBLIC_URL: 'https://mailroom.example.com' }, workflows: [invoice] });
  });
  after(async () => svc?.close());

  const startWaiting = async (vendor: string, required = 1) => {
    const runId = (await svc.call('POST', '/api/v1/runs', { token: ALICE, body: { workflow: 'dash-invoice', input: { vendor, required } } })).body.run_id as string;
    return eventually(async () => {
      const { rows } = await svc.db.pool.query(`SELECT a.id FROM mailroom.approvals a JOIN mailroom.runs r ON r.id = a.run_id WHERE a.run_id = $1 AND r.state = 'waiting'`, [runId]);
      return rows[0] ? { runId, approvalId: rows[0].id as string } : undefined;
    });
  };
  const runState = async (id: string) => (await svc.db.pool.query('SELECT state, output FROM mailroom.runs WHERE id = $1', [id])).rows[0];
  const hiddenHash = (text: string) => /name="shown_hash" value="([0-9a-f]{64})"/.exec(text)?.[1];

  test('the page shows what the Slack card shows, escaped: title, draft, fields and the competing values side by side', async () => {
    const { approvalId } = await startWaiting('globex');
    const c = dashboardClient(svc.base);
    await c.signIn(ALICE);
    const list = await c.get('/approvals');
    assert.match(list.text, /Waiting \(1\)/);
    assert.ok(list.text.includes(`/approvals/${approvalId}`));
    const page = await c.get(`/approvals/${approvalId}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /Pay globex &lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.doesNotMatch(page.text, /<script>alert/);
    for (const s of ['Dear AP, we will pay within 14 days.', 'DE89370400440532013000', 'text layer', 'ocr', '1148.86', 'check the scan', 'text layer and OCR disagree on the total', 'confidence 0.55']) assert.ok(page.text.includes(s), s);
    const a = (await getApproval(svc.db.pool, approvalId))!;
    assert.equal(hiddenHash(page.text), a.shown_hash, 'the form names the hash of what it shows');

    const blocks = JSON.stringify(approvalBlocks(a, approvalUrl(svc.app.config.env, a.id)));
    assert.ok(blocks.includes(`https://mailroom.example.com/approvals/${a.id}`), 'the Slack card links to this page');
  });

  test('votes follow the same rules: not an approver and separation of duties are refused; an edit makes a new version and the run resumes with it', async () => {
    const { runId, approvalId } = await startWaiting('initech');
    const dave = dashboardClient(svc.base);
    await dave.signIn(DAVE);
    const davePage = await dave.get(`/approvals/${approvalId}`);
    assert.match(davePage.text, /not on this request's approver list/);
    const refused = await dave.post(`/approvals/${approvalId}/vote`, { decision: 'approve', version: '1', shown_hash: hiddenHash(davePage.text)! });
    assert.equal(refused.status, 403);
    assert.match(refused.text, /api:dave is not an approver/);

    const carol = dashboardClient(svc.base);
    await carol.signIn(CAROL);
    const carolPage = await carol.get(`/approvals/${approvalId}`);
    const own = await carol.post(`/approvals/${approvalId}/vote`, { decision: 'approve', version: '1', shown_hash: hiddenHash(carolPage.text)! });
    assert.equal(own.status, 403);
    assert.match(own.text, /separation of duties/);

    const alice = dashboardClient(svc.base);
    await alice.signIn(ALICE);
    const page = await alice.get(`/approvals/${approvalId}`);
    const voted = await alice.post(`/approvals/${approvalId}/vote`, {
      decision: 'approve',
      version: '1',
      shown_hash: hiddenHash(page.text)!,
      'edit.draft': 'Dear AP,\r\nwe pay the corrected total.',
      'edit.total': '1148.86',
      note: 'the scan is right',
    });
    assert.equal(voted.status, 303);
    assert.equal(voted.location, `/approvals/${approvalId}?done=decided`);
    const done = await eventually(async () => ((await runState(runId)).state === 'completed' ? runState(runId) : undefined));
    assert.equal(done.output.outcome, 'approved');
    assert.deepEqual(done.output.edits, { draft: 'Dear AP,\nwe pay the corrected total.', total: 1148.86 });
    const { rows } = await svc.db.pool.query('SELECT approver, channel, version FROM mailroom.approval_votes WHERE approval_id = $1', [approvalId]);
    assert.deepEqual(rows, [{ approver: 'api:alice', channel: 'web', version: 2 }]);
    const after = await alice.get(`/approvals/${approvalId}?done=decided`);
    assert.match(after.text, /approved/);
    assert.doesNotMatch(after.text, /name="decision"/, 'no vote form on a decided request');
    const trace = await alice.get(`/runs/${runId}`);
    assert.match(trace.text, /api:alice<\/strong> approved .* through web \(version 2\)/);
  });

  test('a page whose proposal changed meanwhile is refused as stale; the new version is shown and can be decided', async () => {
    const { runId, approvalId } = await startWaiting('umbrella', 2);
    const alice = dashboardClient(svc.base);
    const bob = dashboardClient(svc.base);
    await alice.signIn(ALICE);
    await bob.signIn(BOB);
    const bobsOldPage = await bob.get(`/approvals/${approvalId}`);
    const alicePage = await alice.get(`/approvals/${approvalId}`);
    const edited = await alice.post(`/approvals/${approvalId}/vote`, { decision: 'approve', version: '1', shown_hash: hiddenHash(alicePage.text)!, 'edit.total': '999' });
    assert.equal(edited.location, `/approvals/${approvalId}?done=voted`, 'one of two approvals');
    const stale = await bob.post(`/approvals/${approvalId}/vote`, { decision: 'approve', version: '1', shown_hash: hiddenHash(bobsOldPage.text)! });
    assert.equal(stale.status, 409);
    assert.match(stale.text, /the proposal changed since it was shown to you/);
    assert.match(stale.text, /Decide version 2/);
    assert.notEqual((await runState(runId)).state, 'completed', 'one current approval is not enough');
    const ok = await bob.post(`/approvals/${approvalId}/vote`, { decision: 'approve', version: '2', shown_hash: hiddenHash(stale.text)! });
    assert.equal(ok.location, `/approvals/${approvalId}?done=decided`);
    const done = await eventually(async () => ((await runState(runId)).state === 'completed' ? runState(runId) : undefined));
    assert.equal(done.output.outcome, 'approved');
  });
});
