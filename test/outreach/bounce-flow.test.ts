/**
 * Bounces and auto-replies tied to the message we sent, on the real engine and PostgreSQL: a run
 * sends an automated mail through the outbox and waits (as the lead workflow does) for
 * `email.bounce` / `email.auto_reply` keyed by its Message-ID; a real bounce from the corpus,
 * rewritten to bounce that message, goes through handleAutomatedMail.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { pino } from 'pino';
import { z } from 'zod';
import { createOutbox } from '../../src/channels/email/outbox.ts';
import { parseEmailCore } from '../../src/channels/email/parse-core.ts';
import { defineWorkflow } from '../../src/engine/define.ts';
import { createEngine, type Engine } from '../../src/engine/engine.ts';
import type { WaitResult } from '../../src/engine/types.ts';
import { normaliseMessageId } from '../../src/intake/intake.ts';
import { isSuppressed, lastInbound } from '../../src/outreach/suppression.ts';
import type { EmailSummary, WorkflowServices } from '../../src/workflows/ports.ts';
import { handleAutomatedMail } from '../../src/workflows/router/automated-mail.ts';
import { testEngineSettings } from '../engine/settings.ts';
import { testDatabase, type TestDatabase } from '../harness/postgres.ts';
import { startSmtpSink, type SmtpSink } from '../harness/smtp-sink.ts';

const CORPUS = '/work/shared/data/bounces';
const present = fs.existsSync(`${CORPUS}/lhost-qmail-01.eml`);

interface Services {
  pool: TestDatabase['pool'];
  events: NonNullable<WorkflowServices['events']>;
  outbox: ReturnType<typeof createOutbox>;
  mailer: Pick<WorkflowServices['mailer'], 'resendAfterSoftBounce'>;
}

const sender = defineWorkflow({
  name: 'test-sender',
  version: 1,
  input: z.object({ to: z.string() }),
  async run(input, step, ctx) {
    const s = ctx.services as Services;
    const sent = await step.run('send', async () => {
      const row = await s.outbox.enqueue({ to: input.to, subject: 'Following up', text: 'Hello', automated: true }, `${ctx.runId}:first`, ctx.runId);
      return { messageId: row.message_id };
    });
    const key = normaliseMessageId(sent.messageId)!;
    const got: WaitResult = await step.waitForAny([{ name: 'email.reply', key }, { name: 'email.bounce', key }, { name: 'email.auto_reply', key }], { timeoutMs: 60_000 });
    return got.timeout ? { event: null } : { event: got.name, payload: got.payload };
  },
});

const inbound = defineWorkflow({
  name: 'test-inbound',
  version: 1,
  input: z.object({ raw: z.string(), itemId: z.string() }),
  async run(input, step, ctx) {
    const s = ctx.services as unknown as WorkflowServices;
    const email = await step.run('parse', async (): Promise<EmailSummary> => {
      const p = await parseEmailCore(Buffer.from(input.raw, 'base64'));
      return { ...p, attachments: [], auth: null } as unknown as EmailSummary;
    });
    return handleAutomatedMail(step, s, input.itemId, email);
  },
});

describe('bounces and auto-replies reach the run that sent the message', { skip: !present && 'bounce corpus not present' }, () => {
  let db: TestDatabase;
  let engine: Engine;
  let services: Services;
  let smtp: SmtpSink;
  before(async () => {
    db = await testDatabase();
    smtp = await startSmtpSink();
    // A real SMTP peer; soft-bounce resends after 200 ms, then 400 ms, at most two.
    const outbox = createOutbox({ pool: db.pool, from: 'Sales <sales@mailroom.test>', smtp: { url: smtp.url }, softBounceResends: 2, softBounceDelayMs: 200 });
    services = { pool: db.pool, outbox, mailer: { resendAfterSoftBounce: (id, why) => outbox.resendAfterSoftBounce(id, why) }, events: { send: async () => undefined } };
    engine = createEngine({ pool: db.pool, databaseUrl: db.url, settings: testEngineSettings(), log: pino({ level: 'silent' }), services, pollSeconds: 0.5 });
    services.events = { send: (name, key, payload) => engine.sendEvent(name, key, payload, 'router') };
    engine.register(sender, inbound);
    await engine.start({ workers: true });
  });
  after(async () => {
    await engine.stop();
    await services.outbox.stop();
    await smtp.close();
    await db.close();
  });

  const messageIdOf = async (runId: string) => {
    for (let i = 0; i < 200; i++) {
      const { rows } = await db.pool.query<{ message_id: string }>('SELECT message_id FROM mailroom.outbox WHERE run_id = $1', [runId]);
      if (rows[0]) return rows[0].message_id;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the sender never sent');
  };

  test('a real qmail bounce rewritten to bounce our message: email.bounce (hard) to the sender run, and the address suppressed', async () => {
    const to = 'kijitora@example.ne.jp';
    const { runId } = await engine.startRun(sender, { to });
    const ours = await messageIdOf(runId);
    const raw = fs.readFileSync(`${CORPUS}/lhost-qmail-01.eml`, 'latin1').replace(/^Message-ID: <[^>]+>/m, `Message-ID: ${ours}`);
    assert.ok(raw.includes(ours));
    const { runId: inboundRun } = await engine.startRun(inbound, { raw: Buffer.from(raw, 'latin1').toString('base64'), itemId: '00000000-0000-4000-8000-000000000101' });
    assert.equal(await engine.waitForRun(inboundRun, { states: ['completed', 'failed'] }), 'completed');
    const routed = (await db.pool.query('SELECT output FROM mailroom.runs WHERE id = $1', [inboundRun])).rows[0].output;
    assert.equal(routed.route, 'bounce');
    assert.equal(routed.runId, runId);
    assert.equal(await engine.waitForRun(runId, { states: ['completed', 'failed'] }), 'completed');
    const out = (await db.pool.query('SELECT output FROM mailroom.runs WHERE id = $1', [runId])).rows[0].output;
    assert.equal(out.event, 'email.bounce');
    assert.equal(out.payload.kind, 'hard');
    assert.equal(out.payload.recipient, to);
    assert.match(out.payload.status, /^5\./);
    assert.equal(await isSuppressed(db.pool, to), true);
    const decisions = (await db.pool.query<{ reasoning: string }>('SELECT reasoning FROM mailroom.decisions WHERE run_id = $1', [inboundRun])).rows;
    assert.ok(decisions.some((d) => /hard bounce.*suppressed/.test(d.reasoning)), JSON.stringify(decisions));
  });

  test('an out-of-office answering our message is email.auto_reply, not a reply, and does not count as the person writing', async () => {
    const to = 'nyaan@example.org';
    const { runId } = await engine.startRun(sender, { to });
    const ours = await messageIdOf(runId);
    const raw = [
      'From: Nyaan <nyaan@example.org>',
      'To: sales@mailroom.test',
      'Subject: Automatic reply: Following up',
      `In-Reply-To: ${ours}`,
      `References: ${ours}`,
      'Auto-Submitted: auto-replied',
      'Date: Mon, 10 Mar 2025 09:00:00 +0000',
      'Message-ID: <ooo-1@example.org>',
      '',
      'I am out of the office until March 24 with limited access to email.',
      '',
    ].join('\r\n');
    const { runId: inboundRun } = await engine.startRun(inbound, { raw: Buffer.from(raw).toString('base64'), itemId: '00000000-0000-4000-8000-000000000102' });
    assert.equal(await engine.waitForRun(inboundRun, { states: ['completed', 'failed'] }), 'completed');
    assert.equal(await engine.waitForRun(runId, { states: ['completed', 'failed'] }), 'completed');
    const out = (await db.pool.query('SELECT output FROM mailroom.runs WHERE id = $1', [runId])).rows[0].output;
    assert.equal(out.event, 'email.auto_reply');
    assert.equal(out.payload.returnDate, '2025-03-24');
    assert.equal(await isSuppressed(db.pool, to), false);
    assert.equal(await lastInbound(db.pool, to), null, 'an auto-reply does not reset the unanswered-mail cap');
  });

  test('a person\'s own mail is not automatic: nothing is routed, and the cap counts from it', async () => {
    const raw = 'From: Ana <ana@example.es>\r\nTo: sales@mailroom.test\r\nSubject: Re: Following up\r\nMessage-ID: <ana-1@example.es>\r\n\r\nYes, let us talk on Thursday.\r\n';
    const { runId } = await engine.startRun(inbound, { raw: Buffer.from(raw).toString('base64'), itemId: '00000000-0000-4000-8000-000000000103' });
    assert.equal(await engine.waitForRun(runId, { states: ['completed', 'failed'] }), 'completed');
    assert.equal((await db.pool.query('SELECT output FROM mailroom.runs WHERE id = $1', [runId])).rows[0].output, null);
    assert.ok(await lastInbound(db.pool, 'ana@example.es'));
  });

  test('a bounce of a message we never sent is set aside, and suppresses nobody', async () => {
    const raw = fs.readFileSync(`${CORPUS}/rfc3464-01.eml`);
    const { runId } = await engine.startRun(inbound, { raw: raw.toString('base64'), itemId: '00000000-0000-4000-8000-000000000104' });
    assert.equal(await engine.waitForRun(runId, { states: ['completed', 'failed'] }), 'completed');
    const out = (await db.pool.query('SELECT output FROM mailroom.runs WHERE id = $1', [runId])).rows[0].output;
    assert.equal(out.route, 'bounce');
    assert.equal(out.runId, null);
    assert.equal(await isSuppressed(db.pool, 'userunknown@bouncehammer.jp'), false);
  });

  test('an "unsubscribe" mail (the List-Unsubscribe mailto) suppresses its sender and sends lead.unsubscribe', async () => {
    const raw = 'From: Bo <Bo@Example.se>\r\nTo: sales@mailroom.test\r\nSubject: unsubscribe\r\nMessage-ID: <bo-1@example.se>\r\n\r\n\r\n';
    const { runId } = await engine.startRun(inbound, { raw: Buffer.from(raw).toString('base64'), itemId: '00000000-0000-4000-8000-000000000105' });
    assert.equal(await engine.waitForRun(runId, { states: ['completed', 'failed'] }), 'completed');
    assert.equal((await db.pool.query('SELECT output FROM mailroom.runs WHERE id = $1', [runId])).rows[0].output.route, 'unsubscribe');
    assert.equal(await isSuppressed(db.pool, 'bo@example.se'), true);
    const events = (await db.pool.query(`SELECT key FROM mailroom.events WHERE name = 'lead.unsubscribe'`)).rows;
    assert.deepEqual(events.map((e) => e.key), ['bo@example.se']);
  });

  const routeBounce = async (file: string, theirs: string, ours: string, itemId: string) => {
    const raw = fs.readFileSync(`${CORPUS}/${file}`, 'latin1').replaceAll(theirs, ours);
    assert.ok(raw.includes(ours));
    const { runId } = await engine.startRun(inbound, { raw: Buffer.from(raw, 'latin1').toString('base64'), itemId });
    assert.equal(await engine.waitForRun(runId, { states: ['completed', 'failed'] }), 'completed');
    return (await db.pool.query('SELECT output FROM mailroom.runs WHERE id = $1', [runId])).rows[0].output as { route: string; reason: string };
  };
  const delivered = (messageId: string) => smtp.messages.filter((m) => m.headers.messageId === messageId).length;
  const until = async (what: string, ok: () => Promise<boolean> | boolean) => {
    for (let i = 0; i < 200; i++) {
      if (await ok()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${what}`);
  };

  test('a relay that gave up on a temporary failure (real Postfix 4.4.1 report): the same message is sent again later, twice at most, then the run hears it gave up; the address is never suppressed', async () => {
    const to = 'kijitora@example.com';
    const { runId } = await engine.startRun(sender, { to });
    const ours = await messageIdOf(runId);
    await until('the first delivery', () => delivered(ours) === 1);
    const theirs = '<143E20AB-3911-4809-8B49-BB1A17513571@mail.ru>';

    const first = await routeBounce('lhost-postfix-08.eml', theirs, ours, '00000000-0000-4000-8000-000000000111');
    assert.equal(first.route, 'bounce');
    assert.match(first.reason, /soft bounce.*sent again at/);
    const row = (await db.pool.query('SELECT status, soft_bounces, next_attempt_at FROM mailroom.outbox WHERE message_id = $1', [ours])).rows[0];
    assert.equal(row.status, 'retrying');
    assert.equal(row.soft_bounces, 1);
    assert.ok(row.next_attempt_at.getTime() > Date.now() - 1000, 'sent again later, not at once');
    assert.equal(await engine.waitForRun(runId, { states: ['completed', 'failed'] }), 'completed');
    const out = (await db.pool.query('SELECT output FROM mailroom.runs WHERE id = $1', [runId])).rows[0].output;
    assert.equal(out.payload.kind, 'soft');
    assert.equal(out.payload.retry.outcome, 'resent');

    // The outbox's own loop sends it once it is due: the same bytes, the same Message-ID.
    await until('the resend', async () => (await services.outbox.sendPending(), delivered(ours) === 2));
    assert.equal((await db.pool.query('SELECT status FROM mailroom.outbox WHERE message_id = $1', [ours])).rows[0].status, 'sent');

    await routeBounce('lhost-postfix-08.eml', theirs, ours, '00000000-0000-4000-8000-000000000112');
    await until('the second resend', async () => (await services.outbox.sendPending(), delivered(ours) === 3));
    const third = await routeBounce('lhost-postfix-08.eml', theirs, ours, '00000000-0000-4000-8000-000000000113');
    assert.match(third.reason, /not sent again: 3 soft bounces, the limit reached/);
    await services.outbox.sendPending();
    assert.equal(delivered(ours), 3, 'never more than the allowed resends');
    const events = (await db.pool.query(`SELECT payload FROM mailroom.events WHERE name = 'email.bounce' AND key = $1 ORDER BY id`, [normaliseMessageId(ours)])).rows;
    assert.deepEqual(events.map((e) => e.payload.retry.outcome), ['resent', 'resent', 'gave_up']);
    assert.equal(await isSuppressed(db.pool, to), false, 'a temporary failure suppresses nobody');
  });

  test('a "delayed" warning (real OpenSMTPD report): nothing is resent, the reporting server keeps trying', async () => {
    const { runId } = await engine.startRun(sender, { to: 'neko@nyaan.jp' });
    const ours = await messageIdOf(runId);
    await until('the first delivery', () => delivered(ours) === 1);
    const routed = await routeBounce('lhost-opensmtpd-12.eml', '<74f4e3a292556888@df.example.jp>', ours, '00000000-0000-4000-8000-000000000114');
    assert.match(routed.reason, /a delay warning, the reporting server keeps trying/);
    assert.equal((await db.pool.query('SELECT status, soft_bounces FROM mailroom.outbox WHERE message_id = $1', [ours])).rows[0].status, 'sent');
    await services.outbox.sendPending();
    assert.equal(delivered(ours), 1);
  });
});
