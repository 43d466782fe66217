/**
 * Concurrent workflows: a mixed batch of support requests and invoices (text PDFs and XML
 * e-invoices) taken in at once and processed by the service's workers side by side, then all
 * approved at once. Every item ends in its own workflow's right state, and everything a run did
 * — the approval it asked for, the reply it queued, the booking and the payment — carries that
 * item's own sender, Message-ID, invoice number and amount: no cross-talk between runs.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import MailComposer from 'nodemailer/lib/mail-composer';
import { getApproval } from '../../src/approvals/store.ts';
import type { App } from '../../src/main.ts';
import { until } from '../email/doubles.ts';
import { ciiInvoice } from '../fixtures/einvoice.ts';
import { testDatabase, type TestDatabase } from '../harness/postgres.ts';
import { needsShared, sharedData } from '../harness/shared.ts';
import { approve, pendingApprovals, sampleMail, settle, startService, submitMail } from './service.ts';

interface Expected {
  workflow: 'support' | 'invoice';
  sender: string;
  messageId: string;
  subject: string;
  invoiceNumber?: string;
  total?: number;
  iban?: string;
}

/** A German IBAN for account number `n` at one bank, with its real check digits (ISO 13616, mod 97). */
function germanIban(n: number): string {
  const bban = `37040044${String(n).padStart(10, '0')}`;
  const digits = `${bban}131400`; // D = 13, E = 14, then 00
  const check = 98 - Number(BigInt(digits) % 97n);
  return `DE${String(check).padStart(2, '0')}${bban}`;
}

