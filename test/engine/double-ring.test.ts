/**
 * Two events committed in one transaction ring a waiting run twice at once. The worker that
 * takes the first doorbell owns the lease; the second doorbell, handled by the same process,
 * must not execute the run a second time beside it (it did: both executions consumed one
 * event each for the same wait, and the run stalled on a wait whose event was gone).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { defineWorkflow } from '../../src/engine/define.ts';
import { withTransaction } from '../../src/db/transaction.ts';
import type { TestServices } from '../fixtures/engine-workflows.ts';
import { effects, recordEffect } from '../fixtures/engine-workflows.ts';
import { engineFixture, runRow, type EngineFixture } from './harness.ts';

const twoEvents = defineWorkflow({
  name: 'two-events',
  version: 1,
  input: z.object({ key: z.string() }),
  async run(input, step, ctx) {
    const { pool } = ctx.services as TestServices;
    const seen: string[] = [];
    for (let n = 0; n < 2; n++) {
      const got = await step.waitForAny([{ name: 'first', key: input.key }, { name: 'second', key: input.key }], { id: `wait#${n}` });
      if (!got.timeout) seen.push(got.name);
    }
    await step.action('effect', () => recordEffect(pool, ctx.runId, seen.join(',')), { kind: 'test.effect' });
    return seen;
  },
});

let fx: EngineFixture;
before(async () => {
  fx = await engineFixture([twoEvents]);
});
after(async () => fx.close());

test('two events in one transaction resume a waiting run once, and it takes both in order', async () => {
  for (let i = 0; i < 5; i++) {
    const key = `k${i}`;
    const { runId } = await fx.engine.startRun(twoEvents, { key });
    await fx.engine.waitForRun(runId, { states: ['waiting'] });
    await withTransaction(fx.db.pool, async (tx) => {
      await fx.engine.sendEventInTransaction(tx as never, 'first', key, {}, 'test');
      await fx.engine.sendEventInTransaction(tx as never, 'second', key, {}, 'test');
    });
    assert.equal(await fx.engine.waitForRun(runId, { states: ['completed', 'failed'], timeoutMs: 10_000 }), 'completed');
    assert.deepEqual((await runRow(fx.db, runId)).output, ['first', 'second']);
    assert.deepEqual(await effects(fx.db.pool, runId), ['first,second']);
    assert.equal((await runRow(fx.db, runId)).crashes, 0, 'no execution was counted as a crash');
  }
});
