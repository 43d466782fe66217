/**
 * `GET /api/v1/leads` and `GET /api/v1/leads/:id`: the same query module as `mailroom leads`
 * (src/queries/leads.ts), so the API, the CLI and the dashboard show the same leads.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { getLeadDetail, listLeads } from '../../queries/leads.ts';
import type { ApiApp, ApiDeps } from '../context.ts';
import { bearer, errors, json } from '../responses.ts';

const STATUSES = ['new', 'alerted', 'nurturing', 'replied', 'closed', 'unsubscribed', 'bounced', 'suppressed'] as const;
const Lead = z
  .object({
    id: z.string(), email: z.string(), company: z.string().nullable(), score: z.number().nullable(), fit: z.number().nullable(),
    intent: z.number().nullable(), engagement: z.number().nullable(), band: z.enum(['hot', 'warm', 'cold']).nullable(), status: z.enum(STATUSES),
    emails_sent: z.number(), last_contact_at: z.string().nullable(), next_step_at: z.string().nullable(),
  })
  .openapi('Lead');
const LeadsQuery = z.object({ status: z.enum(STATUSES).optional(), band: z.enum(['hot', 'warm', 'cold']).optional(), limit: z.coerce.number().int().min(1).max(10_000).default(1000) });
const LeadParam = z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' }, description: 'lead id or email address' }) });
const LeadDetail = Lead.extend({ name: z.string().nullable(), title: z.string().nullable(), run_id: z.string().nullable(), status_reason: z.string().nullable(), factors: z.array(z.record(z.string(), z.unknown())), events: z.array(z.record(z.string(), z.unknown())), notes: z.array(z.record(z.string(), z.unknown())) }).openapi('LeadDetail');

const listRoute = createRoute({
  method: 'get',
  path: '/api/v1/leads',
  tags: ['leads'],
  summary: 'leads with score, band, status and sequence progress (highest score first)',
  security: bearer,
  request: { query: LeadsQuery },
  responses: { 200: json(z.object({ leads: z.array(Lead) }), 'one object per lead'), ...errors(401, 422) },
});

const showRoute = createRoute({
  method: 'get',
  path: '/api/v1/leads/{id}',
  tags: ['leads'],
  summary: "one lead's score factors, events and CRM notes",
  security: bearer,
  request: { params: LeadParam },
  responses: { 200: json(LeadDetail, 'the lead'), ...errors(401, 404) },
});

export function registerLeadRoutes(app: ApiApp, deps: ApiDeps): void {
  app.openapi(listRoute, async (c) => {
    const q = c.req.valid('query');
    return c.json({ leads: await listLeads(deps.pool, q) } as never, 200);
  });
  app.openapi(showRoute, async (c) => {
    const lead = await getLeadDetail(deps.pool, c.req.valid('param').id);
    return lead ? c.json(lead as never, 200) : c.json({ error: 'no such lead' }, 404);
  });
}
