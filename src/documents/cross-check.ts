/**
 * Cross-checks between independent extraction paths (text layer, OCR, e-invoice XML, vision),
 * plus arithmetic and format checks. Pure. A total counts as confirmed when two independent
 * paths agree on it. A path's own arithmetic is not a second reading: an OCR that misreads the
 * total can misread the subtotal to match, and an offline scan has exactly one reading. Only the
 * e-invoice XML, the seller's machine-readable data with no reading step, may be confirmed by its
 * own sums. Anything else goes to a person with the competing values side by side (`needs_review`).
 */
import type { InvoiceFields } from './invoice-fields.ts';
import { isValidIban } from './iban.ts';

export type PathName = 'einvoice' | 'text' | 'ocr' | 'vision' | 'text_model';
export const KEY_FIELDS = ['vendor', 'invoice_number', 'invoice_date', 'due_date', 'po_number', 'currency', 'subtotal', 'tax', 'total', 'iban'] as const;
export type KeyField = (typeof KEY_FIELDS)[number];
const AMOUNTS: KeyField[] = ['subtotal', 'tax', 'total'];
/** Paths that read data rather than perceive it (no OCR, layout guessing or model in between). */
const EXACT: PathName[] = ['einvoice'];

export interface FieldVerdict {
  value: unknown;
  sources: PathName[];
  confidence: number;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface CrossCheckResult {
  fields: Record<KeyField, FieldVerdict>;
  checks: Check[];
  review: Array<{ field: string; values: Array<{ source: string; value: unknown }>; note?: string }>;
  needs_review: boolean;
}

const close = (a: number, b: number) => Math.abs(a - b) < 0.011;
const same = (field: KeyField, a: unknown, b: unknown) =>
  AMOUNTS.includes(field) ? typeof a === 'number' && typeof b === 'number' && close(a, b) : String(a).replace(/\s+/g, '').toLowerCase() === String(b).replace(/\s+/g, '').toLowerCase();

export function crossCheck(paths: Partial<Record<PathName, InvoiceFields>>, preference: PathName[] = ['einvoice', 'text', 'vision', 'text_model', 'ocr']): CrossCheckResult {
  const available = preference.filter((p) => paths[p]);
  const fields = {} as Record<KeyField, FieldVerdict>;
  const review: CrossCheckResult['review'] = [];
  for (const field of KEY_FIELDS) {
    const seen = available.map((p) => ({ source: p, value: paths[p]![field] })).filter((v) => v.value !== null && v.value !== undefined && v.value !== '');
    const chosen = seen[0];
    const agreeing = chosen ? seen.filter((v) => same(field, v.value, chosen.value)).map((v) => v.source) : [];
    const disagreeing = chosen ? seen.filter((v) => !same(field, v.value, chosen.value)) : [];
    fields[field] = {
      value: chosen?.value ?? null,
      sources: agreeing,
      confidence: !chosen ? 0 : disagreeing.length ? 0.3 : agreeing.length >= 2 ? 0.95 : 0.6,
    };
    // Vendor names and dates vary in spelling between OCR and text: only amounts, numbers and IBAN are blocking.
    if (disagreeing.length && field !== 'vendor') {
      review.push({ field, values: seen.map((v) => ({ source: v.source, value: v.value })), note: `paths disagree on ${field}` });
    }
  }

  const checks: Check[] = [];
  const v = (f: KeyField) => fields[f].value as number | null;
  const total = v('total'), subtotal = v('subtotal'), tax = v('tax');
  if (total !== null && subtotal !== null) {
    const ok = close(subtotal + (tax ?? 0), total);
    checks.push({ name: 'subtotal + tax = total', ok, detail: `${subtotal} + ${tax ?? 0} ${ok ? '=' : '≠'} ${total}` });
  }
  const items = available.map((p) => paths[p]!.line_items).find((l) => l.length);
  if (items && subtotal !== null) {
    const sum = Math.round(items.reduce((s, i) => s + i.amount, 0) * 100) / 100;
    checks.push({ name: 'line items sum to subtotal', ok: close(sum, subtotal), detail: `${sum} vs ${subtotal}` });
  }
  const iban = fields.iban.value as string | null;
  if (iban) checks.push({ name: 'IBAN checksum', ok: isValidIban(iban), detail: iban });
  if (total !== null) checks.push({ name: 'total is positive', ok: total > 0, detail: String(total) });
  const date = fields.invoice_date.value as string | null;
  const due = fields.due_date.value as string | null;
  if (date) {
    const age = (Date.now() - Date.parse(date)) / 86_400_000;
    checks.push({ name: 'invoice date plausible', ok: age > -60 && age < 5 * 365, detail: date });
  }
  if (date && due) checks.push({ name: 'due date on or after invoice date', ok: Date.parse(due) >= Date.parse(date), detail: `${date} → ${due}` });

  // The total must be confirmed by a second, independent reading (or be the XML's own, adding up).
  const sumHolds = checks.some((c) => c.name === 'subtotal + tax = total' && c.ok);
  const exactAndAddsUp = sumHolds && fields.total.sources.length > 0 && fields.total.sources.every((s) => EXACT.includes(s));
  const totalConfirmed = total !== null && (fields.total.sources.length >= 2 || exactAndAddsUp);
  if (total === null) review.push({ field: 'total', values: [], note: 'no path found a total' });
  else if (!totalConfirmed && !review.some((r) => r.field === 'total')) {
    const only = fields.total.sources[0] ?? 'unknown';
    review.push({
      field: 'total',
      values: [{ source: only, value: total }],
      note: sumHolds
        ? `only one reading of the total (${only}); its own subtotal + tax agree, but that is the same reading, not an independent check`
        : 'only one path read the total and the arithmetic does not confirm it',
    });
  }
  const failedBlocking = checks.filter((c) => !c.ok && c.name !== 'line items sum to subtotal' && c.name !== 'invoice date plausible');
  const amountDisagreement = review.some((r) => AMOUNTS.includes(r.field as KeyField) || r.field === 'iban' || r.field === 'invoice_number');
  return { fields, checks, review, needs_review: amountDisagreement || failedBlocking.length > 0 };
}
