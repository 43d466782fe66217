/**
 * The HTTP API (Hono, mounted on Mailroom's HTTP server beside /healthz, /metrics and Slack's
 * receiver): `/api/v1/*`, the product brief's `/workflow/*`, and `/webhook/:source`. Every answer
 * is JSON; errors are `{ error, issues? }` and never carry a stack trace.
 */
import { getRequestListener } from '@hono/node-server';
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { MiddlewareHandler } from 'hono';
import { authenticate } from './auth.ts';
import type { ApiDeps, ApiEnv } from './context.ts';
import type { RouteHandler } from './server.ts';
import { registerApprovalRoutes } from './routes/approvals.ts';
import { registerEventRoutes } from './routes/events.ts';
import { registerCandidateRoutes } from './routes/candidates.ts';
import { registerLeadRoutes } from './routes/leads.ts';
import { registerReportRoutes } from './routes/reports.ts';
import { registerRunRoutes } from './routes/runs.ts';
import { registerWebhookRoutes } from './routes/webhooks.ts';
import { registerUnsubscribeRoutes } from './routes/unsubscribe.ts';

/** Path prefixes the API answers; the HTTP server hands it every request under them. */
export const API_PREFIXES = ['/api/', '/workflow/', '/webhook/', '/unsubscribe/'];
const OPENAPI_PATH = '/api/v1/openapi.json';

export interface Api {
  app: OpenAPIHono<ApiEnv>;
  /** For node:http: the HTTP server mounts it under API_PREFIXES. */
  handler: RouteHandler;
  document(): unknown;
}

export function createApi(deps: ApiDeps): Api {
  const app = new OpenAPIHono<ApiEnv>({
    // A request the schemas refuse: 422 naming each field, as every other validation answer.
    defaultHook: (result, c) => {
      if (result.success) return undefined;
      const issues = result.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(body)', message: i.message }));
      return c.json({ error: `invalid request: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues }, 422);
    },
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'Bearer', { type: 'http', scheme: 'bearer', description: 'MAILROOM_API_TOKEN (or the generated <data dir>/api-token)' });

  const limit = deps.config.env.HTTP_BODY_LIMIT;
  app.use('*', bodyLimit({ maxSize: limit, onError: (c) => c.json({ error: `body larger than ${limit} bytes (HTTP_BODY_LIMIT)` }, 413) }));

  const requireToken: MiddlewareHandler<ApiEnv> = async (c, next) => {
    if (c.req.path === OPENAPI_PATH) return next();
    const header = c.req.header('authorization');
    const caller = authenticate(deps.tokens, header);
    if (!caller) {
      c.header('WWW-Authenticate', 'Bearer realm="mailroom"');
      return c.json({ error: header ? 'the API token is not valid' : 'missing API token: send Authorization: Bearer <token>' }, 401);
    }
    c.set('caller', caller);
    return next();
  };
  app.use('/api/v1/*', requireToken);
  app.use('/workflow/*', requireToken);

  registerRunRoutes(app, deps);
  registerEventRoutes(app, deps);
  registerApprovalRoutes(app, deps);
  registerReportRoutes(app, deps);
  registerLeadRoutes(app, deps);
  registerCandidateRoutes(app, deps);
  registerWebhookRoutes(app, deps);
  // No API token: the link in an automated email is all its recipient has.
  registerUnsubscribeRoutes(app, deps);

  const document = () =>
    app.getOpenAPI31Document({
      openapi: '3.1.0',
      info: { title: 'Mailroom API', version: '1', description: 'Runs, events, approvals and reports of a Mailroom service; webhooks and the product brief\'s /workflow endpoints.' },
      servers: deps.config.env.PUBLIC_URL ? [{ url: deps.config.env.PUBLIC_URL }] : [],
    });
  app.get(OPENAPI_PATH, (c) => c.json(document() as object, 200));

  app.notFound((c) => c.json({ error: `no route ${c.req.method} ${c.req.path}` }, 404));
  app.onError((err, c) => {
    // Hono's own answers (malformed JSON 400, wrong content type 415) become JSON like the rest.
    if (err instanceof HTTPException) return c.json({ error: err.message || defaultMessage(err.status) }, err.status);
    deps.log.error({ err: String(err), path: c.req.path, method: c.req.method }, 'api handler failed');
    return c.json({ error: 'internal error' }, 500);
  });

  // The adapter would otherwise replace the process-wide Request/Response with its own; the SDKs
  // in this process (Anthropic, OpenAI, Slack) use fetch and should keep the real ones.
  const listener = getRequestListener(app.fetch, { overrideGlobalObjects: false });
  return { app, handler: (req, res) => listener(req, res), document };
}

function defaultMessage(status: number): string {
  return status === 415 ? 'body must be application/json' : status === 400 ? 'malformed request' : `HTTP ${status}`;
}
