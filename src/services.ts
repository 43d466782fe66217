/**
 * What a workflow can reach through `ctx.services`: the shared clients and stores built once by
 * src/main.ts. Workflows depend on this type only, never on main.ts.
 */
import type pg from 'pg';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';

export interface AppServices {
  config: Config;
  pool: pg.Pool;
  log: Logger;
}
