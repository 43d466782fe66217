/**
 * Structured e-invoices: the XML a hybrid PDF carries (ZUGFeRD / Factur-X / XRechnung) is read as
 * the exact path and cross-checked with what the PDF shows.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseEInvoiceXml, readEmbeddedInvoice } from '../../src/documents/einvoice.ts';
import { extractDocument } from '../../src/documents/extract.ts';
import { createOcrPool } from '../../src/documents/ocr-pool.ts';
import { detectInputKind } from '../../src/intake/detect.ts';
import { textPdf } from '../harness/pdf.ts';
import { ciiInvoice as cii } from '../fixtures/einvoice.ts';
import { needsShared, sharedData } from '../harness/shared.ts';

const page = (total: string) => [
  'Nordlicht Bueromoebel GmbH',
  'Moenckebergstrasse 7, 20095 Hamburg',
  'Rechnung',
  'Rechnungsnummer: RE-2026-0412',
  'Rechnungsdatum: 02.11.2026',
  'Bestellnummer: PO-7781',
  'Nettobetrag: 1.050,42 EUR',
  'MwSt 19%: 199,58 EUR',
  `Gesamtbetrag: ${total} EUR`,
  'IBAN: DE89 3704 0044 0532 0130 00',
];
const xml = cii({ number: 'RE-2026-0412', total: '1250.00', tax: '199.58', basis: '1050.42', iban: 'DE89370400440532013000' });

describe('e-invoices (ZUGFeRD / Factur-X / XRechnung)', () => {
  const ocr = createOcrPool({ workers: 1 });
  after(async () => ocr.close());

  test('a hybrid PDF is read from its embedded XML, confirmed by its text layer, without OCR', async () => {
    const pdf = textPdf([page('1.250,00')], { attachments: [{ name: 'factur-x.xml', content: xml }] });
    const r = await extractDocument(pdf, 'hybrid.pdf', { ocr });
    assert.equal(r.error, undefined);
    assert.equal(r.paths.einvoice.status, 'ok');
    assert.match(r.paths.einvoice.reason!, /CII \(factur-x\.xml\)/);
    assert.equal(r.paths.ocr.status, 'skipped');
    assert.deepEqual(
      { number: r.fields.invoice_number, total: r.fields.total, tax: r.fields.tax, due: r.fields.due_date, po: r.fields.po_number, iban: r.fields.iban, vendor: r.fields.vendor },
      { number: 'RE-2026-0412', total: 1250, tax: 199.58, due: '2026-12-02', po: 'PO-7781', iban: 'DE89370400440532013000', vendor: 'Nordlicht Büromöbel GmbH' },
    );
    assert.deepEqual(r.detail!.total.sources, ['einvoice', 'text']);
    assert.equal(r.needs_review, false);
  });

  test('when the PDF shows another total than its XML, a person sees both values', async () => {
    const pdf = textPdf([page('12.500,00')], { attachments: [{ name: 'factur-x.xml', content: xml }] });
    const r = await extractDocument(pdf, 'tampered.pdf', { ocr });
    assert.equal(r.needs_review, true);
    const total = r.review.find((x) => x.field === 'total');
    assert.deepEqual(total?.values, [{ source: 'einvoice', value: 1250 }, { source: 'text', value: 12500 }]);
  });

  test('with e-invoice reading turned off the same PDF is read visually (text layer and OCR)', async () => {
    const pdf = textPdf([page('1.250,00')], { attachments: [{ name: 'factur-x.xml', content: xml }] });
    const r = await extractDocument(pdf, 'hybrid.pdf', { ocr, einvoice: false });
    assert.equal(r.paths.einvoice.status, 'skipped');
    assert.equal(r.paths.ocr.status, 'ok');
    assert.equal(r.fields.total, 1250);
  });

  test('a PDF without attachments has no e-invoice path; an XML attachment that is not an invoice is ignored', async () => {
    assert.equal(await readEmbeddedInvoice(textPdf([page('1.250,00')])), null);
    assert.equal(await readEmbeddedInvoice(textPdf([page('1.250,00')], { attachments: [{ name: 'notes.xml', content: '<notes><n>hello</n></notes>' }] })), null);
  });

  test('UBL invoices and early ZUGFeRD 1 documents are read; malformed XML and entity bombs are not', () => {
    const ubl = parseEInvoiceXml(`<?xml version="1.0"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:ID>UBL-77</cbc:ID><cbc:IssueDate>2026-10-01</cbc:IssueDate><cbc:DueDate>2026-10-31</cbc:DueDate><cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
  <cac:OrderReference><cbc:ID>PO-1</cbc:ID></cac:OrderReference>
  <cac:AccountingSupplierParty><cac:Party><cac:PartyName><cbc:Name>Seller SAS</cbc:Name></cac:PartyName></cac:Party></cac:AccountingSupplierParty>
  <cac:PaymentMeans><cac:PayeeFinancialAccount><cbc:ID>FR76 3000 6000 0112 3456 7890 189</cbc:ID></cac:PayeeFinancialAccount></cac:PaymentMeans>
  <cac:TaxTotal><cbc:TaxAmount currencyID="EUR">20.00</cbc:TaxAmount></cac:TaxTotal>
  <cac:LegalMonetaryTotal><cbc:TaxExclusiveAmount currencyID="EUR">100.00</cbc:TaxExclusiveAmount><cbc:TaxInclusiveAmount currencyID="EUR">120.00</cbc:TaxInclusiveAmount><cbc:PayableAmount currencyID="EUR">120.00</cbc:PayableAmount></cac:LegalMonetaryTotal>
  <cac:InvoiceLine><cbc:ID>1</cbc:ID><cbc:InvoicedQuantity unitCode="C62">2</cbc:InvoicedQuantity><cbc:LineExtensionAmount currencyID="EUR">100.00</cbc:LineExtensionAmount><cac:Item><cbc:Name>Chairs</cbc:Name></cac:Item></cac:InvoiceLine>
</Invoice>`);
    assert.equal(ubl?.syntax, 'UBL');
    assert.deepEqual(
      { n: ubl!.fields.invoice_number, d: ubl!.fields.invoice_date, due: ubl!.fields.due_date, total: ubl!.fields.total, tax: ubl!.fields.tax, sub: ubl!.fields.subtotal, iban: ubl!.fields.iban, vendor: ubl!.fields.vendor, po: ubl!.fields.po_number },
      { n: 'UBL-77', d: '2026-10-01', due: '2026-10-31', total: 120, tax: 20, sub: 100, iban: 'FR7630006000011234567890189', vendor: 'Seller SAS', po: 'PO-1' },
    );
    assert.deepEqual(ubl!.fields.line_items, [{ description: 'Chairs', quantity: 2, amount: 100 }]);

    const v1 = parseEInvoiceXml(`<rsm:CrossIndustryDocument xmlns:rsm="urn:ferd:CrossIndustryDocument:invoice:1p0" xmlns:ram="x" xmlns:udt="y">
  <rsm:HeaderExchangedDocument><ram:ID>R-1</ram:ID><ram:IssueDateTime><udt:DateTimeString format="102">20130806</udt:DateTimeString></ram:IssueDateTime></rsm:HeaderExchangedDocument>
  <rsm:SpecifiedSupplyChainTradeTransaction><ram:ApplicableSupplyChainTradeSettlement><ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
    <ram:SpecifiedTradeSettlementMonetarySummation><ram:GrandTotalAmount currencyID="EUR">529.87</ram:GrandTotalAmount></ram:SpecifiedTradeSettlementMonetarySummation>
  </ram:ApplicableSupplyChainTradeSettlement></rsm:SpecifiedSupplyChainTradeTransaction></rsm:CrossIndustryDocument>`);
    assert.deepEqual([v1?.syntax, v1?.fields.invoice_number, v1?.fields.invoice_date, v1?.fields.total], ['CII', 'R-1', '2013-08-06', 529.87]);

    assert.equal(parseEInvoiceXml('<Invoice><unclosed>'), null);
    const lol = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "${'x'.repeat(100)}"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
<rsm:CrossIndustryInvoice xmlns:rsm="r" xmlns:ram="a"><rsm:ExchangedDocument><ram:ID>&d;</ram:ID></rsm:ExchangedDocument></rsm:CrossIndustryInvoice>`;
    const bomb = parseEInvoiceXml(lol);
    assert.ok(!bomb || (bomb.fields.invoice_number ?? '').length < 100, 'entities are not expanded');
  });

  test('an XRechnung sent as XML alone is recognised by its content and read exactly', async () => {
    assert.deepEqual(detectInputKind(Buffer.from(xml)), { kind: 'einvoice', contentType: 'application/xml' });
    const r = await extractDocument(Buffer.from(xml), 'xrechnung.xml', { ocr });
    assert.equal(r.error, undefined);
    assert.equal(r.source, 'einvoice');
    assert.equal(r.fields.total, 1250);
    assert.equal(r.needs_review, false, 'subtotal + tax = total confirms the single exact path');
    const notInvoice = await extractDocument(Buffer.from('<?xml version="1.0"?><Invoice><Note>hello</Note></Invoice>'), 'odd.xml', { ocr });
    assert.match(notInvoice.error ?? '', /not a readable e-invoice/);
  });

  test('a credit note is never a bill to pay: it goes to review, saying so', async () => {
    const credit = xml.replace('<ram:TypeCode>380</ram:TypeCode>', '<ram:TypeCode>381</ram:TypeCode>');
    const r = await extractDocument(textPdf([page('1.250,00')], { attachments: [{ name: 'factur-x.xml', content: credit }] }), 'credit.pdf', { ocr });
    assert.equal(r.needs_review, true);
    assert.match(r.warnings.join(' '), /credit note/);
    assert.ok(r.review.some((x) => x.note === 'a credit note, not a bill to pay'));
  });

  test('every ZUGFeRD / Factur-X sample in the shared corpus yields the grand total of its XML', { skip: needsShared }, async () => {
    const dir = sharedData('invoices-zugferd');
    const truth = JSON.parse(fs.readFileSync(path.join(dir, 'ground_truth_derived.json'), 'utf8')) as Record<string, { grand_total?: string; invoice_number?: string }>;
    const misses: string[] = [];
    let n = 0;
    for (const [file, t] of Object.entries(truth)) {
      if (!t.grand_total) continue;
      n++;
      const r = await readEmbeddedInvoice(fs.readFileSync(path.join(dir, file)));
      if (r?.fields.total !== Number(t.grand_total) || r.fields.invoice_number !== t.invoice_number) misses.push(`${file}: ${r?.fields.total} ${r?.fields.invoice_number}`);
    }
    assert.ok(n >= 50, `${n} samples`);
    assert.deepEqual(misses, []);
  });
});
