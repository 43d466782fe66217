/**
 * Real PostgreSQL for tests. `npm test` (test/run.ts) starts one embedded cluster and passes its
 * server URL in MAILROOM_TEST_ADMIN_URL; every test file then gets fresh databases of its own.
 * Run a file alone (`node --test test/x.test.ts`) and this module starts a private cluster.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/db/embedded.ts';
import { createPool } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';

const silent = pino({ level: 'silent' });
let cluster: Promise<string> | undefined;
let privateCluster: EmbeddedDatabase | undefined;

/** A temp folder that the `postgres` user can enter when we run as root. */
export function makeTempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o755);
  return dir;
}

export async function startTestCluster(): Promise<EmbeddedDatabase & { dir: string }> {
  const dir = makeTempDir('mailroom-pg-');
  const db = await startEmbeddedPostgres(dir, silent);
  return {
    ...db,
    dir,
    async stop() {
      await db.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function adminUrl(): Promise<string> {
  if (process.env.MAILROOM_TEST_ADMIN_URL) return process.env.MAILROOM_TEST_ADMIN_URL;
  cluster ??= startTestCluster().then((db) => {
    privateCluster = db;
    process.once('beforeExit', () => void privateCluster?.stop());
    return db.adminUrl;
  });
  return cluster;
}

export interface TestDatabase {
  url: string;
  name: string;
  pool: pg.Pool;
  close(): Promise<void>;
}

/** A brand-new database with every migration applied. */
export async function testDatabase(): Promise<TestDatabase> {
  const admin = await adminUrl();
  const name = `t_${crypto.randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = admin.replace(/\/[^/]*$/, `/${name}`);
  const pool = createPool(url, 20);
  await migrate(pool, silent);
  return {
    url,
    name,
    pool,
    async close() {
      await pool.end().catch(() => undefined);
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await c.end();
    },
  };
}

export async function stopPrivateCluster(): Promise<void> {
  await privateCluster?.stop();
  privateCluster = undefined;
  cluster = undefined;
}
