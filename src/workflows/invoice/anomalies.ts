/**
 * Invoice validation against vendors, purchase orders and the ledger's history. Pure where it
 * can be: the facts are looked up first, then judged here, so every rule is testable alone.
 */
import type { InvoiceFieldsFlat } from '../ports.ts';

export interface InvoiceFacts {
  fields: InvoiceFieldsFlat;
  senderDomain: string | null;
  vendor: { id: string; name: string; iban: string | null; email_domains: string[] } | null;
  po: { number: string; vendor_id: string | null; amount: number; currency: string; status: string } | null;
  history: Array<{ invoice_number: string; total: number; invoice_date: string | null; currency: string }>;
}

export interface ValidationPolicy {
  po_tolerance_pct: number;
  history_deviation_factor: number;
  duplicate_window_days: number;
}

const days = (a: string, b: string) => Math.abs(Date.parse(a) - Date.parse(b)) / 86_400_000;

export function findAnomalies(f: InvoiceFacts, p: ValidationPolicy): string[] {
  const out: string[] = [];
  const { fields } = f;
  if (!f.vendor) out.push(`new vendor: "${fields.vendor ?? 'unknown'}" is not in the vendor list`);
  if (f.vendor && fields.iban && f.vendor.iban && fields.iban !== f.vendor.iban) {
    out.push(`bank details differ from the vendor record: invoice says ${fields.iban}, vendor record has ${f.vendor.iban}`);
  }
  if (f.vendor && fields.iban && !f.vendor.iban) out.push(`the invoice names a bank account (${fields.iban}) but the vendor record has none to compare`);
  if (f.vendor && f.senderDomain && f.vendor.email_domains.length && !f.vendor.email_domains.includes(f.senderDomain)) {
    out.push(`sender domain ${f.senderDomain} is not the vendor's (${f.vendor.email_domains.join(', ')})`);
  }
  if (!fields.po_number) out.push('no purchase order number on the invoice');
  else if (!f.po) out.push(`purchase order ${fields.po_number} does not exist`);
  else {
    if (f.po.status !== 'open') out.push(`purchase order ${f.po.number} is ${f.po.status}`);
    if (f.vendor && f.po.vendor_id && f.po.vendor_id !== f.vendor.id) out.push(`purchase order ${f.po.number} belongs to another vendor`);
    if (fields.total !== null) {
      const tolerance = (f.po.amount * p.po_tolerance_pct) / 100;
      if (Math.abs(fields.total - f.po.amount) > tolerance + 0.005) {
        out.push(`total ${fields.total} differs from purchase order ${f.po.number} (${f.po.amount}) by more than ${p.po_tolerance_pct}%`);
      }
      if (fields.currency && f.po.currency !== fields.currency) out.push(`currency ${fields.currency} differs from the purchase order's ${f.po.currency}`);
    }
  }
  if (fields.invoice_number && f.history.some((h) => h.invoice_number === fields.invoice_number)) {
    out.push(`duplicate: invoice ${fields.invoice_number} from this vendor is already booked`);
  } else if (fields.total !== null && fields.invoice_date) {
    const twin = f.history.find((h) => h.total === fields.total && h.invoice_date && days(h.invoice_date, fields.invoice_date!) <= p.duplicate_window_days);
    if (twin) out.push(`possible duplicate: same vendor and amount as invoice ${twin.invoice_number} of ${twin.invoice_date}`);
  }
  if (fields.total !== null && f.history.length >= 3) {
    const totals = f.history.map((h) => h.total).sort((a, b) => a - b);
    const median = totals[Math.floor(totals.length / 2)]!;
    if (median > 0 && (fields.total > median * p.history_deviation_factor || fields.total < median / p.history_deviation_factor)) {
      out.push(`amount ${fields.total} is far from this vendor's usual (median ${median})`);
    }
  }
  if (fields.total === null) out.push('no total could be read');
  return out;
}
