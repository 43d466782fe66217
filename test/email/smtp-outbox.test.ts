/**
 * Outbound against a real SMTP peer (smtp-server): threading headers as received, retries with
 * backoff while the server is down and exactly one delivery, permanent refusals, idempotency.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { createOutbox } from '../../src/channels/email/outbox.ts';
import { closeParsers, parseEmail } from '../../src/channels/email/parse.ts';
import { buildReply } from '../../src/channels/email/reply.ts';
import { stopPrivateCluster, testDatabase, type TestDatabase } from '../harness/postgres.ts';
import { startSmtpSink, type SmtpSink } from '../harness/smtp-sink.ts';
import { until } from './doubles.ts';

const log = pino({ level: 'silent' });
after(async () => {
  await closeParsers();
  await stopPrivateCluster();
});

const original = Buffer.from(
  'From: Ann Customer <ann@customer.example>\r\nTo: help@mailroom.example\r\nSubject: AW: Login broken\r\nMessage-ID: <m2@customer.example>\r\nReferences: <m0@customer.example> <m1@mailroom.example>\r\nDate: Fri, 20 Nov 2026 09:12:00 +0000\r\n\r\nStill broken.\r\n',
);

describe('outbox over SMTP', () => {
  let db: TestDatabase;
  let smtp: SmtpSink;
  before(async () => {
    [db, smtp] = await Promise.all([testDatabase(), startSmtpSink()]);
  });
  after(async () => {
    await smtp.close();
    await db.close();
  });

  test('a reply arrives at the SMTP peer threaded: In-Reply-To, References, Re:, From/Reply-To, Message-ID from run and step', async () => {
    const outbox = createOutbox({ pool: db.pool, from: 'Support <help@mailroom.example>', smtp: { url: smtp.url }, log });
    const reply = buildReply(await parseEmail(original), { from: 'Support <help@mailroom.example>', replyTo: 'tickets@mailroom.example', body: 'We fixed it.' });
    const row = await outbox.enqueue(reply, { idempotencyKey: 'run-7:reply' });
    await outbox.stop();
    assert.equal(row.status, 'sent');
    const got = smtp.messages.find((m) => m.headers.messageId === row.message_id)!;
    assert.ok(got, 'received by the peer');
    assert.deepEqual(got.envelope, { from: 'help@mailroom.example', to: ['ann@customer.example'] });
    assert.equal(got.headers.inReplyTo, '<m2@customer.example>');
    assert.deepEqual(got.headers.references, ['<m0@customer.example>', '<m1@mailroom.example>', '<m2@customer.example>']);
    assert.equal(got.headers.subject, 'Re: Login broken');
    assert.match(got.headers.from ?? "", /"?Support"? <help@mailroom\.example>/);
    assert.equal(got.headers.replyTo, 'tickets@mailroom.example');
    assert.match(got.text, /We fixed it\.[\s\S]*> Still broken\./);
    assert.match(row.message_id, /^<mailroom\.[0-9a-f]{32}@mailroom\.example>$/);
    const again = createOutbox({ pool: db.pool, from: 'Support <help@mailroom.example>', smtp: { url: smtp.url }, log });
    assert.equal((await again.enqueue(reply, { idempotencyKey: 'run-7:reply' })).message_id, row.message_id, 'same key → same row, no second send');
    await again.stop();
    assert.equal(smtp.messages.filter((m) => m.headers.messageId === row.message_id).length, 1);
  });

  test('SMTP down: the message is kept, retried with backoff by the background loop, and delivered exactly once', async () => {
    const outbox = createOutbox({ pool: db.pool, from: 'Support <help@mailroom.example>', smtp: { url: smtp.url }, log, retryBaseMs: 100, retryMaxMs: 300 });
    smtp.setDown(true);
    const before = smtp.connections;
    const row = await outbox.enqueue({ to: 'down@customer.example', subject: 'Re: x', text: 'hello' }, { idempotencyKey: 'run-8:reply' });
    assert.equal(row.status, 'retrying');
    outbox.start(50);
    await until(async () => smtp.connections - before >= 3, 5000, 'several attempts');
    assert.equal((await outbox.list({ status: 'retrying' })).some((r) => r.id === row.id), true, 'still kept while down');
    smtp.setDown(false);
    await until(async () => (await outbox.list({ status: 'sent' })).some((r) => r.id === row.id), 5000, 'delivery');
    await new Promise((r) => setTimeout(r, 300)); // more loop passes: nothing is sent again
    await outbox.stop();
    const delivered = smtp.messages.filter((m) => m.headers.messageId === row.message_id);
    assert.equal(delivered.length, 1);
    const [sent] = (await outbox.list({ status: 'sent' })).filter((r) => r.id === row.id);
    assert.ok(sent!.attempts >= 3);
  });

  test('a temporary 4xx is retried; a permanent 5xx marks the message failed (kept, never silently dropped)', async () => {
    const outbox = createOutbox({ pool: db.pool, from: 'help@mailroom.example', smtp: { url: smtp.url }, log, retryBaseMs: 10 });
    smtp.failNext(1, 451);
    const temp = await outbox.enqueue({ to: 'a@customer.example', subject: 's', text: 't' }, 'run-9:a');
    assert.equal(temp.status, 'retrying');
    await new Promise((r) => setTimeout(r, 30));
    assert.equal((await outbox.sendPending()).sent, 1);
    smtp.failNext(1, 550);
    const perm = await outbox.enqueue({ to: 'b@customer.example', subject: 's', text: 't' }, 'run-9:b');
    assert.equal(perm.status, 'failed');
    assert.match(perm.last_error ?? '', /mailbox unavailable/);
    assert.equal((await outbox.sendPending()).sent, 0, 'failed rows wait for an explicit --send');
    assert.equal((await outbox.sendPending({ includeFailed: true })).sent, 1);
    await outbox.stop();
  });
});
