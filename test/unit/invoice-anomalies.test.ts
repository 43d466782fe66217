import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findAnomalies, type InvoiceFacts } from '../../src/workflows/invoice/anomalies.ts';
import { replySubject } from '../../src/workflows/support/reply-text.ts';

const policy = { po_tolerance_pct: 2, history_deviation_factor: 3, duplicate_window_days: 45 };
const base: InvoiceFacts = {
  fields: { vendor: 'Northwind Office Supply Ltd', invoice_number: 'INV-9078', invoice_date: '2026-10-19', due_date: '2026-11-18', po_number: 'PO-78021', currency: 'GBP', subtotal: 4746.29, tax: 949.26, total: 5695.55, iban: 'GB32NWBK54907401061246' },
  senderDomain: 'northwind-supply.example',
  vendor: { id: 'V-N', name: 'Northwind Office Supply Ltd', iban: 'GB32NWBK54907401061246', email_domains: ['northwind-supply.example'] },
  po: { number: 'PO-78021', vendor_id: 'V-N', amount: 5695.55, currency: 'GBP', status: 'open' },
  history: [],
};

test('a clean invoice from a known vendor against its open PO has no anomaly', () => {
  assert.deepEqual(findAnomalies(base, policy), []);
});

test('bank details that differ from the vendor record are flagged', () => {
  const a = findAnomalies({ ...base, fields: { ...base.fields, iban: 'LT271061625353244510' } }, policy);
  assert.ok(a.some((x) => /bank details differ/.test(x)));
});

test('an unknown vendor, a foreign sender domain and a missing PO are flagged', () => {
  const a = findAnomalies({ ...base, vendor: null, po: null, fields: { ...base.fields, po_number: 'PO-1' } }, policy);
  assert.ok(a.some((x) => /new vendor/.test(x)));
  assert.ok(a.some((x) => /PO-1 does not exist/.test(x)));
  const b = findAnomalies({ ...base, senderDomain: 'gmail.com' }, policy);
  assert.ok(b.some((x) => /sender domain gmail\.com is not the vendor's/.test(x)));
});

test('amounts outside the PO tolerance and far from the vendor history are flagged', () => {
  const a = findAnomalies({ ...base, fields: { ...base.fields, total: 6000 } }, policy);
  assert.ok(a.some((x) => /differs from purchase order/.test(x)));
  const history = [100, 110, 120].map((t, i) => ({ invoice_number: `X${i}`, total: t, invoice_date: '2026-01-01', currency: 'GBP' }));
  const b = findAnomalies({ ...base, history }, policy);
  assert.ok(b.some((x) => /far from this vendor's usual/.test(x)));
});

test('duplicates by number, and by amount within the window, are flagged', () => {
  const dupNumber = findAnomalies({ ...base, history: [{ invoice_number: 'INV-9078', total: 1, invoice_date: '2025-01-01', currency: 'GBP' }] }, policy);
  assert.ok(dupNumber.some((x) => /duplicate: invoice INV-9078/.test(x)));
  const dupAmount = findAnomalies({ ...base, history: [{ invoice_number: 'OTHER', total: 5695.55, invoice_date: '2026-10-01', currency: 'GBP' }] }, policy);
  assert.ok(dupAmount.some((x) => /possible duplicate/.test(x)));
});

test('reply subjects get one "Re:" whatever prefixes the client used', () => {
  assert.equal(replySubject('AW: Re: Passwort zurücksetzen'), 'Re: Passwort zurücksetzen');
  assert.equal(replySubject('Production API down'), 'Re: Production API down');
});
