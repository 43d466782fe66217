import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { defineWorkflow } from '../../src/engine/define.ts';
import { engineFixture, runRow, transitions, type EngineFixture } from './harness.ts';

const approval = defineWorkflow({
  name: 'await-approval',
  version: 1,
  input: z.object({ approvalId: z.string(), timeoutMs: z.number().optional() }),
  async run(input, step) {
    const prepared = await step.run('prepare', async () => ({ draft: 'hello' }));
    const decision = await step.waitForEvent<{ approved: boolean }>('approval.decided', { key: input.approvalId, timeoutMs: input.timeoutMs });
    if (decision.timeout) return { outcome: 'expired', draft: prepared.draft };
    return { outcome: decision.payload.approved ? 'approved' : 'rejected' };
  },
});

const race = defineWorkflow({
  name: 'first-of-many',
  version: 1,
  input: z.object({ thread: z.string(), approvalId: z.string() }),
  async run(input, step) {
    const first = await step.waitForAny<{ from?: string }>(
      [{ name: 'approval.decided', key: input.approvalId }, { name: 'email.reply', key: input.thread }],
      { timeoutMs: 30_000 },
    );
    return first.timeout ? { via: 'timeout' } : { via: first.name };
  },
});

const twoWaits = defineWorkflow({
  name: 'two-replies',
  version: 1,
  input: z.object({ thread: z.string() }),
  async run(input, step) {
    const a = await step.waitForEvent<{ n: number }>('email.reply', { key: input.thread });
    const b = await step.waitForEvent<{ n: number }>('email.reply', { key: input.thread });
    return [a.timeout ? null : a.payload.n, b.timeout ? null : b.payload.n];
  },
});

const child = defineWorkflow({
  name: 'child-doubler',
  version: 1,
  input: z.object({ x: z.number() }),
  async run(input, step) {
    return step.run('double', async () => input.x * 2);
  },
});

const parent = defineWorkflow({
  name: 'parent-invoker',
  version: 1,
  input: z.object({ x: z.number() }),
  async run(input, step) {
    const doubled = await step.invoke(child, { x: input.x });
    return { doubled };
  },
});

describe('events, waits and invocations', () => {
  let fx: EngineFixture;
  before(async () => {
    fx = await engineFixture([approval, race, twoWaits, child, parent]);
  });
  after(async () => fx.close());

  test('waitForEvent suspends the run and the matching event resumes it', async () => {
    const { runId } = await fx.engine.startRun(approval, { approvalId: 'ap-1' });
    assert.equal(await fx.engine.waitForRun(runId, { states: ['waiting'] }), 'waiting');
    const waiting = await runRow(fx.db, runId);
    assert.equal(waiting.lease_owner, null, 'a waiting run holds no worker');
    assert.equal(waiting.wait.kind, 'event');
    await fx.engine.sendEvent('approval.decided', 'ap-1', { approved: true }, 'test');
    assert.equal(await fx.engine.waitForRun(runId, { states: ['completed', 'failed'] }), 'completed');
    assert.deepEqual((await runRow(fx.db, runId)).output, { outcome: 'approved' });
    assert.match((await transitions(fx.db, runId)).join('\n'), /waiting→running: resumed: event approval\.decided/);
  });

  test('an event for another key does not resume the run', async () => {
    const { runId } = await fx.engine.startRun(approval, { approvalId: 'ap-2' });
    await fx.engine.waitForRun(runId, { states: ['waiting'] });
    await fx.engine.sendEvent('approval.decided', 'ap-other', { approved: true });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await runRow(fx.db, runId)).state, 'waiting');
    await fx.engine.cancelRun(runId, 'test over');
    assert.equal((await runRow(fx.db, runId)).state, 'cancelled');
  });

  test('an event that arrives before the run reaches its wait is not lost', async () => {
    await fx.engine.sendEvent('approval.decided', 'ap-early', { approved: false });
    const { runId } = await fx.engine.startRun(approval, { approvalId: 'ap-early' });
    assert.equal(await fx.engine.waitForRun(runId, { states: ['completed', 'failed'] }), 'completed');
    assert.deepEqual((await runRow(fx.db, runId)).output, { outcome: 'rejected' });
  });

  test('waitForEvent returns a timeout marker when nothing arrives in time', async () => {
    const { runId } = await fx.engine.startRun(approval, { approvalId: 'ap-never', timeoutMs: 400 });
    assert.equal(await fx.engine.waitForRun(runId, { states: ['completed', 'failed'], timeoutMs: 10_000 }), 'completed');
    assert.deepEqual((await runRow(fx.db, runId)).output, { outcome: 'expired', draft: 'hello' });
  });

  test('waitForAny resumes on whichever event comes first', async () => {
    const { runId } = await fx.engine.startRun(race, { thread: '<t1@x>', approvalId: 'ap-3' });
    await fx.engine.waitForRun(runId, { states: ['waiting'] });
    await fx.engine.sendEvent('email.reply', '<t1@x>', { from: 'customer' });
    await fx.engine.sendEvent('approval.decided', 'ap-3', { approved: true });
    assert.equal(await fx.engine.waitForRun(runId, { states: ['completed', 'failed'] }), 'completed');
    assert.deepEqual((await runRow(fx.db, runId)).output, { via: 'email.reply' });
  });

  test('events sent concurrently with the wait are each delivered once, in order', async () => {
    const { runId } = await fx.engine.startRun(twoWaits, { thread: '<t2@x>' });
    await Promise.all([fx.engine.sendEvent('email.reply', '<t2@x>', { n: 1 }), fx.engine.waitForRun(runId, { states: ['waiting', 'completed'] })]);
    await fx.engine.sendEvent('email.reply', '<t2@x>', { n: 2 });
    assert.equal(await fx.engine.waitForRun(runId, { states: ['completed', 'failed'] }), 'completed');
    assert.deepEqual((await runRow(fx.db, runId)).output, [1, 2]);
  });

  test('invoke runs a child workflow and returns its output to the waiting parent', async () => {
    const { runId } = await fx.engine.startRun(parent, { x: 21 });
    assert.equal(await fx.engine.waitForRun(runId, { states: ['completed', 'failed'] }), 'completed');
    assert.deepEqual((await runRow(fx.db, runId)).output, { doubled: 42 });
    const { rows } = await fx.db.pool.query('SELECT workflow, state FROM mailroom.runs WHERE parent_run_id = $1', [runId]);
    assert.deepEqual(rows, [{ workflow: 'child-doubler', state: 'completed' }]);
  });
});
