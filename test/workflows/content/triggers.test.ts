/**
 * Content runs from their triggers, on the whole service: `/mailroom content <brief>` signed as
 * Slack signs it, the approval card and its Approve click (twice), the post on the folder CMS
 * and the variants kept; the content calendar starting each due entry exactly once while
 * several workers poll at the same moment; `POST /api/v1/runs` validating a brief.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readCalendarCsv, startDueEntries, upsertCalendar } from '../../../src/workflows/content/calendar.ts';
import { readSourceFolder } from '../../../src/workflows/content/import-docs.ts';
import { upsertDocuments } from '../../../src/workflows/content/sources.ts';
import { contentObject } from '../../../src/workflows/content/summary.ts';
import { cardButtons, eventually, startTestService, type TestService } from '../../harness/service.ts';
import { repoRoot } from '../../harness/shared.ts';

const fixtures = path.join(repoRoot, 'test', 'fixtures', 'content');
const TOKEN = 'content-test-token-0123456789';

describe('content triggers', () => {
  let svc: TestService;
  let hook: http.Server;
  const responses: Array<{ text: string }> = [];
  before(async () => {
    svc = await startTestService({ MAILROOM_API_TOKEN: `editor:${TOKEN}` }, { slack: true, policy: 'content:\n  approvers: [U_EDITOR, U_OTHER]\n' });
    await upsertDocuments(svc.db.pool, (await readSourceFolder(path.join(fixtures, 'docs'))).documents);
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
  });

  const slash = (text: string, user: string, trigger: string) =>
    svc.postSlack(new URLSearchParams({ command: '/mailroom', text, user_id: user, channel_id: 'C1', response_url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/r`, trigger_id: trigger }).toString());

  test('/mailroom content -> approval card -> Approve -> published once on the site, variants kept; a second click publishes nothing more', async () => {
    const res = await slash('content durable workflows | keyphrase: durable workflows | channels: blog, x, linkedin', 'U_ASKER', 'trig-1');
    assert.equal(res.status, 200);
    const started = await eventually('the slash command answer', () => responses.find((r) => /Started content run/.test(r.text)));
    const runId = /`([0-9a-f-]{36})`/.exec(started.text)![1]!;
    const buttons = await eventually('the approval card', () => cardButtons(svc.slack.calls, 'Publish'));
    const approve = buttons.find((b) => /approve/.test(b.action_id))!;
    await svc.click('U_EDITOR', approve);
    assert.equal(await svc.app.engine.waitForRun(runId, { states: ['completed', 'failed'], timeoutMs: 60_000 }), 'completed');
    await svc.click('U_EDITOR', approve);
    await svc.click('U_OTHER', approve);
    const c = await contentObject(svc.db.pool, runId);
    assert.equal(c.status, 'published');
    assert.equal(c.checks!.citations.verified, c.checks!.citations.total);
    const posts = fs.readdirSync(path.join(svc.dataDir, 'site', 'content', 'posts'));
    assert.deepEqual(posts, ['durable-workflows.md']);
    const actions = (await svc.db.pool.query(`SELECT kind, count(*)::int AS n FROM mailroom.actions WHERE run_id = $1 GROUP BY kind ORDER BY kind`, [runId])).rows;
    assert.deepEqual(actions.map((a) => `${a.kind} ${a.n}`), ['content.publish 1', 'social.post 2']);
    const social = (await svc.db.pool.query('SELECT channel FROM mailroom.social_posts WHERE run_id = $1 ORDER BY channel', [runId])).rows;
    assert.deepEqual(social.map((s) => s.channel), ['linkedin', 'x']);
  });

  test('the requester cannot approve their own piece', async () => {
    const before = responses.length;
    await slash('content queues for durable workflows | channels: blog', 'U_EDITOR', 'trig-2');
    const started = await eventually('the slash command answer', () => responses.slice(before).find((r) => /Started content run/.test(r.text)));
    const runId = /`([0-9a-f-]{36})`/.exec(started.text)![1]!;
    await svc.app.engine.waitForRun(runId, { states: ['waiting'], timeoutMs: 60_000 });
    const a = (await svc.db.pool.query('SELECT id, requesters FROM mailroom.approvals WHERE run_id = $1', [runId])).rows[0];
    assert.ok(a.requesters.includes('U_EDITOR'));
  });

  test('a brief Slack cannot read is refused with the reason, and starts nothing', async () => {
    const before = responses.length;
    await slash('content ab', 'U_ASKER', 'trig-3');
    const answer = await eventually('the refusal', () => responses.slice(before)[0]);
    assert.match(answer.text, /Not started: .*topic/);
  });

  test('POST /api/v1/runs starts a content run from a valid brief and refuses an invalid one with its path', async () => {
    const url = `http://127.0.0.1:${svc.app.http!.port}/api/v1/runs`;
    const post = (input: unknown) => fetch(url, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ workflow: 'content', input }) });
    const bad = await post({ topic: 'durable workflows', channels: ['fax'] });
    assert.equal(bad.status, 422);
    assert.match(((await bad.json()) as { error: string }).error, /input\.channels\.0/);
    const ok = await post({ topic: 'sourdough baking hydration' });
    assert.equal(ok.status, 201);
    const { run_id } = (await ok.json()) as { run_id: string };
    await svc.app.engine.waitForRun(run_id, { states: ['completed'], timeoutMs: 60_000 });
    assert.equal((await contentObject(svc.db.pool, run_id)).status, 'abstained');
  });

  test('due calendar entries start one run each, however many workers poll at once', async () => {
    const entries = readCalendarCsv(path.join(fixtures, 'calendar.csv'));
    await upsertCalendar(svc.db.pool, entries, 3, 'calendar.csv');
    // Due now: move them into the past (their publication dates stay in the future).
    await svc.db.pool.query(`UPDATE mailroom.content_calendar SET due_at = now() - interval '1 minute'`);
    const started = (await Promise.all([1, 2, 3, 4].map(() => startDueEntries({ pool: svc.db.pool, engine: svc.app.engine })))).flat();
    assert.equal(started.length, 2);
    assert.equal(new Set(started).size, 2);
    assert.deepEqual((await startDueEntries({ pool: svc.db.pool, engine: svc.app.engine })), []);
    const { rows } = await svc.db.pool.query(`SELECT r.input FROM mailroom.runs r WHERE r.workflow = 'content' AND r.input ? 'calendar_entry' ORDER BY r.input->>'topic'`);
    assert.deepEqual(rows.map((r) => [r.input.topic, r.input.publish_at]), [['Durable workflows in Postgres', '2030-03-02T09:00:00.000Z'], ['Queues for durable workflows', '2030-03-09T14:00:00.000Z']]);
    // Importing the same file again does not start them again.
    await upsertCalendar(svc.db.pool, entries, 3, 'calendar.csv');
    assert.deepEqual(await startDueEntries({ pool: svc.db.pool, engine: svc.app.engine }), []);
  });
});
