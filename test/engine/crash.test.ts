import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { crashable, countOnce, effects, slowAction, suicidal, workflows } from '../fixtures/engine-workflows.ts';
import { engineFixture, runRow, transitions, type EngineFixture } from './harness.ts';
import { startWorker, waitForFile } from './workers.ts';
import { agentCrashable, llmWorkflows } from '../fixtures/llm-workflows.ts';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-server.ts';

// The in-process engine here only starts runs and sends commands (workers: false); the runs are
// executed by real worker processes that the tests kill with SIGKILL.
describe('crashes and scale-out (real worker processes)', () => {
  let fx: EngineFixture;
  let fake: FakeAnthropic;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-crash-'));
  before(async () => {
    fx = await engineFixture([...workflows, ...llmWorkflows], {}, { workers: false });
    // The model answers by the conversation so far: search first, then finish.
    fake = await startFakeAnthropic((body) =>
      body.messages.length === 1
        ? { toolUse: { name: 'kb_search', input: { query: 'export csv' } } }
        : { toolUse: { name: 'finish', input: { answer: 'Reports → Export → CSV', confidence: 0.8 } } },
    );
    process.env.FAKE_ANTHROPIC_URL = fake.url;
  });
  after(async () => {
    await fx.close();
    await fake.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('a worker killed with SIGKILL mid-step: after restart the run finishes, completed steps and actions ran once', async () => {
    const marker = path.join(tmp, 'two-started');
    const first = await startWorker(fx.db.url);
    const { runId } = await fx.engine.startRun(crashable, { slowMs: 2000, markerFile: marker });
    await waitForFile(marker);
    await first.kill('SIGKILL');
    assert.equal((await runRow(fx.db, runId)).state, 'running', 'the dead worker left the run mid-flight');

    const second = await startWorker(fx.db.url);
    try {
      assert.equal(await fx.engine.waitForRun(runId, { states: ['completed', 'failed'], timeoutMs: 20_000 }), 'completed');
    } finally {
      await second.kill('SIGTERM');
    }
    const done = await effects(fx.db.pool, runId);
    assert.deepEqual(done.filter((e) => e === 'one'), ['one'], 'step one ran once');
    assert.deepEqual(done.filter((e) => e === 'two:start'), ['two:start', 'two:start'], 'the interrupted step ran again');
    assert.deepEqual(done.filter((e) => e === 'two:end'), ['two:end']);
    assert.deepEqual(done.filter((e) => e === 'action:notify'), ['action:notify'], 'the ledgered action ran once');
    assert.deepEqual(done.filter((e) => e === 'three'), ['three']);
    assert.deepEqual((await runRow(fx.db, runId)).output, { sum: 6, sent: true });
    assert.match((await transitions(fx.db, runId)).join('\n'), /running→running: recovered: the previous worker stopped mid-run/);
  });

  test('a worker killed during the agent loop: after restart the paid model turn is not called again', async () => {
    const marker = path.join(tmp, 'searching');
    const first = await startWorker(fx.db.url);
    const before = fake.requests.length;
    const { runId } = await fx.engine.startRun(agentCrashable, { markerFile: marker, toolMs: 2000 });
    await waitForFile(marker);
    await first.kill('SIGKILL');
    assert.equal(fake.requests.length - before, 1, 'one model turn was paid before the crash');

    const second = await startWorker(fx.db.url);
    try {
      assert.equal(await fx.engine.waitForRun(runId, { states: ['completed', 'failed'], timeoutMs: 20_000 }), 'completed');
    } finally {
      await second.kill('SIGTERM');
    }
    assert.equal(fake.requests.length - before, 2, 'turn one came from the checkpoint; only turn two was asked');
    assert.deepEqual(await effects(fx.db.pool, runId), ['kb_search', 'kb_search'], 'the interrupted tool run ran again');
    assert.deepEqual((await runRow(fx.db, runId)).output, { finished: true, result: { answer: 'Reports → Export → CSV', confidence: 0.8 }, turns: 2, reason: 'finished' });
  });

  test('an action interrupted by a crash is reported uncertain, not repeated, until an operator resolves it', async () => {
    const marker = path.join(tmp, 'pay-started');
    const first = await startWorker(fx.db.url);
    const { runId } = await fx.engine.startRun(slowAction, { markerFile: marker, slowMs: 3000 });
    await waitForFile(marker);
    await first.kill('SIGKILL');
    const second = await startWorker(fx.db.url);
    try {
      assert.equal(await fx.engine.waitForRun(runId, { states: ['completed', 'failed'], timeoutMs: 20_000 }), 'failed');
      const run = await runRow(fx.db, runId);
      assert.equal(run.error.code, 'ACTION_UNCERTAIN');
      assert.match(run.error.message, /mailroom retry .* --actions done/);
      assert.deepEqual(await effects(fx.db.pool, runId), ['pay:start'], 'not silently repeated');
      const { rows } = await fx.db.pool.query('SELECT status FROM mailroom.actions WHERE run_id = $1', [runId]);
      assert.equal(rows[0].status, 'uncertain');

      await assert.rejects(fx.engine.retryRun(runId), /uncertain actions \(pay\)/);
      await fx.engine.retryRun(runId, { actions: 'done' });
      assert.equal(await fx.engine.waitForRun(runId, { states: ['completed', 'failed'], timeoutMs: 20_000 }), 'completed');
      assert.deepEqual(await effects(fx.db.pool, runId), ['pay:start'], 'operator said it happened: not repeated');
    } finally {
      await second.kill('SIGTERM');
    }
  });

  test('a run whose worker keeps dying is failed as a crash loop after a bounded number of tries', async () => {
    const { runId } = await fx.engine.startRun(suicidal, {});
    for (let i = 0; i < 8; i++) {
      const w = await startWorker(fx.db.url, { crashLimit: 2 });
      const outcome = await Promise.race([w.exited.then(() => 'died'), fx.engine.waitForRun(runId, { states: ['failed', 'completed'], timeoutMs: 20_000 })]);
      await w.kill('SIGTERM');
      if (outcome === 'failed') break;
    }
    const run = await runRow(fx.db, runId);
    assert.equal(run.state, 'failed');
    assert.equal(run.error.code, 'CRASH_LOOP');
    assert.equal((await effects(fx.db.pool, runId)).length, 3, 'executed once plus two recoveries, then never again');
  });

  test('two worker processes against one database execute each run exactly once', async () => {
    const a = await startWorker(fx.db.url);
    const b = await startWorker(fx.db.url);
    try {
      const ids: string[] = [];
      for (let i = 0; i < 100; i++) ids.push((await fx.engine.startRun(countOnce, { i })).runId);
      for (const id of ids) assert.equal(await fx.engine.waitForRun(id, { states: ['completed', 'failed'], timeoutMs: 30_000 }), 'completed');
      const { rows } = await fx.db.pool.query<{ run_id: string; n: number }>(
        `SELECT run_id, count(*)::int AS n FROM test_effects WHERE run_id = ANY($1::uuid[]) GROUP BY run_id`,
        [ids],
      );
      assert.equal(rows.length, 100);
      assert.ok(rows.every((r) => r.n === 1), 'no run executed twice');
      const execs = await fx.db.pool.query<{ n: number }>('SELECT max(executions)::int AS n FROM mailroom.runs WHERE id = ANY($1::uuid[])', [ids]);
      assert.equal(execs.rows[0]!.n, 1);
    } finally {
      await Promise.all([a.kill('SIGTERM'), b.kill('SIGTERM')]);
    }
  });
});
