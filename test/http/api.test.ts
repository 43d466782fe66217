/**
 * The HTTP API over real HTTP against the running service (createApp on the embedded database):
 * auth, runs with Idempotency-Key and cursors, traces equal to the CLI's, events, retry/cancel,
 * parent/child links, approvals through the vote rules, reports, the OpenAPI document.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import type pg from 'pg';
import { askForApproval } from '../../src/approvals/ask.ts';
import { defineWorkflow } from '../../src/engine/define.ts';
import { mailroomAsync } from '../harness/cli.ts';
import { eventually, startTestService, type TestService } from './service.ts';

const ALICE = 'alice:alice-secret-0123456789';
const BOB = 'bob:bob-secret-0123456789abc';
const CAROL = 'carol:carol-secret-0123456789';
const DAVE = 'dave:dave-secret-0123456789a';

const echo = defineWorkflow({
  name: 'api-echo',
  version: 1,
  input: z.object({ email: z.string().email(), n: z.number().int().min(1).optional() }),
  async run(input) {
    return input;
  },
});

const waiter = defineWorkflow({
  name: 'api-wait',
  version: 1,
  input: z.object({ key: z.string() }),
  async run(input, step) {
    const got = await step.waitForEvent<{ value: number }>('test.go', { key: input.key });
    return got.timeout ? null : got.payload;
  },
});

const child = defineWorkflow({
  name: 'api-child',
  version: 1,
  input: z.object({ x: z.number() }),
  async run(input) {
    return input.x * 2;
  },
});

const parent = defineWorkflow({
  name: 'api-parent',
  version: 1,
  input: z.object({ x: z.number() }),
  async run(input, step) {
    return step.invoke(child, { x: input.x });
  },
});

const approval = defineWorkflow({
  name: 'api-approval',
  version: 1,
  input: z.object({ required: z.number().int().default(2) }),
  async run(input, step, ctx) {
    const { pool } = ctx.services as { pool: pg.Pool };
    return askForApproval(step, { pool }, {
      key: 'reply',
      kind: 'test.reply',
      title: 'Send the reply?',
      request: {
        summary: { from: 'customer@example.com', subject: 'Help' },
        proposal: { type: 'reply', description: 'send the draft', draft: 'Hello, here is how.', to: 'customer@example.com' },
        reasoning: 'kb article matched',
        confidence: 0.6,
        editable: ['draft'],
      },
      approvers: ['api:alice', 'api:bob', 'api:carol'],
      requiredApprovals: input.required,
      requester: { identity: 'api:carol' },
    });
  },
});

describe('HTTP API against the running service', () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService({ env: { MAILROOM_API_TOKEN: [ALICE, BOB, CAROL, DAVE].join(',') }, workflows: [echo, waiter, child, parent, approval] });
  });
  after(async () => svc?.close());

  const waitForState = (id: string, states: string[]) => eventually(async () => {
    const r = await svc.call('GET', `/api/v1/runs/${id}`, { token: ALICE });
    return states.includes(r.body.run?.state) ? r.body : undefined;
  }, 20_000, `run ${id} in ${states.join('|')}`);

  test('without a token or with a wrong one the API answers 401; the right token works and names the caller', async () => {
    const none = await svc.call('GET', '/api/v1/runs');
    assert.equal(none.status, 401);
    assert.match(none.body.error, /missing API token/);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
    const wrong = await svc.call('GET', '/api/v1/runs', { token: 'alice:not-the-secret-at-all' });
    assert.equal(wrong.status, 401);
    assert.match(wrong.body.error, /not valid/);
    assert.equal((await svc.call('GET', '/workflow/00000000-0000-4000-8000-000000000000')).status, 401, 'the brief\'s routes need the token too');
    assert.equal((await svc.call('GET', '/api/v1/runs', { token: ALICE })).status, 200);
    assert.equal((await svc.call('GET', '/api/v1/runs', { token: 'alice-secret-0123456789' })).status, 200, 'the secret alone is accepted too');

    const started = await svc.call('POST', '/api/v1/runs', { token: BOB, body: { workflow: 'api-echo', input: { email: 'b@example.com' } } });
    assert.equal(started.status, 201);
    const trace = await waitForState(started.body.run_id, ['completed']);
    assert.equal(trace.run.started_by, 'api:bob');
  });

  test('POST /api/v1/runs validates the input with the workflow schema (422 naming each field); unknown workflow 404', async () => {
    const bad = await svc.call('POST', '/api/v1/runs', { token: ALICE, body: { workflow: 'api-echo', input: { email: 'not an address', n: 0 } } });
    assert.equal(bad.status, 422);
    assert.deepEqual(bad.body.issues.map((i: { path: string }) => i.path).sort(), ['input.email', 'input.n']);
    const noWorkflow = await svc.call('POST', '/api/v1/runs', { token: ALICE, body: { input: {} } });
    assert.equal(noWorkflow.status, 422);
    assert.equal(noWorkflow.body.issues[0].path, 'workflow');
    const unknown = await svc.call('POST', '/api/v1/runs', { token: ALICE, body: { workflow: 'nope', input: {} } });
    assert.equal(unknown.status, 404);
    assert.match(unknown.body.error, /unknown workflow "nope"/);
    const notJson = await svc.call('POST', '/api/v1/runs', { token: ALICE, raw: '{"workflow":', headers: { 'content-type': 'application/json' } });
    assert.equal(notJson.status, 400);
    const notJsonType = await svc.call('POST', '/api/v1/runs', { token: ALICE, raw: 'workflow=api-echo', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(notJsonType.status, 415);
    for (const r of [bad, unknown, notJson, notJsonType]) assert.doesNotMatch(JSON.stringify(r.body), /\n\s+at /, 'no stack trace');
  });

  test('Idempotency-Key: the same key and body start one run (201, then 200); another body with that key is 422; keys are per caller', async () => {
    const body = { workflow: 'api-echo', input: { email: 'idem@example.com', n: 1 } };
    const first = await svc.call('POST', '/api/v1/runs', { token: ALICE, body, headers: { 'idempotency-key': '"order-42"' } });
    assert.equal(first.status, 201);
    // Same request, keys in another order: the same request.
    const again = await svc.call('POST', '/api/v1/runs', { token: ALICE, body: { input: { n: 1, email: 'idem@example.com' }, workflow: 'api-echo' }, headers: { 'idempotency-key': '"order-42"' } });
    assert.equal(again.status, 200);
    assert.equal(again.body.run_id, first.body.run_id);
    const other = await svc.call('POST', '/api/v1/runs', { token: ALICE, body: { ...body, input: { email: 'idem@example.com', n: 2 } }, headers: { 'idempotency-key': '"order-42"' } });
    assert.equal(other.status, 422);
    assert.match(other.body.error, /already used with a different request/);
    const bobs = await svc.call('POST', '/api/v1/runs', { token: BOB, body, headers: { 'idempotency-key': '"order-42"' } });
    assert.equal(bobs.status, 201);
    assert.notEqual(bobs.body.run_id, first.body.run_id);

    // Concurrent requests with one key are decided one after the other: still one run.
    const racing = await Promise.all(Array.from({ length: 5 }, () => svc.call('POST', '/api/v1/runs', { token: ALICE, body, headers: { 'idempotency-key': 'race-1' } })));
    assert.equal(new Set(racing.map((r) => r.body.run_id)).size, 1);
    assert.deepEqual(racing.map((r) => r.status).sort(), [200, 200, 200, 200, 201]);
    const { rows } = await svc.db.pool.query(`SELECT count(*)::int AS n FROM mailroom.runs WHERE workflow = 'api-echo' AND input->>'email' = 'idem@example.com'`);
    assert.equal(rows[0].n, 3, 'order-42 for alice, for bob, race-1');
  });

  test('GET /api/v1/runs lists newest first and pages with next_cursor, every run exactly once', async () => {
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) ids.push((await svc.call('POST', '/api/v1/runs', { token: ALICE, body: { workflow: 'api-wait', input: { key: `page-${i}` } } })).body.run_id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { status: number; body: any } = await svc.call('GET', `/api/v1/runs?workflow=api-wait&limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: ALICE });
      assert.equal(page.status, 200);
      assert.ok(page.body.runs.length <= 2);
      seen.push(...page.body.runs.map((r: { id: string }) => r.id));
      cursor = page.body.next_cursor;
      pages++;
    } while (cursor);
    assert.deepEqual(seen, [...ids].reverse(), 'newest first, none twice, none missing');
    assert.equal(pages, 3);
    assert.equal((await svc.call('GET', '/api/v1/runs?cursor=garbage', { token: ALICE })).status, 400);
    assert.equal((await svc.call('GET', '/api/v1/runs?state=sleeping', { token: ALICE })).status, 422);
    for (const id of ids) await svc.call('POST', `/api/v1/runs/${id}/cancel`, { token: ALICE, body: {} });
  });

  test('GET /api/v1/runs/:id is the same document as `mailroom run <id> --json`; unknown ids are 404', async () => {
    const started = await svc.call('POST', '/api/v1/runs', { token: ALICE, body: { workflow: 'api-echo', input: { email: 'trace@example.com' } } });
    const viaApi = await waitForState(started.body.run_id, ['completed']);
    const cli = await mailroomAsync(['run', started.body.run_id, '--json'], { DATABASE_URL: svc.db.url, MAILROOM_DATA_DIR: svc.dataDir, LOG_LEVEL: 'silent' });
    assert.equal(cli.status, 0, cli.stderr);
    assert.deepEqual(viaApi, JSON.parse(cli.stdout));
    assert.deepEqual(viaApi.run.output, { email: 'trace@example.com' });
    assert.equal((await svc.call('GET', '/api/v1/runs/00000000-0000-4000-8000-000000000000', { token: ALICE })).status, 404);
    assert.equal((await svc.call('GET', '/api/v1/runs/not-a-uuid', { token: ALICE })).status, 404);
  });

  test("POST /workflow/run and GET /workflow/:id are the brief's names for starting and reading a run", async () => {
    const started = await svc.call('POST', '/workflow/run', { token: ALICE, body: { workflow: 'api-echo', input: { email: 'brief@example.com' } } });
    assert.equal(started.status, 201);
    assert.deepEqual(Object.keys(started.body).sort(), ['run_id', 'state', 'workflow']);
    await waitForState(started.body.run_id, ['completed']);
    const read = await svc.call('GET', `/workflow/${started.body.run_id}`, { token: ALICE });
    assert.equal(read.status, 200);
    assert.equal(read.body.run.state, 'completed');
    assert.deepEqual(read.body, (await svc.call('GET', `/api/v1/runs/${started.body.run_id}`, { token: ALICE })).body);
  });

  test('POST /api/v1/events resumes the waiting run, keeps an event sent before the wait, and refuses engine-owned names', async () => {
    const waiting = await svc.call('POST', '/api/v1/runs', { token: ALICE, body: { workflow: 'api-wait', input: { key: 'late' } } });
    await waitForState(waiting.body.run_id, ['waiting']);
    const sent = await svc.call('POST', '/api/v1/events', { token: ALICE, body: { name: 'test.go', key: 'late', payload: { value: 1 } } });
    assert.equal(sent.status, 202);
    assert.equal(typeof sent.body.event_id, 'number');
    const done = await waitForState(waiting.body.run_id, ['completed']);
    assert.deepEqual(done.run.output, { value: 1 });
    assert.equal(done.events[0].name, 'test.go');

    assert.equal((await svc.call('POST', '/api/v1/events', { token: ALICE, body: { name: 'test.go', key: 'early', payload: { value: 2 } } })).status, 202);
    const early = await svc.call('POST', '/api/v1/runs', { token: ALICE, body: { workflow: 'api-wait', input: { key: 'early' } } });
    assert.deepEqual((await waitForState(early.body.run_id, ['completed'])).run.output, { value: 2 }, 'the early event was kept');

    for (const name of ['approval.decided', 'run.finished']) {
      const forged = await svc.call('POST', '/api/v1/events', { token: ALICE, body: { name, key: 'ap_x', payload: { outcome: 'approved' } } });
      assert.equal(forged.status, 403, name);
    }
    assert.equal((await svc.call('POST', '/api/v1/events', { token: ALICE, body: { key: 'k' } })).status, 422);
  });

  test('cancel and retry over HTTP: cancel a waiting run, refuse to cancel it twice, retry it, and it completes', async () => {
    const run = await svc.call('POST', '/api/v1/runs', { token: ALICE, body: { workflow: 'api-wait', input: { key: 'retry-me' } } });
    const id = run.body.run_id;
    await waitForState(id, ['waiting']);
    const cancelled = await svc.call('POST', `/api/v1/runs/${id}/cancel`, { token: ALICE, body: { reason: 'testing cancel' } });
    assert.deepEqual([cancelled.status, cancelled.body], [200, { run_id: id, state: 'cancelled' }]);
    const twice = await svc.call('POST', `/api/v1/runs/${id}/cancel`, { token: ALICE });
    assert.equal(twice.status, 409);
    const trace = (await svc.call('GET', `/api/v1/runs/${id}`, { token: ALICE })).body;
    assert.equal(trace.transitions.at(-1).reason, 'testing cancel');

    const retried = await svc.call('POST', `/api/v1/runs/${id}/retry`, { token: ALICE, body: {} });
    assert.deepEqual([retried.status, retried.body], [200, { run_id: id, state: 'queued' }]);
    await waitForState(id, ['waiting']);
    await svc.call('POST', '/api/v1/events', { token: ALICE, body: { name: 'test.go', key: 'retry-me', payload: { value: 3 } } });
    await waitForState(id, ['completed']);
    const again = await svc.call('POST', `/api/v1/runs/${id}/retry`, { token: ALICE });
    assert.equal(again.status, 409, 'a completed run is not retried');
    assert.match(again.body.error, /only failed or cancelled runs/);
    assert.equal((await svc.call('POST', '/api/v1/runs/00000000-0000-4000-8000-000000000000/retry', { token: ALICE })).status, 404);
    assert.equal((await svc.call('POST', `/api/v1/runs/${id}/retry`, { token: ALICE, body: { actions: 'maybe' } })).status, 422);
  });

  test('a run started by another (step.invoke) shows the link on both runs', async () => {
    const started = await svc.call('POST', '/api/v1/runs', { token: ALICE, body: { workflow: 'api-parent', input: { x: 21 } } });
    const parentTrace = await waitForState(started.body.run_id, ['completed']);
    assert.equal(parentTrace.run.output, 42);
    assert.equal(parentTrace.children.length, 1);
    assert.equal(parentTrace.parent, null);
    const childTrace = (await svc.call('GET', `/api/v1/runs/${parentTrace.children[0].id}`, { token: ALICE })).body;
    assert.equal(childTrace.run.parent_run_id, started.body.run_id);
    assert.deepEqual(childTrace.parent, { id: started.body.run_id, workflow: 'api-parent', state: 'completed' });
  });

  test('approvals over HTTP follow the vote rules: version named, approvers only, separation of duties, edits make a new version, two people', async () => {
    const run = await svc.call('POST', '/api/v1/runs', { token: ALICE, body: { workflow: 'api-approval', input: { required: 2 } } });
    const pending = await eventually(async () => {
      const list = await svc.call('GET', '/api/v1/approvals?status=pending', { token: ALICE });
      return list.body.approvals.find((a: { run_id: string }) => a.run_id === run.body.run_id);
    });
    assert.equal(pending.version, 1);
    const decide = (token: string, body: Record<string, unknown>) => svc.call('POST', `/api/v1/approvals/${pending.id}/decision`, { token, body });

    const noVersion = await decide(ALICE, { decision: 'approve' });
    assert.equal(noVersion.status, 409);
    assert.match(noVersion.body.error, /version 1/);
    assert.equal((await decide(DAVE, { decision: 'approve', version: 1 })).status, 403, 'not an approver');
    const own = await decide(CAROL, { decision: 'approve', version: 1 });
    assert.equal(own.status, 403);
    assert.match(own.body.error, /separation of duties/);

    const edited = await decide(ALICE, { decision: 'approve', version: 1, edits: { draft: 'Hello, edited.' }, note: 'tone' });
    assert.equal(edited.status, 200);
    assert.deepEqual({ final: edited.body.final, version: edited.body.version, votes_needed: edited.body.votes_needed }, { final: false, version: 2, votes_needed: 1 });
    const stale = await decide(BOB, { decision: 'approve', version: 1 });
    assert.equal(stale.status, 409, 'bob saw version 1; the proposal is now version 2');
    assert.equal((await decide(BOB, { decision: 'approve', version: 2, edits: { total: 1 } })).status, 422, 'not an editable field');
    const final = await decide(BOB, { decision: 'approve', version: 2 });
    assert.deepEqual([final.status, final.body.final, final.body.status], [200, true, 'approved']);

    const done = await waitForState(run.body.run_id, ['completed']);
    assert.equal(done.run.output.outcome, 'approved');
    assert.deepEqual(done.run.output.approvers.sort(), ['api:alice', 'api:bob']);
    assert.equal(done.run.output.edits.draft, 'Hello, edited.');
    assert.ok(done.approvals[0].votes.every((v: { channel: string }) => v.channel === 'http'));

    assert.equal((await decide(BOB, { decision: 'reject', version: 2 })).status, 409, 'already decided');
    assert.equal((await svc.call('POST', '/api/v1/approvals/ap_000000000000/decision', { token: ALICE, body: { decision: 'approve', version: 1 } })).status, 404);
    assert.equal((await decide(ALICE, { decision: 'maybe', version: 2 })).status, 422);
  });

  test('costs, mailboxes, outbox and schedules answer with their lists', async () => {
    const costs = await svc.call('GET', '/api/v1/costs?days=3', { token: ALICE });
    assert.deepEqual([costs.status, costs.body.days, Array.isArray(costs.body.costs)], [200, 3, true]);
    assert.equal(costs.body.budget_usd_per_day, 20);
    assert.deepEqual((await svc.call('GET', '/api/v1/mailboxes', { token: ALICE })).body, { mailboxes: [] });
    assert.deepEqual((await svc.call('GET', '/api/v1/outbox?status=sent', { token: ALICE })).body, { messages: [] });
    assert.deepEqual((await svc.call('GET', '/api/v1/schedules', { token: ALICE })).body, { schedules: [] });
    assert.equal((await svc.call('GET', '/api/v1/outbox?status=lost', { token: ALICE })).status, 422);
  });

  test('POST /webhook/new-lead starts the lead workflow with the body as its form; a bad form is 422', async () => {
    const accepted = await svc.call('POST', '/webhook/new-lead', { token: ALICE, body: { email: 'ada@example.com' } });
    assert.equal(accepted.status, 202);
    assert.deepEqual(Object.keys(accepted.body).sort(), ['duplicate', 'run_id']);
    const run = (await svc.app.db.pool.query('SELECT workflow FROM mailroom.runs WHERE id = $1', [accepted.body.run_id])).rows[0];
    assert.equal(run?.workflow, 'lead');
    const invalid = await svc.call('POST', '/webhook/new-lead', { token: ALICE, body: { email: 'nope' } });
    assert.equal(invalid.status, 422);
    assert.equal(invalid.body.issues[0].path, 'email');
  });

  test('GET /api/v1/openapi.json is an OpenAPI 3.1 document, served without a token, listing every route', async () => {
    const doc = await svc.call('GET', '/api/v1/openapi.json');
    assert.equal(doc.status, 200);
    assert.equal(doc.body.openapi, '3.1.0');
    const routes = Object.entries(doc.body.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    assert.deepEqual(routes.sort(), [
      'GET /api/v1/approvals',
      'GET /api/v1/candidates',
      'GET /api/v1/candidates/{id}',
      'GET /api/v1/costs',
      'GET /api/v1/leads',
      'GET /api/v1/leads/{id}',
      'GET /api/v1/mailboxes',
      'GET /api/v1/outbox',
      'GET /api/v1/runs',
      'GET /api/v1/runs/{id}',
      'GET /api/v1/schedules',
      'GET /unsubscribe/{token}',
      'GET /workflow/{id}',
      'POST /api/v1/approvals/{id}/decision',
      'POST /api/v1/events',
      'POST /api/v1/runs',
      'POST /api/v1/runs/{id}/cancel',
      'POST /api/v1/runs/{id}/retry',
      'POST /unsubscribe/{token}',
      'POST /webhook/{source}',
      'POST /workflow/run',
    ]);
    const start = doc.body.paths['/api/v1/runs'].post;
    assert.deepEqual(start.requestBody.content['application/json'].schema, { $ref: '#/components/schemas/StartRun' }, 'the request schema is the validator');
    assert.deepEqual(doc.body.components.schemas.StartRun.required, ['workflow']);
    assert.ok(start.responses['422'] && start.responses['201'] && start.responses['200']);
    assert.deepEqual(doc.body.components.securitySchemes.Bearer, { type: 'http', scheme: 'bearer', description: doc.body.components.securitySchemes.Bearer.description });
    // Health, metrics and Slack stay where they were.
    assert.equal((await fetch(`${svc.base}/healthz`)).status, 200);
    assert.equal((await fetch(`${svc.base}/metrics`)).status, 200);
    assert.equal((await svc.call('GET', '/api/v1/nothing-here', { token: ALICE })).status, 404);
  });
});
