/**
 * Structured e-invoices: the machine-readable XML a hybrid PDF carries (ZUGFeRD 1/2, Factur-X,
 * XRechnung as CII) or a standalone XML invoice (CII or UBL). When present it is the exact path:
 * the seller's own data, no reading of pixels. It is still cross-checked with what the PDF shows,
 * because a PDF whose picture and data disagree is precisely what a person must see.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { normaliseIban } from './iban.ts';
import type { InvoiceFields } from './invoice-fields.ts';
import { pdfAttachments } from './pdf-text.ts';

/** File names the standards give the embedded XML; any other .xml attachment is tried last. */
const KNOWN_NAMES = /^(factur-x|zugferd-invoice|ZUGFeRD-invoice|xrechnung|order-x)\.xml$/i;
const MAX_XML_BYTES = 5 * 1024 * 1024;

export interface EmbeddedInvoice {
  /** Which syntax and where it came from, e.g. "CII (factur-x.xml)". */
  format: string;
  fields: InvoiceFields;
  /** A credit note (UNTDID 1001 code 381, or UBL CreditNote) is money back, never a bill to pay. */
  creditNote: boolean;
}

export interface ParsedEInvoice {
  syntax: 'CII' | 'UBL';
  fields: InvoiceFields;
  creditNote: boolean;
}

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  trimValues: true,
  // Entities are not needed in invoice data and expanding them is how XML bombs work.
  processEntities: false,
});

type Node = Record<string, unknown>;

/** The first descendant reached through these local names, arrays taking their first element. */
function at(node: unknown, ...names: string[]): unknown {
  let cur: unknown = node;
  for (const n of names) {
    if (Array.isArray(cur)) cur = cur[0];
    if (!cur || typeof cur !== 'object') return undefined;
    cur = (cur as Node)[n];
  }
  return Array.isArray(cur) ? cur[0] : cur;
}

function all(node: unknown, ...names: string[]): unknown[] {
  const parent = at(node, ...names.slice(0, -1));
  if (!parent || typeof parent !== 'object') return [];
  const v = (parent as Node)[names.at(-1)!];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function text(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'object') return text((v as Node)['#text']);
  const s = String(v).trim();
  return s || null;
}

function amount(v: unknown): number | null {
  const s = text(v);
  if (s === null || !/^-?\d+(\.\d+)?$/.test(s)) return null;
  return Math.round(Number(s) * 100) / 100;
}

/** CII dates are `format="102"` (YYYYMMDD); UBL dates are ISO already. */
function date(v: unknown): string | null {
  const s = text(at(v, 'DateTimeString')) ?? text(v);
  if (!s) return null;
  const m = /^(\d{4})-?(\d{2})-?(\d{2})/.exec(s);
  return m ? `${m[1]}-${m[2]}-${m[3]}` : null;
}

const emptyFields = (): InvoiceFields => ({
  vendor: null, vendor_address: null, invoice_number: null, invoice_date: null, due_date: null, po_number: null, currency: null,
  subtotal: null, tax: null, tax_rate: null, total: null, iban: null, payment_terms: null, line_items: [],
});

function address(party: unknown): string | null {
  const a = at(party, 'PostalTradeAddress');
  const parts = [text(at(a, 'LineOne')), [text(at(a, 'PostcodeCode')), text(at(a, 'CityName'))].filter(Boolean).join(' '), text(at(a, 'CountryID'))].filter(Boolean);
  return parts.length ? parts.join(', ') : null;
}

/** The tax total in the invoice currency (CII may repeat it in the accounting currency). */
function taxIn(summation: unknown, currency: string | null): number | null {
  const taxes = all(summation, 'TaxTotalAmount');
  const match = taxes.find((t) => typeof t === 'object' && t !== null && (t as Node)['@currencyID'] === currency) ?? taxes[0];
  return amount(match);
}

