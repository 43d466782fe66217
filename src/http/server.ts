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
  /** Every request under one of `prefixes` that no route above matches goes to `handler` (the API router). */
  mountPrefix(prefixes: string[], handler: RouteHandler): void;
  close(): Promise<void>;
}

/** The queue's check for /healthz: true when up; false, or what is down, otherwise. */
export type QueueReady = () => Promise<boolean | { down: string }>;

/** A check that does not answer in time is down: a health probe must not hang on a dead server. */
async function check(fn: () => Promise<boolean | { down: string }>, timeoutMs = 4000): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<{ down: string }>((resolve) => (timer = setTimeout(() => resolve({ down: `no answer within ${timeoutMs} ms` }), timeoutMs)));
  const result = await Promise.race([fn().catch((err: Error) => ({ down: err.message })), late]).finally(() => clearTimeout(timer));
  return result === true ? 'up' : `down${result === false ? '' : `: ${result.down}`}`;
}

export async function startHttpServer(options: { port: number; host?: string; pool: pg.Pool; queueReady: QueueReady; log: Logger }): Promise<HttpServer> {
  const { pool, log } = options;
  const metrics = createMetrics(pool);
  const routes = new Map<string, RouteHandler>();
  const prefixed: Array<{ prefix: string; handler: RouteHandler }> = [];
  const send = (res: http.ServerResponse, status: number, body: unknown, type = 'application/json') => {
    res.writeHead(status, { 'content-type': type });
    res.end(type === 'application/json' ? JSON.stringify(body) : String(body));
  };

  // 503 while the database is unreachable or the queue is not fully back (pg-boss stopped, its
  // pool failing, or its LISTEN connection still reconnecting); each value says which.
  routes.set('GET /healthz', async (_req, res) => {
    const [database, queue] = await Promise.all([check(async () => (await pool.query('SELECT 1'), true)), check(options.queueReady)]);
    const checks: Record<string, string> = { database, queue };
    const ok = Object.values(checks).every((v) => v === 'up');
    send(res, ok ? 200 : 503, { status: ok ? 'ok' : 'unavailable', checks });
  });
  routes.set('GET /metrics', async (_req, res) => {
    send(res, 200, await metrics.metrics(), metrics.contentType);
  });

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const handler = routes.get(`${req.method} ${path}`) ?? prefixed.find((p) => path?.startsWith(p.prefix))?.handler;
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
    mountPrefix(prefixes, handler) {
      for (const prefix of prefixes) prefixed.push({ prefix, handler });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
