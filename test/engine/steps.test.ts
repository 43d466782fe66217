import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { defineWorkflow } from '../../src/engine/define.ts';
import { NonRetriableError } from '../../src/errors.ts';
import { effects, recordEffect, type TestServices } from '../fixtures/engine-workflows.ts';
import { engineFixture, runRow, transitions, type EngineFixture } from './harness.ts';

const sleeper = defineWorkflow({
  name: 'sleeper',
  version: 1,
  input: z.object({ ms: z.number() }),
  async run(input, step, ctx) {
    const { pool } = ctx.services as TestServices;
    const before = await step.run('before', async () => {
      await recordEffect(pool, ctx.runId, 'before');
      return Date.now();
    });
    await step.sleep(input.ms);
    const afterAt = await step.run('after', async () => {
      await recordEffect(pool, ctx.runId, 'after');
      return Date.now();
    });
    return { sleptMs: afterAt - before };
  },
});

let flakyCalls = 0;
const flaky = defineWorkflow({
  name: 'flaky',
  version: 1,
  input: z.object({ failTimes: z.number(), nonRetriable: z.boolean().default(false) }),
  retry: { attempts: 3, baseMs: 40, maxMs: 1000 },
  async run(input, step) {
    return step.run('flaky-call', async ({ attempt }) => {
      flakyCalls += 1;
      if (input.nonRetriable) throw new NonRetriableError('bad data: retrying cannot help');
      if (attempt <= input.failTimes) throw new Error(`boom ${attempt}`);
      return { attempt };
    });
  },
});

const many = defineWorkflow({
  name: 'many-steps',
  version: 1,
  input: z.object({ n: z.number() }),
  maxSteps: 5,
  async run(input, step) {
    for (let i = 0; i < input.n; i++) await step.run('tick', async () => i);
    return 'done';
  },
});

const slow = defineWorkflow({
  name: 'slow-step',
  version: 1,
  input: z.object({}),
  retry: { attempts: 2, baseMs: 10, maxMs: 10 },
  async run(_input, step) {
    return step.run('hang', async ({ signal }) => new Promise((resolve) => setTimeout(resolve, 5000, 'late').unref() && signal.addEventListener('abort', () => resolve('aborted'))), { timeoutMs: 100 });
  },
});

const deadline = defineWorkflow({
  name: 'deadline',
  version: 1,
  input: z.object({}),
  maxDurationMs: 300,
  async run(_input, step) {
    await step.sleep(60_000);
    return 'never';
  },
});

const badCode = defineWorkflow({
  name: 'bad-code',
  version: 1,
  input: z.object({ x: z.number() }),
  async run() {
    throw new TypeError('undefined is not a function (in workflow code)');
  },
});

const nul = defineWorkflow({
  name: 'nul-bytes',
  version: 1,
  input: z.object({}),
  async run(_input, step) {
    return step.run('hostile', async () => ({ subject: 'in\u0000voice', literal: 'a \\u0000 b' }));
  },
});