const header = (raw: string, name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(raw)?.[1]?.trim() ?? '';
const address = (from: string) => (/<([^>]+)>/.exec(from)?.[1] ?? from).trim();

describe('concurrent workflows: a mixed batch ends in the right states with no cross-talk', { skip: needsShared, timeout: 600_000 }, () => {
  let db: TestDatabase;
  let app: App;
  /** Child (workflow) run id → what that run must carry. */
  const expected = new Map<string, Expected>();

  before(async () => {
    db = await testDatabase();
    app = await startService(db, {});
    const mails: Array<{ bytes: Buffer; expect: Omit<Expected, 'sender' | 'messageId' | 'subject'> }> = [];
    for (const copy of [1, 2]) {
      for (const s of ['09-support-feature_request.eml', '10-support-technical.eml', '11-support-technical.eml', '12-support-account.eml', '13-support-complaint.eml']) {
        mails.push({ bytes: sampleMail(s, copy), expect: { workflow: 'support' } });
      }
    }
    for (const s of ['01-invoice-text', '02-invoice-text', '05-invoice-text', '06-invoice-text']) {
      const truth = JSON.parse(fs.readFileSync(sharedData('samples', `${s}.expected.json`), 'utf8')).fields;
      mails.push({ bytes: sampleMail(`${s}.eml`), expect: { workflow: 'invoice', invoiceNumber: truth.invoice_number, total: truth.total } });
    }
    for (let i = 1; i <= 6; i++) {
      const basis = 100 * i + i;
      const tax = Math.round(basis * 19) / 100;
      const number = `XR-C-${i}`;
      const iban = germanIban(532013000 + i);
      const xml = ciiInvoice({ number, basis: basis.toFixed(2), tax: tax.toFixed(2), total: (basis + tax).toFixed(2), iban });
      const raw = await new MailComposer({
        from: `rechnung-${i}@nordlicht.example`, to: 'ap@mailroom.example', subject: `Rechnung ${number}`, text: `Anbei unsere Rechnung ${number}.`, messageId: `<xr-c-${i}@nordlicht.example>`,
        attachments: [{ filename: `${number}.xml`, content: xml, contentType: 'application/xml' }],
      }).compile().build();
      mails.push({ bytes: raw, expect: { workflow: 'invoice', invoiceNumber: number, total: Math.round((basis + tax) * 100) / 100, iban } });
    }
    const items = await Promise.all(mails.map((m) => submitMail(app, m.bytes)));
    const settled = await Promise.all(items.map((i) => settle(app, i.runId, 480_000)));
    settled.forEach((s, i) => {
      const raw = mails[i]!.bytes.toString('utf8');
      assert.ok(s.childRunId, `item ${i} started a workflow (router: ${s.routerState}, ${s.route})`);
      expected.set(s.childRunId, { ...mails[i]!.expect, sender: address(header(raw, 'From')), messageId: header(raw, 'Message-ID'), subject: header(raw, 'Subject') });
    });
  });
  after(async () => {
    await app?.stop();
    await db?.close();
  });

  test('each item reached its own workflow, which waits for a person with that item in front of them', async () => {
    assert.equal(expected.size, 20);
    for (const [runId, e] of expected) {
      const run = (await db.pool.query(`SELECT workflow, state FROM mailroom.runs WHERE id = $1`, [runId])).rows[0];
      assert.equal(run.workflow, e.workflow, `${e.subject}`);
      assert.equal(run.state, 'waiting', `${e.subject}`);
      const approvals = await pendingApprovals(app, runId);
      assert.equal(approvals.length, 1, `${e.subject}: one approval`);
      const a = approvals[0]!;
      assert.equal(a.kind, e.workflow === 'support' ? 'support.reply' : 'invoice.approval');
      if (e.workflow === 'support') {
        assert.equal(a.request.summary.from, e.sender);
        assert.equal(a.request.summary.subject, e.subject);
      } else {
        assert.equal(a.request.fields?.invoice_number, e.invoiceNumber, `${e.subject}: the approval shows this invoice`);
        assert.equal(Number(a.amount), e.total);
        if (e.iban) assert.equal(a.request.fields?.iban, e.iban);
      }
    }
    const others = await db.pool.query(`SELECT count(*)::int AS n FROM mailroom.approvals WHERE NOT (run_id = ANY($1::uuid[]))`, [[...expected.keys()]]);
    assert.equal(others.rows[0].n, 0, 'no run asked about an item not its own');
  });

  test('approved all at once, each run books, pays and replies for its own item only', async () => {
    const approvals = (await Promise.all([...expected.keys()].map((runId) => pendingApprovals(app, runId)))).flat();
    await Promise.all(approvals.map(async (a) => {
      await approve(app, a.id, 'cli:alice');
      // Invoices over the standard tier need a second approver.
      if ((await getApproval(db.pool, a.id))!.status === 'pending') await approve(app, a.id, 'cli:bob');
    }));
    const invoices = [...expected].filter(([, e]) => e.workflow === 'invoice');
    // Booked and the payment scheduled; a run whose due date is ahead sleeps until then to release it.
    const states = () => db.pool.query(`SELECT state, wait->>'stepId' AS step FROM mailroom.runs WHERE id = ANY($1::uuid[])`, [invoices.map(([id]) => id)]).then((r) => r.rows);
    await until(async () => (await states()).every((r) => r.state === 'completed' || r.state === 'failed' || r.step === 'until-due-date'), 120_000, 'every invoice run past its approval');
    for (const r of await states()) assert.ok(r.state === 'completed' || (r.state === 'waiting' && r.step === 'until-due-date'), `invoice run ${r.state} at ${r.step}`);

    const ledger = await db.pool.query(`SELECT run_id, invoice_number, total::float AS total, iban FROM mailroom.ledger_entries`);
    assert.equal(ledger.rows.length, invoices.length, 'one booking per invoice');
    for (const row of ledger.rows) {
      const e = expected.get(row.run_id);
      assert.ok(e?.workflow === 'invoice', `booking ${row.invoice_number} belongs to an invoice run`);
      assert.equal(row.invoice_number, e.invoiceNumber);
      assert.equal(row.total, e.total);
      if (e.iban) assert.equal(row.iban, e.iban);
    }
    const payments = await db.pool.query(`SELECT p.run_id, p.amount::float AS amount, l.run_id AS ledger_run FROM mailroom.payments p JOIN mailroom.ledger_entries l ON l.id = p.ledger_id`);
    assert.equal(payments.rows.length, invoices.length);
    for (const p of payments.rows) {
      assert.equal(p.run_id, p.ledger_run, 'a payment belongs to the run that booked it');
      assert.equal(p.amount, expected.get(p.run_id)!.total);
    }

    // Mail (replies, acknowledgements): each queued by its own run, to that run's sender, threaded on that run's message.
    const support = [...expected].filter(([, e]) => e.workflow === 'support').map(([id]) => id);
    await until(async () => (await db.pool.query(`SELECT count(*)::int AS n FROM mailroom.runs WHERE id = ANY($1::uuid[]) AND state IN ('running', 'queued')`, [support])).rows[0].n === 0, 60_000, 'support runs past their approval');
    const outbox = await db.pool.query(`SELECT split_part(idempotency_key, ':', 1) AS run_id, to_address, subject, raw FROM mailroom.outbox`);
    const replies = outbox.rows.filter((r) => expected.get(r.run_id)?.workflow === 'support');
    assert.ok(replies.length >= 4, `replies queued: ${replies.length}`);
    for (const row of outbox.rows) {
      const e = expected.get(row.run_id);
      assert.ok(e, `mail ${row.subject} belongs to one of the runs`);
      assert.equal(row.to_address, e.sender);
      assert.equal(header(row.raw.toString('latin1'), 'In-Reply-To'), e.messageId);
      assert.equal(row.subject, `Re: ${e.subject}`);
    }
    // The action ledger: every side effect recorded under the run it was for.
    const actions = await db.pool.query(`SELECT run_id, kind, parameters FROM mailroom.actions`);
    for (const a of actions.rows) {
      const e = expected.get(a.run_id);
      if (!e) continue; // router runs record no side effects of an item's workflow
      if (a.kind === 'email.send') assert.equal(a.parameters.to, e.sender);
      if (a.kind === 'ledger.book' || a.kind === 'payment.schedule') assert.equal(e.workflow, 'invoice');
    }
  });
});
