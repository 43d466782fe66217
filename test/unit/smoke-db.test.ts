import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabase } from '../harness/postgres.ts';

test('a fresh test database has every migration applied', async () => {
  const db = await testDatabase();
  try {
    const { rows } = await db.pool.query('SELECT version FROM mailroom.migrations ORDER BY version');
    assert.equal(rows[0].version, '0001');
  } finally {
    await db.close();
  }
});
