import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { testDatabase } from '../harness/postgres.ts';
import { repoRoot } from '../harness/shared.ts';

// Read from the folder itself, not through the migrator, so a file the migrator skips shows up here.
const migrationsDir = path.join(repoRoot, 'src', 'db', 'migrations');
const files = fs.readdirSync(migrationsDir).filter((f) => f.endsWith('.sql')).sort();
const tablesCreated = files.flatMap((f) =>
  [...fs.readFileSync(path.join(migrationsDir, f), 'utf8').matchAll(/CREATE TABLE (?:IF NOT EXISTS )?mailroom\.(\w+)/gi)].map((m) => m[1]!),
);

test('a fresh test database has every migration file applied, in order, and every table they create', async () => {
  assert.ok(files.length > 1 && tablesCreated.length > 1, 'the migrations folder was read');
  const db = await testDatabase();
  try {
    const applied = await db.pool.query<{ version: string; name: string }>('SELECT version, name FROM mailroom.migrations ORDER BY version');
    assert.deepEqual(
      applied.rows.map((r) => `${r.version}_${r.name}.sql`),
      files,
    );
    const present = await db.pool.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'mailroom'`);
    const names = new Set(present.rows.map((r) => r.table_name));
    const missing = tablesCreated.filter((t) => !names.has(t));
    assert.deepEqual(missing, [], `tables missing: ${missing.join(', ')}`);
  } finally {
    await db.close();
  }
});
