/**
 * The web dashboard (Hono, server-rendered HTML, htmx for progressive enhancement, no build
 * step), mounted on Mailroom's HTTP server beside the API: `/` and the paths in
 * DASHBOARD_PREFIXES. Pages: runs, a run's story, approvals (and voting), costs, mailboxes,
 * outbox, leads, candidates, content; live updates over Server-Sent Events (live.ts). Sign-in trades an API or viewer token
 * for a session cookie (session.ts); every answer carries a strict CSP (security.ts).
 */
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { RouteHandler } from '../server.ts';
import { registerAssets } from './assets.ts';
import type { DashboardDeps, DashEnv } from './context.ts';
import { html } from './html.ts';
import { page } from './layout.ts';
import { createLiveHub, type LiveHub } from './live.ts';
import { registerApprovalPages } from './routes-approvals.ts';
import { registerAuth } from './routes-auth.ts';
import { registerReportPages } from './routes-reports.ts';
import { registerRunPages } from './routes-runs.ts';
import { registerWorkflowPages } from './routes-workflows.ts';
import { securityHeaders } from './security.ts';

/** Path prefixes the dashboard answers (besides `GET /`). */
export const DASHBOARD_PREFIXES = ['/runs', '/approvals', '/costs', '/mailboxes', '/outbox', '/leads', '/candidates', '/content', '/assets/', '/login', '/logout', '/live/'];

export interface Dashboard {
  app: Hono<DashEnv>;
  handler: RouteHandler;
  live: LiveHub;
  stop(): Promise<void>;
}

export function createDashboard(deps: DashboardDeps): Dashboard {
  const app = new Hono<DashEnv>();
  const live = createLiveHub({ pool: deps.pool, log: deps.log });
  app.use('*', securityHeaders);
  // Forms only: an edited draft is the largest thing a person sends.
  app.use('*', bodyLimit({ maxSize: 256 * 1024, onError: (c) => c.text('form too large', 413) }));
  registerAssets(app);
  registerAuth(app, deps);
  const stops: Array<() => Promise<void>> = [];
  const routes = { app, deps, live, stops };
  registerRunPages(routes);
  registerApprovalPages(routes);
  registerReportPages(routes);
  registerWorkflowPages(routes);

  app.notFound((c) => c.html(page({ title: 'Not found', session: c.get('session') }, html`<h1>Not found</h1><p>No page ${c.req.path}.</p>`), 404));
  app.onError((err, c) => {
    deps.log.error({ err: String(err), path: c.req.path, method: c.req.method }, 'dashboard handler failed');
    return c.html(page({ title: 'Error' }, html`<h1>Something went wrong</h1><p>The error is in the service's log.</p>`), 500);
  });

  // As in the API: keep the process-wide Request/Response (the SDKs here use fetch).
  const listener = getRequestListener(app.fetch, { overrideGlobalObjects: false });
  return { app, live, handler: (req, res) => listener(req, res), stop: async () => {
    await live.stop();
    for (const stop of stops) await stop().catch(() => undefined);
  } };
}
