/**
 * Enrichment: everything known about a lead before it is scored, each fact with its source and
 * confidence — the companies table first (our own data), then the outside service when one is
 * configured, then what the address and the lead's own words say. Whether outside data was
 * used is kept: the first email must then say where it came from (GDPR Art. 14).
 */
import type pg from 'pg';
import type { Policy } from '../../../policy/schema.ts';
import type { Activity } from '../form.ts';
import type { CompanyProfile } from '../score.ts';
import { findCompany } from './companies.ts';
import { addressFacts, type AddressFacts } from './domains.ts';
import type { EnrichmentAdapter } from './http-adapter.ts';
import { readSignals, statedFacts, type Signal, type StatedFact } from './message-facts.ts';

export interface Fact {
  field: string;
  value: unknown;
  source: string;
  confidence: number;
}

export interface Enrichment {
  address: AddressFacts;
  company: CompanyProfile | null;
  signals: Signal[];
  stated: StatedFact[];
  facts: Fact[];
  /** The outside service supplied data (Art. 14 notice in the first email). */
  outsideData: boolean;
  /** What went wrong along the way (a service down): recorded, never fatal. */
  problems: string[];
}

export interface EnrichInput {
  email: string;
  company: string | null;
  title: string | null;
  text: string;
  activity: Activity[];
}

export async function enrichLead(pool: pg.Pool, lead: Pick<Policy['lead'], 'icp'>, input: EnrichInput, adapter?: EnrichmentAdapter, signal?: AbortSignal): Promise<Enrichment> {
  const address = addressFacts(input.email);
  const facts: Fact[] = [];
  const problems: string[] = [];
  const fact = (field: string, value: unknown, source: string, confidence: number) => value !== null && value !== undefined && facts.push({ field, value, source, confidence });
  fact('domain', address.domain, 'the address', 1);
  if (address.freeMail) fact('free_mail', true, 'free-mail list', 0.95);
  if (address.disposable) fact('disposable', true, 'disposable-domain list', 0.95);
  if (address.role) fact('role_address', true, 'inferred from the address', 0.8);

  let company: CompanyProfile | null = null;
  let outsideData = false;
  const companyDomain = address.freeMail || address.disposable ? null : address.domain;
  if (companyDomain) {
    const row = await findCompany(pool, companyDomain);
    if (row) company = { ...row, source: 'companies table', confidence: 0.95 };
    else if (adapter) {
      const answer = await adapter.organization(companyDomain, signal);
      if (!answer.ok) problems.push(answer.error);
      else if (answer.company) {
        company = answer.company;
        outsideData = true;
      }
    }
    if (!company && input.company) {
      company = { name: input.company, domain: companyDomain, employees: null, industry: null, revenue_usd: null, funding_stage: null, tech: [], source: 'stated in the form', confidence: 0.6 };
    }
  }
  const stated = statedFacts(input.text);
  // A size the lead states fills a gap; it never overrides a companies-table row.
  const employees = stated.find((s) => s.field === 'employees');
  if (employees && (!company || company.employees === null)) {
    company = { ...(company ?? { name: input.company, domain: companyDomain, industry: null, revenue_usd: null, funding_stage: null, tech: [], source: employees.source, confidence: employees.confidence }), employees: employees.value };
  }
  if (company) {
    for (const field of ['name', 'employees', 'industry', 'revenue_usd', 'funding_stage'] as const) fact(field, company[field], company.source, company.confidence);
    if (company.tech.length) fact('tech', company.tech, company.source, company.confidence);
  }
  for (const s of stated) fact(s.field, s.value, s.source, s.confidence);
  if (input.title) fact('title', input.title, 'stated in the form', 0.9);
  if (input.company && company?.source !== 'stated in the form') fact('company_stated', input.company, 'stated in the form', 0.9);
  const signals = readSignals(input.text, lead.icp.pain_signals);
  return { address, company, signals, stated, facts, outsideData, problems };
}
