/**
 * End to end against a real WordPress (test/harness/wordpress.ts: Debian's wordpress on php -S,
 * a throwaway MariaDB): `/mailroom content <brief>` signed as Slack signs it -> the approval card
 * -> Approve -> a scheduled post on WordPress and the variants waiting for its time; a second
 * click and a retry publish nothing twice. Slow (a MariaDB and a site install): run with
 * `npm run test:wordpress`, not part of `npm test`.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { wordpressCms } from '../../src/workflows/content/cms/wordpress.ts';
import { readSourceFolder } from '../../src/workflows/content/import-docs.ts';
import { upsertDocuments } from '../../src/workflows/content/sources.ts';
import { contentObject } from '../../src/workflows/content/summary.ts';
import { cardButtons, eventually, startTestService, type TestService } from '../harness/service.ts';
import { repoRoot } from '../harness/shared.ts';
import { startWordPress, wordpressAvailable, type TestWordPress } from '../harness/wordpress.ts';

const skip = wordpressAvailable() ? false : 'needs Debian wordpress, php-cli, php-mysql, mariadb-server';

describe('content workflow on a real WordPress', { skip }, () => {
  let wp: TestWordPress;
  let svc: TestService;
  let hook: http.Server;
  const responses: Array<{ text: string }> = [];
  before(async () => {
    wp = await startWordPress();
    svc = await startTestService(
      { CMS: 'wordpress', WORDPRESS_URL: wp.url, WORDPRESS_USER: wp.user, WORDPRESS_APP_PASSWORD: wp.appPassword },
      { slack: true, policy: 'content:\n  approvers: [U_EDITOR]\n' },
    );
    await upsertDocuments(svc.db.pool, (await readSourceFolder(path.join(repoRoot, 'test', 'fixtures', 'content', 'docs'))).documents);
    hook = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        responses.push(JSON.parse(body));
        res.end('ok');
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  });
  after(async () => {
    hook?.close();
    await svc?.close();
    await wp?.close();
  });

  const slash = (text: string, trigger: string) =>
    svc.postSlack(new URLSearchParams({ command: '/mailroom', text, user_id: 'U_ASKER', channel_id: 'C1', response_url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/r`, trigger_id: trigger }).toString());
  const started = async (from: number) => /`([0-9a-f-]{36})`/.exec((await eventually('the slash command answer', () => responses.slice(from).find((r) => /Started content run/.test(r.text)))).text)![1]!;
  const wpPosts = () => wp.sql(`SELECT ID, post_status, post_date_gmt, post_name FROM wp_posts WHERE post_type = 'post' AND post_name <> 'hello-world' ORDER BY ID`).trim().split('\n').filter(Boolean).map((l) => l.split('\t'));

  test('Approve in Slack schedules the post on WordPress (status future, date_gmt) and the variants wait for it; more clicks publish nothing twice', async () => {
    const publishAt = new Date(Date.now() + 2 * 86_400_000);
    publishAt.setUTCSeconds(0, 0);
    await slash(`content durable workflows | channels: blog, x, linkedin | publish_at: ${publishAt.toISOString()}`, 'wp-1');
    const runId = await started(0);
    const approve = (await eventually('the approval card', () => cardButtons(svc.slack.calls, 'Publish'))).find((b) => /approve/.test(b.action_id))!;
    await svc.click('U_EDITOR', approve);
    await eventually('the post on WordPress', async () => (await contentObject(svc.db.pool, runId)).remote);
    await svc.click('U_EDITOR', approve);
    const c = await contentObject(svc.db.pool, runId);
    assert.equal(c.status, 'scheduled');
    assert.equal(c.remote!.status, 'future');
    const posts = wpPosts();
    assert.equal(posts.length, 1);
    assert.deepEqual(posts[0]!.slice(1), ['future', publishAt.toISOString().slice(0, 19).replace('T', ' '), 'durable-workflows']);
    assert.equal(posts[0]![0], c.remote!.id);
    // The run sleeps until publish_at; the social variants are not posted before then.
    assert.equal((await svc.app.engine.waitForRun(runId, { states: ['waiting'], timeoutMs: 10_000 })), 'waiting');
    assert.equal((await svc.db.pool.query('SELECT count(*)::int AS n FROM mailroom.social_posts WHERE run_id = $1', [runId])).rows[0].n, 0);
    const actions = (await svc.db.pool.query(`SELECT count(*)::int AS n FROM mailroom.actions WHERE run_id = $1 AND kind = 'content.publish'`, [runId])).rows[0].n;
    assert.equal(actions, 1);
  });

  test('a retry of the publish (the CMS answered, the ledger lost it) finds the post instead of making a second', async () => {
    const rows = wpPosts();
    const cms = wordpressCms({ url: wp.url, user: wp.user, appPassword: wp.appPassword });
    const { rows: pieces } = await svc.db.pool.query(`SELECT slug, title, meta_description, body_markdown, content_hash, publish_at FROM mailroom.content_pieces WHERE remote_id IS NOT NULL`);
    const p = pieces[0];
    const again = await cms.publish({ slug: p.slug, title: p.title, meta_description: p.meta_description, body_markdown: p.body_markdown.replace(/^#\s+.*\n+/, ''), publish_at: p.publish_at.toISOString(), content_hash: p.content_hash });
    assert.equal(again.created, false);
    assert.deepEqual(wpPosts(), rows);
  });

  test('WordPress publishes a "future" post due within a minute at once: the status is read back as published', async () => {
    const from = responses.length;
    const soon = new Date(Date.now() + 30_000).toISOString();
    await slash(`content queues for durable workflows | keyphrase: queues | channels: blog, x | publish_at: ${soon}`, 'wp-2');
    const runId = await started(from);
    const approve = (await eventually('the second card', () => cardButtons(svc.slack.calls.filter((c) => /queues/i.test(String(c.body.text))), 'Publish'))).find((b) => /approve/.test(b.action_id))!;
    await svc.click('U_EDITOR', approve);
    const remote = await eventually('the post on WordPress', async () => (await contentObject(svc.db.pool, runId)).remote);
    assert.equal(remote.status, 'publish');
    // The X variant goes out when the time comes (a durable sleep of ~30 s).
    assert.equal(await svc.app.engine.waitForRun(runId, { states: ['completed', 'failed'], timeoutMs: 90_000 }), 'completed');
    const social = (await svc.db.pool.query('SELECT channel, body FROM mailroom.social_posts WHERE run_id = $1', [runId])).rows;
    assert.equal(social.length, 1);
    assert.ok(social[0].body.includes(remote.url!), 'the X post links the WordPress post');
  });
});
