/**
 * How a running lead sequence answers what comes in while it waits, through the whole service:
 * an out-of-office with a return date pauses it until then, one without a date changes
 * nothing, new engagement re-scores (turning hot alerts sales once), a hard bounce stops it,
 * an unsubscribe event stops it; and an email asking for pricing is routed to the lead
 * workflow by the offline rules.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer';
import { after, before, describe, test } from 'node:test';
import { readCsv } from '../../../src/data/csv.ts';
import { isSuppressed } from '../../../src/outreach/suppression.ts';
import { normaliseMessageId } from '../../../src/intake/intake.ts';
import { companyCsv, upsertCompanies } from '../../../src/workflows/lead/enrich/companies.ts';
import { eventually, startTestService, type TestService } from '../../harness/service.ts';
import { needsShared, sharedData } from '../../harness/shared.ts';

const TOKEN = 'ops:lead-events-token-0123456789';
const POLICY = `
approvers: ['cli:*']
lead:
  postal_address: "Mailroom GmbH, Hauptstr. 1, 10115 Berlin"
  # Seconds-long sequences: no business-hours wait in tests.
  send_window: { enabled: false }
  auto_send: [first_email, follow_up]
  sequence: [4s, 4s]
  last_touch_after: 1h
`;

let svc: TestService;
let base: string;
const shared = (name: string) => JSON.parse(fs.readFileSync(sharedData('leads', name), 'utf8'));
const post = async (body: unknown) => {
  const res = await fetch(`${base}/webhook/new-lead`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(body) });
  assert.equal(res.status, 202, await res.clone().text());
  return ((await res.json()) as { run_id: string }).run_id;
};
const lead = (email: string) => svc.db.pool.query('SELECT * FROM mailroom.leads WHERE email = $1', [email]).then((r) => r.rows[0]);
const outbox = (to: string) => svc.db.pool.query<{ message_id: string; created_at: Date }>('SELECT message_id, created_at FROM mailroom.outbox WHERE to_address = $1 ORDER BY created_at', [to]).then((r) => r.rows);
const decisions = (runId: string) => svc.db.pool.query<{ action: string; reasoning: string }>('SELECT action, reasoning FROM mailroom.decisions WHERE run_id = $1 ORDER BY seq', [runId]).then((r) => r.rows);
const key = (messageId: string) => normaliseMessageId(messageId)!;

describe('lead sequence events through the service', { skip: needsShared }, () => {
  before(async () => {
    svc = await startTestService({ MAILROOM_API_TOKEN: TOKEN }, { slack: true, policy: POLICY });
    base = `http://127.0.0.1:${svc.app.http!.port}`;
    await upsertCompanies(svc.db.pool, readCsv(path.join(sharedData('leads'), 'companies.csv'), companyCsv), 'companies.csv');
  });
  after(async () => svc?.close());

  test('an out-of-office with a return date pauses the sequence until then; one without a date changes nothing', async () => {
    const email = 'ooo@orbitly.example.com';
    const runId = await post({ ...shared('05-warm.json'), email });
    const [first] = await eventually('the first email', async () => { const o = await outbox(email); return o.length ? o : null; });
    await svc.app.engine.sendEvent('email.auto_reply', key(first!.message_id), { itemId: 'x1', from: email, returnDate: null });
    const back = new Date(Date.now() + 9000);
    await svc.app.engine.sendEvent('email.auto_reply', key(first!.message_id), { itemId: 'x2', from: email, returnDate: back.toISOString() });
    await eventually('the pause', async () => (await decisions(runId)).some((d) => d.action === 'lead.paused'));
    const second = await eventually('the follow-up', async () => (await outbox(email))[1], 20_000);
    assert.ok(second.created_at.getTime() >= back.getTime() - 50, `follow-up at ${second.created_at.toISOString()}, before the return date ${back.toISOString()}`);
    const trace = await decisions(runId);
    assert.ok(trace.some((d) => d.action === 'lead.auto_reply'), 'the dateless auto-reply is noted');
    assert.ok(!trace.some((d) => d.action === 'lead.reply'), 'no auto-reply counts as a reply');
    assert.equal((await lead(email)).status, 'nurturing');
  });

  test('new engagement re-scores a warm lead; turning hot alerts sales once', async () => {
    const email = 'climber@rivetly.example.com';
    const runId = await post({ ...shared('05-warm.json'), email, name: 'Cleo Climber', title: 'VP Operations' });
    await eventually('the first email', async () => (await outbox(email))[0]);
    assert.equal((await lead(email)).band, 'warm');
    await post({ email, message: 'We are ready to buy this month, please send pricing for 40 seats. Budget is approved.', activity: [{ type: 'pricing_view' }, { type: 'pricing_view' }, { type: 'demo_request' }] });
    await eventually('the re-score', async () => (await lead(email)).band === 'hot');
    const alerts = () => svc.slack.calls.filter((c) => c.method === 'chat.postMessage' && String(c.body.text).includes('Hot lead') && String(c.body.text).includes('Cleo Climber'));
    await eventually('the alert', () => alerts().length === 1);
    const trace = await decisions(runId);
    assert.ok(trace.some((d) => d.action === 'score' && /re-scored after submission 2/.test(d.reasoning)));
    assert.equal((await lead(email)).submissions, 2);
  });

  test('a hard bounce stops the sequence and marks the lead bounced', async () => {
    const email = 'bounce@fernhill.example.com';
    const runId = await post({ ...shared('06-warm.json'), email });
    const first = await eventually('the first email', async () => (await outbox(email))[0]);
    await svc.app.engine.sendEvent('email.bounce', key(first.message_id), { itemId: 'b1', kind: 'hard', status: '5.1.1', recipient: email, diagnostic: 'user unknown' });
    await eventually('the run to end', async () => (await svc.db.pool.query('SELECT state FROM mailroom.runs WHERE id = $1', [runId])).rows[0]?.state === 'completed');
    assert.equal((await lead(email)).status, 'bounced');
    await new Promise((r) => setTimeout(r, 4500));
    assert.equal((await outbox(email)).length, 1);
  });

  test('a soft bounce that was resent keeps the sequence going; one that came back after every resend stops it, without suppressing the address', async () => {
    const email = 'soft@fernhill.example.com';
    const runId = await post({ ...shared('06-warm.json'), email });
    const first = await eventually('the first email', async () => (await outbox(email))[0]);
    await svc.app.engine.sendEvent('email.bounce', key(first.message_id), { itemId: 's1', kind: 'soft', status: '4.4.1', recipient: email, diagnostic: 'connection timed out', retry: { outcome: 'resent', at: new Date().toISOString(), softBounces: 1 } });
    await eventually('the note', async () => (await decisions(runId)).some((d) => d.action === 'lead.bounce.soft' && /sent again/.test(d.reasoning)));
    assert.equal((await lead(email)).status, 'nurturing');
    await svc.app.engine.sendEvent('email.bounce', key(first.message_id), { itemId: 's2', kind: 'soft', status: '4.4.1', recipient: email, diagnostic: 'connection timed out', retry: { outcome: 'gave_up', softBounces: 3 } });
    await eventually('the run to end', async () => (await svc.db.pool.query('SELECT state FROM mailroom.runs WHERE id = $1', [runId])).rows[0]?.state === 'completed');
    assert.equal((await lead(email)).status, 'bounced');
    assert.equal(await isSuppressed(svc.db.pool, email), false);
  });

  test('an unsubscribe event stops the sequence', async () => {
    const email = 'leave@mapleton.example.com';
    const runId = await post({ ...shared('07-warm.json'), email });
    await eventually('the first email', async () => (await outbox(email))[0]);
    await svc.app.engine.sendEvent('lead.unsubscribe', email, { via: 'test' });
    await eventually('the run to end', async () => (await svc.db.pool.query('SELECT state FROM mailroom.runs WHERE id = $1', [runId])).rows[0]?.state === 'completed');
    assert.equal((await lead(email)).status, 'unsubscribed');
  });

  test('a new mail from a lead in the sequence (not a reply to ours) is its answer: interested alerts sales and the sequence stops', async () => {
    const email = 'writer@fernhill.example.com';
    const runId = await post({ ...shared('06-warm.json'), email, name: 'Wren Writer' });
    await eventually('the first email', async () => (await outbox(email))[0]);
    const raw = await new MailComposer({ from: `Wren Writer <${email}>`, to: 'sales@mailroom.example', subject: 'Pricing', text: 'Sounds good, please send pricing for 30 seats and book a demo.' }).compile().build();
    await svc.app.intakeWith({ workflow: 'auto' }).accept({ kind: 'email', bytes: raw, source: { channel: 'test' } });
    await eventually('the run to take the mail as an answer', async () => (await decisions(runId)).some((d) => d.action === 'lead.reply'));
    // On a loaded machine the 4 s follow-up may beat the mail's routing; none may follow the answer.
    const atAnswer = (await outbox(email)).length;
    await eventually('the alert', () => svc.slack.calls.some((c) => c.method === 'chat.postMessage' && String(c.body.text).includes('Wren Writer')));
    assert.equal((await lead(email)).status, 'alerted');
    await new Promise((r) => setTimeout(r, 4500));
    assert.equal((await outbox(email)).length, atAnswer, 'no follow-up after the answer');
  });

  test('a new mail from a lead in the sequence that no rule would route is still handed to its run by the sender: "not interested" closes it', async () => {
    const email = 'quiet@fernhill.example.com';
    const runId = await post({ ...shared('06-warm.json'), email, name: 'Quinn Quiet' });
    await eventually('the first email', async () => (await outbox(email))[0]);
    const raw = await new MailComposer({ from: `Quinn Quiet <${email}>`, to: 'sales@mailroom.example', subject: 'Re: hello', text: 'We are not interested, thanks.' }).compile().build();
    const accepted = await svc.app.intakeWith({ workflow: 'auto' }).accept({ kind: 'email', bytes: raw, source: { channel: 'test' } });
    await eventually('the router to hand it over', async () => {
      const row = (await svc.db.pool.query('SELECT output FROM mailroom.runs WHERE id = $1', [accepted.runId])).rows[0];
      return row?.output?.route === 'reply' ? row.output : undefined;
    });
    const router = (await svc.db.pool.query('SELECT output FROM mailroom.runs WHERE id = $1', [accepted.runId])).rows[0].output;
    assert.equal(router.childRunId, runId, 'the sender\'s waiting lead run');
    await eventually('the lead closed', async () => ((await lead(email)).status === 'closed' ? true : undefined));
  });

  test('an email asking for pricing and a demo is routed to the lead workflow', async () => {
    const raw = await new MailComposer({ from: 'Dana Park <dana@stackwise.example.com>', to: 'sales@mailroom.example', subject: 'Pricing for our team', text: 'Hi, we are interested in your product. Could you send pricing for 25 seats and book a demo?' }).compile().build();
    const accepted = await svc.app.intakeWith({ workflow: 'auto' }).accept({ kind: 'email', bytes: raw, source: { channel: 'test' } });
    await eventually('the lead', async () => (await lead('dana@stackwise.example.com'))?.band);
    const row = await lead('dana@stackwise.example.com');
    assert.equal(row.name, 'Dana Park');
    const router = (await svc.db.pool.query('SELECT output FROM mailroom.runs WHERE id = $1', [accepted.runId])).rows[0];
    assert.equal(router.output?.route, 'lead');
  });
});
