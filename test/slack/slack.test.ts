/**
 * The real Bolt app mounted on Mailroom's HTTP server, driven by requests signed exactly as
 * Slack signs them, with a local stand-in for the Slack Web API.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { z } from 'zod';
import { askForApproval } from '../../src/approvals/ask.ts';
import { listApprovals } from '../../src/approvals/store.ts';
import { createSlackApp, type SlackApp } from '../../src/channels/slack/app.ts';
import { loadConfig } from '../../src/config.ts';
import { defineWorkflow } from '../../src/engine/define.ts';
import { startHttpServer, type HttpServer } from '../../src/http/server.ts';
import { createIntake } from '../../src/intake/intake.ts';
import type { TestServices } from '../fixtures/engine-workflows.ts';
import { engineFixture, runRow, type EngineFixture } from '../engine/harness.ts';
import { startFakeSlackApi, type FakeSlackApi } from '../fakes/slack-api.ts';
import { slackHeaders } from './sign.ts';

const SECRET = 'test-signing-secret';
let slack: SlackApp;

const reply = defineWorkflow({
  name: 'slack-reply',
  version: 1,
  input: z.object({ title: z.string(), requestedBy: z.string().optional(), required: z.number().default(1), remindAfterMs: z.number().optional() }),
  async run(input, step, ctx) {
    const { pool } = ctx.services as TestServices;
    const d = await askForApproval(step, { pool, notifier: slack.notifier }, {
      key: 'reply',
      kind: 'support.reply',
      title: input.title,
      request: {
        summary: { from: 'customer@example.com', subject: 'Help' },
        proposal: { type: 'reply', description: 'send the draft', draft: 'Hello, here is how.', to: 'customer@example.com' },
        reasoning: 'kb article matched',
        confidence: 0.6,
        reasons: ['category not allowed for auto-send'],
        review: [{ field: 'total', values: [{ source: 'text', value: 120 }, { source: 'ocr', value: 170 }] }],
        editable: ['draft'],
      },
      approvers: ['U_ALICE', 'U_BOB', 'slack-group:S_FINANCE'],
      requiredApprovals: input.required,
      requester: input.requestedBy ? { identity: input.requestedBy } : null,
      escalation: ['U_CFO'],
      ...(input.remindAfterMs ? { remindAfterMs: input.remindAfterMs } : {}),
    });
    return { outcome: d.outcome, by: d.approvers, draft: d.edits?.draft ?? null };
  },
});

/** Fails on its first execution, succeeds when retried: for `/mailroom retry`. */
let flakyCalls = 0;
const flaky = defineWorkflow({
  name: 'slack-flaky',
  version: 1,
  input: z.object({}),
  async run() {
    if (flakyCalls++ === 0) throw new Error('first attempt fails');
    return 'ok';
  },
});

const slackSink = defineWorkflow({
  name: 'slack-sink',
  version: 1,
  input: z.object({ itemId: z.string(), workflow: z.string() }),
  async run(input) {
    return input;
  },
});

