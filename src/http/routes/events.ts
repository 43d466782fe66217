/**
 * `POST /api/v1/events`: an event for runs waiting on it, stored by the engine (so one that
 * arrives before its run reaches the wait is kept). Event names the engine and the vote rules
 * emit themselves are refused: a forged `approval.decided` or `run.finished` must never stand in
 * for a vote or a child run.
 */
import { createRoute } from '@hono/zod-openapi';
import type { ApiApp, ApiDeps } from '../context.ts';
import { bearer, errors, json } from '../responses.ts';
import { EventAccepted, EventBody } from '../schemas.ts';

const RESERVED = /^(approval|run)\./;

const sendRoute = createRoute({
  method: 'post',
  path: '/api/v1/events',
  tags: ['events'],
  summary: 'send an event; runs waiting for (name, key) resume',
  security: bearer,
  request: { body: { content: { 'application/json': { schema: EventBody } }, required: true } },
  responses: { 202: json(EventAccepted, 'stored; waiting runs were woken'), ...errors(401, 403, 413, 415, 422) },
});

export function registerEventRoutes(app: ApiApp, deps: ApiDeps): void {
  app.openapi(sendRoute, async (c) => {
    const { name, key, payload } = c.req.valid('json');
    if (RESERVED.test(name)) {
      return c.json({ error: `"${name}" is emitted by Mailroom itself (approval.* by votes: POST /api/v1/approvals/{id}/decision; run.* by the engine)` }, 403);
    }
    const eventId = await deps.engine.sendEvent(name, key, payload ?? null, c.get('caller'));
    return c.json({ event_id: Number(eventId), name, key }, 202);
  });
}
