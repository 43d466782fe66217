/**
 * SMTP down while replies are approved: the service's own wiring with a real SMTP peer
 * (smtp-server) that is stopped, then started again on the same port. The approved replies
 * wait in the outbox (retried with backoff, kept), go out when the server is back, and each
 * arrives exactly once, counted by Message-ID at the peer.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { App } from '../../src/main.ts';
import { until } from '../email/doubles.ts';
import { testDatabase, type TestDatabase } from '../harness/postgres.ts';
import { needsShared } from '../harness/shared.ts';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../harness/smtp-sink.ts';
import { approve, pendingApprovals, sampleMail, settle, startService, submitMail } from './service.ts';

// The requests the knowledge base answers: each approval carries a drafted reply to send.
const SUPPORT = ['10-support-technical.eml', '12-support-account.eml'];
const COPIES = [1, 2, 3];
const OUTAGE_MS = 3000;

describe('SMTP down: replies queue in the outbox and go out once when it is back', { skip: needsShared, timeout: 300_000 }, () => {
  let db: TestDatabase;
  let smtp: SmtpSink;
  let app: App;
  const delivered: ReceivedMail[] = [];
  const runs: string[] = [];

  before(async () => {
    // The outbox's retry settings are read from the environment with the other email settings.
    process.env.OUTBOX_RETRY_BASE_MS = '200';
    process.env.OUTBOX_RETRY_MAX_MS = '800';
    process.env.OUTBOX_POLL_MS = '100';
    process.env.OUTBOX_MAX_ATTEMPTS = '100';
    db = await testDatabase();
    smtp = await startSmtpSink();
    app = await startService(db, { SMTP_URL: smtp.url, MAIL_FROM: 'Mailroom <support@mailroom.example>' });
  });
  after(async () => {
    await app?.stop();
    await smtp?.close();
    await db?.close();
  });

  test('replies approved while the server is down are delivered once after it comes back', async () => {
    const mails = COPIES.flatMap((copy) => SUPPORT.map((s) => sampleMail(s, copy)));
    const items = await Promise.all(mails.map((m) => submitMail(app, m)));
    const settled = await Promise.all(items.map((i) => settle(app, i.runId, 120_000)));
    for (const s of settled) {
      assert.equal(s.childWorkflow, 'support');
      assert.equal(s.childState, 'waiting');
      const [approval] = await pendingApprovals(app, s.childRunId!);
      assert.ok(approval?.request.proposal.draft, 'a drafted reply waits for approval');
      runs.push(s.childRunId!);
    }

    await smtp.close();
    const port = smtp.port;
    const outageStarted = Date.now();
    for (const run of runs) for (const a of await pendingApprovals(app, run)) await approve(app, a.id);

    // Every reply is recorded and kept while the server is down, and retried, not dropped.
    // The outbox row's idempotency key is the run and the step (`<run id>:reply`).
    const rows = () =>
      db.pool
        .query<{ run_id: string; status: string; attempts: number; message_id: string; to_address: string }>(`SELECT split_part(idempotency_key, ':', 1) AS run_id, status, attempts, message_id, to_address FROM mailroom.outbox`)
        .then((r) => r.rows);
    await until(async () => {
      const r = await rows();
      return r.length === runs.length && r.every((x) => x.status === 'retrying' && x.attempts >= 2);
    }, 60_000, 'every reply queued and retried while SMTP is down');
    const ended = await db.pool.query(`SELECT state FROM mailroom.runs WHERE id = ANY($1::uuid[])`, [runs]);
    assert.ok(ended.rows.every((r) => r.state !== 'failed' && r.state !== 'running'), 'the runs did not fail or block on the outage');

    await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - outageStarted))));
    smtp = await startSmtpSink({ port });
    await until(async () => (await rows()).every((x) => x.status === 'sent'), 60_000, 'every reply sent after SMTP came back');
    // More passes of the retry loop: nothing goes out again.
    await new Promise((r) => setTimeout(r, 1000));
    delivered.push(...smtp.messages);

    const sent = await rows();
    assert.equal(sent.length, runs.length, 'one outbox row per reply');
    assert.deepEqual(sent.map((r) => r.run_id).sort(), [...runs].sort());
    const byId = new Map<string, number>();
    for (const m of delivered) byId.set(m.headers.messageId ?? '', (byId.get(m.headers.messageId ?? '') ?? 0) + 1);
    for (const r of sent) assert.equal(byId.get(r.message_id), 1, `${r.message_id} to ${r.to_address} delivered exactly once`);
    assert.equal(delivered.length, runs.length, 'nothing else was delivered, nothing twice');
  });
});
