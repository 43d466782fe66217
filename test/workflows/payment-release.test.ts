/**
 * The payment waits for its due date, through the whole service: an approved invoice is booked
 * at once and its payment scheduled; the run sleeps until the due date at the policy's
 * `invoice.pay_at` (UTC), wakes, and releases the payment once. The policy's time of day is set
 * a few seconds ahead and the e-invoice is due that day, so the real sleep and wake-up happen
 * within the test.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer';
import { pino } from 'pino';
import { castVote, getApproval, listApprovals } from '../../src/approvals/store.ts';
import { loadConfig } from '../../src/config.ts';
import { createApp, type App } from '../../src/main.ts';
import { ciiInvoice } from '../fixtures/einvoice.ts';
import { makeTempDir, testDatabase, type TestDatabase } from '../harness/postgres.ts';

// Start-up, reading and the approval must all happen before the payment time: generous on a busy machine.
const LEAD_MS = 25_000;

describe('an approved invoice is paid on its due date at the policy time, once', () => {
  let db: TestDatabase;
  let app: App;
  const dir = makeTempDir('mailroom-pay-');
  // A whole second, so that HH:MM:SS in the policy names it exactly.
  const payAt = new Date(Math.ceil((Date.now() + LEAD_MS) / 1000) * 1000);
  const dueDate = payAt.toISOString().slice(0, 10);

  before(async () => {
    db = await testDatabase();
    const policy = path.join(dir, 'mailroom.policy.yaml');
    fs.writeFileSync(policy, `invoice:\n  pay_at: "${payAt.toISOString().slice(11, 19)}"\n`);
    app = await createApp(loadConfig({ DATABASE_URL: db.url, MAILROOM_DATA_DIR: dir, PORT: '0', MAILROOM_POLICY: policy }), pino({ level: 'silent' }), 'service');
  });
  after(async () => {
    await app.stop();
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('booked on approval, released after the sleep until the due date, exactly once', async (t) => {
    const xml = ciiInvoice({ number: 'XR-PAY-1', total: '833.00', tax: '133.00', basis: '700.00', iban: 'DE89370400440532013000' }).replace('20261202', dueDate.replaceAll('-', ''));
    const raw = await new MailComposer({
      from: 'rechnung@nordlicht.example', to: 'ap@mailroom.example', subject: 'Rechnung XR-PAY-1', text: 'Anbei unsere Rechnung.', messageId: '<xr-pay-1@nordlicht.example>',
      attachments: [{ filename: 'XR-PAY-1.xml', content: xml, contentType: 'application/xml' }],
    }).compile().build();
    await app.intake.accept({ kind: 'email', bytes: raw, source: { channel: 'email' } });

    let approval;
    for (let i = 0; i < 400 && !approval; i++) {
      approval = (await listApprovals(db.pool, { status: 'pending' })).find((a) => a.kind === 'invoice.approval' && a.title.includes('XR-PAY-1'));
      if (!approval) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(approval, 'the invoice was sent for approval');
    assert.equal(approval.request.fields?.due_date, dueDate);
    const runId = approval.run_id;
    const release = () => db.pool.query(`SELECT status, completed_at FROM mailroom.actions WHERE run_id = $1 AND kind = 'payment.release'`, [runId]);
    assert.equal((await release()).rows.length, 0, 'nothing is released before the approval');

    await castVote(db.pool, { approvalId: approval.id, approver: 'cli:alice', decision: 'approve', channel: 'cli', version: (await getApproval(db.pool, approval.id))!.version }, (tx, n, k, p, s) =>
      app.engine.sendEventInTransaction(tx, n, k, p, s),
    );
    const margin = payAt.getTime() - Date.now();
    t.diagnostic(`approved ${margin} ms before the payment time`);
    assert.ok(margin > 2000, `approved too close to the payment time (${payAt.toISOString()}): raise LEAD_MS on this machine`);

    let run;
    for (let i = 0; i < 400; i++) {
      run = (await db.pool.query(`SELECT state, wait, wake_at FROM mailroom.runs WHERE id = $1`, [runId])).rows[0];
      if (run.state === 'waiting' && run.wait?.kind === 'sleep') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(run.wait?.kind, 'sleep', `the run sleeps after booking (state ${run.state})`);
    assert.equal(run.wake_at.toISOString(), payAt.toISOString(), 'until the due date at pay_at');
    const booked = await db.pool.query(`SELECT l.invoice_number, p.status, p.due_date FROM mailroom.ledger_entries l JOIN mailroom.payments p ON p.ledger_id = l.id WHERE l.run_id = $1`, [runId]);
    assert.deepEqual(booked.rows.map((r) => [r.invoice_number, r.status]), [['XR-PAY-1', 'scheduled']], 'booked at once, the payment only scheduled');
    assert.equal((await release()).rows.length, 0, 'not released while the run sleeps');

    const end = await app.engine.waitForRun(runId, { states: ['completed', 'failed'], timeoutMs: payAt.getTime() - Date.now() + 60_000 });
    assert.equal(end, 'completed');
    const released = await release();
    assert.equal(released.rows.length, 1, 'one release action');
    assert.equal(released.rows[0].status, 'completed');
    const payment = (await db.pool.query(`SELECT status, released_at FROM mailroom.payments WHERE run_id = $1`, [runId])).rows;
    assert.equal(payment.length, 1);
    assert.equal(payment[0].status, 'released');
    assert.ok(payment[0].released_at.getTime() >= payAt.getTime(), `released at ${payment[0].released_at.toISOString()}, not before ${payAt.toISOString()}`);
    const decided = (await getApproval(db.pool, approval.id))!;
    assert.equal(decided.status, 'approved');
    assert.ok(released.rows[0].completed_at > decided.decided_at!, 'after the approval');
  });
});
