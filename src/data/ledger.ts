/**
 * The ledger and scheduled payments. `LedgerAdapter` is the seam for a real accounting system;
 * `postgresLedger` is the built-in default. Booking is keyed by (vendor, invoice number), so a
 * replayed booking finds the existing entry instead of booking twice.
 */
import crypto from 'node:crypto';
import type { Queryable } from '../engine/run-store.ts';

export interface LedgerEntryInput {
  runId: string;
  vendorId: string | null;
  vendorName: string;
  invoiceNumber: string;
  invoiceDate: string | null;
  dueDate: string | null;
  poNumber: string | null;
  currency: string;
  subtotal: number | null;
  tax: number | null;
  total: number;
  iban: string | null;
  approvedBy: string[];
}

export interface LedgerAdapter {
  book(entry: LedgerEntryInput): Promise<{ id: string; created: boolean }>;
  schedulePayment(p: { ledgerId: string; runId: string; amount: number; currency: string; iban: string | null; dueDate: string | null }): Promise<{ id: string; created: boolean }>;
  releasePayment(paymentId: string): Promise<void>;
}

export function postgresLedger(db: Queryable): LedgerAdapter {
  return {
    async book(e) {
      const id = crypto.randomUUID();
      const inserted = await db.query<{ id: string }>(
        `INSERT INTO mailroom.ledger_entries (id, run_id, vendor_id, vendor_name, invoice_number, invoice_date, due_date, po_number, currency, subtotal, tax, total, iban, approved_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         ON CONFLICT (vendor_name, invoice_number) DO NOTHING RETURNING id`,
        [id, e.runId, e.vendorId, e.vendorName, e.invoiceNumber, e.invoiceDate, e.dueDate, e.poNumber, e.currency, e.subtotal, e.tax, e.total, e.iban, e.approvedBy],
      );
      if (inserted.rows[0]) return { id, created: true };
      const existing = await db.query<{ id: string }>('SELECT id FROM mailroom.ledger_entries WHERE vendor_name = $1 AND invoice_number = $2', [e.vendorName, e.invoiceNumber]);
      return { id: existing.rows[0]!.id, created: false };
    },
    async schedulePayment(p) {
      const id = crypto.randomUUID();
      const inserted = await db.query<{ id: string }>(
        `INSERT INTO mailroom.payments (id, ledger_id, run_id, amount, currency, iban, due_date) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (ledger_id) DO NOTHING RETURNING id`,
        [id, p.ledgerId, p.runId, p.amount, p.currency, p.iban, p.dueDate],
      );
      if (inserted.rows[0]) return { id, created: true };
      const existing = await db.query<{ id: string }>('SELECT id FROM mailroom.payments WHERE ledger_id = $1', [p.ledgerId]);
      return { id: existing.rows[0]!.id, created: false };
    },
    async releasePayment(paymentId) {
      await db.query(`UPDATE mailroom.payments SET status = 'released', released_at = now() WHERE id = $1 AND status = 'scheduled'`, [paymentId]);
    },
  };
}

/** Earlier bookings of this vendor: duplicate checks and the amount history. */
export async function vendorHistory(db: Queryable, vendorName: string): Promise<Array<{ invoice_number: string; total: number; invoice_date: string | null; currency: string }>> {
  const { rows } = await db.query<{ invoice_number: string; total: string; invoice_date: Date | null; currency: string }>(
    'SELECT invoice_number, total, invoice_date, currency FROM mailroom.ledger_entries WHERE vendor_name = $1 ORDER BY booked_at DESC LIMIT 50',
    [vendorName],
  );
  return rows.map((r) => ({ ...r, total: Number(r.total), invoice_date: r.invoice_date ? r.invoice_date.toISOString().slice(0, 10) : null }));
}
