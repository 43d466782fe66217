/**
 * The leads, candidates and content pages over real HTTP against rows the workflows write
 * (inserted as the workflows store them): the same objects as the CLI and API, filters in the
 * URL, every value escaped, blind candidate lists, and readable with a viewer token.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startTestService, type TestService } from '../http/service.ts';
import { dashboardClient, type DashboardClient } from './client.ts';

const ALICE = 'alice:alice-secret-0123456789';
const VIEWER = 'vera:vera-viewer-secret-0123456';
const XSS = '<script>alert(1)</script><img src=x onerror=alert(2)>';
const ESCAPED = '&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;';

describe('dashboard leads, candidates and content pages', () => {
  let svc: TestService;
  let viewer: DashboardClient;
  let alice: DashboardClient;
  const runId = (): string => crypto.randomUUID();
  async function insertRun(workflow: string): Promise<string> {
    const id = runId();
    await svc.db.pool.query(`INSERT INTO mailroom.runs (id, workflow, workflow_version, state, deadline_at) VALUES ($1, $2, 1, 'completed', now() + interval '1 day')`, [id, workflow]);
    return id;
  }

  before(async () => {
    svc = await startTestService({ env: { MAILROOM_API_TOKEN: ALICE, MAILROOM_VIEWER_TOKEN: VIEWER } });
    viewer = dashboardClient(svc.base);
    await viewer.signIn(VIEWER);
    alice = dashboardClient(svc.base);
    await alice.signIn(ALICE);
  });
  after(async () => {
    await svc?.close();
  });

  test('leads: the list shows score, band, status and sequence progress, filters by status and band, and links to a lead page with factors, events, CRM notes and the run', async () => {
    const hot = crypto.randomUUID();
    const cold = crypto.randomUUID();
    const run = await insertRun('lead');
    const factors = [{ category: 'fit', factor: 'company size', points: 25, evidence: `240 employees ${XSS}`, source: 'companies' }];
    await svc.db.pool.query(
      `INSERT INTO mailroom.leads (id, email, name, company, status, band, score, fit, intent, engagement, factors, run_id, emails_sent, last_contact_at)
       VALUES ($1, 'dana@acme.example', 'Dana', $2, 'alerted', 'hot', 82, 40, 30, 12, $3, $4, 2, now()),
              ($5, 'cole@small.example', 'Cole', 'Small Co', 'nurturing', 'cold', 21, 10, 6, 5, '[]', NULL, 1, NULL)`,
      [hot, `Acme ${XSS}`, JSON.stringify(factors), run, cold],
    );
    await svc.db.pool.query(`INSERT INTO mailroom.lead_events (lead_id, run_id, key, kind, detail) VALUES ($1, $2, 'k1', 'alerted', $3)`, [hot, run, JSON.stringify({ channel: 'slack', note: XSS })]);
    const contact = crypto.randomUUID();
    await svc.db.pool.query(`INSERT INTO mailroom.crm_contacts (id, email) VALUES ($1, 'dana@acme.example')`, [contact]);
    await svc.db.pool.query(`INSERT INTO mailroom.crm_notes (contact_id, key, body) VALUES ($1, 'n1', $2)`, [contact, `Scored 82 (hot). ${XSS}`]);

    const list = await viewer.get('/leads');
    assert.equal(list.status, 200);
    assert.match(list.text, /<a href="\/leads" aria-current="page">Leads<\/a>/);
    assert.ok(list.text.indexOf('dana@acme.example') < list.text.indexOf('cole@small.example'), 'highest score first');
    assert.ok(list.text.includes(`<td>82</td>`) && list.text.includes('40 / 30 / 12'));
    assert.ok(list.text.includes(`Acme ${ESCAPED}`));
    assert.ok(!list.text.includes(XSS));

    const filtered = await viewer.get('/leads?band=cold&status=nurturing');
    assert.ok(filtered.text.includes('cole@small.example'));
    assert.ok(!filtered.text.includes('dana@acme.example'));
    assert.match(filtered.text, /<option value="cold" selected>/);
    assert.ok((await viewer.get('/leads?status=nurturing&band=hot')).text.includes('No leads match this filter'));

    assert.ok(list.text.includes(`href="/leads/${hot}"`));
    const detail = await viewer.get(`/leads/${hot}`);
    assert.equal(detail.status, 200);
    for (const s of ['company size', '<td>25</td>', `240 employees ${ESCAPED}`, 'alerted', `Scored 82 (hot). ${ESCAPED}`, `href="/runs/${run}"`]) assert.ok(detail.text.includes(s), s);
    assert.match(detail.text, /&quot;note&quot;: &quot;&lt;script&gt;/, 'event detail escaped');
    assert.ok(!detail.text.includes(XSS));
    assert.equal((await viewer.get(`/leads/${crypto.randomUUID()}`)).status, 404);
    assert.equal((await viewer.get('/leads/dana@acme.example')).status, 404, 'ids only in the path');
  });

  test('candidates: blind list (id and job, no name, email or phone), filtered by job and stage, with a link to the run', async () => {
    await svc.db.pool.query(`INSERT INTO mailroom.jobs (id, title, spec_hash) VALUES ('backend-eng', 'Backend engineer', 'h1'), ('designer', 'Designer', 'h2')`);
    const run = await insertRun('hiring');
    const a = crypto.randomUUID();
    const b = crypto.randomUUID();
    await svc.db.pool.query(
      `INSERT INTO mailroom.candidates (id, job_id, run_id, email, name, resume, score, gate_passed, red_flags, stage)
       VALUES ($1, 'backend-eng', $2, 'jordan.secret@example.com', 'Jordan Secretname', '{"phone": "+1 555 0199"}', 0.82, true, '[{"kind":"gap","detail":"d","question":"q"}]', 'awaiting_decision'),
              ($3, 'designer', NULL, 'riley@example.com', 'Riley Hiddenname', NULL, NULL, NULL, '[]', 'received')`,
      [a, run, b],
    );
    const list = await viewer.get('/candidates');
    assert.equal(list.status, 200);
    for (const s of [a.slice(0, 8), b.slice(0, 8), 'backend-eng', '0.82', 'b-other">awaiting_decision', `href="/runs/${run}"`]) assert.ok(list.text.includes(s), s);
    for (const secret of ['Jordan', 'Secretname', 'jordan.secret', 'riley@', 'Hiddenname', '555 0199']) assert.ok(!list.text.includes(secret), `blind: ${secret}`);

    const byJob = await viewer.get('/candidates?job=designer');
    assert.ok(byJob.text.includes(b.slice(0, 8)) && !byJob.text.includes(a.slice(0, 8)));
    const byStage = await viewer.get('/candidates?stage=awaiting_decision');
    assert.ok(byStage.text.includes(a.slice(0, 8)) && !byStage.text.includes(b.slice(0, 8)));
    const hostile = await viewer.get(`/candidates?job=${encodeURIComponent(XSS)}`);
    assert.equal(hostile.status, 200);
    assert.ok(!hostile.text.includes(XSS) && hostile.text.includes(ESCAPED), 'the job filter is echoed escaped');
  });

  test('content: title, status, checks summary, remote id and URL (links only for http), a link to the run, filtered by status', async () => {
    const published = await insertRun('content');
    const abstained = await insertRun('content');
    const waiting = await insertRun('content');
    const checks = { passed: false, failures: ['seo: title too long', 'brand: banned word "synergy"'], warnings: [], citations: { total: 4, verified: 3 } };
    await svc.db.pool.query(
      `INSERT INTO mailroom.content_pieces (run_id, status, brief, title, checks, cms, remote_id, remote_url, remote_status, published_at) VALUES
        ($1, 'published', '{}', $4, '{"passed": true, "failures": [], "citations": {"total": 5, "verified": 5}}', 'ghost', 'post-77', 'https://blog.example/p/77', 'published', now()),
        ($2, 'abstained', '{}', NULL, '{"missing": ["pricing for 2027"]}', NULL, NULL, NULL, NULL, NULL),
        ($3, 'awaiting_approval', '{}', 'Draft: five tips', $5, 'wordpress', 'wp-9', 'javascript:alert(3)', 'draft', NULL)`,
      [published, abstained, waiting, `Launch notes ${XSS}`, JSON.stringify(checks)],
    );
    const page = await viewer.get('/content');
    assert.equal(page.status, 200);
    for (const s of [`Launch notes ${ESCAPED}`, 'passed · citations 5/5 verified', 'post-77', '<a href="https://blog.example/p/77"', 'missing: pricing for 2027', '2 failed · citations 3/4 verified · seo: title too long; brand: banned word &quot;synergy&quot;', `href="/runs/${published}"`, `href="/runs/${abstained}"`]) assert.ok(page.text.includes(s), s);
    assert.ok(!page.text.includes(XSS));
    assert.ok(!/href="javascript:/i.test(page.text), 'a javascript: remote URL is not a link');
    assert.ok(page.text.includes('javascript:alert(3)'), 'but it is shown as text');

    const onlyWaiting = await viewer.get('/content?status=awaiting_approval');
    assert.ok(onlyWaiting.text.includes('Draft: five tips') && !onlyWaiting.text.includes('Launch notes'));
  });

  test('the three pages are in the nav, need a session, and look the same to a signed-in operator', async () => {
    const page = await alice.get('/content');
    for (const href of ['/leads', '/candidates', '/content']) assert.ok(page.text.includes(`<a href="${href}"`), href);
    for (const path of ['/leads', '/candidates', '/content']) {
      const anonymous = await dashboardClient(svc.base).get(path);
      assert.notEqual(anonymous.status, 200, `${path} without a session`);
      assert.equal((await alice.get(path)).status, 200);
    }
  });
});
