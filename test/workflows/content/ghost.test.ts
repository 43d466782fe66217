/**
 * The Ghost adapter against a local server that checks the Admin API's JWT and speaks its post
 * shapes; and the workflow publishing through it (CMS=ghost) exactly once.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { castVote, getApproval } from '../../../src/approvals/store.ts';
import { ghostCms, ghostToken } from '../../../src/workflows/content/cms/ghost.ts';
import { contentWorkflow } from '../../../src/workflows/content/content.ts';
import { readSourceFolder } from '../../../src/workflows/content/import-docs.ts';
import { upsertDocuments } from '../../../src/workflows/content/sources.ts';
import { contentObject } from '../../../src/workflows/content/summary.ts';
import { startTestService, type TestService } from '../../harness/service.ts';
import { repoRoot } from '../../harness/shared.ts';
import { startFakeGhost, type FakeGhost } from './ghost-server.ts';

const post = (hash: string, publishAt: string | null = null) => ({ slug: 'durable-workflows', title: 'Durable workflows', meta_description: 'm'.repeat(130), body_markdown: 'Text.[^S1]\n\n[^S1]: Source', publish_at: publishAt, content_hash: hash });
const H1 = 'a'.repeat(64);
const H2 = 'b'.repeat(64);

describe('Ghost', () => {
  let ghost: FakeGhost;
  before(async () => {
    ghost = await startFakeGhost();
  });
  after(() => ghost?.close());

  test('the Admin API token is HS256 over the decoded secret with kid, aud /admin/ and five minutes', () => {
    const [h, p] = ghostToken('abc123:00ff', 1_700_000_000_000).split('.');
    assert.deepEqual(JSON.parse(Buffer.from(h!, 'base64url').toString()), { alg: 'HS256', typ: 'JWT', kid: 'abc123' });
    assert.deepEqual(JSON.parse(Buffer.from(p!, 'base64url').toString()), { iat: 1_700_000_000, exp: 1_700_000_300, aud: '/admin/' });
  });

  test('a scheduled post is created once; the same content again finds it; an edit sends updated_at', async () => {
    const cms = ghostCms({ url: ghost.url, adminKey: ghost.key });
    const later = new Date(Date.now() + 86_400_000).toISOString();
    const first = await cms.publish(post(H1, later));
    assert.deepEqual([first.status, first.remote_status, first.created], ['scheduled', 'scheduled', true]);
    const again = await cms.publish(post(H1, later));
    assert.deepEqual([again.remote_id, again.created], [first.remote_id, false]);
    const edited = await cms.publish(post(H2));
    assert.deepEqual([edited.remote_id, edited.status], [first.remote_id, 'published']);
    assert.equal(ghost.posts.size, 1);
    assert.match(ghost.posts.get(first.remote_id)!.html, /<sup class="footnote-ref">/);
    assert.ok(ghost.requests.every((r) => r.auth === 'ok'));
  });

  test('a wrong key is refused by Ghost and the error says so', async () => {
    const cms = ghostCms({ url: ghost.url, adminKey: `${ghost.key.split(':')[0]}:${'00'.repeat(32)}` });
    await assert.rejects(cms.publish(post(H1)), /Ghost GET .*401.*bad signature/);
  });
});

describe('content workflow with CMS=ghost', () => {
  let ghost: FakeGhost;
  let svc: TestService;
  before(async () => {
    ghost = await startFakeGhost();
    svc = await startTestService({ CMS: 'ghost', GHOST_URL: ghost.url, GHOST_ADMIN_KEY: ghost.key });
    await upsertDocuments(svc.db.pool, (await readSourceFolder(path.join(repoRoot, 'test', 'fixtures', 'content', 'docs'))).documents);
  });
  after(async () => {
    await svc?.close();
    await ghost?.close();
  });

  test('an approved piece with a later publish_at is scheduled on Ghost once, its id stored', async () => {
    const publishAt = new Date(Date.now() + 7 * 86_400_000).toISOString();
    const { runId } = await svc.app.engine.startRun(contentWorkflow, { topic: 'durable workflows', channels: ['blog', 'x'], publish_at: publishAt });
    await svc.app.engine.waitForRun(runId, { states: ['waiting'], timeoutMs: 60_000 });
    const id = (await svc.db.pool.query('SELECT id FROM mailroom.approvals WHERE run_id = $1', [runId])).rows[0].id;
    const a = (await getApproval(svc.db.pool, id))!;
    const emit = (tx: any, name: string, key: string, payload: unknown, source: string) => svc.app.engine.sendEventInTransaction(tx, name, key, payload, source);
    await castVote(svc.db.pool, { approvalId: a.id, approver: 'cli:editor', decision: 'approve', channel: 'cli', version: a.version }, emit);
    // The run sleeps until publish_at for the social post: scheduled on Ghost, waiting here.
    assert.equal(await svc.app.engine.waitForRun(runId, { states: ['waiting', 'completed', 'failed'], timeoutMs: 60_000 }), 'waiting');
    await new Promise((r) => setTimeout(r, 200));
    const c = await contentObject(svc.db.pool, runId);
    assert.equal(c.status, 'scheduled');
    assert.equal(c.remote!.cms, 'ghost');
    assert.equal(ghost.posts.size, 1);
    const remote = ghost.posts.get(c.remote!.id)!;
    assert.deepEqual([remote.status, remote.published_at], ['scheduled', publishAt]);
  });
});

test('CMS=ghost without GHOST_ADMIN_KEY stops start-up, naming what is missing', async () => {
  await assert.rejects(startTestService({ CMS: 'ghost', GHOST_URL: 'http://127.0.0.1:9' }), /CMS=ghost needs GHOST_ADMIN_KEY/);
});
