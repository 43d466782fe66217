/**
 * Versioned SQL migrations: `src/db/migrations/NNNN_name.sql`, applied in name order, each in
 * its own transaction, recorded in `mailroom.migrations`. Two processes starting at once are
 * serialised by a transaction-level advisory lock, so the second sees the first's work and
 * applies nothing twice.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import type { Logger } from '../logger.ts';

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
// Arbitrary but fixed: the advisory lock key that guards the migrator.
const LOCK_KEY = 0x6d61696c;

export interface Migration {
  version: string;
  name: string;
  sql: string;
}

export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((file) => ({ version: file.slice(0, 4), name: file.slice(5, -4), sql: fs.readFileSync(path.join(dir, file), 'utf8') }));
}

export async function migrate(pool: pg.Pool, log: Logger, migrations = listMigrations()): Promise<string[]> {
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await client.query('CREATE SCHEMA IF NOT EXISTS mailroom');
    await client.query(
      'CREATE TABLE IF NOT EXISTS mailroom.migrations (version text PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set((await client.query<{ version: string }>('SELECT version FROM mailroom.migrations')).rows.map((r) => r.version));
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      // One savepoint per file: a failing migration names itself and leaves the others untouched.
      await client.query('SAVEPOINT migration');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO mailroom.migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      } catch (err) {
        throw new Error(`migration ${m.version}_${m.name} failed: ${(err as Error).message}`, { cause: err });
      }
      applied.push(`${m.version}_${m.name}`);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
  if (applied.length) log.info({ applied }, 'database migrations applied');
  return applied;
}
