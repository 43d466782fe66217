/**
 * Costs, mailboxes and outbox pages over real HTTP: the numbers of the cost ledger per day,
 * workflow and model with the budget; IMAP health; the outbox backlog with *send now*
 * delivering unsent mail to a real SMTP server (smtp-server as the receiving MTA).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { z } from 'zod';
import { defineWorkflow } from '../../src/engine/define.ts';
import { startSmtpSink, type SmtpSink } from '../harness/smtp-sink.ts';
import { eventually, startTestService, type TestService } from '../http/service.ts';
import { dashboardClient } from './client.ts';

const ALICE = 'alice:alice-secret-0123456789';
const VIEWER = 'vera:vera-viewer-secret-0123456';

const spender = defineWorkflow({
  name: 'dash-spend',
  version: 1,
  input: z.object({ cost: z.number() }),
  async run(input, step) {
    await step.decide({ action: 'classify', reasoning: 'r', confidence: 0.9, provider: 'anthropic', model: 'claude-haiku-test', inputTokens: 1000, outputTokens: 50, costUsd: input.cost, latencyMs: 300 });
    await step.decide({ action: 'draft', reasoning: 'r', provider: 'anthropic', model: 'claude-sonnet-test', inputTokens: 3000, outputTokens: 400, costUsd: input.cost * 10, latencyMs: 2100 });
    return null;
  },
});

describe('dashboard reports', () => {
  let svc: TestService;
  let smtp: SmtpSink;
  before(async () => {
    smtp = await startSmtpSink();
    svc = await startTestService({ env: { MAILROOM_API_TOKEN: ALICE, MAILROOM_VIEWER_TOKEN: VIEWER, SMTP_URL: smtp.url, LLM_DAILY_BUDGET_USD: '5' }, workflows: [spender] });
  });
  after(async () => {
    await svc?.close();
    await smtp?.close();
  });

  test('costs: per day, workflow and model, the same numbers in the table as in the chart data, with the daily budget', async () => {
    for (const cost of [0.01, 0.02]) {
      const id = (await svc.call('POST', '/api/v1/runs', { token: ALICE, body: { workflow: 'dash-spend', input: { cost } } })).body.run_id;
      await eventually(async () => ((await svc.db.pool.query('SELECT state FROM mailroom.runs WHERE id = $1', [id])).rows[0]?.state === 'completed' ? true : undefined));
    }
    const c = dashboardClient(svc.base);
    await c.signIn(ALICE);
    const page = await c.get('/costs?days=7');
    assert.equal(page.status, 200);
    assert.match(page.text, /<script src="\/assets\/uPlot\.iife\.min\.js" defer><\/script>/);
    const today = new Date().toISOString().slice(0, 10);
    assert.ok(page.text.includes(`<td>${today}</td><td>dash-spend</td><td>anthropic</td><td>claude-haiku-test</td><td>2</td><td>2000</td><td>100</td>`));
    assert.ok(page.text.includes('claude-sonnet-test</td><td>2</td><td>6000</td><td>800</td>'));
    assert.match(page.text, /\$0\.3300<\/strong>in 7 days/);
    const chart = JSON.parse(/data-chart="([^"]*)"/.exec(page.text)![1]!.replace(/&quot;/g, '"'));
    assert.equal(chart.budget, 5);
    assert.equal(chart.days.length, 7);
    assert.equal(chart.days.at(-1), today);
    assert.ok(Math.abs(chart.workflows['dash-spend'].at(-1) - 0.33) < 1e-9);
    assert.equal((await c.get('/assets/uPlot.iife.min.js')).status, 200, 'uPlot from node_modules');
  });

  test('mailboxes: connected, last IDLE event, last UID, lag and the last error', async () => {
    await svc.db.pool.query(
      `INSERT INTO mailroom.imap_mailboxes (account, mailbox, uidvalidity, last_uid, connected, last_idle_event_at, lag_ms, last_error, last_error_at)
       VALUES ('default', 'INBOX', '1700000000', 4711, true, now(), 420, 'NO [AUTHENTICATIONFAILED] <b>x</b>', now())`,
    );
    const c = dashboardClient(svc.base);
    await c.signIn(ALICE);
    const page = await c.get('/mailboxes');
    for (const s of ['default / INBOX', 'b-connected', '4711', '420 ms', 'AUTHENTICATIONFAILED] &lt;b&gt;x&lt;/b&gt;']) assert.ok(page.text.includes(s), s);
  });

  test('outbox: unsent mail is listed first; a viewer is offered nothing; send now delivers it to the SMTP server', async () => {
    const raw = Buffer.from('From: support@mailroom.example\r\nTo: pat@example.com\r\nSubject: Your ticket\r\nMessage-ID: <t1@mailroom.example>\r\n\r\nHello Pat\r\n');
    await svc.db.pool.query(
      `INSERT INTO mailroom.outbox (id, idempotency_key, message_id, from_address, to_address, subject, raw, status) VALUES ($1, 'dash:1', '<t1@mailroom.example>', 'support@mailroom.example', 'pat@example.com', 'Your ticket', $2, 'not_sent')`,
      [crypto.randomUUID(), raw],
    );
    const viewer = dashboardClient(svc.base);
    await viewer.signIn(VIEWER);
    const seen = await viewer.get('/outbox');
    assert.match(seen.text, /Your ticket/);
    assert.doesNotMatch(seen.text, /Send now/);
    assert.equal((await viewer.post('/outbox/send', {})).status, 403);
    assert.equal(smtp.messages.length, 0);

    const c = dashboardClient(svc.base);
    await c.signIn(ALICE);
    const page = await c.get('/outbox');
    assert.match(page.text, /Send now \(1 unsent\)/);
    const sent = await c.post('/outbox/send', {});
    assert.equal(sent.status, 303);
    assert.equal(sent.location, '/outbox?done=sent&n=1&f=0');
    assert.equal(smtp.messages.length, 1);
    assert.equal(smtp.messages[0]!.headers.subject, 'Your ticket');
    const after = await c.get(sent.location!);
    assert.match(after.text, /Sent 1, failed 0/);
    assert.match(after.text, /b-sent/);
  });

  test('outbox: "send now" on one row sends that message only; a sent one is never sent again; a viewer cannot', async () => {
    const ids = [crypto.randomUUID(), crypto.randomUUID()];
    for (const [i, id] of ids.entries()) {
      const raw = Buffer.from(`From: support@mailroom.example\r\nTo: row${i}@example.com\r\nSubject: Row ${i}\r\nMessage-ID: <row${i}@mailroom.example>\r\n\r\nHello\r\n`);
      await svc.db.pool.query(
        `INSERT INTO mailroom.outbox (id, idempotency_key, message_id, from_address, to_address, subject, raw, status, attempts, last_error) VALUES ($1, $2, $3, 'support@mailroom.example', $4, $5, $6, 'failed', 10, '550 mailbox unavailable')`,
        [id, `dash:row${i}`, `<row${i}@mailroom.example>`, `row${i}@example.com`, `Row ${i}`, raw],
      );
    }
    const viewer = dashboardClient(svc.base);
    await viewer.signIn(VIEWER);
    assert.equal((await viewer.post(`/outbox/${ids[0]}/send`, {})).status, 403);
    const c = dashboardClient(svc.base);
    await c.signIn(ALICE);
    const page = await c.get('/outbox?status=failed');
    assert.ok(page.text.includes(`action="/outbox/${ids[0]}/send"`) && page.text.includes(`action="/outbox/${ids[1]}/send"`));
    const before = smtp.messages.length;
    const one = await c.post(`/outbox/${ids[0]}/send`, {});
    assert.equal(one.status, 303);
    assert.equal(one.location, '/outbox?done=one&outcome=sent');
    assert.equal(smtp.messages.length, before + 1);
    assert.equal(smtp.messages.at(-1)!.headers.subject, 'Row 0');
    const rows = (await svc.db.pool.query('SELECT id, status FROM mailroom.outbox WHERE id = ANY($1::uuid[])', [ids])).rows;
    assert.deepEqual(Object.fromEntries(rows.map((r) => [r.id, r.status])), { [ids[0]!]: 'sent', [ids[1]!]: 'failed' });
    const again = await c.post(`/outbox/${ids[0]}/send`, {});
    assert.equal(again.location, '/outbox?done=one&outcome=skipped');
    assert.equal(smtp.messages.length, before + 1, 'a sent message is not sent again');
    assert.match((await c.get(again.location!)).text, /already sent, or gone/);
    assert.equal((await c.post(`/outbox/${crypto.randomUUID()}/send`, {})).status, 404);
  });
});
