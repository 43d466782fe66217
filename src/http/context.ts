/** What every API route is handed: the shared stores and engine, and the caller on each request. */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type pg from 'pg';
import type { Config } from '../config.ts';
import type { Engine } from '../engine/engine.ts';
import type { Logger } from '../logger.ts';
import type { Scheduler } from '../triggers/scheduler.ts';
import type { Triggers } from '../triggers/file.ts';
import type { ApiToken } from './auth.ts';

export interface ApiDeps {
  config: Config;
  pool: pg.Pool;
  engine: Engine;
  log: Logger;
  triggers: Triggers;
  tokens: ApiToken[];
  /** Absent in processes that do not run the scheduler: schedules are then listed as none. */
  scheduler?: Scheduler;
}

/** Hono's per-request variables: `caller` is `api:<name>`, set by the token check. */
export type ApiEnv = { Variables: { caller: string } };

export type ApiApp = OpenAPIHono<ApiEnv>;
