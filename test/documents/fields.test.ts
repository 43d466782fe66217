import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAmount, detectCurrency } from '../../src/documents/numbers.ts';
import { parseDate } from '../../src/documents/dates.ts';
import { isValidIban } from '../../src/documents/iban.ts';
import { extractInvoiceFields } from '../../src/documents/invoice-fields.ts';
import { crossCheck } from '../../src/documents/cross-check.ts';

test('amounts are read in every common locale', () => {
  for (const [raw, want] of [['1,234.56', 1234.56], ['1.234,56', 1234.56], ['1 234,56', 1234.56], ["1'234.56", 1234.56], ['$11,704.07', 11704.07], ['282,21 EUR', 282.21], ['RM 9.00', 9], ['4,448.52 GBP', 4448.52], ['1,234', 1234], ['12.5', 12.5]] as const) {
    assert.equal(parseAmount(raw), want, raw);
  }
  assert.equal(parseAmount('n/a'), null);
  assert.equal(detectCurrency('Total: £12.00'), 'GBP');
  assert.equal(detectCurrency('Total 12,00 EUR'), 'EUR');
});

test('dates are normalised to ISO 8601, day/month order by value or locale', () => {
  assert.deepEqual(parseDate('19 Oct 2026'), { value: '2026-10-19', alternative: null });
  assert.deepEqual(parseDate('3. März 2026'), { value: '2026-03-03', alternative: null });
  assert.deepEqual(parseDate('13/03/2026'), { value: '2026-03-13', alternative: null });
  assert.equal(parseDate('11/06/2026', 'mdy')!.value, '2026-11-06');
  assert.equal(parseDate('11/06/2026', 'dmy')!.value, '2026-06-11');
  assert.equal(parseDate('2026-02-30'), null);
  assert.equal(parseDate('25.12.2018')!.value, '2018-12-25');
});

test('IBANs are checked with mod 97', () => {
  assert.ok(isValidIban('GB32 NWBK 5490 7401 0612 46'));
  assert.ok(isValidIban('DE89370400440532013000'));
  assert.ok(!isValidIban('DE89370400440532013001'));
});

test('labelled fields are found in English, French and German invoices', () => {
  const fr = extractInvoiceFields('Atelier Lumière SARL\n38 Hauptstraße\nFACTURE\nN° de facture: RE-533532\nDate de facture: 11/02/2026\nDate d\'échéance: 13/03/2026\nTotal HT: 282,21 EUR\nTVA 20%: 56,44 EUR\nTotal TTC: 338,65 EUR\nIBAN FR33 7400 9348 1271 2578 2956 073');
  assert.deepEqual(
    { v: fr.fields.vendor, n: fr.fields.invoice_number, d: fr.fields.invoice_date, due: fr.fields.due_date, s: fr.fields.subtotal, t: fr.fields.tax, r: fr.fields.tax_rate, tot: fr.fields.total, c: fr.fields.currency, i: fr.fields.iban },
    { v: 'Atelier Lumière SARL', n: 'RE-533532', d: '2026-02-11', due: '2026-03-13', s: 282.21, t: 56.44, r: 20, tot: 338.65, c: 'EUR', i: 'FR3374009348127125782956073' },
  );
  const de = extractInvoiceFields('Muster GmbH\nRechnung\nRechnungsnummer: 2026-0042\nRechnungsdatum: 03.11.2026\nZwischensumme: 1.000,00 €\nMwSt. 19%: 190,00 €\nGesamtbetrag: 1.190,00 €');
  assert.deepEqual([de.fields.invoice_number, de.fields.invoice_date, de.fields.subtotal, de.fields.total, de.fields.currency], ['2026-0042', '2026-11-03', 1000, 1190, 'EUR']);
});

test('paths that disagree on an amount send the document to review with both values', () => {
  const a = extractInvoiceFields('ACME Ltd\nINVOICE\nInvoice No: A-1\nSubtotal: 100.00 GBP\nVAT 20%: 20.00 GBP\nTotal Due: 120.00 GBP').fields;
  const b = { ...a, total: 170 };
  const r = crossCheck({ text: a, ocr: b });
  assert.equal(r.needs_review, true);
  assert.deepEqual(r.review.find((x) => x.field === 'total')?.values, [{ source: 'text', value: 120 }, { source: 'ocr', value: 170 }]);
  const agree = crossCheck({ text: a, ocr: a });
  assert.equal(agree.needs_review, false);
  assert.deepEqual(agree.fields.total, { value: 120, sources: ['text', 'ocr'], confidence: 0.95 });
});

test('a single-path total that the arithmetic does not confirm goes to review', () => {
  const f = extractInvoiceFields('Shop\nReceipt 123\nSubtotal: 10.00\nTax: 1.00\nTotal: 12.00').fields;
  const r = crossCheck({ ocr: f });
  assert.equal(r.needs_review, true);
  assert.ok(r.checks.some((c) => c.name === 'subtotal + tax = total' && !c.ok));
});

