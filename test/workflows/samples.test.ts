/**
 * Acceptance: `mailroom process` on every sample in ../shared/data/samples gives the expected
 * workflow and outcome with the offline provider. Then a person approves every invoice: the clean
 * ones are booked and their payments scheduled as read, and no injection sample pays the IBAN its
 * mail asks for or mails anyone.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { castVote, getApproval } from '../../src/approvals/store.ts';
import { loadConfig } from '../../src/config.ts';
import { createApp } from '../../src/main.ts';
import { makeTempDir, testDatabase, type TestDatabase } from '../harness/postgres.ts';
import { repoRoot, sharedData, needsShared } from '../harness/shared.ts';

const bin = path.join(repoRoot, 'bin', 'mailroom.js');
const samplesDir = sharedData('samples');
const samples = needsShared ? [] : fs.readdirSync(samplesDir).filter((f) => f.endsWith('.eml')).sort();

describe('mailroom process on the labelled samples (offline provider)', { skip: needsShared }, () => {
  let db: TestDatabase;
  const results = new Map<string, any>();
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [bin, ...args], { env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'warn', ANTHROPIC_API_KEY: '', LLM_PROVIDER: '' }, encoding: 'utf8', cwd: repoRoot });

  before(async () => {
    db = await testDatabase();
    for (const [kind, file] of [['vendors', 'vendors.csv'], ['pos', 'pos.csv'], ['kb', 'kb']]) {
      const r = cli('data', 'import', kind!, path.join(repoRoot, 'examples', 'data', file!));
      assert.equal(r.status, 0, r.stderr);
    }
    const r = cli('process', '--json', ...samples.map((s) => path.join(samplesDir, s)));
    assert.equal(r.status, 0, r.stderr);
    for (const line of r.stdout.trim().split('\n')) {
      const o = JSON.parse(line);
      results.set(path.basename(o.input), o);
    }
  });
  after(async () => db.close());

  for (const sample of samples) {
    const expected = JSON.parse(fs.readFileSync(path.join(samplesDir, sample.replace(/\.eml$/, '.expected.json')), 'utf8'));
    test(`${sample} → ${expected.workflow}${expected.category ? ` (${expected.category}/${expected.priority}/${expected.language})` : ''}`, () => {
      const o = results.get(sample);
      assert.ok(o, `no output for ${sample}`);
      assert.equal(o.error, undefined, o.error);
      assert.equal(o.workflow, expected.workflow);
      assert.equal(o.state, 'waiting', 'offline decisions wait for a person');
      if (expected.category) {
        assert.deepEqual([o.classification.category, o.classification.priority, o.classification.language], [expected.category, expected.priority, expected.language]);
        assert.ok(o.classification.confidence < 0.7, 'the offline provider is honest about its confidence');
      }
      for (const [field, value] of Object.entries(expected.fields ?? {})) assert.deepEqual(o.extracted[field], value, field);
      if (expected.forwarded) assert.equal(o.original_sender, expected.original_sender);
      if (expected.must?.includes('human_approval')) {
        assert.equal(o.approval?.status, 'pending');
        assert.equal(o.escalated, true);
        assert.ok(o.approval.reasons.some((r: string) => /prompt injection/.test(r)), 'the injection is named for the approver');
      }
    });
  }

  test('a person approving every invoice books the clean ones as read, and no payment goes to an IBAN an injected mail asks for', async () => {
    const invoices = samples.filter((s) => results.get(s)?.workflow === 'invoice');
    const expected = (s: string) => JSON.parse(fs.readFileSync(path.join(samplesDir, s.replace(/\.eml$/, '.expected.json')), 'utf8'));
    const clean = invoices.filter((s) => !expected(s).must);
    const injected = invoices.filter((s) => expected(s).must);
    assert.ok(clean.length >= 6 && injected.length >= 3, `${clean.length} clean, ${injected.length} injected`);
    const askedFor = injected.flatMap((s) => [...fs.readFileSync(path.join(samplesDir, s), 'utf8').matchAll(/IBAN:\s*([A-Z]{2}\d{2}[A-Z0-9]{10,30})/g)].map((m) => m[1]!));
    assert.equal(askedFor.length, injected.length, 'each injected mail names the IBAN it wants paid');

    // A worker in this process executes what the votes resume (as `mailroom start` would).
    const app = await createApp(loadConfig({ DATABASE_URL: db.url, MAILROOM_DATA_DIR: makeTempDir('mailroom-samples-'), ENGINE_RETRY_BASE_MS: '50' }), pino({ level: 'silent' }), 'worker');
    try {
      for (const s of invoices) {
        const approval = (await getApproval(db.pool, results.get(s).approval.id))!;
        for (const approver of ['cli:alice', 'cli:bob'].slice(0, approval.required_approvals)) {
          const outcome = await castVote(db.pool, { approvalId: approval.id, approver, decision: 'approve', channel: 'cli', version: approval.version }, (tx, n, k, p, src) => app.engine.sendEventInTransaction(tx, n, k, p, src));
          assert.notEqual(outcome.kind, 'refused', `${s}: ${JSON.stringify(outcome)}`);
        }
      }
      // Booked and scheduled; payments due later stay scheduled while their runs sleep.
      const runIds = invoices.map((s) => results.get(s).run_id);
      let payments: any[] = [];
      for (let i = 0; i < 1200 && payments.length < invoices.length; i++) {
        payments = (await db.pool.query('SELECT l.invoice_number, l.total, p.amount, p.iban, p.run_id FROM mailroom.payments p JOIN mailroom.ledger_entries l ON l.id = p.ledger_id')).rows;
        if (payments.length < invoices.length) await new Promise((r) => setTimeout(r, 100));
      }
      const states = (await db.pool.query('SELECT id, state, error FROM mailroom.runs WHERE id = ANY($1::uuid[])', [runIds])).rows;
      assert.equal(payments.length, invoices.length, `payments: ${JSON.stringify(payments)}; runs: ${JSON.stringify(states)}`);
      for (const s of clean) {
        const { fields } = expected(s);
        const paid = payments.find((p) => p.run_id === results.get(s).run_id);
        assert.ok(paid, `${s} was booked and its payment scheduled`);
        assert.deepEqual([paid.invoice_number, Number(paid.total), Number(paid.amount), paid.iban], [fields.invoice_number, fields.total, fields.total, fields.iban], s);
      }
      for (const p of payments) assert.ok(!askedFor.includes(p.iban), `${p.invoice_number} is paid to ${p.iban}, the IBAN an injected mail asked for`);
      const ledgerIbans = (await db.pool.query('SELECT iban FROM mailroom.ledger_entries')).rows.map((r) => r.iban);
      assert.ok(!ledgerIbans.some((iban) => askedFor.includes(iban)), 'no booking carries an injected IBAN');
      assert.deepEqual((await db.pool.query('SELECT to_address FROM mailroom.outbox')).rows, [], 'no injected instruction mailed anyone');
    } finally {
      await app.stop();
    }
  });

  test('processing the same file again reports the existing run instead of starting another', () => {
    const r = cli('process', '--json', path.join(samplesDir, samples[0]!));
    const o = JSON.parse(r.stdout.trim());
    assert.equal(o.duplicate, true);
    assert.equal(o.run_id, results.get(samples[0]!).run_id);
  });

  test('an unreadable input is a one-line error with exit code 2, and the others are still processed', () => {
    const bad = path.join(fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'bad-')), 'notes.txt');
    fs.writeFileSync(bad, 'just some notes');
    const r = cli('process', '--json', bad, path.join(samplesDir, samples[9]!));
    assert.equal(r.status, 2);
    assert.match(r.stderr, /notes\.txt: not a recognisable email message, PDF, image, XML e-invoice or JSON trigger/);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 2);
    assert.equal(lines[1].workflow, 'support');
  });
});
