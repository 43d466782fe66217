/**
 * A reply quicker than its run: the run sends a message, is still busy before it registers its
 * wait, and the answer is already in. The router looks again until the run waits, and hands the
 * reply to it instead of routing it as a new request. A run that never waits gets nothing, and
 * the reply is routed as new.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import MailComposer from 'nodemailer/lib/mail-composer';
import { pino } from 'pino';
import { z } from 'zod';
import { loadConfig } from '../../src/config.ts';
import { defineWorkflow } from '../../src/engine/define.ts';
import { createEngine, type Engine } from '../../src/engine/engine.ts';
import { normaliseMessageId } from '../../src/intake/intake.ts';
import { createApp, type App } from '../../src/main.ts';
import type { WorkflowServices } from '../../src/workflows/ports.ts';
import type { RouterOutput } from '../../src/workflows/router/router.ts';
import { makeTempDir, testDatabase, type TestDatabase } from '../harness/postgres.ts';
import { testEngineSettings } from '../engine/settings.ts';

/** Sends one mail, stays busy for `busyMs` (as a slow model call would), then waits for the reply if `waits`. */
const asker = defineWorkflow({
  name: 'test-asker',
  version: 1,
  input: z.object({ to: z.string(), busyMs: z.number(), waits: z.boolean() }),
  async run(input, step, ctx) {
    const services = ctx.services as WorkflowServices;
    const sent = await step.action('ask', () => services.mailer.send({ to: input.to, subject: 'A question', text: 'Which day suits you?' }, `${ctx.runId}:ask`, { runId: ctx.runId }), { kind: 'email.send', parameters: { to: input.to } });
    await step.run('busy', () => new Promise((r) => setTimeout(() => r(true), input.busyMs)));
    if (!input.waits) return { answer: null };
    const reply = await step.waitForEvent<{ text: string }>('email.reply', { key: normaliseMessageId(sent.messageId)!, timeoutMs: 60_000 });
    return { answer: reply.timeout ? null : reply.payload.text.trim() };
  },
});

describe('a reply that arrives before its run waits for it', () => {
  let db: TestDatabase;
  let app: App;
  let worker: Engine;
  before(async () => {
    db = await testDatabase();
    app = await createApp(loadConfig({ DATABASE_URL: db.url, MAILROOM_DATA_DIR: makeTempDir('mailroom-early-'), PORT: '0', MAIL_FROM: 'Mailroom <ops@mailroom.example>' }), pino({ level: 'silent' }), 'service');
    // A worker for the test workflow with the service's own ports (the mailer, the outbox).
    worker = createEngine({ pool: db.pool, databaseUrl: db.url, settings: testEngineSettings(), log: app.log, services: app.services, pollSeconds: 0.5 });
    worker.register(asker);
    await worker.start({ workers: true });
  });
  after(async () => {
    await worker?.stop();
    await app?.stop();
    await db?.close();
  });

  const askAndAnswer = async (to: string, busyMs: number, waits: boolean) => {
    const run = await worker.startRun('test-asker', { to, busyMs, waits });
    let sent: { message_id: string } | undefined;
    for (let i = 0; i < 200 && !sent; i++) {
      sent = (await db.pool.query('SELECT message_id FROM mailroom.outbox WHERE run_id = $1', [run.runId])).rows[0];
      if (!sent) await new Promise((r) => setTimeout(r, 25));
    }
    assert.ok(sent, `the question was sent: ${JSON.stringify((await db.pool.query('SELECT state, error FROM mailroom.runs WHERE id = $1', [run.runId])).rows[0])}`);
    assert.notEqual((await db.pool.query('SELECT state FROM mailroom.runs WHERE id = $1', [run.runId])).rows[0].state, 'waiting', 'the run is still busy when the reply comes in');
    const reply = await new MailComposer({ from: to, to: 'ops@mailroom.example', subject: 'Re: A question', inReplyTo: sent!.message_id, references: [sent!.message_id], text: 'Tuesday works.' }).compile().build();
    const { runId: router } = await app.intake.accept({ kind: 'email', bytes: reply, source: { channel: 'test' } });
    // The router ends (a reply handed over) or asks a person about a new item (it then waits).
    let routed: RouterOutput | undefined;
    let asked = false;
    for (let i = 0; i < 1200 && !routed && !asked; i++) {
      const { rows } = await db.pool.query(`SELECT state, error, output, EXISTS (SELECT 1 FROM mailroom.approvals a WHERE a.run_id = r.id) AS asked FROM mailroom.runs r WHERE id = $1`, [router]);
      assert.notEqual(rows[0].state, 'failed', `the router failed: ${JSON.stringify(rows[0].error)}`);
      if (rows[0].state === 'completed') routed = rows[0].output;
      asked = rows[0].asked;
      if (!routed && !asked) await new Promise((r) => setTimeout(r, 50));
    }
    return { run: run.runId, router: router!, routed, asked };
  };

  test('the router looks again until the run waits, and the reply goes to that run', async () => {
    const { run, routed } = await askAndAnswer('quick@customer.example', 1500, true);
    assert.deepEqual([routed?.route, routed?.childRunId], ['reply', run]);
    assert.equal(await worker.waitForRun(run, { states: ['completed', 'failed'], timeoutMs: 20_000 }), 'completed');
    const out = (await db.pool.query('SELECT output FROM mailroom.runs WHERE id = $1', [run])).rows[0].output;
    assert.equal(out.answer, 'Tuesday works.');
  });

  test('a reply to a run that never waits for one is not swallowed: it is routed as a new item', async () => {
    const { run, router, routed, asked } = await askAndAnswer('slow@customer.example', 200, false);
    assert.ok(asked || (routed && routed.route !== 'reply' && routed.childRunId !== run), 'routed as new');
    const looks = (await db.pool.query(`SELECT step_id FROM mailroom.steps WHERE run_id = $1 AND step_id LIKE 'match-reply%'`, [router])).rows;
    assert.ok(looks.length >= 1);
    const events = (await db.pool.query(`SELECT count(*)::int AS n FROM mailroom.events WHERE name = 'email.reply'`)).rows[0].n;
    assert.equal(events, 1, 'only the first test delivered a reply');
    assert.equal((await db.pool.query('SELECT state FROM mailroom.runs WHERE id = $1', [run])).rows[0].state, 'completed');
  });
});
