/**
 * Which enrichment service and CRM a lead run uses, from the configuration: the Apollo-shaped
 * HTTP adapter when `ENRICH_URL` is set, HubSpot when `HUBSPOT_TOKEN` is set, else the built-in
 * tables only.
 */
import type { WorkflowServices } from '../ports.ts';
import { builtinCrm } from './crm/builtin.ts';
import { hubspotCrm } from './crm/hubspot.ts';
import type { CrmAdapter } from './crm/port.ts';
import { httpEnrichmentAdapter, type EnrichmentAdapter } from './enrich/http-adapter.ts';

export function enrichmentFor(s: WorkflowServices): EnrichmentAdapter | undefined {
  const env = s.config.env;
  return env.ENRICH_URL ? httpEnrichmentAdapter({ url: env.ENRICH_URL, apiKey: env.ENRICH_API_KEY, timeoutMs: env.ENRICH_TIMEOUT_MS }) : undefined;
}

export function crmFor(s: WorkflowServices): CrmAdapter {
  const env = s.config.env;
  return env.HUBSPOT_TOKEN ? hubspotCrm({ url: env.HUBSPOT_URL, token: env.HUBSPOT_TOKEN }) : builtinCrm(s.pool);
}
