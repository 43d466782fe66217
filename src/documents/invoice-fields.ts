/**
 * The deterministic invoice extractor: labelled fields found by patterns in several languages,
 * amounts and dates normalised, each field with a confidence that says how it was found.
 * No model: this is the offline path, and one of the independent paths in every cross-check.
 */
import { AMOUNT, detectCurrency, parseAmount } from './numbers.ts';
import { parseDate, type DateOrder } from './dates.ts';
import { ibanFromText, isValidIban } from './iban.ts';
import { reconcileTotal } from './total-votes.ts';

export interface InvoiceFields {
  vendor: string | null;
  vendor_address: string | null;
  invoice_number: string | null;
  invoice_date: string | null;
  due_date: string | null;
  po_number: string | null;
  currency: string | null;
  subtotal: number | null;
  tax: number | null;
  tax_rate: number | null;
  total: number | null;
  iban: string | null;
  payment_terms: string | null;
  line_items: Array<{ description: string; quantity: number | null; amount: number }>;
}

export type FieldConfidence = Partial<Record<keyof InvoiceFields, number>>;

const label = (words: string[]) => `(?:${words.join('|')})`;
const SEP = String.raw`[ \t]*[:#.]?[ \t]*(?:#|no\.?|nr\.?|n[°º]\.?|number|nummer)?[ \t]*[:#.]?[ \t]*`;
/** An identifier: starts with a letter or digit and contains at least one digit. */
const IDENT = String.raw`((?=[A-Z0-9\-/._]*\d)[A-Z0-9][A-Z0-9\-/._]{2,})`;

const INVOICE_NO = new RegExp(
  `${label(['invoice', 'inv', 'rechnung', 'rechnungs', 'facture', 'factura', 'fattura', 'factuur', 'fatura', 'bill', 'receipt', 'n° de facture', 'numéro de facture', 'rechnungsnummer', 'document'])}${SEP}${IDENT}`,
  'i',
);
const PO_NO = new RegExp(`${label(['p\\.?\\s?o\\.?', 'purchase order', 'n° de commande', 'bestellnummer', 'bestellung', 'order', 'pedido', 'ordine', 'bestelling'])}${SEP}${IDENT}`, 'i');
const INVOICE_DATE = new RegExp(`(?<![A-Za-zÀ-ÿ])${label(['invoice date', 'date of invoice', 'date de facture', 'rechnungsdatum', 'fecha de factura', 'data fattura', 'factuurdatum', 'issue date', 'date', 'datum', 'fecha', 'data'])}\\s*[:.]?\\s*(.{6,30})`, 'i');
const DUE_DATE = new RegExp(`${label(['payment due', 'due date', 'due', "date d'échéance", 'échéance', 'fällig am', 'fälligkeitsdatum', 'fällig', 'zahlbar bis', 'fecha de vencimiento', 'vencimiento', 'scadenza', 'vervaldatum'])}\\s*[:.]?\\s*(.{6,30})`, 'i');
const SUBTOTAL = new RegExp(`${label(['subtotal', 'sub-total', 'sub total', 'total ht', 'total net', 'net total', 'net amount', 'nettobetrag', 'rechnungssumme ohne ust\\.?', 'rechnungssumme netto(?: \\(excl\\.? ust\\.?\\))?', 'nettosumme', 'summe netto', 'netto', 'zwischensumme', 'montant ht', 'base imponible', 'imponibile', 'amount_untaxed'])}[ \\t]*[:.]?[ \\t]*(${AMOUNT})`, 'i');
const TAX = new RegExp(`(?<!(?:ohne|excl\\.?|exkl\\.?|hors|sans|before|without)[ \\t]{1,3})${label(['steuerbetrag', 'ust\\.?-betrag', 'mwst\\.?-betrag', 'sales tax', 'vat', 'tva', 'mwst\\.?', 'ust\\.?', 'umsatzsteuer', 'iva', 'gst', 'tax', 'btw'])}[ \\t]*(\\d{1,2}(?:[.,]\\d{1,3})?[ \\t]*%)?[ \\t]*[:.]?[ \\t]*(${AMOUNT})`, 'i');
const TOTAL_STRONG = new RegExp(`${label(['total due', 'invoice amount', 'amount due', 'balance due', 'total ttc', 'grand total', 'total amount', 'invoice total', 'gesamtbetrag(?! der)', 'rechnungsbetrag', 'endbetrag', 'zahlbetrag', 'bruttosumme', 'rechnungssumme brutto(?: \\(inkl\\.? ust\\.?\\))?', 'gesamtsumme', 'due payable', 'amount payable', 'montant ttc', 'importe total', 'totale', 'te betalen', 'total \\(incl[^)]*\\)', 'total incl\\.? (?:vat|tax)', 'round(?:ed)? total', 'total payable', 'nett total', 'total sales \\(?incl(?:usive)?\\.?(?: of)? gst\\)?(?: @ ?\\d+%)?', 'total incl(?:usive)?\\.?(?: of)? gst', 'total \\(?inclusive of gst\\)?', 'total amount payable'])}[ \\t]*[:.]?[ \\t]*(${AMOUNT})`, 'i');
const TOTAL_PLAIN = new RegExp(`(?<!sub[- ]?)(?<!\\w)total(?!\\s*(?:ht|net|excl|qty|quantity|items?))\\s*[:.]?\\s*(${AMOUNT})`, 'i');
const IBAN = /\b(?:IBAN)(?:-?(?:Nr|Nummer)\.?)?\b[:.\s]*([A-Z]{2}\s?\d{2}(?:\s?[A-Z0-9]{1,4}){3,8})/i;
const TERMS = /\b(?:payment terms?|terms|zahlungsbedingungen|conditions de paiement)\s*[:.]?\s*([^\n]{3,60})/i;
const LINE_ITEM = new RegExp(`^(.{3,60}?)\\s+(\\d{1,4})\\s+(${AMOUNT})\\s*$`);
const HEADINGS = /^(invoice|tax invoice|facture|rechnung|factura|fattura|factuur|receipt|bill|quote)\b/i;
const LEGAL_FORM = /\b(inc\.?|llc|ltd\.?|limited|gmbh|ag|sarl|sas|s\.a\.|bv|plc|corp\.?|co\.|company|sdn\.? bhd\.?|pte\.? ltd)\b/i;

