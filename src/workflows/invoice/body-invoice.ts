/**
 * Some vendors put the invoice in the message itself (no PDF). We read it with the deterministic
 * extractor, but one path is not a cross-check: such an invoice always needs review, and the
 * approver is told why.
 */
import { extractInvoiceFields, invoiceLikelihood } from '../../documents/invoice-fields.ts';
import { KEY_FIELDS } from '../../documents/cross-check.ts';
import type { DocumentExtraction, InvoiceFieldsFlat } from '../ports.ts';

export const BODY_ONLY_NOTE = 'read from the message body only: there is no document, so no independent second reading';

export function invoiceFromBody(text: string): DocumentExtraction | null {
  if (!text.trim()) return null;
  const { fields } = extractInvoiceFields(text.slice(0, 50_000));
  if (!invoiceLikelihood(fields).likely) return null;
  const flat = Object.fromEntries(KEY_FIELDS.map((k) => [k, fields[k]])) as unknown as InvoiceFieldsFlat;
  // A letterhead names the vendor on a document; in a message body the first line is prose.
  if (flat.vendor && flat.vendor.length > 60) flat.vendor = null;
  return {
    file: '(message body)',
    pages: 0,
    source: 'email_body',
    fields: flat,
    needs_review: true,
    review: [{ field: 'total', values: [{ source: 'email_body', value: flat.total }], note: BODY_ONLY_NOTE }],
    checks: { body_only: true },
    not_an_invoice: null,
    model_calls: [],
    credit_note: false,
  };
}
