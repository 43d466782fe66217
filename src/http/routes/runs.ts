/**
 * Runs over HTTP: start (with Idempotency-Key), list (keyset cursor), the whole trace, retry and
 * cancel; and the product brief's `POST /workflow/run` and `GET /workflow/:id`, which are the same
 * handlers under the brief's names.
 */
import { createRoute } from '@hono/zod-openapi';
import { MailroomError } from '../../errors.ts';
import { isRunId, listRunsPage, runTrace } from '../../engine/inspect.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import type { ApiApp, ApiDeps } from '../context.ts';
import { bearer, errors, json } from '../responses.ts';
import { CancelBody, IdempotencyHeaders, ListRunsQuery, RetryBody, RunIdParam, RunList, RunMoved, RunTrace, StartedRun, StartRunBody } from '../schemas.ts';
import { readIdempotencyKey, startRunOverHttp } from '../start-run.ts';

const startRoute = (path: string, summary: string) =>
  createRoute({
    method: 'post',
    path,
    tags: ['runs'],
    summary,
    security: bearer,
    request: { headers: IdempotencyHeaders, body: { content: { 'application/json': { schema: StartRunBody } }, required: true } },
    responses: {
      201: json(StartedRun, 'the run was started'),
      200: json(StartedRun, 'this Idempotency-Key already started this run (same request)'),
      ...errors(400, 401, 404, 413, 415, 422),
    },
  });

const traceRoute = (path: string, summary: string) =>
  createRoute({
    method: 'get',
    path,
    tags: ['runs'],
    summary,
    security: bearer,
    request: { params: RunIdParam },
    responses: { 200: json(RunTrace, "the run's whole trace"), ...errors(401, 404) },
  });

const listRoute = createRoute({
  method: 'get',
  path: '/api/v1/runs',
  tags: ['runs'],
  summary: 'recent runs, newest first',
  security: bearer,
  request: { query: ListRunsQuery },
  responses: { 200: json(RunList, 'a page of runs; pass next_cursor as cursor for the next one'), ...errors(400, 401, 422) },
});

const retryRoute = createRoute({
  method: 'post',
  path: '/api/v1/runs/{id}/retry',
  tags: ['runs'],
  summary: 're-queue a failed or cancelled run (completed steps are not executed again)',
  security: bearer,
  request: { params: RunIdParam, body: { content: { 'application/json': { schema: RetryBody } }, required: false } },
  responses: { 200: json(RunMoved, 'queued again'), ...errors(401, 404, 409, 415, 422) },
});

const cancelRoute = createRoute({
  method: 'post',
  path: '/api/v1/runs/{id}/cancel',
  tags: ['runs'],
  summary: 'cancel a queued, running or waiting run',
  security: bearer,
  request: { params: RunIdParam, body: { content: { 'application/json': { schema: CancelBody } }, required: false } },
  responses: { 200: json(RunMoved, 'cancelled'), ...errors(401, 404, 409, 415, 422) },
});

export function registerRunRoutes(app: ApiApp, deps: ApiDeps): void {
  for (const route of [startRoute('/api/v1/runs', 'start a run of a workflow'), startRoute('/workflow/run', 'start a run (the product brief\'s name for POST /api/v1/runs)')]) {
    app.openapi(route, async (c) => {
      const body = c.req.valid('json');
      const key = readIdempotencyKey(c.req.header('idempotency-key'));
      if (typeof key === 'object') return c.json({ error: key.invalid }, 400);
      const answer = await startRunOverHttp(deps, { caller: c.get('caller'), workflow: body.workflow, input: body.input, idempotencyKey: key });
      switch (answer.status) {
        case 201:
          return c.json(answer.body, 201);
        case 200:
          return c.json(answer.body, 200);
        case 404:
          return c.json(answer.body, 404);
        default:
          return c.json(answer.body, 422);
      }
    });
  }

  app.openapi(listRoute, async (c) => {
    const q = c.req.valid('query');
    const before = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
    if (q.cursor !== undefined && !before) return c.json({ error: 'cursor is not one this API handed out (use next_cursor from the previous page)' }, 400);
    const page = await listRunsPage(deps.pool, { state: q.state, workflow: q.workflow, limit: q.limit, before });
    return c.json({ runs: page.runs, next_cursor: page.next ? encodeCursor(page.next) : null }, 200);
  });

  for (const route of [traceRoute('/api/v1/runs/{id}', "a run's whole trace (the same shape as `mailroom run <id> --json`)"), traceRoute('/workflow/{id}', "a run's trace (the product brief's name for GET /api/v1/runs/{id})")]) {
    app.openapi(route, async (c) => {
      const { id } = c.req.valid('param');
      const trace = await runTrace(deps.pool, id);
      if (!trace) return c.json({ error: `no run ${id}` }, 404);
      return c.json(trace as never, 200);
    });
  }

  app.openapi(retryRoute, async (c) => {
    const { id } = c.req.valid('param');
    const { actions } = c.req.valid('json');
    if (!isRunId(id)) return c.json({ error: `no run ${id}` }, 404);
    try {
      await deps.engine.retryRun(id, { actions });
    } catch (err) {
      if (!(err instanceof MailroomError)) throw err;
      if (err.code === 'NOT_FOUND') return c.json({ error: err.message }, 404);
      // The engine speaks the CLI's flags; say it in this API's terms.
      return c.json({ error: err.message.replace(/--actions (done|repeat)/g, '{"actions":"$1"}') }, 409);
    }
    return c.json({ run_id: id, state: 'queued' as const }, 200);
  });

  app.openapi(cancelRoute, async (c) => {
    const { id } = c.req.valid('param');
    const { reason } = c.req.valid('json');
    if (!isRunId(id)) return c.json({ error: `no run ${id}` }, 404);
    try {
      const cancelled = await deps.engine.cancelRun(id, reason ?? `cancelled by ${c.get('caller')}`);
      if (!cancelled) return c.json({ error: `run ${id} has already ended; nothing changed` }, 409);
    } catch (err) {
      if (err instanceof MailroomError && err.code === 'NOT_FOUND') return c.json({ error: err.message }, 404);
      throw err;
    }
    return c.json({ run_id: id, state: 'cancelled' as const }, 200);
  });
}
