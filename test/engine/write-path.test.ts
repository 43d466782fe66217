/**
 * The engine's lean write path: transitions are announced (NOTIFY) only for runs somebody waits
 * on, and decisions, written with the execution's next statement rather than one commit each,
 * are never lost: not when the run suspends, fails or is cancelled mid-way.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { z } from 'zod';
import { defineWorkflow } from '../../src/engine/define.ts';
import { NonRetriableError } from '../../src/errors.ts';
import { engineFixture, runRow, type EngineFixture } from './harness.ts';

const twoSteps = defineWorkflow({
  name: 'two-steps',
  version: 1,
  input: z.object({}),
  async run(_input, step) {
    await step.run('a', () => 1);
    await step.run('b', () => 2);
    return 'done';
  },
});

const decideThenFail = defineWorkflow({
  name: 'decide-then-fail',
  version: 1,
  input: z.object({}),
  async run(_input, step) {
    await step.run('read', () => ({ total: 119 }));
    await step.decide({ action: 'read', reasoning: 'the total is 119', provider: 'anthropic', model: 'm', inputTokens: 1200, costUsd: 0.004 });
    throw new NonRetriableError('cannot book this');
  },
});

const decideThenWait = defineWorkflow({
  name: 'decide-then-wait',
  version: 1,
  input: z.object({ key: z.string() }),
  async run(input, step) {
    await step.decide({ action: 'asked', reasoning: 'a person must look' });
    const got = await step.waitForEvent('go', { key: input.key, timeoutMs: 60_000 });
    await step.decide({ action: 'answered', reasoning: got.timeout ? 'timeout' : 'an answer came' });
    return true;
  },
});

let release: () => void = () => undefined;
const decideThenHang = defineWorkflow({
  name: 'decide-then-hang',
  version: 1,
  input: z.object({}),
  async run(_input, step) {
    await step.run('call', () => 'paid');
    await step.decide({ action: 'model.call', reasoning: 'a paid call', costUsd: 0.01, provider: 'anthropic' });
    await new Promise<void>((r) => (release = r));
    await step.run('after', () => 'never');
    return true;
  },
});

const threeSteps = defineWorkflow({
  name: 'three-steps',
  version: 1,
  input: z.object({ i: z.number(), bad: z.boolean().default(false) }),
  concurrency: 40,
  retry: { attempts: 1 },
  async run(input, step) {
    const a = await step.run('a', () => ({ i: input.i, at: 'a' }));
    // A lone surrogate: valid JavaScript, refused by PostgreSQL's jsonb.
    const b = await step.run('b', () => (input.bad ? { text: '\ud800' } : { i: a.i + 1 }));
    return step.run('c', () => ({ sum: a.i + (b as { i: number }).i }));
  },
});

const decisions = async (fx: EngineFixture, runId: string) =>
  (await fx.db.pool.query<{ seq: number; action: string }>('SELECT seq, action FROM mailroom.decisions WHERE run_id = $1 ORDER BY seq', [runId])).rows.map((r) => r.action);

describe('engine write path', () => {
  let fx: EngineFixture;
  let listener: pg.Client;
  const heard: string[] = [];
  before(async () => {
    fx = await engineFixture([twoSteps, decideThenFail, decideThenWait, decideThenHang, threeSteps], { concurrency: 40 });
    listener = new pg.Client({ connectionString: fx.db.url });
    await listener.connect();
    listener.on('notification', (m) => heard.push(m.payload ?? ''));
    await listener.query('LISTEN mailroom_runs');
  });
  after(async () => {
    await listener.end();
    await fx.close();
  });

  const settled = async (runId: string) => {
    for (let i = 0; i < 200; i++) {
      const r = await runRow(fx.db, runId);
      if (['completed', 'failed', 'cancelled', 'waiting'].includes(r.state)) return r.state as string;
      await new Promise((res) => setTimeout(res, 50));
    }
    throw new Error(`run ${runId} did not settle`);
  };

  test('a run nobody waits on moves through its states without a single NOTIFY; one that is waited on is announced', async () => {
    const quiet = (await fx.engine.startRun(twoSteps, {})).runId;
    assert.equal(await settled(quiet), 'completed');
    const watched = (await fx.engine.startRun(twoSteps, {})).runId;
    assert.equal(await fx.engine.waitForRun(watched, { states: ['completed'] }), 'completed');
    await listener.query('SELECT 1'); // notifications sent before this answer have arrived
    assert.deepEqual(heard.filter((h) => h.startsWith(quiet)), [], 'no announcement for the run nobody watched');
    assert.ok(heard.includes(`${watched}:completed`), `heard: ${heard.join(', ')}`);
    const { rows } = await fx.db.pool.query('SELECT count(*)::int AS n FROM mailroom.run_watchers WHERE run_id = $1', [watched]);
    assert.equal(rows[0].n, 0, 'the waiter unregistered when it was done');
  });

  test('steps many runs finish at once are committed together, and a result PostgreSQL refuses fails only its own run', async () => {
    const started = await Promise.all(Array.from({ length: 30 }, (_, i) => fx.engine.startRun(threeSteps, { i, bad: i === 7 })));
    // One waiter at a time: each holds a pooled connection while it waits.
    const states: string[] = [];
    for (const s of started) states.push(await fx.engine.waitForRun(s.runId, { states: ['completed', 'failed'], timeoutMs: 30_000 }));
    assert.deepEqual(states.map((s, i) => (i === 7 ? s === 'failed' : s === 'completed')), Array(30).fill(true));
    const outputs = await Promise.all(started.map((s) => runRow(fx.db, s.runId)));
    outputs.forEach((r, i) => i !== 7 && assert.deepEqual(r.output, { sum: 2 * i + 1 }));
    assert.match(outputs[7].error.message, /json/i, 'the failure names what PostgreSQL refused');
  });

  test('a decision made just before the run fails is stored with the failure', async () => {
    const { runId } = await fx.engine.startRun(decideThenFail, {});
    assert.equal(await fx.engine.waitForRun(runId), 'failed');
    assert.deepEqual(await decisions(fx, runId), ['read']);
    const { rows } = await fx.db.pool.query(`SELECT cost_usd FROM mailroom.llm_costs_daily WHERE workflow = 'decide-then-fail'`);
    assert.equal(rows[0].cost_usd, 0.004, 'the paid call is in the cost ledger');
  });

  test('a decision made before a wait is stored when the run suspends, and each once after the resume', async () => {
    const { runId } = await fx.engine.startRun(decideThenWait, { key: 'k1' });
    assert.equal(await fx.engine.waitForRun(runId, { states: ['waiting'] }), 'waiting');
    assert.deepEqual(await decisions(fx, runId), ['asked']);
    await fx.engine.sendEvent('go', 'k1', {});
    assert.equal(await fx.engine.waitForRun(runId, { states: ['completed', 'failed'] }), 'completed');
    assert.deepEqual(await decisions(fx, runId), ['asked', 'answered']);
  });

  test('a run cancelled mid-execution keeps the decisions it made', async () => {
    const { runId } = await fx.engine.startRun(decideThenHang, {});
    for (let i = 0; i < 200 && (await fx.db.pool.query(`SELECT 1 FROM mailroom.steps WHERE run_id = $1 AND step_id = 'call'`, [runId])).rowCount === 0; i++) {
      await new Promise((res) => setTimeout(res, 20));
    }
    assert.equal(await fx.engine.cancelRun(runId, 'test'), true);
    // The heartbeat (a third of the 1 s test lease) sees the cancellation; the next step boundary stops the execution.
    await new Promise((res) => setTimeout(res, 600));
    release();
    for (let i = 0; i < 100 && (await decisions(fx, runId)).length === 0; i++) await new Promise((res) => setTimeout(res, 50));
    assert.deepEqual(await decisions(fx, runId), ['model.call']);
    assert.equal((await runRow(fx.db, runId)).state, 'cancelled');
    const { rows } = await fx.db.pool.query(`SELECT count(*)::int AS n FROM mailroom.steps WHERE run_id = $1 AND step_id = 'after'`, [runId]);
    assert.equal(rows[0].n, 0, 'nothing ran after the cancellation');
  });
});
