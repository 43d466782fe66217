/**
 * The content workflow on the whole service (real PostgreSQL): research over imported documents
 * with stored provenance, the extractive draft and its checks, abstaining on an uncovered topic,
 * approval, publishing to the folder CMS exactly once, and social variants kept in the outbox.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { castVote, getApproval } from '../../../src/approvals/store.ts';
import { getRun } from '../../../src/engine/run-store.ts';
import { createPolicyGate } from '../../../src/policy/gate.ts';
import { contentWorkflow } from '../../../src/workflows/content/content.ts';
import { readSourceFolder } from '../../../src/workflows/content/import-docs.ts';
import { upsertDocuments } from '../../../src/workflows/content/sources.ts';
import { contentObject } from '../../../src/workflows/content/summary.ts';
import { startTestService, type TestService } from '../../harness/service.ts';
import { repoRoot } from '../../harness/shared.ts';

const fixtures = path.join(repoRoot, 'test', 'fixtures', 'content');

describe('content workflow', () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService({ MAILROOM_BRAND: path.join(fixtures, 'brand.md') });
    const read = await readSourceFolder(path.join(fixtures, 'docs'));
    assert.deepEqual(read.documents.map((d) => `${d.id} ${d.kind}`), ['durable-execution markdown', 'guides/approvals html', 'queues text']);
    assert.deepEqual(read.skipped.map((s) => s.file), ['notes.csv']);
    await upsertDocuments(svc.db.pool, read.documents);
  });
  after(() => svc?.close());

  const start = async (input: Record<string, unknown>) => (await svc.app.engine.startRun(contentWorkflow, input)).runId;
  const waitFor = (runId: string, states: Array<'waiting' | 'completed' | 'failed'>) => svc.app.engine.waitForRun(runId, { states: [...states, 'failed'], timeoutMs: 60_000 });
  const emit = (tx: any, name: string, key: string, payload: unknown, source: string) => svc.app.engine.sendEventInTransaction(tx, name, key, payload, source);

  test('an imported HTML page is read as its article, without navigation or footer', async () => {
    const { rows } = await svc.db.pool.query(`SELECT title, body FROM mailroom.content_documents WHERE id = 'guides/approvals'`);
    assert.equal(rows[0].title, 'Approvals for durable workflows');
    assert.doesNotMatch(rows[0].body, /Copyright|Home/);
    assert.match(rows[0].body, /expire after 3 days/);
  });

  test('a covered topic: snippets stored with spans and hashes, every citation verifies, the X post and meta description fit', async () => {
    const runId = await start({ topic: 'durable workflows', keyphrase: 'durable workflows' });
    const st = await waitFor(runId, ['waiting']);
    if (st !== 'waiting') console.log(JSON.stringify((await getRun(svc.db.pool, runId))!.error));
    assert.equal(st, 'waiting');
    const c = await contentObject(svc.db.pool, runId);
    assert.equal(c.status, 'awaiting_approval');
    assert.equal(c.drafted_by, 'extractive');
    assert.ok(c.sources.length >= 3, 'snippets from several sources');
    const docs = new Map((await svc.db.pool.query('SELECT id, body FROM mailroom.content_documents')).rows.map((r) => [r.id, r.body as string]));
    for (const s of c.sources) assert.equal(docs.get(s.source_id)!.slice(s.span[0], s.span[1]), s.quote, `${s.id} is an exact span of ${s.source_id}`);
    assert.ok(c.checks!.citations.total > 0);
    assert.equal(c.checks!.citations.verified, c.checks!.citations.total);
    assert.deepEqual(c.checks!.citations.unsupported, []);
    assert.equal((c.checks!.platform as { x: { ok: boolean } }).x.ok, true);
    assert.ok(c.meta_description!.length >= 120 && c.meta_description!.length <= 156, `meta description is ${c.meta_description!.length}`);
    assert.match(c.body_markdown!, /^# Durable workflows/);
    assert.ok(c.variants.x && c.variants.linkedin && c.variants.email);
    const approval = (await svc.db.pool.query('SELECT request FROM mailroom.approvals WHERE run_id = $1', [runId])).rows[0];
    assert.ok(approval.request.reasons.some((r: string) => /extractive draft/.test(r)), 'the approver is told it is extractive');
  });

  test('an uncovered topic abstains and says what is missing, writing nothing', async () => {
    const runId = await start({ topic: 'sourdough baking hydration' });
    assert.equal(await waitFor(runId, ['completed']), 'completed');
    const c = await contentObject(svc.db.pool, runId);
    assert.equal(c.status, 'abstained');
    assert.equal(c.body_markdown, null);
    assert.deepEqual(c.sources, []);
    assert.deepEqual(c.missing, ['sourdough', 'baking', 'hydration']);
    const run = await getRun(svc.db.pool, runId);
    assert.match((run!.output as { reason: string }).reason, /No imported document or knowledge-base article covers/);
  });

  test('approved with an edited title: published once to the folder site as approved, social variants kept; a retry publishes nothing twice', async () => {
    const runId = await start({ topic: 'durable workflows', keyphrase: 'durable workflows', channels: ['blog', 'x', 'email'] });
    await waitFor(runId, ['waiting']);
    const a = (await svc.db.pool.query('SELECT id FROM mailroom.approvals WHERE run_id = $1', [runId])).rows[0];
    const approval = (await getApproval(svc.db.pool, a.id))!;
    const title = 'Durable workflows that survive every crash';
    const vote = await castVote(svc.db.pool, { approvalId: a.id, approver: 'cli:tester', decision: 'approve', channel: 'cli', version: approval.version, edits: { title, draft: `${approval.request.proposal.draft}\nAn edited closing line.\n` } }, emit);
    assert.equal(vote.kind, 'recorded');
    assert.equal(await waitFor(runId, ['completed']), 'completed');
    const c = await contentObject(svc.db.pool, runId);
    assert.equal(c.status, 'published');
    assert.equal(c.title, title);
    const file = path.join(svc.dataDir, 'site', 'content', 'posts', 'durable-workflows.md');
    const text = fs.readFileSync(file, 'utf8');
    assert.match(text, /^---\ntitle: Durable workflows that survive every crash\n/);
    assert.match(text, new RegExp(`content_hash: ${c.content_hash}`));
    assert.match(text, /An edited closing line\./, 'the body as edited by the approver');
    const posts = (await svc.db.pool.query('SELECT channel, status, body FROM mailroom.social_posts WHERE run_id = $1 ORDER BY channel', [runId])).rows;
    assert.deepEqual(posts.map((p) => `${p.channel} ${p.status}`), ['email kept', 'x kept']);
    assert.ok(posts.every((p) => !p.body.includes('{url}')), 'the post address is filled in');
    // A retry of the finished run and a second vote change nothing.
    await castVote(svc.db.pool, { approvalId: a.id, approver: 'cli:other', decision: 'approve', channel: 'cli', version: approval.version }, emit);
    const actions = (await svc.db.pool.query(`SELECT key, status FROM mailroom.actions WHERE run_id = $1 AND kind = 'content.publish'`, [runId])).rows;
    assert.deepEqual(actions.map((r) => `${r.key} ${r.status}`), ['publish completed']);
    assert.equal(fs.readdirSync(path.dirname(file)).length, 1);
  });

  test('the gate refuses to publish content that differs from what was approved', async () => {
    const runId = await start({ topic: 'durable workflows queues', keyphrase: 'durable workflows', channels: ['blog'] });
    await waitFor(runId, ['waiting']);
    const check = createPolicyGate({ pool: svc.db.pool, policy: svc.app.services.policy, correspondents: async () => [] });
    const before = await check.check({ runId, workflow: 'content', key: 'publish', kind: 'content.publish', parameters: { content_hash: 'x' } });
    assert.match((before as { reason: string }).reason, /needs an approved approval/);
    const a = (await getApproval(svc.db.pool, (await svc.db.pool.query('SELECT id FROM mailroom.approvals WHERE run_id = $1', [runId])).rows[0].id))!;
    await castVote(svc.db.pool, { approvalId: a.id, approver: 'cli:tester', decision: 'approve', channel: 'cli', version: a.version }, emit);
    await waitFor(runId, ['completed']);
    const changed = await check.check({ runId, workflow: 'content', key: 'publish', kind: 'content.publish', parameters: { content_hash: 'not-the-approved-hash' } });
    assert.equal(changed.allow, false);
    const c = await contentObject(svc.db.pool, runId);
    assert.equal((await check.check({ runId, workflow: 'content', key: 'publish', kind: 'content.publish', parameters: { content_hash: c.content_hash } })).allow, true);
  });
});
