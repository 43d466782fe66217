/**
 * Mailroom's HTTP server: health, metrics, and mount points for other handlers (Slack's
 * receiver at /slack/events). Plain node:http: the routes are few and fixed by contract.
 */
import http from 'node:http';
import type pg from 'pg';
import type { Logger } from '../logger.ts';
import { createMetrics } from './metrics.ts';

export type RouteHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>;

export interface HttpServer {
  server: http.Server;
  port: number;
  mount(method: string, path: string, handler: RouteHandler): void;
  close(): Promise<void>;
}

export async function startHttpServer(options: { port: number; host?: string; pool: pg.Pool; queueReady: () => Promise<boolean>; log: Logger }): Promise<HttpServer> {
  const { pool, log } = options;
  const metrics = createMetrics(pool);
  const routes = new Map<string, RouteHandler>();
  const send = (res: http.ServerResponse, status: number, body: unknown, type = 'application/json') => {
    res.writeHead(status, { 'content-type': type });
    res.end(type === 'application/json' ? JSON.stringify(body) : String(body));
  };

  routes.set('GET /healthz', async (_req, res) => {
    const checks: Record<string, string> = {};
    try {
      await pool.query('SELECT 1');
      checks.database = 'up';
    } catch (err) {
      checks.database = `down: ${(err as Error).message}`;
    }
    checks.queue = (await options.queueReady().catch(() => false)) ? 'up' : 'down';
    const ok = Object.values(checks).every((v) => v === 'up');
    send(res, ok ? 200 : 503, { status: ok ? 'ok' : 'unavailable', checks });
  });
  routes.set('GET /metrics', async (_req, res) => {
    send(res, 200, await metrics.metrics(), metrics.contentType);
  });

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const handler = routes.get(`${req.method} ${path}`);
    if (!handler) return send(res, 404, { error: 'not found' });
    Promise.resolve(handler(req, res)).catch((err) => {
      log.error({ err: String(err), path }, 'http handler failed');
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  log.info({ port }, 'http server listening');
  return {
    server,
    port,
    mount(method, path, handler) {
      routes.set(`${method.toUpperCase()} ${path}`, handler);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