/** UN/CEFACT Cross Industry Invoice: ZUGFeRD 2.x, Factur-X, XRechnung CII; and ZUGFeRD 1.0. */
function fromCii(root: unknown): InvoiceFields {
  const v1 = at(root, 'HeaderExchangedDocument') !== undefined;
  const header = at(root, v1 ? 'HeaderExchangedDocument' : 'ExchangedDocument');
  const tx = at(root, v1 ? 'SpecifiedSupplyChainTradeTransaction' : 'SupplyChainTradeTransaction');
  const agreement = at(tx, v1 ? 'ApplicableSupplyChainTradeAgreement' : 'ApplicableHeaderTradeAgreement');
  const settlement = at(tx, v1 ? 'ApplicableSupplyChainTradeSettlement' : 'ApplicableHeaderTradeSettlement');
  const summation = at(settlement, v1 ? 'SpecifiedTradeSettlementMonetarySummation' : 'SpecifiedTradeSettlementHeaderMonetarySummation');
  const seller = at(agreement, 'SellerTradeParty');
  const currency = text(at(settlement, 'InvoiceCurrencyCode'));
  const terms = at(settlement, 'SpecifiedTradePaymentTerms');
  const ibans = all(settlement, 'SpecifiedTradeSettlementPaymentMeans').map((m) => text(at(m, 'PayeePartyCreditorFinancialAccount', 'IBANID'))).filter(Boolean);
  const rates = all(settlement, 'ApplicableTradeTax').map((t) => amount(at(t, v1 ? 'ApplicablePercent' : 'RateApplicablePercent')));
  const lines = all(tx, 'IncludedSupplyChainTradeLineItem').map((l) => {
    const product = at(l, 'SpecifiedTradeProduct');
    const lineSettlement = at(l, v1 ? 'SpecifiedSupplyChainTradeSettlement' : 'SpecifiedLineTradeSettlement');
    const lineDelivery = at(l, v1 ? 'SpecifiedSupplyChainTradeDelivery' : 'SpecifiedLineTradeDelivery');
    return {
      description: text(at(product, 'Name')) ?? '',
      quantity: amount(at(lineDelivery, 'BilledQuantity')),
      amount: amount(at(lineSettlement, v1 ? 'SpecifiedTradeSettlementMonetarySummation' : 'SpecifiedTradeSettlementLineMonetarySummation', 'LineTotalAmount')) ?? 0,
    };
  });
  return {
    ...emptyFields(),
    vendor: text(at(seller, 'Name')),
    vendor_address: address(seller),
    invoice_number: text(at(header, 'ID')),
    invoice_date: date(at(header, 'IssueDateTime')),
    due_date: date(at(terms, 'DueDateDateTime')),
    po_number: text(at(agreement, 'BuyerOrderReferencedDocument', v1 ? 'ID' : 'IssuerAssignedID')),
    currency,
    subtotal: amount(at(summation, 'TaxBasisTotalAmount')),
    tax: taxIn(summation, currency),
    tax_rate: rates.length === 1 ? rates[0]! : null,
    total: amount(at(summation, 'GrandTotalAmount')),
    iban: ibans[0] ? normaliseIban(ibans[0]) : null,
    payment_terms: text(at(terms, 'Description')),
    line_items: lines,
  };
}

