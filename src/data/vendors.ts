/** Vendors and purchase orders: the invoice workflow validates against them. */
import { z } from 'zod';
import type { Queryable } from '../engine/run-store.ts';

/** Company names compared without legal forms, punctuation and case. */
export function nameKey(name: string): string {
  return name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/\b(inc|llc|ltd|limited|gmbh|ag|sa|sas|sarl|bv|plc|co|corp|corporation|company)\b\.?/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

const list = z.string().optional().transform((v) => (v ? v.split(/[;|]/).map((s) => s.trim().toLowerCase()).filter(Boolean) : []));
export const vendorCsv = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  email_domains: list,
  iban: z.string().optional().transform((v) => (v ? v.replace(/\s+/g, '').toUpperCase() : null)),
  currency: z.string().optional().transform((v) => v?.toUpperCase() || null),
  address: z.string().optional().transform((v) => v || null),
});
export const poCsv = z.object({
  number: z.string().min(1),
  vendor_id: z.string().optional().transform((v) => v || null),
  amount: z.coerce.number().nonnegative(),
  currency: z.string().min(3).transform((v) => v.toUpperCase()),
  status: z.enum(['open', 'closed', 'cancelled']).default('open'),
});

export interface Vendor {
  id: string;
  name: string;
  email_domains: string[];
  iban: string | null;
  currency: string | null;
  address: string | null;
}

export async function upsertVendors(db: Queryable, rows: z.infer<typeof vendorCsv>[]): Promise<number> {
  for (const v of rows) {
    await db.query(
      `INSERT INTO mailroom.vendors (id, name, name_key, email_domains, iban, currency, address) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, name_key = EXCLUDED.name_key, email_domains = EXCLUDED.email_domains,
         iban = EXCLUDED.iban, currency = EXCLUDED.currency, address = EXCLUDED.address`,
      [v.id, v.name, nameKey(v.name), v.email_domains, v.iban, v.currency, v.address],
    );
  }
  return rows.length;
}

export async function upsertPurchaseOrders(db: Queryable, rows: z.infer<typeof poCsv>[]): Promise<number> {
  for (const p of rows) {
    await db.query(
      `INSERT INTO mailroom.purchase_orders (number, vendor_id, amount, currency, status) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (number) DO UPDATE SET vendor_id = EXCLUDED.vendor_id, amount = EXCLUDED.amount, currency = EXCLUDED.currency, status = EXCLUDED.status`,
      [p.number.toUpperCase(), p.vendor_id, p.amount, p.currency, p.status],
    );
  }
  return rows.length;
}

export async function findVendor(db: Queryable, hints: { name?: string | null; senderDomain?: string | null }): Promise<Vendor | undefined> {
  const key = hints.name ? nameKey(hints.name) : null;
  const { rows } = await db.query<Vendor>(
    `SELECT id, name, email_domains, iban, currency, address FROM mailroom.vendors
      WHERE ($1::text IS NOT NULL AND name_key = $1) OR ($2::text IS NOT NULL AND $2 = ANY(email_domains))
      ORDER BY (name_key = $1) DESC NULLS LAST LIMIT 1`,
    [key, hints.senderDomain?.toLowerCase() ?? null],
  );
  return rows[0];
}

export async function findPurchaseOrder(db: Queryable, number: string) {
  const { rows } = await db.query<{ number: string; vendor_id: string | null; amount: string; currency: string; status: string }>(
    'SELECT number, vendor_id, amount, currency, status FROM mailroom.purchase_orders WHERE number = $1',
    [number.toUpperCase()],
  );
  const po = rows[0];
  return po && { ...po, amount: Number(po.amount) };
}
