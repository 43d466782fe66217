/** What every dashboard route is handed, and the per-request variables the session check sets. */
import type { Context, Hono } from 'hono';
import type pg from 'pg';
import type { Config } from '../../config.ts';
import type { Engine } from '../../engine/engine.ts';
import type { Logger } from '../../logger.ts';
import type { ApiToken } from '../auth.ts';
import type { LiveHub } from './live.ts';
import type { Session } from './session.ts';

export interface DashboardDeps {
  config: Config;
  pool: pg.Pool;
  engine: Engine;
  log: Logger;
  /** The API tokens (they sign in and may act). Viewer tokens come from MAILROOM_VIEWER_TOKEN. */
  tokens: ApiToken[];
}

export type DashEnv = { Variables: { session: Session } };
export type DashApp = Hono<DashEnv>;
export type DashContext = Context<DashEnv>;

export interface DashboardRoutes {
  app: DashApp;
  deps: DashboardDeps;
  live: LiveHub;
  /** Run when the dashboard stops (e.g. closing an SMTP transport a route opened). */
  stops: Array<() => Promise<void>>;
}

/** Outcome messages after an action, chosen by a fixed code in the URL (never text from it). */
export const NOTICES: Record<string, string> = {
  retried: 'The run was queued again; completed steps are not executed again.',
  cancelled: 'The run was cancelled.',
  voted: 'Your vote was recorded.',
  decided: 'Your vote decided the request; the run resumes.',
  sent: 'The outbox was flushed.',
  bulk: 'Done.',
};
