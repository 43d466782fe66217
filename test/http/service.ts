/**
 * The running service for HTTP tests: the real wiring (createApp, role `service`) on a fresh
 * embedded database, listening on a free port, plus a second worker engine on the same database
 * that also executes the test workflows (as a `mailroom worker` with more workflows would). The
 * service's engine knows the test workflows too, so the API can start them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.ts';
import { createEngine, type Engine } from '../../src/engine/engine.ts';
import type { WorkflowDefinition } from '../../src/engine/types.ts';
import { createApp, type App } from '../../src/main.ts';
import { makeTempDir, testDatabase, type TestDatabase } from '../harness/postgres.ts';
import { testEngineSettings } from '../engine/settings.ts';

export interface TestService {
  app: App;
  db: TestDatabase;
  worker: Engine;
  base: string;
  dataDir: string;
  /** JSON over real HTTP; `token` is sent as `Authorization: Bearer`. */
  call(method: string, route: string, options?: { token?: string; body?: unknown; raw?: string | Buffer; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

export async function startTestService(options: { env?: Record<string, string>; triggers?: string; workflows?: WorkflowDefinition<any, any, any>[] } = {}): Promise<TestService> {
  const db = await testDatabase();
  const dataDir = makeTempDir('mailroom-http-');
  const env: Record<string, string> = { DATABASE_URL: db.url, MAILROOM_DATA_DIR: dataDir, PORT: '0', ENGINE_RETRY_BASE_MS: '20', ...options.env };
  if (options.triggers !== undefined) {
    fs.writeFileSync(path.join(dataDir, 'triggers.yaml'), options.triggers);
    env.MAILROOM_TRIGGERS = path.join(dataDir, 'triggers.yaml');
  }
  const log = pino({ level: process.env.TEST_LOG ?? 'silent' });
  const app = await createApp(loadConfig(env), log, 'service');
  const workflows = options.workflows ?? [];
  app.engine.register(...workflows);
  const worker = createEngine({ pool: db.pool, databaseUrl: db.url, settings: testEngineSettings(), log, services: { pool: db.pool }, pollSeconds: 0.5 });
  worker.register(...workflows);
  await worker.start({ workers: true });
  const base = `http://127.0.0.1:${app.http!.port}`;
  return {
    app,
    db,
    worker,
    base,
    dataDir,
    async call(method, route, o = {}) {
      const headers: Record<string, string> = { ...o.headers };
      if (o.token) headers.authorization = `Bearer ${o.token}`;
      let body: string | Buffer | undefined = o.raw;
      if (o.body !== undefined) {
        body = JSON.stringify(o.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(`${base}${route}`, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: the test sees the text
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
    async close() {
      await worker.stop();
      await app.stop();
      await db.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
