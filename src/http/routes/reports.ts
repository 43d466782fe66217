/**
 * Read-only views, the same query functions as `mailroom costs|mailboxes|outbox|schedules`. The
 * stores' rows go out as they are (`as never`: their Dates become ISO strings in JSON), described
 * loosely by the response schemas.
 */
import { createRoute } from '@hono/zod-openapi';
import { listMailboxHealth } from '../../channels/email/mailbox-state.ts';
import { createOutbox } from '../../channels/email/outbox.ts';
import { costsByDay } from '../../llm/budget.ts';
import type { ApiApp, ApiDeps } from '../context.ts';
import { bearer, errors, json } from '../responses.ts';
import { Costs, CostsQuery, Mailboxes, Outbox, OutboxQuery, Schedules } from '../schemas.ts';

const costsRoute = createRoute({
  method: 'get',
  path: '/api/v1/costs',
  tags: ['reports'],
  summary: 'model calls, tokens and cost per day and workflow',
  security: bearer,
  request: { query: CostsQuery },
  responses: { 200: json(Costs, 'newest day first'), ...errors(401, 422) },
});

const mailboxesRoute = createRoute({
  method: 'get',
  path: '/api/v1/mailboxes',
  tags: ['reports'],
  summary: 'IMAP mailbox health',
  security: bearer,
  responses: { 200: json(Mailboxes, 'one entry per account and mailbox'), ...errors(401) },
});

const outboxRoute = createRoute({
  method: 'get',
  path: '/api/v1/outbox',
  tags: ['reports'],
  summary: 'outgoing messages (kept whatever happened to them)',
  security: bearer,
  request: { query: OutboxQuery },
  responses: { 200: json(Outbox, 'oldest first'), ...errors(401, 422) },
});

const schedulesRoute = createRoute({
  method: 'get',
  path: '/api/v1/schedules',
  tags: ['reports'],
  summary: 'schedules with their next fire time and last run',
  security: bearer,
  responses: { 200: json(Schedules, 'the schedules pg-boss holds'), ...errors(401) },
});

export function registerReportRoutes(app: ApiApp, deps: ApiDeps): void {
  app.openapi(costsRoute, async (c) => {
    const { days } = c.req.valid('query');
    return c.json({ days, budget_usd_per_day: deps.config.env.LLM_DAILY_BUDGET_USD, costs: await costsByDay(deps.pool, days) } as never, 200);
  });
  app.openapi(mailboxesRoute, async (c) => c.json({ mailboxes: await listMailboxHealth(deps.pool) } as never, 200));
  app.openapi(outboxRoute, async (c) => {
    const { status, limit } = c.req.valid('query');
    // Listing needs no SMTP: an outbox without a transport only reads.
    const outbox = createOutbox({ pool: deps.pool, from: deps.config.env.MAIL_FROM, log: deps.log });
    return c.json({ messages: await outbox.list({ status, limit }) } as never, 200);
  });
  app.openapi(schedulesRoute, async (c) => c.json({ schedules: (await deps.scheduler?.list()) ?? [] } as never, 200));
}
