/**
 * The lead workflow through the whole service (createApp on a fresh database, the local Slack
 * Web API): POST /webhook/new-lead starts it with the body as form input; a warm lead gets its
 * first email with the unsubscribe headers and, with a sequence of seconds, its follow-ups until
 * the policy gate's cap refuses the 4th; a hot lead gets exactly one Slack alert however often
 * it submits; a "not interested" reply closes it; a suppressed address gets nothing.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { simpleParser } from 'mailparser';
import { readCsv } from '../../../src/data/csv.ts';
import { normaliseMessageId } from '../../../src/intake/intake.ts';
import { suppress } from '../../../src/outreach/suppression.ts';
import { companyCsv, upsertCompanies } from '../../../src/workflows/lead/enrich/companies.ts';
import { eventually, startTestService, type TestService } from '../../harness/service.ts';
import { needsShared, sharedData } from '../../harness/shared.ts';

const TOKEN = 'ops:lead-test-token-0123456789';
const POLICY = `
approvers: ['cli:*']
lead:
  postal_address: "Mailroom GmbH, Hauptstr. 1, 10115 Berlin"
  # Seconds-long sequences: no business-hours wait in tests.
  send_window: { enabled: false }
  auto_send: [first_email, follow_up]
  sequence: [1s, 1s, 1s]
  last_touch_after: 1h
  sales_channel: C_SALES
  approvers: ['U_REP', 'cli:*']
  resources:
    - { title: "Automation playbook", url: "https://example.com/playbook" }
`;

let svc: TestService;
let base: string;

const post = (body: unknown) =>
  fetch(`${base}/webhook/new-lead`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(body) });
const lead = (email: string) => svc.db.pool.query('SELECT * FROM mailroom.leads WHERE email = $1', [email]).then((r) => r.rows[0]);
const outbox = (to: string) => svc.db.pool.query<{ subject: string; raw: Buffer; automated: boolean; message_id: string; status: string }>('SELECT subject, raw, automated, message_id, status FROM mailroom.outbox WHERE to_address = $1 ORDER BY created_at', [to]).then((r) => r.rows);
const decisions = (runId: string) => svc.db.pool.query<{ action: string; reasoning: string }>('SELECT action, reasoning FROM mailroom.decisions WHERE run_id = $1 ORDER BY seq', [runId]).then((r) => r.rows);
const shared = (name: string) => JSON.parse(fs.readFileSync(sharedData('leads', name), 'utf8'));

describe('lead workflow through the service', { skip: needsShared }, () => {
  before(async () => {
    svc = await startTestService({ MAILROOM_API_TOKEN: TOKEN }, { slack: true, policy: POLICY });
    base = `http://127.0.0.1:${svc.app.http!.port}`;
    await upsertCompanies(svc.db.pool, readCsv(path.join(sharedData('leads'), 'companies.csv'), companyCsv), 'companies.csv');
  });
  after(async () => svc?.close());

  test('a warm lead gets its first email with unsubscribe headers, follow-ups every second, and no 4th email (the cap)', async () => {
    const form = shared('05-warm.json');
    const res = await post(form);
    assert.equal(res.status, 202, await res.clone().text());
    const { run_id } = (await res.json()) as { run_id: string };
    const first = await eventually('the first email', async () => (await outbox(form.email))[0]);
    const raw = first.raw.toString('utf8').replace(/\r?\n[ \t]+/g, ' ');
    assert.match(raw, /^List-Unsubscribe: .*<https?:\/\/[^>]+\/unsubscribe\/[^>]+>/im);
    assert.match(raw, /^List-Unsubscribe-Post: List-Unsubscribe=One-Click/im);
    assert.match(raw, /Hauptstr\. 1/);
    assert.ok(first.automated);
    // Three automated emails go out; the 4th is refused by the policy gate, and the run says so.
    await eventually('the refusal of the 4th email', async () => (await decisions(run_id)).some((d) => d.action === 'lead.email.refused'), 30_000);
    const sent = await outbox(form.email);
    assert.equal(sent.length, 3, sent.map((s) => s.subject).join(' | '));
    const trace = await decisions(run_id);
    assert.ok(trace.some((d) => d.action === 'policy.denied' && /cap|unanswered|without a response/i.test(d.reasoning)), JSON.stringify(trace.filter((d) => d.action.startsWith('policy'))));
    assert.ok(trace.filter((d) => d.action === 'score.factor').length >= 5);
    const row = await lead(form.email);
    assert.equal(row.band, 'warm');
    assert.equal(row.emails_sent, 3);
    assert.equal(row.status, 'nurturing');
    const notes = await svc.db.pool.query('SELECT n.body FROM mailroom.crm_notes n JOIN mailroom.crm_contacts c ON c.id = n.contact_id WHERE c.email = $1', [form.email]);
    assert.ok(notes.rows.some((n) => /Email not sent/.test(n.body)), 'the refusal is a CRM note');
    assert.ok(notes.rows.some((n) => /Lead score \d+ \(warm\)/.test(n.body)), 'the score reasoning is a CRM note');
  });

  test('a hot lead gets exactly one Slack alert, however often it submits', async () => {
    const form = shared('01-hot.json');
    const res = await post(form);
    assert.equal(res.status, 202);
    const alerts = () => svc.slack.calls.filter((c) => c.method === 'chat.postMessage' && String(c.body.text).includes('Hot lead') && String(c.body.text).includes('Alex Morgan'));
    await eventually('the Slack alert', () => alerts().length > 0);
    const card = JSON.stringify(alerts()[0]!.body.blocks);
    assert.match(card, /Take it/);
    assert.match(card, /Nurture instead/);
    assert.match(card, /Disqualify/);
    // The same person again: engagement for the running lead, no second alert, no second sequence.
    const again = await post({ ...form, activity: [{ type: 'demo_request' }] });
    const { run_id } = (await again.json()) as { run_id: string };
    await eventually('the second submission to hand over', async () => (await svc.db.pool.query('SELECT state FROM mailroom.runs WHERE id = $1', [run_id])).rows[0]?.state === 'completed');
    const row = await lead(form.email);
    assert.equal(row.submissions, 2);
    assert.equal(row.status, 'alerted');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(alerts().length, 1);
    assert.equal(alerts()[0]!.body.channel, 'C_SALES', 'the alert goes to lead.sales_channel');
    // The rep chooses "Nurture instead": the sequence starts with the first email.
    const buttons = (alerts()[0]!.body.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string; text: { text: string } }> }>).find((b) => b.type === 'actions')!.elements!;
    const nurture = buttons.find((b) => b.text.text === 'Nurture instead')!;
    assert.equal((await svc.click('U_REP', { action_id: nurture.action_id, value: nurture.value })).status, 200);
    await eventually('the first nurture email', async () => (await outbox(form.email)).length === 1);
    await eventually('the status', async () => (await lead(form.email)).status === 'nurturing');
  });

  test('a "not interested" reply to the first email closes the lead and nothing more is sent', async () => {
    const form = { ...shared('07-warm.json'), email: 'sam.other@mapleton.example.com' };
    const { run_id } = (await (await post(form)).json()) as { run_id: string };
    const first = await eventually('the first email', async () => (await outbox(form.email))[0]);
    await svc.app.engine.sendEvent('email.reply', normaliseMessageId(first.message_id)!, { itemId: '00000000-0000-4000-8000-000000000001', from: form.email, subject: 'Re: x', text: 'Thanks, but we are not interested.\n\nOn Monday you wrote:\n> Would a short call next week help?' });
    await eventually('the lead to close', async () => (await lead(form.email))?.status === 'closed');
    await eventually('the run to end', async () => (await svc.db.pool.query('SELECT state FROM mailroom.runs WHERE id = $1', [run_id])).rows[0]?.state === 'completed');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await outbox(form.email)).length, 1);
  });

  test('a lead who writes in German gets the first email and the follow-up in German; the trace says why', async () => {
    const form = { ...shared('05-warm.json'), email: 'lena@orbitly.example.com', name: 'Lena Vogel', message: 'Wir schauen uns gerade Optionen für nächstes Jahr an, noch kein Zeitplan. Könnten Sie uns allgemeine Informationen schicken?' };
    const { run_id } = (await (await post(form)).json()) as { run_id: string };
    const sent = await eventually('the first email and a follow-up', async () => { const o = await outbox(form.email); return o.length >= 2 ? o : null; }, 15_000);
    assert.equal(sent[0]!.subject, 'Mailroom für Orbitly GmbH: Ihre Anfrage');
    assert.equal(sent[1]!.subject, 'Re: Mailroom für Orbitly GmbH: Ihre Anfrage');
    const [first, follow] = await Promise.all(sent.slice(0, 2).map(async (m) => (await simpleParser(m.raw)).text ?? ''));
    assert.match(first!, /^Hallo Lena,\s+vielen Dank für Ihre Anfrage – „Wir schauen uns gerade Optionen für nächstes Jahr an, noch kein Zeitplan“\./);
    assert.match(first!, /Ein guter Einstieg: Automation playbook \(https:\/\/example\.com\/playbook\)/);
    assert.match(follow!, /^Hallo Lena,\s+ich melde mich noch einmal/);
    // The unsubscribe footer too, with a reply word the router reads as an unsubscribe.
    assert.match(first!, /Sie möchten diese E-Mails nicht mehr erhalten\? Abmelden: http\S+\/unsubscribe\//);
    assert.match(first!, /„abmelden“ als Betreff/);
    assert.doesNotMatch(first!, /Don't want these emails/);
    const language = (await decisions(run_id)).find((d) => d.action === 'lead.language');
    assert.match(language?.reasoning ?? '', /written in de: the lead's words read as de/);
  });

  test('a suppressed address is not scored and gets nothing', async () => {
    const email = 'gone@orbitly.example.com';
    await suppress(svc.db.pool, email, 'unsubscribe', 'test');
    const { run_id } = (await (await post({ ...shared('05-warm.json'), email })).json()) as { run_id: string };
    await eventually('the run to end', async () => (await svc.db.pool.query('SELECT state FROM mailroom.runs WHERE id = $1', [run_id])).rows[0]?.state === 'completed');
    const row = await lead(email);
    assert.equal(row.status, 'suppressed');
    assert.equal(row.score, null);
    assert.equal((await outbox(email)).length, 0);
  });

  test('GET /api/v1/leads lists the leads as the CLI does; /api/v1/leads/:email tells one lead\'s story', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const list = (await (await fetch(`${base}/api/v1/leads?band=warm`, { headers: auth })).json()) as { leads: Array<Record<string, unknown>> };
    assert.ok(list.leads.length >= 1);
    assert.ok(list.leads.every((l) => l.band === 'warm'));
    assert.deepEqual(Object.keys(list.leads[0]!), ['id', 'email', 'company', 'score', 'fit', 'intent', 'engagement', 'band', 'status', 'emails_sent', 'last_contact_at', 'next_step_at']);
    const one = await fetch(`${base}/api/v1/leads/${encodeURIComponent('leo@orbitly.example.com')}`, { headers: auth });
    assert.equal(one.status, 200);
    const detail = (await one.json()) as { factors: unknown[]; notes: Array<{ body: string }>; events: Array<{ kind: string }> };
    assert.ok(detail.factors.length >= 5);
    assert.ok(detail.events.some((e) => e.kind === 'email_sent'));
    assert.ok(detail.notes.length >= 3);
    assert.equal((await fetch(`${base}/api/v1/leads/nobody@nowhere.example`, { headers: auth })).status, 404);
    assert.equal((await fetch(`${base}/api/v1/leads`)).status, 401);
  });

  test('a bad form field is answered 422 and nothing starts', async () => {
    const res = await post({ email: 'not-an-address', activity: [{ type: 'teleport' }] });
    assert.equal(res.status, 422);
    const body = (await res.json()) as { issues: Array<{ path: string }> };
    assert.ok(body.issues.some((i) => i.path === 'email'));
  });
});
