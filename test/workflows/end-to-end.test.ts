/**
 * End to end through real servers: the service's own wiring (createApp) on real PostgreSQL, a
 * real SMTP peer, the watched inbox folder as the mail source, approvals decided through the
 * same vote path as Slack and the CLI.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import path from 'node:path';
import { pino } from 'pino';
import { castVote, getApproval, listApprovals } from '../../src/approvals/store.ts';
import { formatTrace } from '../../src/cli/format.ts';
import { runTrace } from '../../src/engine/inspect.ts';
import { loadConfig } from '../../src/config.ts';
import { createApp, type App } from '../../src/main.ts';
import { makeTempDir, testDatabase, type TestDatabase } from '../harness/postgres.ts';
import { repoRoot, sharedData, needsShared } from '../harness/shared.ts';
import { startSmtpSink, type SmtpSink } from '../harness/smtp-sink.ts';
import { readArticles, upsertArticles } from '../../src/data/kb.ts';
import { readCsv } from '../../src/data/csv.ts';
import { poCsv, upsertPurchaseOrders, upsertVendors, vendorCsv } from '../../src/data/vendors.ts';
import MailComposer from 'nodemailer/lib/mail-composer';
import { ciiInvoice } from '../fixtures/einvoice.ts';

describe('end to end: inbox folder → workflow → approval → action', { skip: needsShared }, () => {
  let db: TestDatabase;
  let smtp: SmtpSink;
  let app: App;
  let inbox: string;
  const examples = path.join(repoRoot, 'examples', 'data');

  before(async () => {
    db = await testDatabase();
    smtp = await startSmtpSink();
    const dataDir = makeTempDir('mailroom-e2e-');
    inbox = path.join(dataDir, 'inbox');
    const config = loadConfig({ DATABASE_URL: db.url, MAILROOM_DATA_DIR: dataDir, PORT: '0', SMTP_URL: smtp.url, MAIL_FROM: 'Mailroom <support@mailroom.example>', ENGINE_RETRY_BASE_MS: '50' });
    app = await createApp(config, pino({ level: process.env.TEST_LOG ?? 'silent' }), 'service');
    await upsertVendors(db.pool, readCsv(path.join(examples, 'vendors.csv'), vendorCsv));
    await upsertPurchaseOrders(db.pool, readCsv(path.join(examples, 'pos.csv'), poCsv));
    await upsertArticles(db.pool, readArticles(path.join(examples, 'kb')));
  });
  after(async () => {
    await app.stop();
    await smtp.close();
    await db.close();
  });

  const drop = (sample: string) => fs.copyFileSync(sharedData('samples', sample), path.join(inbox, sample));
  /** A supplier's mail with an e-invoice attached as XML alone, dropped into the inbox as `<name>.eml`. */
  const dropXmlMail = async (name: string, m: { subject: string; text: string; messageId: string; xml: string }) => {
    const raw = await new MailComposer({
      from: 'rechnung@nordlicht.example', to: 'ap@mailroom.example', subject: m.subject, text: m.text, messageId: m.messageId,
      attachments: [{ filename: `${name}.xml`, content: m.xml, contentType: 'application/xml' }],
    }).compile().build();
    fs.writeFileSync(path.join(inbox, `${name}.eml`), raw);
  };
  const approvalFor = async (predicate: (a: Awaited<ReturnType<typeof listApprovals>>[number]) => boolean, timeoutMs = 30_000) => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = (await listApprovals(db.pool, { status: 'pending' })).find(predicate);
      if (found) return found;
      if (Date.now() > until) throw new Error('no approval appeared');
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const vote = async (approvalId: string, approver = 'cli:alice') =>
    castVote(db.pool, { approvalId, approver, decision: 'approve', channel: 'cli', version: (await getApproval(db.pool, approvalId))!.version }, (tx, n, k, p, s) => app.engine.sendEventInTransaction(tx, n, k, p, s));

  test('an invoice dropped in the inbox is extracted, approved, booked and its payment scheduled, each once', async () => {
    drop('04-invoice-forward.eml');
    const approval = await approvalFor((a) => a.kind === 'invoice.approval' && a.title.includes('INV-9078'));
    assert.equal(approval.amount, 5695.55);
    assert.equal(approval.request.summary.from, 'billing@northwind-supply.example', 'the original sender of the forward');
    assert.equal(approval.required_approvals, 2, 'over the standard tier: two approvers');
    await vote(approval.id, 'cli:alice');
    await vote(approval.id, 'cli:bob');
    assert.equal(await app.engine.waitForRun(approval.run_id, { states: ['completed', 'failed'], timeoutMs: 30_000 }), 'completed');
    const ledger = await db.pool.query('SELECT invoice_number, total, iban, approved_by FROM mailroom.ledger_entries');
    assert.deepEqual(ledger.rows, [{ invoice_number: 'INV-9078', total: '5695.55', iban: 'GB32NWBK54907401061246', approved_by: ['cli:alice', 'cli:bob'] }]);
    const payments = await db.pool.query('SELECT amount, due_date, status FROM mailroom.payments');
    assert.equal(payments.rows.length, 1);
    assert.equal(payments.rows[0].amount, '5695.55');
    assert.ok(fs.readdirSync(path.join(inbox, 'processed')).some((f) => f.endsWith('04-invoice-forward.eml')));
  });

  test('an XRechnung attached as XML alone is read exactly and sent for approval with its fields', async () => {
    const xml = ciiInvoice({ number: 'XR-2026-77', total: '833.00', tax: '133.00', basis: '700.00', iban: 'DE89370400440532013000' });
    await dropXmlMail('xrechnung', { subject: 'Rechnung XR-2026-77', text: 'Anbei unsere Rechnung als XRechnung.', messageId: '<xr-77@nordlicht.example>', xml });
    const approval = await approvalFor((a) => a.kind === 'invoice.approval' && a.title.includes('XR-2026-77'));
    assert.equal(approval.amount, 833);
    assert.equal(approval.request.fields?.iban, 'DE89370400440532013000');
    assert.equal(approval.request.fields?.due_date, '2026-12-02');
  });

  test('a credit note is proposed and booked as a negative amount, and nothing is paid', async () => {
    const xml = ciiInvoice({ number: 'GS-2026-5', total: '119.00', tax: '19.00', basis: '100.00', iban: 'DE89370400440532013000' }).replace('<ram:TypeCode>380</ram:TypeCode>', '<ram:TypeCode>381</ram:TypeCode>');
    await dropXmlMail('xrechnung-gutschrift', { subject: 'Gutschrift GS-2026-5', text: 'Anbei unsere Gutschrift.', messageId: '<gs-5@nordlicht.example>', xml });
    const approval = await approvalFor((a) => a.kind === 'invoice.approval' && a.title.includes('GS-2026-5'));
    assert.match(approval.title, /^Credit note GS-2026-5/);
    assert.equal(approval.amount, -119);
    assert.match(approval.request.proposal.description, /nothing is paid/);
    assert.ok(approval.request.reasons?.some((r: string) => /credit note/.test(r)), 'the reader’s warning reaches the approver');
    const paymentsBefore = (await db.pool.query('SELECT count(*)::int AS n FROM mailroom.payments')).rows[0].n;
    await vote(approval.id, 'cli:alice');
    assert.equal(await app.engine.waitForRun(approval.run_id, { states: ['completed', 'failed'], timeoutMs: 30_000 }), 'completed');
    const ledger = await db.pool.query(`SELECT total FROM mailroom.ledger_entries WHERE invoice_number = 'GS-2026-5'`);
    assert.deepEqual(ledger.rows, [{ total: '-119' }]);
    assert.equal((await db.pool.query('SELECT count(*)::int AS n FROM mailroom.payments')).rows[0].n, paymentsBefore, 'no payment for a credit note');
  });

  test('a support email gets a draft, an approval, and one threaded reply at the SMTP peer', async () => {
    drop('10-support-technical.eml');
    const approval = await approvalFor((a) => a.kind === 'support.reply');
    assert.match(approval.request.proposal.draft ?? '', /Export/);
    await vote(approval.id);
    const until = Date.now() + 20_000;
    while (!smtp.messages.length && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    assert.equal(smtp.messages.length, 1);
    const [mail] = smtp.messages;
    const original = fs.readFileSync(sharedData('samples', '10-support-technical.eml'), 'utf8');
    const originalId = /^Message-ID:\s*(\S+)/im.exec(original)![1];
    assert.deepEqual(mail!.to, ['kenji@customer-34.example'.replace('34', /^From:.*customer-(\d+)/m.exec(original)?.[1] ?? '34')]);
    assert.equal(mail!.headers.inReplyTo, originalId);
    assert.match(String(mail!.headers.references), new RegExp(originalId!.replace(/[<>.]/g, '\\$&')));
    assert.equal(mail!.headers.subject, 'Re: Export to CSV?');
    assert.match(mail!.text, /Reports/);
    assert.match(mail!.text, /> How do I export my reports as CSV\?/);
    // The peer has the message before the outbox row records it as sent: give the record a moment.
    let outbox = await db.pool.query(`SELECT status FROM mailroom.outbox`);
    for (let i = 0; i < 50 && outbox.rows.some((r) => r.status !== 'sent'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      outbox = await db.pool.query(`SELECT status FROM mailroom.outbox`);
    }
    assert.deepEqual(outbox.rows, [{ status: 'sent' }]);
    // The trace reads as a story: each decision with its reasoning, who approved, what was sent.
    const story = formatTrace((await runTrace(db.pool, approval.run_id))!);
    for (const line of [/decide\s+kb\.search .*Exporting reports as CSV/, /decide\s+draft\.reply \(confidence 0\.50\) via offline/, /vote\s+cli:alice approves ap_\w+ via cli/, /mail\s+to kenji@customer-\d+\.example "Re: Export to CSV\?" sent/]) {
      assert.match(story, line);
    }
  });

  test('approving from the CLI with corrections sends the corrected reply, saves it to the knowledge base, and schedules the survey', async () => {
    drop('12-support-account.eml');
    const approval = await approvalFor((a) => a.kind === 'support.reply' && a.title.includes('customer-81'));
    const corrected = 'Hallo,\n\nbitte nutzen Sie "Passwort vergessen" auf der Anmeldeseite.\n\nIhr Support-Team';
    const cli = await promisify(execFile)(process.execPath, [path.join(repoRoot, 'bin', 'mailroom.js'), 'approve', approval.id, '--set', `draft=${corrected}`, '--set', 'save_to_kb=yes'], {
      env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'silent' },
    });
    assert.match(cli.stdout, /approved by cli:/);
    assert.equal(await app.engine.waitForRun(approval.run_id, { states: ['waiting', 'completed', 'failed'], timeoutMs: 20_000 }), 'waiting');
    for (let i = 0; i < 200 && smtp.messages.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    const reply = smtp.messages.find((m) => m.to.includes('kenji@customer-81.example'));
    assert.ok(reply, 'the corrected reply reached the SMTP peer');
    assert.match(reply!.text, /Passwort vergessen/);
    const kb = await db.pool.query(`SELECT title, body, tags FROM mailroom.kb_articles WHERE 'approved-reply' = ANY(tags)`);
    assert.equal(kb.rows.length, 1);
    assert.equal(kb.rows[0].title, 'Passwort zurücksetzen');
    for (let i = 0; i < 100; i++) {
      const run = await db.pool.query(`SELECT state, wait FROM mailroom.runs WHERE id = $1`, [approval.run_id]);
      if (run.rows[0].wait?.stepId === 'survey-delay') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const run = await db.pool.query(`SELECT state, wait FROM mailroom.runs WHERE id = $1`, [approval.run_id]);
    assert.equal(run.rows[0].wait.stepId, 'survey-delay', 'the satisfaction survey waits its delay');
  });
});
