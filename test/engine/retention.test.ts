/**
 * The retention scheduler of the service itself (createApp, as `mailroom start` builds it): on
 * its interval it prunes the payloads of completed runs older than the retention, and leaves
 * recent runs, failed runs and every run's history alone.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.ts';
import { createApp, type App } from '../../src/main.ts';
import { makeTempDir, testDatabase, type TestDatabase } from '../harness/postgres.ts';

describe('retention scheduler in the running service', () => {
  let db: TestDatabase;
  let app: App;
  const dataDir = makeTempDir('mailroom-retention-');
  before(async () => {
    db = await testDatabase();
    const config = loadConfig({ DATABASE_URL: db.url, MAILROOM_DATA_DIR: dataDir, PORT: '0', ENGINE_RETENTION_DAYS: '7', ENGINE_RETENTION_INTERVAL_MS: '200' });
    app = await createApp(config, pino({ level: 'silent' }), 'service');
  });
  after(async () => {
    await app.stop();
    await db.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** A finished run as the engine leaves it: payloads, a step result and its history. */
  const finishedRun = async (state: 'completed' | 'failed', daysAgo: number) => {
    const id = crypto.randomUUID();
    await db.pool.query(
      `INSERT INTO mailroom.runs (id, workflow, workflow_version, state, input, output, deadline_at, created_at, finished_at)
       VALUES ($1, 'retention-probe', 1, $2, '{"body":"customer text"}', '{"reply":"sent"}', now() + interval '1 day', now() - $3 * interval '1 day', now() - $3 * interval '1 day')`,
      [id, state, daysAgo],
    );
    await db.pool.query(`INSERT INTO mailroom.steps (run_id, step_id, seq, kind, status, output) VALUES ($1, 'draft', 1, 'run', 'completed', '{"draft":"hello"}')`, [id]);
    await db.pool.query(`INSERT INTO mailroom.run_transitions (run_id, from_state, to_state, reason) VALUES ($1, 'running', $2, 'done')`, [id, state]);
    return id;
  };
  const row = async (id: string) =>
    (
      await db.pool.query(
        `SELECT r.input, r.output, r.pruned_at, s.output AS step_output, (SELECT count(*)::int FROM mailroom.run_transitions t WHERE t.run_id = r.id) AS transitions
           FROM mailroom.runs r JOIN mailroom.steps s ON s.run_id = r.id WHERE r.id = $1`,
        [id],
      )
    ).rows[0];

  test('the default interval is one hour', () => {
    assert.equal(loadConfig({}).engine.retentionIntervalMs, 3_600_000);
  });

  test('with a short interval the service prunes an old completed run on its own, and only that run', async () => {
    const old = await finishedRun('completed', 8);
    const recent = await finishedRun('completed', 1);
    const oldFailed = await finishedRun('failed', 8);
    let pruned = await row(old);
    for (let i = 0; i < 200 && !pruned.pruned_at; i++) {
      await new Promise((r) => setTimeout(r, 50));
      pruned = await row(old);
    }
    assert.ok(pruned.pruned_at, 'no retention pass pruned the old run within 10 s');
    assert.deepEqual([pruned.input, pruned.output, pruned.step_output], [null, null, null], 'payloads are gone');
    assert.equal(pruned.transitions, 1, 'history stays for audit');
    for (const id of [recent, oldFailed]) {
      const kept = await row(id);
      assert.equal(kept.pruned_at, null);
      assert.deepEqual([kept.input, kept.step_output], [{ body: 'customer text' }, { draft: 'hello' }]);
    }
  });
});
