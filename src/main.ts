/**
 * Wires the service together: config → database → queue/engine → channels → HTTP.
 * Three roles share this wiring: `service` (everything, `mailroom start`), `worker` (executes
 * runs only, for scale-out) and `cli` (a short-lived command that starts runs or reads state).
 */
import type { Config } from './config.ts';
import { openDatabase, type Database } from './db/database.ts';
import { createEngine, type Engine } from './engine/engine.ts';
import { pruneCompletedRuns } from './engine/retention.ts';
import { startHttpServer, type HttpServer } from './http/server.ts';
import type { Logger } from './logger.ts';
import type { AppServices } from './services.ts';
import { allWorkflows } from './workflows/index.ts';

export type AppRole = 'service' | 'worker' | 'cli';

export interface App {
  config: Config;
  log: Logger;
  db: Database;
  engine: Engine;
  http: HttpServer | undefined;
  services: AppServices;
  stop(): Promise<void>;
}

export async function createApp(config: Config, log: Logger, role: AppRole): Promise<App> {
  const db = await openDatabase(config, log, { poolSize: role === 'cli' ? 5 : 20 });
  const stops: Array<() => Promise<void>> = [() => db.close()];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err) => log.warn({ err: String(err) }, 'error while stopping'));
  };
  try {
    const services: AppServices = { config, pool: db.pool, log };
    const engine = createEngine({ pool: db.pool, databaseUrl: db.url, settings: config.engine, log, services });
    engine.register(...allWorkflows);
    await engine.start({ workers: role !== 'cli' });
    stops.push(() => engine.stop());

    if (role !== 'cli') {
      const retention = setInterval(() => {
        pruneCompletedRuns(db.pool, config.engine.retentionDays)
          .then((n) => n && log.info({ pruned: n }, 'pruned payloads of old completed runs'))
          .catch((err) => log.warn({ err: String(err) }, 'retention pass failed'));
      }, 3600_000);
      retention.unref();
      stops.push(async () => clearInterval(retention));
    }

    let http: HttpServer | undefined;
    if (role === 'service') {
      http = await startHttpServer({
        port: config.port,
        pool: db.pool,
        log,
        queueReady: async () => (await db.pool.query(`SELECT 1 FROM pg_namespace WHERE nspname = 'mailroom_queue'`)).rowCount === 1,
      });
      const server = http;
      stops.push(() => server.close());
    }
    return { config, log, db, engine, http, services, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