describe('Slack app (real Bolt, signed requests, fake Web API)', () => {
  let fx: EngineFixture;
  let api: FakeSlackApi;
  let http: HttpServer;
  let base: string;
  before(async () => {
    api = await startFakeSlackApi();
    fx = await engineFixture([reply, slackSink, flaky]);
    const config = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: api.url, SLACK_APPROVAL_CHANNEL: 'C_APPROVALS', SLACK_INTAKE_CHANNELS: 'C_INTAKE', SLACK_APPROVERS: 'U_ALICE' });
    const log = pino({ level: 'silent' });
    slack = createSlackApp({ config, pool: fx.db.pool, engine: fx.engine, intakeWith: (o) => createIntake({ pool: fx.db.pool, engine: fx.engine, workflowFor: () => 'slack-sink', inputFor: () => ({ workflow: o.workflow }) }), log, workflows: ['support', 'invoice'] });
    http = await startHttpServer({ port: 0, host: '127.0.0.1', pool: fx.db.pool, queueReady: async () => true, log });
    http.mount('POST', '/slack/events', slack.handler!);
    base = `http://127.0.0.1:${http.port}/slack/events`;
  });
  after(async () => {
    await http.close();
    await fx.close();
    await api.close();
  });

  const post = (body: string, headers = slackHeaders(SECRET, body)) => fetch(base, { method: 'POST', headers, body });
  const click = (actionId: string, user: string, value: string, extra: Record<string, unknown> = {}) => {
    const payload = { type: 'block_actions', user: { id: user }, channel: { id: 'C_APPROVALS' }, trigger_id: 'trig-1', container: { type: 'message' }, actions: [{ type: 'button', action_id: actionId, value, block_id: 'b', action_ts: '1' }], ...extra };
    return post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
  };
  const posted = async (title: string) => {
    for (let i = 0; i < 200; i++) {
      const call = api.calls.find((c) => c.method === 'chat.postMessage' && String(c.body.text).includes(title));
      if (call) return call;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('no approval message posted');
  };
  const buttonValue = (call: { body: Record<string, any> }) => call.body.blocks.find((b: any) => b.type === 'actions').elements[0].value as string;

  test('an approval is posted as Block Kit with competing values, and Approve resumes the run and updates the message', async () => {
    const { runId } = await fx.engine.startRun(reply, { title: 'T1' });
    const call = await posted('T1');
    assert.equal(call.body.channel, 'C_APPROVALS');
    assert.match(JSON.stringify(call.body.blocks), /text: `120` {2}vs {2}ocr: `170`/);
    const res = await click('approval_approve', 'U_ALICE', buttonValue(call));
    assert.equal(res.status, 200);
    assert.equal(await fx.engine.waitForRun(runId, { states: ['completed', 'failed'] }), 'completed');
    assert.deepEqual((await runRow(fx.db, runId)).output, { outcome: 'approved', by: ['U_ALICE'], draft: null });
    const update = api.calls.find((c) => c.method === 'chat.update' && JSON.stringify(c.body.blocks).includes('APPROVED'));
    assert.ok(update, 'the message shows the decision, who and when');
    assert.match(JSON.stringify(update!.body.blocks), /<@U_ALICE>/);
  });

  test('Reject resumes the run with a rejection', async () => {
    const { runId } = await fx.engine.startRun(reply, { title: 'T2' });
    await click('approval_reject', 'U_BOB', buttonValue(await posted('T2')));
    assert.equal(await fx.engine.waitForRun(runId, { states: ['completed', 'failed'] }), 'completed');
    assert.equal((await runRow(fx.db, runId)).output.outcome, 'rejected');
  });

  test('a non-approver or a forged button gets an ephemeral refusal and nothing changes', async () => {
    const { runId } = await fx.engine.startRun(reply, { title: 'T3' });
    await click('approval_approve', 'U_MALLORY', buttonValue(await posted('T3')));
    await new Promise((r) => setTimeout(r, 200));
    const eph = api.calls.find((c) => c.method === 'chat.postEphemeral' && c.body.user === 'U_MALLORY');
    assert.match(String(eph?.body.text), /not an approver/);
    assert.equal((await runRow(fx.db, runId)).state, 'waiting');
    // A forged button value (not even JSON) is refused the same way, without an error.
    assert.equal((await click('approval_approve', 'U_FORGER', '{"id": nope')).status, 200);
    await new Promise((r) => setTimeout(r, 200));
    assert.match(String(api.calls.find((c) => c.method === 'chat.postEphemeral' && c.body.user === 'U_FORGER')?.body.text), /not one of ours/);
    assert.equal((await runRow(fx.db, runId)).state, 'waiting');
    await fx.engine.cancelRun(runId);
  });

  test('double and concurrent clicks produce one decision', async () => {
    const { runId } = await fx.engine.startRun(reply, { title: 'T4' });
    const value = buttonValue(await posted('T4'));
    await Promise.all([click('approval_approve', 'U_ALICE', value), click('approval_approve', 'U_ALICE', value), click('approval_approve', 'U_BOB', value)]);
    assert.equal(await fx.engine.waitForRun(runId, { states: ['completed', 'failed'] }), 'completed');
    const approval = (await listApprovals(fx.db.pool)).find((a) => a.run_id === runId)!;
    const events = await fx.db.pool.query(`SELECT count(*)::int AS n FROM mailroom.events WHERE name = 'approval.decided' AND key = $1`, [approval.id]);
    assert.equal(events.rows[0].n, 1);
  });

  test('Edit opens a modal with the draft; submitting it approves with the edited text', async () => {
    const { runId } = await fx.engine.startRun(reply, { title: 'T5' });
    const call = await posted('T5');
    const value = call.body.blocks.find((b: any) => b.type === 'actions').elements[2].value;
    await click('approval_edit', 'U_ALICE', value);
    let open;
    for (let i = 0; i < 100 && !open; i++) {
      open = api.calls.find((c) => c.method === 'views.open');
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(open!.body.view.blocks[0].element.initial_value, 'Hello, here is how.');
    const view = { ...open!.body.view, id: 'V1', state: { values: { 'edit:draft': { value: { type: 'plain_text_input', value: 'Hello, here is how (edited).' } } } } };
    const payload = { type: 'view_submission', user: { id: 'U_ALICE' }, view, trigger_id: 't' };
    const res = await post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
    assert.equal(res.status, 200);
    assert.equal(await fx.engine.waitForRun(runId, { states: ['completed', 'failed'] }), 'completed');
    assert.deepEqual((await runRow(fx.db, runId)).output, { outcome: 'approved', by: ['U_ALICE'], draft: 'Hello, here is how (edited).' });
  });

  test('forged, missing and stale signatures are rejected', async () => {
    const body = new URLSearchParams({ command: '/mailroom', text: 'pending', user_id: 'U_ALICE', channel_id: 'C1', response_url: 'http://127.0.0.1:9/x', trigger_id: 't' }).toString();
    assert.equal((await post(body, slackHeaders('wrong-secret', body))).status, 401);
    assert.equal((await post(body, { 'content-type': 'application/x-www-form-urlencoded' })).status, 401);
    assert.equal((await post(body, slackHeaders(SECRET, body, Math.floor(Date.now() / 1000) - 6 * 60))).status, 401);
  });

  test('/mailroom is acknowledged within the window and answers help, pending, status, run (known workflows only) and retry (approvers only)', async () => {
    const { runId } = await fx.engine.startRun(reply, { title: 'T7' });
    await posted('T7');
    // The message is posted just before the run records that it waits: wait for that too.
    await fx.engine.waitForRun(runId, { states: ['waiting'] });
    const hook = await new Promise<{ url: string; texts: string[]; close(): void }>((resolve) => {
      const texts: string[] = [];
      import('node:http').then(({ createServer }) => {
        const s = createServer((req, res) => {
          let raw = '';
          req.on('data', (c) => (raw += c));
          req.on('end', () => {
            texts.push(JSON.parse(raw).text);
            res.end('ok');
          });
        });
        s.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(s.address() as { port: number }).port}/r`, texts, close: () => s.close() }));
      });
    });
    try {
      for (const text of ['pending', `status ${runId}`]) {
        const body = new URLSearchParams({ command: '/mailroom', text, user_id: 'U_ALICE', channel_id: 'C1', response_url: hook.url, trigger_id: 't' }).toString();
        const started = Date.now();
        const res = await post(body);
        assert.equal(res.status, 200);
        assert.ok(Date.now() - started < 3000);
      }
      for (let i = 0; i < 100 && hook.texts.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
      assert.match(hook.texts[0]!, /T7/);
      assert.match(hook.texts[1]!, /is \*waiting\*/);

      // help, run, an unknown workflow, and retry of a failed run.
      const failed = await fx.engine.startRun(flaky, {});
      assert.equal(await fx.engine.waitForRun(failed.runId, { states: ['completed', 'failed'] }), 'failed');
      for (const [user, text] of [['U_ALICE', ''], ['U_ALICE', 'run support How do I export my data?'], ['U_ALICE', 'run payroll pay everyone'], ['U_MALLORY', `retry ${failed.runId}`], ['U_ALICE', `retry ${failed.runId}`]]) {
        const before = hook.texts.length;
        const body = new URLSearchParams({ command: '/mailroom', text: text!, user_id: user!, channel_id: 'C1', response_url: hook.url, trigger_id: `t-${user}-${text!.length}` }).toString();
        assert.equal((await post(body)).status, 200);
        for (let i = 0; i < 200 && hook.texts.length === before; i++) await new Promise((r) => setTimeout(r, 20));
      }
      assert.match(hook.texts[2]!, /Usage: .*\/mailroom run/);
      const started = /Started run `([0-9a-f-]+)`/.exec(hook.texts[3]!)?.[1];
      assert.ok(started, hook.texts[3]);
      assert.equal(await fx.engine.waitForRun(started), 'completed');
      assert.deepEqual((await runRow(fx.db, started)).output, { itemId: (await runRow(fx.db, started)).output.itemId, workflow: 'support' });
      assert.match(hook.texts[4]!, /No workflow `payroll`/);
      assert.match(hook.texts[5]!, /Only the approvers named in SLACK_APPROVERS may retry/);
      assert.match(hook.texts[6]!, /queued again/);
      assert.equal(await fx.engine.waitForRun(failed.runId, { states: ['completed'] }), 'completed', 'the failed run ran again');
    } finally {
      hook.close();
      await fx.engine.cancelRun(runId);
    }
  });

  test('a 429 from chat.postMessage is retried after its Retry-After', async () => {
    api.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    const { runId } = await fx.engine.startRun(reply, { title: 'T8' });
    let approval;
    for (let i = 0; i < 200 && !approval?.slack_ts; i++) {
      approval = (await listApprovals(fx.db.pool)).find((a) => a.run_id === runId);
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.ok(approval?.slack_ts, 'posted after the retry');
    assert.equal(approval!.post_error, null);
    assert.equal(api.calls.filter((c) => c.method === 'chat.postMessage' && String(c.body.text).includes('T8')).length, 2, 'one 429, one retry');
    await fx.engine.cancelRun(runId);
  });

  const event = (ev: Record<string, unknown>, id: string) => {
    const body = JSON.stringify({ type: 'event_callback', team_id: 'T1', api_app_id: 'A1', event_id: id, event_time: 1, event: ev });
    return fetch(base, { method: 'POST', headers: { ...slackHeaders(SECRET, body), 'content-type': 'application/json' }, body });
  };
  const sinkRuns = async () => (await fx.db.pool.query(`SELECT r.output, i.kind, i.source FROM mailroom.runs r JOIN mailroom.items i ON i.run_id = r.id WHERE r.workflow = 'slack-sink' AND r.state = 'completed' ORDER BY r.created_at`)).rows;

  test('a message in an intake channel starts a support run and the thread says so; other channels are ignored', async () => {
    assert.equal((await event({ type: 'message', channel: 'C_ELSEWHERE', user: 'U_CUST', text: 'hello', ts: '10.1', channel_type: 'channel' }, 'Ev0')).status, 200);
    assert.equal((await event({ type: 'message', channel: 'C_INTAKE', user: 'U_CUST', text: 'Our API returns 500 for everyone', ts: '11.1', channel_type: 'channel' }, 'Ev1')).status, 200);
    let runs: any[] = [];
    for (let i = 0; i < 100 && runs.length < 1; i++) {
      runs = (await sinkRuns()).filter((r) => r.source.user === 'U_CUST');
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.equal(runs.length, 1);
    assert.equal(runs[0].output.workflow, 'support');
    assert.equal(runs[0].kind, 'slack_message');
    assert.equal(runs[0].source.user, 'U_CUST');
    const ack = api.calls.find((c) => c.method === 'chat.postMessage' && c.body.thread_ts === '11.1');
    assert.match(String(ack?.body.text), /run `[0-9a-f-]+` started/);
  });

  test('a PDF shared in an intake channel is downloaded with the bot token and starts an invoice run', async () => {
    api.files.set('inv.pdf', Buffer.from('%PDF-1.4 fake invoice'));
    const before = (await sinkRuns()).length;
    await event({ type: 'message', subtype: 'file_share', channel: 'C_INTAKE', user: 'U_AP', text: '', ts: '12.1', channel_type: 'channel', files: [{ id: 'F1', name: 'inv.pdf', mimetype: 'application/pdf', size: 21, url_private: `${api.base}/files/inv.pdf` }] }, 'Ev2');
    let runs: any[] = [];
    for (let i = 0; i < 100 && runs.length <= before; i++) {
      runs = await sinkRuns();
      await new Promise((r) => setTimeout(r, 25));
    }
    const last = runs.at(-1);
    assert.equal(last.kind, 'document');
    assert.equal(last.output.workflow, 'invoice');
  });

  test('a member of an approver user group may decide; anyone else is still refused', async () => {
    const { runId } = await fx.engine.startRun(reply, { title: 'T9' });
    const value = buttonValue(await posted('T9'));
    await click('approval_approve', 'U_NOT_IN_GROUP', value);
    await click('approval_approve', 'U_GRP', value);
    assert.equal(await fx.engine.waitForRun(runId, { states: ['completed', 'failed'] }), 'completed');
    assert.deepEqual((await runRow(fx.db, runId)).output.by, ['U_GRP']);
  });

  test('an undecided request is reminded in its thread, mentioning the approvers and the escalation group', async () => {
    const { runId } = await fx.engine.startRun(reply, { title: 'T10', remindAfterMs: 300 });
    const call = await posted('T10');
    assert.ok(call);
    let reminder;
    for (let i = 0; i < 200 && !reminder; i++) {
      reminder = api.calls.find((c) => c.method === 'chat.postMessage' && /^Reminder/.test(String(c.body.text)));
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.ok(reminder, 'a reminder was posted');
    assert.ok(reminder!.body.thread_ts, 'in the request thread');
    assert.match(String(reminder!.body.text), /<@U_ALICE>.*<@U_CFO>/);
    await fx.engine.cancelRun(runId);
  });
});
