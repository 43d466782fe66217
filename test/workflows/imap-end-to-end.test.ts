/**
 * The service as configured for production mail: IMAP on a real Dovecot, SMTP to a real peer.
 * An invoice appended to the mailbox is extracted, approved, booked and paid once.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { castVote, listApprovals } from '../../src/approvals/store.ts';
import { loadConfig } from '../../src/config.ts';
import { readCsv } from '../../src/data/csv.ts';
import { poCsv, upsertPurchaseOrders, upsertVendors, vendorCsv } from '../../src/data/vendors.ts';
import { createApp, type App } from '../../src/main.ts';
import { DOVECOT_BIN, startDovecot, type Dovecot } from '../harness/dovecot.ts';
import { makeTempDir, testDatabase, type TestDatabase } from '../harness/postgres.ts';
import { needsShared, repoRoot, sharedData } from '../harness/shared.ts';

describe('end to end over IMAP: invoice appended in Dovecot → approval → ledger and payment', { skip: needsShared || (DOVECOT_BIN ? false : 'dovecot-imapd is not installed') }, () => {
  let db: TestDatabase;
  let dovecot: Dovecot;
  let app: App;
  before(async () => {
    db = await testDatabase();
    dovecot = await startDovecot();
    const examples = path.join(repoRoot, 'examples', 'data');
    await upsertVendors(db.pool, readCsv(path.join(examples, 'vendors.csv'), vendorCsv));
    await upsertPurchaseOrders(db.pool, readCsv(path.join(examples, 'pos.csv'), poCsv));
    const config = loadConfig({
      DATABASE_URL: db.url, MAILROOM_DATA_DIR: makeTempDir('mailroom-imap-e2e-'), PORT: '0',
      IMAP_HOST: dovecot.host, IMAP_PORT: String(dovecot.port), IMAP_USER: dovecot.user, IMAP_PASSWORD: dovecot.password, IMAP_TLS: 'false',
    });
    app = await createApp(config, pino({ level: process.env.TEST_LOG ?? 'silent' }), 'service');
  });
  after(async () => {
    await app?.stop();
    await dovecot?.stop();
    await db?.close();
  });

  test('the invoice is taken in by IDLE push and, once approved, booked with one scheduled payment', async () => {
    await dovecot.append('INBOX', fs.readFileSync(sharedData('samples', '02-invoice-text.eml')));
    let approval;
    for (const end = Date.now() + 30_000; !approval && Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
      approval = (await listApprovals(db.pool, { status: 'pending' })).find((a) => a.kind === 'invoice.approval');
    }
    assert.ok(approval, 'an approval was requested');
    assert.equal(approval.amount, 1145.86);
    assert.deepEqual(approval.request.review ?? [], []);
    await castVote(db.pool, { approvalId: approval.id, approver: 'cli:alice', decision: 'approve', channel: 'cli' }, (tx, n, k, p, s) => app.engine.sendEventInTransaction(tx, n, k, p, s));
    assert.equal(await app.engine.waitForRun(approval.run_id, { states: ['completed', 'failed'], timeoutMs: 30_000 }), 'completed');
    const ledger = await db.pool.query(`SELECT invoice_number, total FROM mailroom.ledger_entries`);
    assert.deepEqual(ledger.rows, [{ invoice_number: 'INV-218669', total: '1145.86' }]);
    const payments = await db.pool.query(`SELECT status FROM mailroom.payments`);
    assert.equal(payments.rows.length, 1);
    const item = await db.pool.query(`SELECT source FROM mailroom.items`);
    assert.equal(item.rows[0].source.channel, 'imap');
  });
});