/** OASIS UBL 2.1 Invoice (XRechnung UBL, Peppol BIS). */
function fromUbl(root: unknown): InvoiceFields {
  const party = at(root, 'AccountingSupplierParty', 'Party');
  const currency = text(at(root, 'DocumentCurrencyCode'));
  const totals = at(root, 'LegalMonetaryTotal');
  const iban = text(at(root, 'PaymentMeans', 'PayeeFinancialAccount', 'ID'));
  const taxTotal = all(root, 'TaxTotal').find((t) => (at(t, 'TaxAmount') as Node | undefined)?.['@currencyID'] === currency) ?? at(root, 'TaxTotal');
  const pa = at(party, 'PostalAddress');
  const addr = [text(at(pa, 'StreetName')), [text(at(pa, 'PostalZone')), text(at(pa, 'CityName'))].filter(Boolean).join(' '), text(at(pa, 'Country', 'IdentificationCode'))].filter(Boolean);
  return {
    ...emptyFields(),
    vendor: text(at(party, 'PartyName', 'Name')) ?? text(at(party, 'PartyLegalEntity', 'RegistrationName')),
    vendor_address: addr.length ? addr.join(', ') : null,
    invoice_number: text(at(root, 'ID')),
    invoice_date: date(at(root, 'IssueDate')),
    due_date: date(at(root, 'DueDate')) ?? date(at(root, 'PaymentMeans', 'PaymentDueDate')),
    po_number: text(at(root, 'OrderReference', 'ID')),
    currency,
    subtotal: amount(at(totals, 'TaxExclusiveAmount')),
    tax: amount(at(taxTotal, 'TaxAmount')),
    total: amount(at(totals, 'TaxInclusiveAmount')) ?? amount(at(totals, 'PayableAmount')),
    iban: iban && /^[A-Z]{2}\d{2}[A-Z0-9 ]+$/i.test(iban) ? normaliseIban(iban) : null,
    payment_terms: text(at(root, 'PaymentTerms', 'Note')),
    line_items: all(root, 'InvoiceLine').map((l) => ({ description: text(at(l, 'Item', 'Name')) ?? '', quantity: amount(at(l, 'InvoicedQuantity')), amount: amount(at(l, 'LineExtensionAmount')) ?? 0 })),
  };
}

/** Reads an XML e-invoice; null when the XML is not one (or not well formed). */
export function parseEInvoiceXml(xml: Buffer | string): ParsedEInvoice | null {
  const source = typeof xml === 'string' ? xml : xml.toString('utf8');
  if (source.length > MAX_XML_BYTES) return null;
  const clean = source.replace(/^\uFEFF/, '');
  if (XMLValidator.validate(clean) !== true) return null;
  let doc: Node;
  try {
    doc = parser.parse(clean) as Node;
  } catch {
    return null;
  }
  // Early ZUGFeRD drafts call the CII root `Invoice` (CBFBUY namespace); UBL's root is `Invoice` too.
  const preCii = doc.Invoice && typeof doc.Invoice === 'object' && 'HeaderExchangedDocument' in doc.Invoice ? doc.Invoice : undefined;
  const cii = doc.CrossIndustryInvoice ?? doc.CrossIndustryDocument ?? preCii;
  const ubl = doc.Invoice ?? doc.CreditNote;
  const typeCode = text(at(cii, 'ExchangedDocument', 'TypeCode')) ?? text(at(cii, 'HeaderExchangedDocument', 'TypeCode')) ?? text(at(ubl, 'InvoiceTypeCode'));
  const creditNote = Boolean(doc.CreditNote) || typeCode === '381';
  const read = cii ? { syntax: 'CII' as const, fields: fromCii(cii), creditNote } : ubl ? { syntax: 'UBL' as const, fields: fromUbl(ubl), creditNote } : null;
  // An XML that names neither an invoice number nor a total is not an invoice we can use.
  return read && (read.fields.invoice_number || read.fields.total !== null) ? read : null;
}

/** The e-invoice embedded in a PDF (PDF/A-3 attachment), or null when it carries none. */
export async function readEmbeddedInvoice(pdf: Buffer): Promise<EmbeddedInvoice | null> {
  const xmls = (await pdfAttachments(pdf))
    .filter((a) => /\.xml$/i.test(a.filename) && a.content.byteLength <= MAX_XML_BYTES)
    .sort((a, b) => Number(KNOWN_NAMES.test(b.filename)) - Number(KNOWN_NAMES.test(a.filename)));
  for (const a of xmls) {
    const parsed = parseEInvoiceXml(Buffer.from(a.content));
    if (parsed) return { format: `${parsed.syntax} (${a.filename})`, fields: parsed.fields, creditNote: parsed.creditNote };
  }
  return null;
}
