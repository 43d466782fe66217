/**
 * The database goes away mid-batch (issue 12): the service's own wiring (createApp, role
 * `service`) pointed by DATABASE_URL at a cluster this test controls, a batch of support mails
 * whose replies policy sends at once to a real SMTP peer, and PostgreSQL stopped (fast shutdown:
 * every connection is cut) for a few seconds, then started again on the same port. The pool,
 * pg-boss and its LISTEN connection come back by themselves; /healthz says 503 meanwhile and 200
 * after; every run completes once and every reply is delivered once.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { createPool } from '../../src/db/database.ts';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/db/embedded.ts';
import type { App } from '../../src/main.ts';
import { makeTempDir, type TestDatabase } from '../harness/postgres.ts';
import { startSmtpSink, type SmtpSink } from '../harness/smtp-sink.ts';
import { startService, submitMail } from '../faults/service.ts';
import { dropMail, supportMail } from './service-process.ts';

const silent = pino({ level: 'silent' });
const BEFORE = 16;
const DURING = 4;
const OUTAGE_MS = 3000;

interface Sample {
  at: number;
  status: number | null;
  checks?: Record<string, string>;
}

describe('PostgreSQL stopped and started again during a batch of runs', { timeout: 400_000 }, () => {
  const dir = makeTempDir('mailroom-restart-');
  const inbox = path.join(dir, 'inbox');
  let cluster: EmbeddedDatabase;
  let db: TestDatabase;
  let smtp: SmtpSink;
  let app: App;
  const samples: Sample[] = [];
  let polling: NodeJS.Timeout | undefined;

  before(async () => {
    cluster = await startEmbeddedPostgres(path.join(dir, 'cluster'), silent);
    const pool = createPool(cluster.url, 5);
    db = { url: cluster.url, name: 'mailroom', pool, close: async () => pool.end() };
    smtp = await startSmtpSink();
    const policy = path.join(dir, 'policy.yaml');
    fs.writeFileSync(policy, 'confidence_threshold: 0.3\nsupport:\n  auto_send_categories: [technical]\n  survey: false\n');
    const outbox = { OUTBOX_RETRY_BASE_MS: '200', OUTBOX_RETRY_MAX_MS: '1000', OUTBOX_POLL_MS: '200', OUTBOX_MAX_ATTEMPTS: '100' };
    Object.assign(process.env, outbox);
    app = await startService(
      db,
      { ...outbox, SMTP_URL: smtp.url, MAIL_FROM: 'Mailroom <support@mailroom.example>', MAILROOM_POLICY: policy, MAILROOM_INBOX_DIR: inbox, ENGINE_CONCURRENCY: '4' },
      'service',
    );
    const port = app.http!.port;
    polling = setInterval(() => {
      const at = Date.now();
      fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(8000) })
        .then(async (res) => samples.push({ at, status: res.status, checks: ((await res.json()) as { checks: Record<string, string> }).checks }))
        .catch(() => samples.push({ at, status: null }));
    }, 150);
  });
  after(async () => {
    clearInterval(polling);
    await app?.stop();
    await db?.close();
    await cluster?.stop();
    await smtp?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the service rides it out: 503 while down, 200 after, every run completed once, every reply delivered once', async (t) => {
    const completedSupport = async () =>
      Number((await db.pool.query(`SELECT count(*) AS n FROM mailroom.runs WHERE workflow = 'support' AND state = 'completed'`)).rows[0].n);
    await Promise.all(Array.from({ length: BEFORE }, (_, i) => submitMail(app, Buffer.from(supportMail('restart', i + 1)))));
    while ((await completedSupport()) < 2) await new Promise((r) => setTimeout(r, 50));
    const doneBefore = await completedSupport();
    assert.ok(doneBefore < BEFORE, 'the outage starts mid-batch');

    const port = Number(new URL(cluster.url).port);
    const downAt = Date.now();
    await cluster.stop();
    // Mail keeps arriving in the watched folder while the database is away.
    for (let i = 0; i < DURING; i++) dropMail(inbox, `during-${i + 1}`, supportMail('restart', BEFORE + i + 1));
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    cluster = await startEmbeddedPostgres(path.join(dir, 'cluster'), silent, { port });
    const upAt = Date.now();
    assert.equal(Number(new URL(cluster.url).port), port, 'started again on the same port');

    const until = Date.now() + 120_000;
    while (samples.at(-1)?.status !== 200 || samples.at(-1)!.at < upAt) {
      assert.ok(Date.now() < until, `healthy again: ${JSON.stringify(samples.at(-1))}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const down = samples.filter((s) => s.at > downAt + 300 && s.at < upAt - 300);
    assert.ok(down.length > 0 && down.every((s) => s.status === 503), `503 throughout the outage: ${JSON.stringify(down.slice(0, 3))}`);
    assert.ok(down.every((s) => s.checks?.database?.startsWith('down')), 'naming the database');

    const total = BEFORE + DURING;
    const settleUntil = Date.now() + 180_000;
    let state: unknown;
    for (;;) {
      const { rows } = await db.pool.query(
        `SELECT (SELECT count(*) FROM mailroom.items) AS items,
                (SELECT count(*) FROM mailroom.runs WHERE workflow = 'support' AND state = 'completed') AS done,
                (SELECT count(*) FROM mailroom.runs WHERE state NOT IN ('completed')) AS other`,
      );
      state = rows[0];
      if (rows[0].items === total && rows[0].done === total && rows[0].other === 0) break;
      assert.ok(Date.now() < settleUntil, `every mail's runs completed: ${JSON.stringify(state)}`);
      await new Promise((r) => setTimeout(r, 200));
    }

    const cut = await db.pool.query(`SELECT count(DISTINCT run_id) AS n FROM mailroom.run_transitions WHERE reason LIKE 'the database connection was lost%'`);
    t.diagnostic(`runs cut short by the outage and resumed at once: ${cut.rows[0].n}; completed before it: ${doneBefore}`);

    // Exactly once: one completion per run, one reply action per support run, one delivery per reply.
    const completions = await db.pool.query(`SELECT run_id, count(*) AS n FROM mailroom.run_transitions WHERE to_state = 'completed' GROUP BY run_id`);
    assert.equal(completions.rows.length, total * 2, 'router and support runs');
    assert.ok(completions.rows.every((r) => r.n === 1), 'each run completed once');
    const outcomes = await db.pool.query(`SELECT output->>'outcome' AS outcome FROM mailroom.runs WHERE workflow = 'support'`);
    assert.ok(outcomes.rows.every((r) => r.outcome === 'auto_sent'), 'every reply went out by policy');
    const replies = await db.pool.query(`SELECT run_id, status FROM mailroom.actions WHERE kind = 'email.send'`);
    assert.equal(replies.rows.length, total);
    assert.ok(replies.rows.every((r) => r.status === 'completed'));
    const outbox = await db.pool.query<{ message_id: string; status: string }>(`SELECT message_id, status FROM mailroom.outbox`);
    assert.equal(outbox.rows.length, total, 'one outbox row per reply');
    const sentUntil = Date.now() + 60_000;
    while (smtp.messages.length < total && Date.now() < sentUntil) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1000));
    const delivered = new Map<string, number>();
    for (const m of smtp.messages) delivered.set(m.headers.messageId ?? '', (delivered.get(m.headers.messageId ?? '') ?? 0) + 1);
    assert.equal(smtp.messages.length, total, 'every reply delivered, none twice');
    for (const r of (await db.pool.query<{ message_id: string }>(`SELECT message_id FROM mailroom.outbox`)).rows) assert.equal(delivered.get(r.message_id), 1, `${r.message_id} delivered once`);
    assert.deepEqual(fs.readdirSync(inbox).filter((f) => f.endsWith('.eml')), [], 'the mails that came during the outage were taken in');
  });
});
