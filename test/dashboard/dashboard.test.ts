/**
 * The dashboard over real HTTP against the running service (createApp on an embedded database):
 * sign-in for a session cookie, the viewer token, CSRF and CSP, the run list with its filters
 * and search, a run's story, retry and cancel, bulk actions with the count shown first.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { defineWorkflow } from '../../src/engine/define.ts';
import { NonRetriableError } from '../../src/errors.ts';
import { eventually, startTestService, type TestService } from '../http/service.ts';
import { dashboardClient } from './client.ts';

const ALICE = 'alice:alice-secret-0123456789';
const VIEWER = 'vera:vera-viewer-secret-0123456';

const mail = defineWorkflow({
  name: 'dash-mail',
  version: 1,
  input: z.object({ email: z.object({ subject: z.string(), from: z.object({ address: z.string(), name: z.string().optional() }), text: z.string(), attachments: z.array(z.any()).default([]) }) }),
  async run(input, step) {
    const fields = await step.run('extract', async () => ({ invoice_number: `INV-${input.email.subject.length}`, total: 120.5 }));
    await step.decide({ action: 'invoice.extract', parameters: fields, reasoning: 'read from the text layer', confidence: 0.93, provider: 'anthropic', model: 'claude-test', inputTokens: 1200, outputTokens: 80, costUsd: 0.0042, latencyMs: 850 });
    return { fields };
  },
});

let failures = 1;
const flaky = defineWorkflow({
  name: 'dash-flaky',
  version: 1,
  input: z.object({}),
  async run(_input, step) {
    await step.run('first', async () => 1);
    return step.run('boom', async () => {
      if (failures-- > 0) throw new NonRetriableError('the ledger said no');
      return 'fine now';
    });
  },
});

const waiter = defineWorkflow({
  name: 'dash-wait',
  version: 1,
  input: z.object({ key: z.string() }),
  async run(input, step) {
    return step.waitForEvent('dash.go', { key: input.key, timeoutMs: 3_600_000 });
  },
});

describe('dashboard', () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService({ env: { MAILROOM_API_TOKEN: ALICE, MAILROOM_VIEWER_TOKEN: VIEWER }, workflows: [mail, flaky, waiter] });
  });
  after(async () => svc?.close());

  const start = async (workflow: string, input: unknown) => (await svc.call('POST', '/api/v1/runs', { token: ALICE, body: { workflow, input } })).body.run_id as string;
  const settled = (id: string, states: string[]) =>
    eventually(async () => {
      const { rows } = await svc.db.pool.query('SELECT state FROM mailroom.runs WHERE id = $1', [id]);
      return states.includes(rows[0]?.state) ? rows[0].state : undefined;
    }, 20_000, `run ${id} ${states.join('|')}`);

  test('pages need a session: a visitor is sent to sign in, a wrong token is refused, the right one gets an HTTP-only SameSite=Strict cookie', async () => {
    const anon = dashboardClient(svc.base);
    const runs = await anon.get('/runs?state=failed');
    assert.equal(runs.status, 303);
    assert.equal(runs.location, '/login?next=%2Fruns%3Fstate%3Dfailed');
    assert.equal((await anon.get('/')).status, 303, '/ goes through the same check');
    const login = await anon.get('/login');
    assert.equal(login.status, 200);
    assert.match(login.text, /<form method="post" action="\/login">/);
    const wrong = await anon.post('/login', { token: 'alice:wrong-secret-0123456789' });
    assert.equal(wrong.status, 401);
    assert.match(wrong.text, /not valid/);
    assert.equal(anon.cookie, undefined);

    const ok = await anon.post('/login', { token: ALICE, next: '/runs?state=failed' });
    assert.equal(ok.status, 303);
    assert.equal(ok.location, '/runs?state=failed');
    const cookie = ok.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^mailroom_session=[\w-]{40,};/);
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /SameSite=Strict/i);
    const page = await anon.get('/runs');
    assert.equal(page.status, 200);
    assert.match(page.text, /api:alice/);
    const { rows } = await svc.db.pool.query('SELECT secret_hash FROM mailroom.dashboard_sessions');
    assert.ok(rows.every((r) => !cookie.includes(r.secret_hash)), 'only a hash of the cookie is stored');

    const evil = await anon.post('/login', { token: ALICE, next: '//evil.example/steal' });
    assert.equal(evil.location, '/runs', 'no redirect off the site');

    const last = anon.cookie!;
    const out = await anon.post('/logout', {});
    assert.equal(out.status, 303);
    assert.equal(anon.cookie, undefined, 'the cookie is cleared');
    assert.equal((await anon.get('/runs', { cookie: last })).status, 303, 'the old cookie is worth nothing after sign-out');
  });

  test('every page has a strict CSP; a cross-site or origin-less POST is refused even with a valid session', async () => {
    const c = dashboardClient(svc.base);
    await c.signIn(ALICE);
    const page = await c.get('/runs');
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(page.headers.get('x-frame-options'), 'DENY');
    assert.doesNotMatch(page.text, /<script>(?!<\/script>)|<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');

    const id = await start('dash-wait', { key: 'csrf' });
    await settled(id, ['waiting']);
    const cross = await c.post(`/runs/${id}/cancel`, {}, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' });
    assert.equal(cross.status, 403);
    const noOrigin = await c.post(`/runs/${id}/cancel`, {}, { origin: '', 'sec-fetch-site': '' });
    assert.equal(noOrigin.status, 403);
    assert.match(noOrigin.text, /names no Origin/);
    assert.equal(await settled(id, ['waiting']), 'waiting', 'nothing happened');
    await c.post(`/runs/${id}/cancel`, {});
  });

  test('a viewer token signs in read-only: it sees runs, is offered no actions, and is refused when it tries', async () => {
    const id = await start('dash-wait', { key: 'viewer' });
    await settled(id, ['waiting']);
    const v = dashboardClient(svc.base);
    await v.signIn(VIEWER);
    const page = await v.get(`/runs/${id}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /viewer:vera/);
    assert.match(page.text, /read only/);
    assert.doesNotMatch(page.text, /Cancel run/);
    const refused = await v.post(`/runs/${id}/cancel`, {});
    assert.equal(refused.status, 403);
    assert.equal(await settled(id, ['waiting']), 'waiting');
    const a = dashboardClient(svc.base);
    await a.signIn(ALICE);
    assert.match((await a.get(`/runs/${id}`)).text, /Cancel run/);
    const cancelled = await a.post(`/runs/${id}/cancel`, {});
    assert.equal(cancelled.status, 303);
    assert.equal(await settled(id, ['cancelled']), 'cancelled');
  });

  test('the run list filters by state and workflow, searches subject, sender and extracted fields, and pages; filters stay in the URL', async () => {
    const a = await start('dash-mail', { email: { subject: 'Quarterly invoice for Globex', from: { address: 'billing@globex.example', name: 'Globex AP' }, text: 'see attached' } });
    const b = await start('dash-mail', { email: { subject: 'Password reset', from: { address: 'pat@initech.example' }, text: 'help' } });
    await settled(a, ['completed']);
    await settled(b, ['completed']);
    const c = dashboardClient(svc.base);
    await c.signIn(ALICE);
    const bySubject = await c.get('/runs?q=globex+quarterly');
    assert.ok(bySubject.text.includes(`/runs/${a}`) && !bySubject.text.includes(`/runs/${b}`));
    assert.match(bySubject.text, /value="globex quarterly"/, 'the search stays in the form');
    const bySender = await c.get('/runs?q=initech');
    assert.ok(bySender.text.includes(`/runs/${b}`) && !bySender.text.includes(`/runs/${a}`));
    const byField = await c.get(`/runs?q=INV-${'Password reset'.length}`);
    assert.ok(byField.text.includes(`/runs/${b}`), 'an extracted field is searchable');
    const byState = await c.get('/runs?state=completed&workflow=dash-mail');
    assert.ok(byState.text.includes(`/runs/${a}`) && byState.text.includes(`/runs/${b}`));
    assert.doesNotMatch((await c.get('/runs?state=failed&workflow=dash-mail')).text, new RegExp(a));
    const future = await c.get('/runs?since=2999-01-01T00:00');
    assert.match(future.text, /No runs match/);

    for (let i = 0; i < 51; i++) await start('dash-mail', { email: { subject: `bulk ${i}`, from: { address: 'x@example.com' }, text: '' } });
    const first = await c.get('/runs?workflow=dash-mail');
    const next = /href="(\/runs\?workflow=dash-mail&amp;cursor=[^"]+)"/.exec(first.text)?.[1]?.replace(/&amp;/g, '&');
    assert.ok(next, 'a link to the next page keeps the filter');
    const second = await c.get(next);
    assert.equal(second.status, 200);
    assert.ok(second.text.includes(`/runs/${a}`), 'the oldest runs are on the second page');
  });

  test("a run's story shows what came in, its steps with timing and every decision with model, tokens, cost and latency", async () => {
    const id = await start('dash-mail', { email: { subject: 'Invoice 4711 <b>bold</b>', from: { address: 'ap@acme.example' }, text: 'Total 120.50 EUR', attachments: [{ filename: 'inv-4711.pdf', contentType: 'application/pdf', size: 52311, sha256: 'x' }] } });
    await settled(id, ['completed']);
    const c = dashboardClient(svc.base);
    await c.signIn(ALICE);
    const page = await c.get(`/runs/${id}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /Invoice 4711 &lt;b&gt;bold&lt;\/b&gt;/, 'escaped');
    assert.match(page.text, /inv-4711\.pdf/);
    assert.match(page.text, /52311 bytes/);
    for (const s of ['invoice.extract', 'confidence 0.93', 'anthropic/claude-test', '1200 in / 80 out tokens', '$0.0042', '850 ms', 'read from the text layer', 'extract']) assert.ok(page.text.includes(s), s);
    assert.match(page.text, /queued → <span class="badge b-running">running<\/span> started/);
    assert.doesNotMatch(page.text, /Retry|Cancel run/, 'nothing to offer on a completed run');
    assert.equal((await c.get('/runs/00000000-0000-4000-8000-000000000000')).status, 404);
    assert.equal((await c.get('/runs/not-a-run')).status, 404);
  });

  test('a failed run offers retry from the failed step; retried, it completes without running the completed step again', async () => {
    const id = await start('dash-flaky', {});
    await settled(id, ['failed']);
    const c = dashboardClient(svc.base);
    await c.signIn(ALICE);
    const page = await c.get(`/runs/${id}`);
    assert.match(page.text, /the ledger said no/);
    assert.match(page.text, /Retry from the failed step/);
    const retried = await c.post(`/runs/${id}/retry`, {});
    assert.equal(retried.status, 303);
    assert.equal(retried.location, `/runs/${id}?done=retried`);
    assert.equal(await settled(id, ['completed']), 'completed');
    const after = await c.get(`/runs/${id}?done=retried`);
    assert.match(after.text, /queued again/);
    assert.match(after.text, /retried by operator/);
    const again = await c.post(`/runs/${id}/retry`, {});
    assert.equal(again.status, 409, 'a completed run cannot be retried');
    assert.match(again.text, /only failed or cancelled runs can be retried/);
  });

  test('bulk cancel by filter shows the count first, acts only on that many, and asks again when the count changed', async () => {
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await start('dash-wait', { key: `bulk-${i}` }));
    for (const id of ids) await settled(id, ['waiting']);
    const c = dashboardClient(svc.base);
    await c.signIn(ALICE);
    const confirm = await c.get('/runs/bulk?action=cancel&workflow=dash-wait&state=waiting');
    assert.match(confirm.text, /<strong id="bulk-count">3<\/strong>/);
    const extra = await start('dash-wait', { key: 'bulk-late' });
    await settled(extra, ['waiting']);
    const stale = await c.post('/runs/bulk', { action: 'cancel', workflow: 'dash-wait', state: 'waiting', expected: '3' });
    assert.equal(stale.status, 409);
    assert.match(stale.text, /changed \(now 4\)/);
    for (const id of [...ids, extra]) assert.equal(await settled(id, ['waiting']), 'waiting', 'nothing was cancelled');
    const done = await c.post('/runs/bulk', { action: 'cancel', workflow: 'dash-wait', state: 'waiting', expected: '4' });
    assert.equal(done.status, 200);
    assert.match(done.text, /Cancelled 4 of 4 runs/);
    for (const id of [...ids, extra]) assert.equal(await settled(id, ['cancelled']), 'cancelled');
  });
});
