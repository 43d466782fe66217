import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { searchArticles } from '../../src/data/kb.ts';
import { findPurchaseOrder, findVendor, nameKey } from '../../src/data/vendors.ts';
import { postgresLedger } from '../../src/data/ledger.ts';
import { testDatabase, type TestDatabase } from '../harness/postgres.ts';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(root, 'bin', 'mailroom.js');
const examples = path.join(root, 'examples', 'data');

describe('business data', () => {
  let db: TestDatabase;
  const cli = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'silent' }, encoding: 'utf8' });
  before(async () => {
    db = await testDatabase();
  });
  after(async () => db.close());

  test('mailroom data import loads vendors, purchase orders and knowledge-base articles', async () => {
    for (const [kind, file] of [['vendors', 'vendors.csv'], ['pos', 'pos.csv'], ['kb', 'kb']] as const) {
      const r = cli('data', 'import', kind, path.join(examples, file));
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`imported \\d+ ${kind}`));
    }
    const v = await findVendor(db.pool, { name: 'CASCADE CLOUD SERVICES, INC' });
    assert.equal(v?.id, 'V-CASCADE');
    assert.equal((await findVendor(db.pool, { senderDomain: 'northwind-supply.example' }))?.iban, 'GB32NWBK54907401061246');
    assert.deepEqual(await findPurchaseOrder(db.pool, 'po-78021'), { number: 'PO-78021', vendor_id: 'V-NORTHWIND', amount: 5695.55, currency: 'GBP', status: 'open' });
  });

  test('knowledge-base search ranks the matching article first, in any language', async () => {
    const hits = await searchArticles(db.pool, 'How do I export my reports as CSV? I could not find the option');
    assert.equal(hits[0]?.id, 'export-csv');
    const de = await searchArticles(db.pool, 'Ich habe mein Passwort vergessen, bitte zurücksetzen');
    assert.equal(de[0]?.id, 'reset-password');
  });

  test('a CSV whose header lacks the columns (the wrong file) is refused naming them; a malformed row with its file and line', () => {
    const wrong = cli('data', 'import', 'pos', path.join(examples, 'vendors.csv'));
    assert.equal(wrong.status, 2);
    assert.match(wrong.stderr, /vendors\.csv: the header has no number, amount columns \(it has: id, name,/);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-csv-')), 'pos.csv');
    fs.writeFileSync(file, 'number,vendor_id,amount,currency,status\nPO-1,V-1,12.5,EUR,open\nPO-2,V-1,lots,EUR,open\n');
    const bad = cli('data', 'import', 'pos', file);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /pos\.csv, line 3: amount: /);
  });

  test('booking the same invoice twice keeps one ledger entry and one payment', async () => {
    const ledger = postgresLedger(db.pool);
    const entry = { runId: null as never, vendorId: 'V-CASCADE', vendorName: 'Cascade Cloud Services Inc.', invoiceNumber: 'INV-1', invoiceDate: '2026-11-01', dueDate: '2026-12-01', poNumber: null, currency: 'USD', subtotal: 10, tax: 0, total: 10, iban: null, approvedBy: ['U1'] };
    const a = await ledger.book(entry);
    const b = await ledger.book(entry);
    assert.equal(a.id, b.id);
    assert.equal(b.created, false);
    const p1 = await ledger.schedulePayment({ ledgerId: a.id, runId: null as never, amount: 10, currency: 'USD', iban: null, dueDate: '2026-12-01' });
    const p2 = await ledger.schedulePayment({ ledgerId: a.id, runId: null as never, amount: 10, currency: 'USD', iban: null, dueDate: '2026-12-01' });
    assert.equal(p1.id, p2.id);
  });

  test('vendor names match without legal forms or punctuation', () => {
    assert.equal(nameKey('Northwind Office Supply Ltd.'), nameKey('NORTHWIND OFFICE SUPPLY LIMITED'));
  });
});
