/**
 * Opens the database: DATABASE_URL when configured, otherwise the embedded PostgreSQL under the
 * data dir. Applies migrations and hands back one pool plus a `close()` that releases both.
 */
import pg from 'pg';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './embedded.ts';
import { migrate } from './migrate.ts';

export interface Database {
  url: string;
  pool: pg.Pool;
  embedded: EmbeddedDatabase | undefined;
  close(): Promise<void>;
}

// Return int8 (bigint, count(*)) as numbers: our counters stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

export function createPool(url: string, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, application_name: 'mailroom' });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  // pg-pool listens for errors only while a client is idle: one checked out between two queries
  // (a transaction waiting on other work) that loses its server emits 'error' with no listener,
  // which ends the process. Its next query fails anyway and release() discards it.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

export async function openDatabase(config: Config, log: Logger, options: { poolSize?: number } = {}): Promise<Database> {
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(config.dataDir, log);
  const url = config.databaseUrl ?? embedded!.url;
  const pool = createPool(url, options.poolSize ?? 10);
  try {
    await migrate(pool, log);
  } catch (err) {
    await pool.end().catch(() => undefined);
    await embedded?.stop();
    throw err;
  }
  return {
    url,
    pool,
    embedded,
    async close() {
      await pool.end().catch(() => undefined);
      if (embedded?.owned) await embedded.stop();
    },
  };
}
