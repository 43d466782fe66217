/** What the router sends to the invoice workflow: a bill, usually with a document attached. */
import type { RouteSpec, Rule } from '../routes.ts';
import { readItem } from '../routes.ts';

const INVOICE_WORDS: Rule = {
  re: /\b(invoice|invoices|bill|billing statement|rechnung|facture|factura|fattura|factuur|fatura|faktura|payment due|amount due|remittance)\b/i,
  why: 'mentions an invoice',
};
// XML attachments count: an XRechnung is an invoice with no PDF at all.
const DOCUMENT_TYPE = /^(application\/pdf|image\/|application\/xml|text\/xml)/i;
const INVOICE_FILE = /\b(inv|rechnung|facture|re|f)[-_ ]?\d+|xrechnung|factur-?x|zugferd/i;

export const invoiceRoute: RouteSpec = {
  route: 'invoice',
  workflow: 'invoice',
  installed: true,
  summary: 'the item bills us or credits us (an invoice, a bill, a payment request, usually with a PDF or image attached), including invoices forwarded by a colleague',
  offline: {
    rank: 10,
    match(input) {
      const { all } = readItem(input);
      const docs = input.attachments.filter((a) => DOCUMENT_TYPE.test(a.contentType));
      const named = docs.some((d) => INVOICE_WORDS.re.test(d.filename ?? '') || INVOICE_FILE.test(d.filename ?? ''));
      if (!docs.length || !(INVOICE_WORDS.re.test(all) || named)) return null;
      const why = `has ${docs.length} document attachment(s); ${INVOICE_WORDS.re.test(all) ? INVOICE_WORDS.why : 'the attachment is named like an invoice'}`;
      return { why: `invoice: ${why}`, confidence: 0.6, fields: { reasoning: why } };
    },
  },
  input: (item) => ({ itemId: item.itemId, email: item.email, documents: item.documents, triage: item.triage, requester: item.requester }),
};