describe('durable steps', () => {
  let fx: EngineFixture;
  before(async () => {
    fx = await engineFixture([sleeper, flaky, many, slow, deadline, badCode, nul]);
  });
  after(async () => fx.close());

  test('steps before a sleep are not executed again when the run resumes', async () => {
    const { runId } = await fx.engine.startRun(sleeper, { ms: 600 });
    assert.equal(await fx.engine.waitForRun(runId, { states: ['waiting'] }), 'waiting');
    assert.equal(await fx.engine.waitForRun(runId, { states: ['completed', 'failed'], timeoutMs: 10_000 }), 'completed');
    assert.deepEqual(await effects(fx.db.pool, runId), ['before', 'after']);
    const run = await runRow(fx.db, runId);
    assert.ok(run.output.sleptMs >= 550, `slept ${run.output.sleptMs} ms`);
    const history = await transitions(fx.db, runId);
    assert.match(history.join('\n'), /running→waiting: sleeping until/);
    assert.match(history.join('\n'), /waiting→running: resumed: timer/);
  });

  test('a failing step is retried with backoff and its result stored once it succeeds', async () => {
    flakyCalls = 0;
    const { runId } = await fx.engine.startRun(flaky, { failTimes: 2 });
    assert.equal(await fx.engine.waitForRun(runId), 'completed');
    assert.equal(flakyCalls, 3);
    const { rows } = await fx.db.pool.query('SELECT attempts, status FROM mailroom.steps WHERE run_id = $1', [runId]);
    assert.deepEqual(rows[0], { attempts: 3, status: 'completed' });
  });

  test('a step that fails every attempt fails the run, keeping error, stack and input', async () => {
    flakyCalls = 0;
    const { runId } = await fx.engine.startRun(flaky, { failTimes: 5 });
    assert.equal(await fx.engine.waitForRun(runId), 'failed');
    assert.equal(flakyCalls, 3);
    const run = await runRow(fx.db, runId);
    assert.equal(run.error.message, 'boom 3');
    assert.equal(run.error.step, 'flaky-call');
    assert.match(run.error.stack, /steps\.test\.ts/);
    assert.deepEqual(run.input, { failTimes: 5, nonRetriable: false });
  });

  test('a non-retriable error fails the step at the first attempt', async () => {
    flakyCalls = 0;
    const { runId } = await fx.engine.startRun(flaky, { failTimes: 0, nonRetriable: true });
    assert.equal(await fx.engine.waitForRun(runId), 'failed');
    assert.equal(flakyCalls, 1);
  });

  test('exceeding max steps fails the run with that reason', async () => {
    const { runId } = await fx.engine.startRun(many, { n: 10 });
    assert.equal(await fx.engine.waitForRun(runId), 'failed');
    const run = await runRow(fx.db, runId);
    assert.equal(run.error.code, 'MAX_STEPS_EXCEEDED');
    assert.match(run.error.message, /maximum of 5 steps/);
  });

  test('a step that outlives its timeout is retried, then fails the run with a timeout reason', async () => {
    const { runId } = await fx.engine.startRun(slow, {});
    assert.equal(await fx.engine.waitForRun(runId), 'failed');
    const run = await runRow(fx.db, runId);
    assert.equal(run.error.code, 'STEP_TIMEOUT');
    assert.match(run.error.message, /timed out after 100 ms/);
    const { rows } = await fx.db.pool.query('SELECT attempts FROM mailroom.steps WHERE run_id = $1', [runId]);
    assert.equal(rows[0].attempts, 2);
  });

  test('a run past its maximum duration fails with that reason instead of waiting on', async () => {
    const { runId } = await fx.engine.startRun(deadline, {});
    assert.equal(await fx.engine.waitForRun(runId, { states: ['failed', 'completed'], timeoutMs: 10_000 }), 'failed');
    const run = await runRow(fx.db, runId);
    assert.equal(run.error.code, 'RUN_DEADLINE_EXCEEDED');
  });

  test('an exception in workflow code fails the run with its message and stack', async () => {
    const { runId } = await fx.engine.startRun(badCode, { x: 1 });
    assert.equal(await fx.engine.waitForRun(runId), 'failed');
    const run = await runRow(fx.db, runId);
    assert.equal(run.error.name, 'TypeError');
    assert.match(run.error.stack, /steps\.test\.ts/);
  });

  test('a step result with NUL characters (which PostgreSQL cannot store) is kept without them', async () => {
    const { runId } = await fx.engine.startRun(nul, {});
    assert.equal(await fx.engine.waitForRun(runId), 'completed');
    assert.deepEqual((await runRow(fx.db, runId)).output, { subject: 'invoice', literal: 'a \\u0000 b' });
  });

  test('invalid input is refused before a run is created', async () => {
    await assert.rejects(fx.engine.startRun(badCode, { x: 'nope' } as never), /input for workflow "bad-code" is invalid: x:/);
  });

  test('starting twice with one idempotency key gives one run', async () => {
    const a = await fx.engine.startRun(sleeper, { ms: 1 }, { idempotencyKey: 'msg-<abc@example.com>' });
    const b = await fx.engine.startRun(sleeper, { ms: 1 }, { idempotencyKey: 'msg-<abc@example.com>' });
    assert.equal(a.runId, b.runId);
    assert.equal(a.created, true);
    assert.equal(b.created, false);
    const { rows } = await fx.db.pool.query(`SELECT count(*)::int AS n FROM mailroom.runs WHERE idempotency_key = 'msg-<abc@example.com>'`);
    assert.equal(rows[0].n, 1);
  });
});
