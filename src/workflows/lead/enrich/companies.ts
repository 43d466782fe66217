/**
 * The built-in companies table: `mailroom data import companies <file.csv>` fills it (CSV
 * `domain,name,employees,industry,revenue_usd,funding_stage,tech`, `tech` separated by `;`);
 * enrichment reads it by the lead's domain (or a parent domain: `eu.acme.com` is `acme.com`).
 */
import type pg from 'pg';
import { z } from 'zod';

const optionalNumber = z.preprocess((v) => (v === '' || v === undefined || v === null ? undefined : typeof v === 'string' ? Number(v.replace(/[_,\s$]/g, '')) : v), z.number().nonnegative().optional());
const optionalText = z.preprocess((v) => (v === '' ? undefined : v), z.string().trim().optional());

export const companyCsv = z.object({
  domain: z.string().trim().min(3).transform((d) => d.toLowerCase().replace(/^www\./, '')),
  name: z.string().trim().min(1),
  employees: optionalNumber.transform((n) => (n === undefined ? undefined : Math.round(n))),
  industry: optionalText,
  revenue_usd: optionalNumber,
  funding_stage: optionalText,
  tech: z.preprocess((v) => (typeof v === 'string' ? v : ''), z.string()).transform((t) => t.split(/[;|]/).map((x) => x.trim()).filter(Boolean)),
});
export type CompanyRow = z.infer<typeof companyCsv>;

export interface Company {
  domain: string;
  name: string;
  employees: number | null;
  industry: string | null;
  revenue_usd: number | null;
  funding_stage: string | null;
  tech: string[];
  source: string | null;
}

export async function upsertCompanies(pool: pg.Pool, rows: CompanyRow[], source: string): Promise<number> {
  for (const r of rows) {
    await pool.query(
      `INSERT INTO mailroom.companies (domain, name, employees, industry, revenue_usd, funding_stage, tech, source)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (domain) DO UPDATE SET name = EXCLUDED.name, employees = EXCLUDED.employees, industry = EXCLUDED.industry,
         revenue_usd = EXCLUDED.revenue_usd, funding_stage = EXCLUDED.funding_stage, tech = EXCLUDED.tech, source = EXCLUDED.source, updated_at = now()`,
      [r.domain, r.name, r.employees ?? null, r.industry ?? null, r.revenue_usd ?? null, r.funding_stage ?? null, r.tech, source],
    );
  }
  return rows.length;
}

/** The company for a domain, trying parent domains down to two labels. */
export async function findCompany(pool: pg.Pool, domain: string): Promise<Company | null> {
  const labels = domain.toLowerCase().split('.').filter(Boolean);
  const candidates: string[] = [];
  for (let i = 0; i <= labels.length - 2; i++) candidates.push(labels.slice(i).join('.'));
  if (!candidates.length) return null;
  const { rows } = await pool.query<Company & { revenue_usd: string | null }>(
    `SELECT domain, name, employees, industry, revenue_usd, funding_stage, tech, source FROM mailroom.companies
      WHERE domain = ANY($1::text[]) ORDER BY length(domain) DESC LIMIT 1`,
    [candidates],
  );
  const row = rows[0];
  return row ? { ...row, revenue_usd: row.revenue_usd === null ? null : Number(row.revenue_usd) } : null;
}