const MAX_LINE = 300;
const MAX_LINES = 3000;

/** Total labels as real invoices print them, strongest first; the amount may sit on the next line. */
const TOTAL_LABELS = [
  /\b(total (amount )?due|amount due|balance due|total ttc|grand total|invoice total|total for this invoice|total payable|total à payer|somme à payer|gesamtbetrag(?! der)|rechnungsbetrag|endbetrag|zahlbetrag|bruttosumme|rechnungssumme brutto|summe brutto|bruttobetrag|zu zahlen|importe total|totale (fattura|documento)|te betalen|totaal|total at checkout|total facture|nett total|round(ed)? total)\b/i,
  /^\s*total( in [a-z]{3}| [a-z]{3}| \(incl[^)]*\)| incl\.? (vat|tax))?\s*[:.]?/i,
];
const AMOUNT_LINE = new RegExp(`^\\s*(${AMOUNT})\\s*$`);

/** The amount on a labelled line, or alone on one of the next three lines (tables printed as columns). */
function labelledAmount(lines: string[], label: RegExp): number | null {
  const found: number[] = [];
  lines.forEach((line, i) => {
    const m = label.exec(line);
    if (!m || /\b(sub-?total|subtotaal|zwischensumme|total ht|net)\b/i.test(line)) return;
    const rest = line.slice(m.index + m[0].length);
    const inline = new RegExp(`(${AMOUNT})\\s*$`).exec(rest.trim());
    const value = inline ? parseAmount(inline[1]!) : null;
    if (value !== null && /\d/.test(inline![1]!)) return void found.push(value);
    for (const next of lines.slice(i + 1, i + 4)) {
      const a = AMOUNT_LINE.exec(next);
      if (a && /[.,]\d{2}\b/.test(a[1]!)) {
        const v = parseAmount(a[1]!);
        if (v !== null) return void found.push(v);
      }
    }
  });
  // The last labelled total is usually the grand total (earlier ones are per section).
  return found.length ? found[found.length - 1]! : null;
}

