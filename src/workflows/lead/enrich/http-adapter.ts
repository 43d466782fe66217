/**
 * Company enrichment from an outside service, shaped like Apollo's organization enrich:
 * `GET <ENRICH_URL>/api/v1/organizations/enrich?domain=acme.com` with the key in `x-api-key`,
 * answering `{ organization: { name, estimated_num_employees, industry, annual_revenue,
 * latest_funding_stage, technology_names | current_technologies } }`. Any failure (timeout,
 * status, shape) is an answer of its own, never an exception: enrichment failing never fails
 * the lead.
 */
import { z } from 'zod';
import type { CompanyProfile } from '../score.ts';

export interface EnrichmentAdapter {
  readonly name: string;
  organization(domain: string, signal?: AbortSignal): Promise<{ ok: true; company: CompanyProfile | null } | { ok: false; error: string }>;
}

const num = z.preprocess((v) => (v === null || v === undefined || v === '' ? null : Number(v)), z.number().finite().nullable());
const organizationSchema = z.object({
  organization: z
    .object({
      name: z.string().nullish(),
      primary_domain: z.string().nullish(),
      estimated_num_employees: num.optional(),
      industry: z.string().nullish(),
      annual_revenue: num.optional(),
      latest_funding_stage: z.string().nullish(),
      technology_names: z.array(z.string()).nullish(),
      current_technologies: z.array(z.object({ name: z.string() }).passthrough()).nullish(),
    })
    .passthrough()
    .nullish(),
});

export function httpEnrichmentAdapter(options: { url: string; apiKey?: string; timeoutMs: number; fetch?: typeof fetch }): EnrichmentAdapter {
  const doFetch = options.fetch ?? fetch;
  const endpoint = /organizations\/enrich\/?$/.test(options.url) ? options.url : `${options.url.replace(/\/+$/, '')}/api/v1/organizations/enrich`;
  return {
    name: 'enrichment service',
    async organization(domain, signal) {
      const url = `${endpoint}?domain=${encodeURIComponent(domain)}`;
      const timeout = AbortSignal.timeout(options.timeoutMs);
      try {
        const res = await doFetch(url, {
          headers: { accept: 'application/json', ...(options.apiKey ? { 'x-api-key': options.apiKey } : {}) },
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
        if (res.status === 404) return { ok: true, company: null };
        if (!res.ok) return { ok: false, error: `enrichment service answered ${res.status}` };
        const parsed = organizationSchema.safeParse(await res.json());
        if (!parsed.success) return { ok: false, error: `enrichment service answered an unexpected shape: ${parsed.error.issues[0]?.message ?? ''}` };
        const o = parsed.data.organization;
        if (!o) return { ok: true, company: null };
        return {
          ok: true,
          company: {
            name: o.name ?? null,
            domain: o.primary_domain ?? domain,
            employees: o.estimated_num_employees ?? null,
            industry: o.industry ?? null,
            revenue_usd: o.annual_revenue ?? null,
            funding_stage: o.latest_funding_stage ?? null,
            tech: o.technology_names ?? o.current_technologies?.map((t) => t.name) ?? [],
            source: 'enrichment service',
            confidence: 0.7,
          },
        };
      } catch (err) {
        const e = err as Error;
        return { ok: false, error: e.name === 'TimeoutError' ? `enrichment service timed out after ${options.timeoutMs} ms` : `enrichment service unreachable: ${e.message}` };
      }
    },
  };
}