test('one OCR reading whose own sums add up is not confirmed: it goes to review, saying why', () => {
  // Offline scans have one reading; its arithmetic checks the reading against itself.
  const f = extractInvoiceFields('Shop\nReceipt 123\nSubtotal: 10.00\nTax: 1.00\nTotal: 11.00').fields;
  const r = crossCheck({ ocr: f });
  assert.ok(r.checks.some((c) => c.name === 'subtotal + tax = total' && c.ok));
  assert.deepEqual(r.fields.total.sources, ['ocr']);
  assert.equal(r.needs_review, true);
  assert.deepEqual(r.review.find((x) => x.field === 'total')?.values, [{ source: 'ocr', value: 11 }]);
  // The same holds for any single perceived reading (text layer, vision), but a second path agreeing confirms it.
  assert.equal(crossCheck({ vision: f }).needs_review, true);
  assert.equal(crossCheck({ vision: f, ocr: f }).needs_review, false);
  // The e-invoice XML is the seller's own data, not a reading: its sums confirm it.
  assert.equal(crossCheck({ einvoice: f }).needs_review, false);
});

test('an invalid IBAN sends the document to review', () => {
  const f = extractInvoiceFields('ACME Ltd\nInvoice No: A-1\nSubtotal: 100.00\nTax: 0.00\nTotal: 100.00\nIBAN DE89370400440532013001').fields;
  assert.equal(crossCheck({ text: f }).needs_review, true);
});

test('an IBAN followed by more text on its line is cut back to its country length', () => {
  const { fields } = extractInvoiceFields('Invoice INV-1\nTotal 10.00 EUR\nIBAN DE88 2008 0000 0970 3757 00 BIC COBADEFFXXX');
  assert.equal(fields.iban, 'DE88200800000970375700');
});

test('a receipt whose labelled total OCR garbled is outvoted by paid minus change and the rounded total', () => {
  const receipt = [
    'MEGAH RETAIL SDN BHD',
    'Sub Total : RM 4.69',
    'Rounding Adj : RM 0.01',
    'Total Sales Inclusive GST : RM 4.70',
    'Cash : RM 5.00',
    'Change : RM 0.30',
    'Total: 4.43 0.26',
  ].join('\n');
  assert.equal(extractInvoiceFields(receipt).fields.total, 4.7);
  const garbled = ['Total Amount: RM7.72', 'Rounding: -RM0.02', 'Nett Total: RM7.70', 'CASH RM7.70', 'Change RM0.00 :'].join('\n');
  assert.equal(extractInvoiceFields(garbled).fields.total, 7.7, 'the amount after rounding, confirmed by the payment');
  const spaced = ['Total Sales Incl GST @ 6% RM 8 60', 'Cash 8.60', 'Tendered 9.00', 'Change 0.40'].join('\n');
  assert.equal(extractInvoiceFields(spaced).fields.total, 8.6, 'OCR’s space for a decimal point, and the tendered amount before the change');
});

test('a clean invoice keeps its labelled total: one stray statement cannot overrule it', () => {
  const invoice = ['ACME Ltd', 'Invoice INV-77', 'Subtotal 100.00', 'VAT 20.00', 'Total due 120.00', 'Payment received 50.00', 'Change 0.00'].join('\n');
  assert.equal(extractInvoiceFields(invoice).fields.total, 120);
});

test('a city before the date is not mistaken for a label, and a delivery date is not the invoice date', () => {
  const { fields } = extractInvoiceFields('Medienpilot GmbH\nRechnung\nReichenschwand 04.07.2023\nRechnungs-Nr 02581\nLieferdatum, 30.06.2023\nGesamtbetrag 119,00 €');
  assert.equal(fields.invoice_date, '2023-07-04');
});

// Lines are cut before the patterns run (they are quadratic in a line's length); the timeout turns a stall into a failure.
test('a hostile document with a 200,000-character line of digits is read without stalling', { timeout: 10_000 }, () => {
  const { fields } = extractInvoiceFields(`Invoice INV-1\n${'1 '.repeat(100_000)}x\nTotal due 12.50 EUR`);
  assert.equal(fields.total, 12.5);
});

test('a subtotal or tax label takes its amount from its own line, and "ohne USt." names the net amount, not the tax', () => {
  const { fields } = extractInvoiceFields(['Beschreibung Nettopreis Menge Nettobetrag', '1 Trennblätter A4 20 198,00', 'Rechnungssumme ohne USt. 473,00', 'Steuerbetrag 56,87', 'Bruttosumme 529,87'].join('\n'));
  assert.deepEqual([fields.subtotal, fields.tax, fields.total], [473, 56.87, 529.87]);
});
