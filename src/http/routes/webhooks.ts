/**
 * `POST /webhook/:source`. The body is read raw (signatures are over the exact bytes), so the
 * route is a plain Hono handler around receiveWebhook; its OpenAPI entry is registered beside it.
 */
import { z } from '@hono/zod-openapi';
import { receiveWebhook } from '../../triggers/webhooks.ts';
import { authenticate } from '../auth.ts';
import type { ApiApp, ApiDeps } from '../context.ts';
import { errors, json } from '../responses.ts';
import { WebhookAccepted, WebhookSourceParam } from '../schemas.ts';

export function registerWebhookRoutes(app: ApiApp, deps: ApiDeps): void {
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/webhook/{source}',
    tags: ['webhooks'],
    summary: 'a webhook from a source in the triggers file (POST /webhook/new-lead starts the lead workflow)',
    description:
      'A source with a `secret` needs a valid Standard Webhooks signature (webhook-id, webhook-timestamp within 5 minutes, webhook-signature); one without needs the API token. The raw body is stored first; a repeated webhook-id (or, without one, the same body) returns the same run with duplicate: true.',
    security: [{ Bearer: [] }, {}],
    request: {
      params: WebhookSourceParam,
      headers: z.object({ 'webhook-id': z.string().optional(), 'webhook-timestamp': z.string().optional(), 'webhook-signature': z.string().optional() }),
      body: { content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } }, required: true },
    },
    responses: { 202: json(WebhookAccepted, 'stored, and the run started (or the earlier one, when a duplicate)'), ...errors(400, 401, 404, 413, 415, 422) },
  });

  app.post('/webhook/:source', async (c) => {
    const answer = await receiveWebhook(
      { pool: deps.pool, engine: deps.engine, triggers: deps.triggers, authenticate: (header) => authenticate(deps.tokens, header) },
      {
        source: c.req.param('source'),
        header: (name) => c.req.header(name),
        body: async () => Buffer.from(await c.req.arrayBuffer()),
      },
    );
    return c.json(answer.body, answer.status);
  });
}