function amountAfter(re: RegExp, text: string, group = 1): number | null {
  const m = re.exec(text);
  return m?.[group] ? parseAmount(m[group]) : null;
}

/** The invoice's date order: US-style documents write MM/DD, nearly everyone else DD/MM. */
function orderFor(currency: string | null, text: string): DateOrder {
  if (currency === 'USD' || /\b(sales tax|zip|suite \d)\b/i.test(text)) return 'mdy';
  return 'dmy';
}

export function extractInvoiceFields(text: string): { fields: InvoiceFields; confidence: FieldConfidence } {
  // Hostile documents: the patterns below are linear per line but quadratic in a line's length,
  // so a line is cut at MAX_LINE characters and the document at MAX_LINES lines (invoices are far below both).
  const lines = text.split(/\r?\n/, MAX_LINES).map((l) => l.trim().slice(0, MAX_LINE)).filter(Boolean);
  const body = lines.join('\n');
  const conf: FieldConfidence = {};
  const currency = detectCurrency(body);
  if (currency) conf.currency = /\b[A-Z]{3}\b/.test(body) ? 0.9 : 0.75;

  // Vendor: the first line that looks like a company, else the first line before the heading.
  const headingAt = lines.findIndex((l) => HEADINGS.test(l));
  const top = lines.slice(0, headingAt > 0 ? Math.min(headingAt, 8) : 6).filter((l) => !/[:#]/.test(l) && /\p{L}{2}/u.test(l) && !HEADINGS.test(l));
  const vendorLine = top.find((l) => LEGAL_FORM.test(l)) ?? top[0] ?? null;
  if (vendorLine) conf.vendor = LEGAL_FORM.test(vendorLine) ? 0.85 : 0.5;
  const vendorIdx = vendorLine ? lines.indexOf(vendorLine) : -1;
  const address = vendorIdx >= 0 ? lines.slice(vendorIdx + 1, vendorIdx + 3).filter((l) => /\d/.test(l) && !/[:#]/.test(l) && !HEADINGS.test(l)).join(', ') || null : null;

  const invoiceNo = INVOICE_NO.exec(body)?.[1]?.replace(/[.,;]$/, '') ?? null;
  if (invoiceNo) conf.invoice_number = /\d/.test(invoiceNo) ? 0.85 : 0.4;
  const po = PO_NO.exec(body)?.[1] ?? null;
  if (po) conf.po_number = 0.8;

  const order = orderFor(currency, body);
  const dueRaw = DUE_DATE.exec(body)?.[1];
  // The invoice date: its own label, not the due date's line.
  const dateLine = lines.find((l) => INVOICE_DATE.test(l) && !DUE_DATE.test(l));
  const dateRaw = dateLine ? INVOICE_DATE.exec(dateLine)?.[1] : undefined;
  let invoiceDate = dateRaw ? parseDate(dateRaw, order) : null;
  let dueDate = dueRaw ? parseDate(dueRaw, order) : null;
  // Ambiguous day/month: prefer the reading where the due date follows the invoice date within 120 days.
  if (invoiceDate?.alternative && dueDate?.alternative) {
    const gap = (a: string, b: string) => (Date.parse(b) - Date.parse(a)) / 86_400_000;
    const ok = (a: string, b: string) => gap(a, b) >= 0 && gap(a, b) <= 120;
    if (!ok(invoiceDate.value, dueDate.value) && ok(invoiceDate.alternative, dueDate.alternative)) {
      invoiceDate = { value: invoiceDate.alternative, alternative: invoiceDate.value };
      dueDate = { value: dueDate.alternative, alternative: dueDate.value };
    }
  }
  if (!invoiceDate) {
    // Unlabelled: the first plausible date (OCR turns other numbers into dates decades away).
    const plausible = (d: { value: string } | null) => d !== null && Math.abs(Date.parse(d.value) - Date.now()) < 30 * 365 * 86_400_000 && Date.parse(d.value) < Date.now() + 366 * 86_400_000;
    const anyDate = lines.map((l) => parseDate(l, order)).find(plausible);
    if (anyDate) {
      invoiceDate = anyDate;
      conf.invoice_date = 0.5;
    }
  } else conf.invoice_date = invoiceDate.alternative ? 0.7 : 0.85;
  if (dueDate) conf.due_date = dueDate.alternative ? 0.7 : 0.85;

  const subtotal = amountAfter(SUBTOTAL, body);
  if (subtotal !== null) conf.subtotal = 0.85;
  const taxMatch = TAX.exec(body);
  const tax = taxMatch?.[2] ? parseAmount(taxMatch[2]) : null;
  const taxRate = taxMatch?.[1] ? parseAmount(taxMatch[1].replace('%', '')) : null;
  if (tax !== null) conf.tax = 0.8;
  // Candidates from the strongest label down; a zero ("Amount due $0.00" on a paid invoice) yields to a real amount.
  const plain = lines.filter((l) => TOTAL_PLAIN.test(l)).map((l) => amountAfter(TOTAL_PLAIN, l)).filter((v): v is number => v !== null);
  const candidates: Array<[number | null, number]> = [
    [amountAfter(TOTAL_STRONG, body), 0.9],
    [labelledAmount(lines, TOTAL_LABELS[0]!), 0.9],
    [labelledAmount(lines, TOTAL_LABELS[1]!), 0.75],
    [plain.length ? plain[plain.length - 1]! : null, 0.75],
  ];
  const pick = candidates.find(([v]) => v !== null && v > 0) ?? candidates.find(([v]) => v !== null);
  const labelled = pick?.[0] ?? null;
  // Several statements of the total that agree (paid − change, subtotal + tax, repeated labels) outvote one garbled label.
  const { total } = reconcileTotal(lines, labelled);
  if (pick && total !== null) conf.total = total === labelled ? pick[1] : 0.7;

  const ibanRaw = IBAN.exec(body)?.[1];
  const iban = ibanRaw ? ibanFromText(ibanRaw) : null;
  if (iban) conf.iban = isValidIban(iban) ? 0.95 : 0.3;

  const line_items = lines
    .map((l) => LINE_ITEM.exec(l))
    .filter((m): m is RegExpExecArray => Boolean(m) && !/total|tax|vat|tva|subtotal|iban|:/i.test(m![1]!))
    .map((m) => ({ description: m[1]!, quantity: Number(m[2]), amount: parseAmount(m[3]!) ?? 0 }));

  return {
    fields: {
      vendor: vendorLine,
      vendor_address: address,
      invoice_number: invoiceNo,
      invoice_date: invoiceDate?.value ?? null,
      due_date: dueDate?.value ?? null,
      po_number: po?.toUpperCase() ?? null,
      currency,
      subtotal,
      tax,
      tax_rate: taxRate,
      total,
      iban,
      payment_terms: TERMS.exec(body)?.[1]?.trim() ?? null,
      line_items,
    },
    confidence: conf,
  };
}

/** How much of an invoice this text looks like: used to say `not_an_invoice` with a reason. */
export function invoiceLikelihood(f: InvoiceFields): { likely: boolean; reason: string } {
  const found = (['invoice_number', 'total', 'invoice_date', 'subtotal', 'tax', 'iban', 'po_number'] as const).filter((k) => f[k] !== null);
  if (f.total === null && found.length < 2) {
    return { likely: false, reason: found.length ? `only ${found.join(', ')} found; no total amount` : 'no invoice number, date or amount found' };
  }
  return { likely: true, reason: `found ${found.join(', ')}` };
}
