import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { defineWorkflow } from '../../src/engine/define.ts';
import { askForApproval } from '../../src/approvals/ask.ts';
import { castVote, listApprovals } from '../../src/approvals/store.ts';
import { loadConfig } from '../../src/config.ts';
import { createPolicyGate } from '../../src/policy/gate.ts';
import { loadPolicy } from '../../src/policy/load.ts';
import type { TestServices } from '../fixtures/engine-workflows.ts';
import { effects, recordEffect } from '../fixtures/engine-workflows.ts';
import { engineFixture, runRow, type EngineFixture } from '../engine/harness.ts';

/** A workflow that obeys whatever it is told (as a tricked model would) — the gate must stop it. */
const obedient = defineWorkflow({
  name: 'obedient',
  version: 1,
  input: z.object({
    ask: z.object({ amount: z.number(), iban: z.string() }).optional(),
    pay: z.object({ amount: z.number(), iban: z.string() }).optional(),
    mailTo: z.string().optional(),
  }),
  async run(input, step, ctx) {
    const { pool } = ctx.services as TestServices;
    if (input.ask) {
      await askForApproval(step, { pool }, {
        key: 'pay',
        kind: 'invoice.payment',
        title: 'pay',
        request: { summary: {}, proposal: { type: 'payment', description: 'pay', parameters: input.ask }, reasoning: 'r', confidence: 0.9 },
        approvers: ['U_FIN'],
      });
    }
    if (input.pay) {
      await step.action('pay', async () => recordEffect(pool, ctx.runId, 'paid'), { kind: 'payment.schedule', parameters: input.pay });
    }
    if (input.mailTo) {
      await step.action('mail', async () => recordEffect(pool, ctx.runId, `mailed ${input.mailTo}`), { kind: 'email.send', parameters: { to: input.mailTo } });
    }
    return 'done';
  },
});

describe('the action gate', () => {
  let fx: EngineFixture;
  before(async () => {
    fx = await engineFixture([obedient]);
    fx.engine.setGate(createPolicyGate({ pool: fx.db.pool, policy: loadPolicy(loadConfig({})), correspondents: async () => ['customer@example.com'] }));
  });
  after(async () => fx.close());

  const approveAndFinish = async (runId: string) => {
    await fx.engine.waitForRun(runId, { states: ['waiting'] });
    const a = (await listApprovals(fx.db.pool)).find((x) => x.run_id === runId)!;
    await castVote(fx.db.pool, { approvalId: a.id, approver: 'U_FIN', decision: 'approve', channel: 'slack', version: a.version }, (tx, n, k, p, s) => fx.engine.sendEventInTransaction(tx, n, k, p, s));
    return fx.engine.waitForRun(runId, { states: ['completed', 'failed'] });
  };

  test('a payment with no approval is refused, whatever the workflow was told', async () => {
    const { runId } = await fx.engine.startRun(obedient, { pay: { amount: 9931.43, iban: 'LT271061625353244510' } });
    assert.equal(await fx.engine.waitForRun(runId), 'failed');
    const run = await runRow(fx.db, runId);
    assert.equal(run.error.code, 'POLICY_DENIED');
    assert.deepEqual(await effects(fx.db.pool, runId), []);
  });

  test('a payment runs once its exact parameters were approved', async () => {
    const { runId } = await fx.engine.startRun(obedient, { ask: { amount: 100, iban: 'GB32NWBK54907401061246' }, pay: { amount: 100, iban: 'GB32 NWBK 5490 7401 0612 46' } });
    assert.equal(await approveAndFinish(runId), 'completed');
    assert.deepEqual(await effects(fx.db.pool, runId), ['paid']);
  });

  test('a payment to another IBAN than the approved one is refused', async () => {
    const { runId } = await fx.engine.startRun(obedient, { ask: { amount: 100, iban: 'GB32NWBK54907401061246' }, pay: { amount: 100, iban: 'LT271061625353244510' } });
    assert.equal(await approveAndFinish(runId), 'failed');
    assert.match((await runRow(fx.db, runId)).error.message, /differ from what the approver approved/);
    assert.deepEqual(await effects(fx.db.pool, runId), []);
  });

  test('mail goes to the run’s correspondents, never to a stranger', async () => {
    const ok = await fx.engine.startRun(obedient, { mailTo: 'customer@example.com' });
    assert.equal(await fx.engine.waitForRun(ok.runId), 'completed');
    const bad = await fx.engine.startRun(obedient, { mailTo: 'x@evil.example' });
    assert.equal(await fx.engine.waitForRun(bad.runId), 'failed');
    assert.match((await runRow(fx.db, bad.runId)).error.message, /not a correspondent/);
    assert.deepEqual(await effects(fx.db.pool, bad.runId), []);
  });
});
