import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { pino } from 'pino';
import { createOutbox } from '../../src/channels/email/outbox.ts';
import { stopPrivateCluster, testDatabase, type TestDatabase } from '../harness/postgres.ts';
import { repoRoot } from '../harness/shared.ts';
import { startSmtpSink, type SmtpSink } from '../harness/smtp-sink.ts';

const log = pino({ level: 'silent' });
// Run alone, this file starts a private PostgreSQL; stop it so the process can exit.
after(() => stopPrivateCluster());
const mail = { to: 'customer@example.com', subject: 'Re: Help', text: 'Here is how.', inReplyTo: '<orig@example.com>', references: ['<orig@example.com>'] };

describe('the outbox', () => {
  let db: TestDatabase;
  let smtp: SmtpSink;
  before(async () => {
    db = await testDatabase();
    smtp = await startSmtpSink();
  });
  after(async () => {
    await smtp.close();
    await db.close();
  });

  test('with SMTP down the message is kept and retried, then delivered exactly once', async () => {
    const outbox = createOutbox({ pool: db.pool, from: 'Mailroom <support@mailroom.example>', smtp: { url: smtp.url }, log });
    smtp.setDown(true);
    const row = await outbox.enqueue(mail, 'run-1:reply');
    assert.equal(row.status, 'retrying');
    assert.equal(smtp.messages.length, 0);
    smtp.setDown(false);
    await db.pool.query(`UPDATE mailroom.outbox SET next_attempt_at = now()`); // skip the backoff wait
    assert.deepEqual(await outbox.sendPending(), { sent: 1, failed: 0, retrying: 0 });
    assert.deepEqual(await outbox.sendPending(), { sent: 0, failed: 0, retrying: 0 });
    const again = await outbox.enqueue(mail, 'run-1:reply');
    assert.equal(again.status, 'sent');
    assert.equal(smtp.messages.length, 1, 'a retried or replayed send is recognised by its key');
    assert.equal(smtp.messages[0]!.headers.messageId, row.message_id);
    assert.equal(smtp.messages[0]!.headers.inReplyTo, '<orig@example.com>');
    await outbox.stop();
  });

  test('without SMTP the message stays as not sent, listed, and is sent later with `mailroom outbox --send`', async () => {
    const offline = createOutbox({ pool: db.pool, from: 'Mailroom <support@mailroom.example>', log });
    const row = await offline.enqueue({ ...mail, to: 'later@example.com' }, 'run-2:reply');
    assert.equal(row.status, 'not_sent');
    await offline.stop();
    const env = { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'silent' };
    const list = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'mailroom.js'), 'outbox', '--status', 'not_sent'], { env, encoding: 'utf8' });
    assert.match(list.stdout, /not_sent .* to later@example\.com/);
    // Asynchronously: the SMTP peer lives in this process and must keep answering meanwhile.
    const send = await promisify(execFile)(process.execPath, [path.join(repoRoot, 'bin', 'mailroom.js'), 'outbox', '--send'], { env: { ...env, SMTP_URL: smtp.url }, encoding: 'utf8' });
    assert.match(send.stdout, /sent 1, failed 0/);
    assert.ok(smtp.messages.some((m) => m.to.includes('later@example.com')));
  });
});
