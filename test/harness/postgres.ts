/**
 * Real PostgreSQL for tests. `npm test` (test/run.ts) starts one embedded cluster and passes its
 * server URL in MAILROOM_TEST_ADMIN_URL; every test file then gets fresh databases of its own.
 * Run a file alone (`node --test test/x.test.ts`) and this module starts a private cluster in a
 * helper process (private-cluster.ts), which stops it when this process ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { pino } from 'pino';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/db/embedded.ts';
import { createPool } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';

const silent = pino({ level: 'silent' });
let cluster: Promise<string> | undefined;
let privateCluster: ChildProcess | undefined;

/** A temp folder that the `postgres` user can enter when we run as root. */
export function makeTempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o755);
  return dir;
}

export async function startTestCluster(): Promise<EmbeddedDatabase & { dir: string }> {
  const dir = makeTempDir('mailroom-pg-');
  const db = await startEmbeddedPostgres(dir, silent).catch((err: unknown) => {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  return {
    ...db,
    dir,
    async stop() {
      await db.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The private cluster's helper holds no handle in this event loop (so `node --test` exits when
 * the tests end), but its stdin stays open: when this process goes, the pipe closes and the
 * helper stops PostgreSQL, however this process ended.
 */
function startPrivateCluster(): Promise<string> {
  const helper = fileURLToPath(new URL('./private-cluster.ts', import.meta.url));
  // Its own process group: a Ctrl-C meant for the tests does not stop the cluster under them.
  const child = spawn(process.execPath, [helper], { stdio: ['pipe', 'pipe', 'inherit'], detached: true });
  privateCluster = child;
  return new Promise((resolve, reject) => {
    let out = '';
    const failed = (code: number | null) => reject(new Error(`the private test cluster did not start (helper exited with ${code})`));
    child.once('exit', failed);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const end = out.indexOf('\n');
      if (end < 0) return;
      child.off('exit', failed);
      child.stdout!.destroy();
      (child.stdin as net.Socket).unref();
      child.unref();
      resolve(out.slice(0, end));
    });
  });
}

async function adminUrl(): Promise<string> {
  if (process.env.MAILROOM_TEST_ADMIN_URL) return process.env.MAILROOM_TEST_ADMIN_URL;
  cluster ??= startPrivateCluster();
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

/** Stops the private cluster now (benchmarks), instead of when this process ends. */
export async function stopPrivateCluster(): Promise<void> {
  const child = privateCluster;
  privateCluster = undefined;
  cluster = undefined;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  // Held again, so that this process waits for the helper instead of exiting under it.
  child.ref();
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.stdin!.end();
  await exited;
}
