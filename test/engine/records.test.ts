import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { z } from 'zod';
import { defineWorkflow } from '../../src/engine/define.ts';
import { pruneCompletedRuns } from '../../src/engine/retention.ts';
import { createPool } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { engineFixture, runRow, type EngineFixture } from './harness.ts';
import { testDatabase } from '../harness/postgres.ts';

const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'mailroom.js');

const decider = defineWorkflow({
  name: 'decider',
  version: 1,
  input: z.object({ approvalId: z.string() }),
  async run(input, step) {
    const cls = await step.run('classify', async () => ({ category: 'billing' }));
    await step.decide({ action: 'classify', parameters: cls, reasoning: 'mentions an invoice number', confidence: 0.91, provider: 'offline', model: 'rules-v1' });
    await step.decide({ action: 'request_approval', parameters: { approvalId: input.approvalId }, reasoning: 'refunds need a human' });
    const answer = await step.waitForEvent<{ by: string }>('approval.decided', { key: input.approvalId });
    await step.decide({ action: 'approved', reasoning: `approved by ${answer.timeout ? 'nobody' : answer.payload.by}` });
    await step.action('send-reply', async () => ({ messageId: '<r1@mailroom>' }), { kind: 'email.send', parameters: { to: 'a@example.com' } });
    return { done: true };
  },
});

describe('records: decisions, traces, retention', () => {
  let fx: EngineFixture;
  before(async () => {
    fx = await engineFixture([decider]);
  });
  after(async () => fx.close());

  test('decisions are stored in order, once, even though the run replays after its wait', async () => {
    const { runId } = await fx.engine.startRun(decider, { approvalId: 'ap-9' });
    await fx.engine.waitForRun(runId, { states: ['waiting'] });
    await fx.engine.sendEvent('approval.decided', 'ap-9', { by: 'U123' });
    assert.equal(await fx.engine.waitForRun(runId, { states: ['completed', 'failed'] }), 'completed');
    const { rows } = await fx.db.pool.query('SELECT seq, action, reasoning, confidence, provider FROM mailroom.decisions WHERE run_id = $1 ORDER BY seq', [runId]);
    assert.deepEqual(rows.map((r) => r.action), ['classify', 'request_approval', 'approved']);
    assert.equal(rows[0].confidence, 0.91);
    assert.equal(rows[2].reasoning, 'approved by U123');
  });

  test('mailroom run <id> tells the run as a story and runs --json lists it', async () => {
    const { runId } = await fx.engine.startRun(decider, { approvalId: 'ap-10' });
    await fx.engine.waitForRun(runId, { states: ['waiting'] });
    await fx.engine.sendEvent('approval.decided', 'ap-10', { by: 'U777' });
    await fx.engine.waitForRun(runId, { states: ['completed', 'failed'] });
    const env = { ...process.env, DATABASE_URL: fx.db.url, LOG_LEVEL: 'silent' };
    const trace = spawnSync(process.execPath, [bin, 'run', runId], { env, encoding: 'utf8' });
    assert.equal(trace.status, 0, trace.stderr);
    for (const expected of [
      /workflow decider v1 — COMPLETED/,
      /decide\s+classify \(confidence 0\.91\) via offline\/rules-v1 — mentions an invoice number/,
      /running → waiting: waiting for approval\.decided\[ap-10\]/,
      /event\s+approval\.decided \[ap-10\] received: \{"by":"U777"\}/,
      /decide\s+approved — approved by U777/,
      /action\s+send-reply \(email\.send\) completed/,
    ]) assert.match(trace.stdout, expected);
    const list = spawnSync(process.execPath, [bin, 'runs', '--json', '--workflow', 'decider'], { env, encoding: 'utf8' });
    assert.equal(list.status, 0, list.stderr);
    const ids = list.stdout.trim().split('\n').map((l) => JSON.parse(l).id);
    assert.ok(ids.includes(runId));
    const missing = spawnSync(process.execPath, [bin, 'run', '00000000-0000-0000-0000-000000000000'], { env, encoding: 'utf8' });
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /no run 00000000/);
  });

  test('retention prunes completed runs’ payloads but keeps their history', async () => {
    const { runId } = await fx.engine.startRun(decider, { approvalId: 'ap-11' });
    await fx.engine.sendEvent('approval.decided', 'ap-11', { by: 'U1' });
    await fx.engine.waitForRun(runId, { states: ['completed', 'failed'] });
    await fx.db.pool.query(`UPDATE mailroom.runs SET finished_at = now() - interval '8 days' WHERE id = $1`, [runId]);
    assert.ok((await pruneCompletedRuns(fx.db.pool, 7)) >= 1);
    const run = await runRow(fx.db, runId);
    assert.equal(run.input, null);
    assert.equal(run.output, null);
    const { rows } = await fx.db.pool.query('SELECT count(*)::int AS n FROM mailroom.decisions WHERE run_id = $1', [runId]);
    assert.equal(rows[0].n, 3);
  });
});

test('two processes migrating one database at once apply each migration once', async () => {
  const db = await testDatabase();
  try {
    await db.pool.query('DROP SCHEMA mailroom CASCADE');
    const pools = [createPool(db.url, 2), createPool(db.url, 2), createPool(db.url, 2)];
    const log = pino({ level: 'silent' });
    const applied = await Promise.all(pools.map((p) => migrate(p, log)));
    await Promise.all(pools.map((p) => p.end()));
    assert.equal(applied.filter((a) => a.length > 0).length, 1, 'exactly one migrator did the work');
    const { rows } = await db.pool.query('SELECT version FROM mailroom.migrations');
    assert.equal(rows.length, applied.flat().length);
  } finally {
    await db.close();
  }
});
