/**
 * The service as configured for production mail: IMAP on a real Dovecot, SMTP to a real peer.
 * An invoice appended to the mailbox is extracted, approved, booked and paid once.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { listApprovals } from '../../src/approvals/store.ts';
import { loadConfig } from '../../src/config.ts';
import { readCsv } from '../../src/data/csv.ts';
import { poCsv, upsertPurchaseOrders, upsertVendors, vendorCsv } from '../../src/data/vendors.ts';
import { createApp, type App } from '../../src/main.ts';
import { DOVECOT_BIN, startDovecot, type Dovecot } from '../harness/dovecot.ts';
import { startFakeSlackApi, type FakeSlackApi } from '../fakes/slack-api.ts';
import { slackHeaders } from '../slack/sign.ts';
import { makeTempDir, testDatabase, type TestDatabase } from '../harness/postgres.ts';
import { needsShared, repoRoot, sharedData } from '../harness/shared.ts';

describe('end to end over IMAP and Slack: invoice appended in Dovecot → approval in Slack → ledger and payment', { skip: needsShared || (DOVECOT_BIN ? false : 'dovecot-imapd is not installed') }, () => {
  let db: TestDatabase;
  let dovecot: Dovecot;
  let app: App;
  let slackApi: FakeSlackApi;
  before(async () => {
    db = await testDatabase();
    dovecot = await startDovecot();
    slackApi = await startFakeSlackApi();
    const examples = path.join(repoRoot, 'examples', 'data');
    await upsertVendors(db.pool, readCsv(path.join(examples, 'vendors.csv'), vendorCsv));
    await upsertPurchaseOrders(db.pool, readCsv(path.join(examples, 'pos.csv'), poCsv));
    const dataDir = makeTempDir('mailroom-imap-e2e-');
    const policy = path.join(dataDir, 'policy.yaml');
    fs.writeFileSync(policy, 'invoice:\n  acknowledge_sender: true\n  tiers:\n    - { name: standard, up_to: 5000, approvers: [U_FIN] }\n    - { name: large, approvers: [U_FIN], required: 2 }\n');
    const config = loadConfig({
      DATABASE_URL: db.url, MAILROOM_DATA_DIR: dataDir, PORT: '0', MAILROOM_POLICY: policy,
      IMAP_HOST: dovecot.host, IMAP_PORT: String(dovecot.port), IMAP_USER: dovecot.user, IMAP_PASSWORD: dovecot.password, IMAP_TLS: 'false',
      SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: 'e2e-secret', SLACK_API_URL: slackApi.url, SLACK_APPROVAL_CHANNEL: 'C_AP', SLACK_APPROVERS: 'U_FIN',
    });
    app = await createApp(config, pino({ level: process.env.TEST_LOG ?? 'silent' }), 'service');
  });
  after(async () => {
    await app?.stop();
    await dovecot?.stop();
    await slackApi?.close();
    await db?.close();
  });

  test('the invoice is taken in by IDLE push, approved with a click in Slack, and booked with one scheduled payment', async () => {
    await dovecot.append('INBOX', fs.readFileSync(sharedData('samples', '02-invoice-text.eml')));
    let approval;
    for (const end = Date.now() + 30_000; !approval && Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
      approval = (await listApprovals(db.pool, { status: 'pending' })).find((a) => a.kind === 'invoice.approval');
    }
    assert.ok(approval, 'an approval was requested');
    assert.equal(approval.amount, 1145.86);
    assert.deepEqual(approval.request.review ?? [], []);
    const message = slackApi.calls.find((c) => c.method === 'chat.postMessage' && c.body.channel === 'C_AP');
    assert.ok(message, 'the approval was posted to Slack');
    const value = message!.body.blocks.find((b: any) => b.type === 'actions').elements[0].value;
    const payload = { type: 'block_actions', user: { id: 'U_FIN' }, channel: { id: 'C_AP' }, trigger_id: 't', container: { type: 'message' }, actions: [{ type: 'button', action_id: 'approval_approve', value, block_id: 'b', action_ts: '1' }] };
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const click = await fetch(`http://127.0.0.1:${app.http!.port}/slack/events`, { method: 'POST', headers: slackHeaders('e2e-secret', body), body });
    assert.equal(click.status, 200);
    assert.equal(await app.engine.waitForRun(approval.run_id, { states: ['completed', 'failed'], timeoutMs: 30_000 }), 'completed');
    const ledger = await db.pool.query(`SELECT invoice_number, total FROM mailroom.ledger_entries`);
    assert.deepEqual(ledger.rows, [{ invoice_number: 'INV-218669', total: '1145.86' }]);
    const payments = await db.pool.query(`SELECT status FROM mailroom.payments`);
    assert.equal(payments.rows.length, 1);
    const update = slackApi.calls.find((c) => c.method === 'chat.update');
    assert.match(JSON.stringify(update?.body.blocks), /APPROVED\* by <@U_FIN>/);
    const ack = await db.pool.query(`SELECT to_address, subject, status FROM mailroom.outbox`);
    assert.deepEqual(ack.rows, [{ to_address: 'billing@cascadecloud.example', subject: 'Re: Invoice INV-218669', status: 'not_sent' }], 'the sender is acknowledged (kept unsent: no SMTP here)');
    const item = await db.pool.query(`SELECT source FROM mailroom.items`);
    assert.equal(item.rows[0].source.channel, 'imap');
  });
});
