/**
 * An invoice shared in a Slack intake channel goes through the whole service, and the thread
 * that started it hears how it is going.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { simpleParser } from 'mailparser';
import fs from 'node:fs';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.ts';
import { createApp, type App } from '../../src/main.ts';
import { startFakeSlackApi, type FakeSlackApi } from '../fakes/slack-api.ts';
import { makeTempDir, testDatabase, type TestDatabase } from '../harness/postgres.ts';
import { needsShared, repoRoot, sharedData } from '../harness/shared.ts';
import path from 'node:path';
import { readArticles, upsertArticles } from '../../src/data/kb.ts';
import { slackHeaders } from '../slack/sign.ts';

describe('Slack intake through the whole service', { skip: needsShared }, () => {
  let db: TestDatabase;
  let api: FakeSlackApi;
  let app: App;
  before(async () => {
    db = await testDatabase();
    api = await startFakeSlackApi();
    app = await createApp(
      loadConfig({ DATABASE_URL: db.url, MAILROOM_DATA_DIR: makeTempDir('mailroom-slack-'), PORT: '0', SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: 's3cret', SLACK_API_URL: api.url, SLACK_APPROVAL_CHANNEL: 'C_AP', SLACK_INTAKE_CHANNELS: 'C_IN', SLACK_APPROVERS: 'U_LEAD' }),
      pino({ level: 'silent' }),
      'service',
    );
    await upsertArticles(db.pool, readArticles(path.join(repoRoot, 'examples', 'data', 'kb')));
  });
  after(async () => {
    await app.stop();
    await api.close();
    await db.close();
  });

  test('a PDF invoice shared in the intake channel is read, sent for approval, and the thread is told', async () => {
    const pdf = (await simpleParser(fs.readFileSync(sharedData('samples', '02-invoice-text.eml')))).attachments[0]!.content;
    api.files.set('INV-218669.pdf', pdf);
    const body = JSON.stringify({
      type: 'event_callback', team_id: 'T1', api_app_id: 'A1', event_id: 'EvX', event_time: 1,
      event: { type: 'message', subtype: 'file_share', channel: 'C_IN', user: 'U_AP', text: '', ts: '77.1', channel_type: 'channel', files: [{ id: 'F9', name: 'INV-218669.pdf', mimetype: 'application/pdf', size: pdf.length, url_private: `${api.base}/files/INV-218669.pdf` }] },
    });
    const res = await fetch(`http://127.0.0.1:${app.http!.port}/slack/events`, { method: 'POST', headers: { ...slackHeaders('s3cret', body), 'content-type': 'application/json' }, body });
    assert.equal(res.status, 200);
    let thread: string[] = [];
    for (let i = 0; i < 300 && !thread.some((t) => /Read invoice/.test(t)); i++) {
      thread = api.calls.filter((c) => c.method === 'chat.postMessage' && c.body.thread_ts === '77.1').map((c) => String(c.body.text));
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(thread.some((t) => /started/.test(t)), 'the thread names the run');
    assert.ok(thread.some((t) => /Read invoice INV-218669: 1145\.86 USD/.test(t)), `progress in the thread: ${thread.join(' | ')}`);
    assert.ok(api.calls.some((c) => c.method === 'chat.postMessage' && c.body.channel === 'C_AP'), 'the approval request was posted');
  });

  test('a question asked in Slack gets a drafted answer, approved with a click, posted in its thread', async () => {
    const send = (ev: Record<string, unknown>, id: string) => {
      const body = JSON.stringify({ type: 'event_callback', team_id: 'T1', api_app_id: 'A1', event_id: id, event_time: 1, event: ev });
      return fetch(`http://127.0.0.1:${app.http!.port}/slack/events`, { method: 'POST', headers: { ...slackHeaders('s3cret', body), 'content-type': 'application/json' }, body });
    };
    await send({ type: 'message', channel: 'C_IN', user: 'U_ASKER', text: 'How do I export my reports as CSV? I could not find the option.', ts: '88.1', channel_type: 'channel' }, 'EvQ');
    let request;
    for (let i = 0; i < 300 && !request; i++) {
      request = api.calls.find((c) => c.method === 'chat.postMessage' && c.body.channel === 'C_AP' && /Slack thread/.test(String(c.body.text)));
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(request, 'an approval for the Slack reply was posted');
    const value = request!.body.blocks.find((b: any) => b.type === 'actions').elements[0].value;
    const payload = { type: 'block_actions', user: { id: 'U_LEAD' }, channel: { id: 'C_AP' }, trigger_id: 't', container: { type: 'message' }, actions: [{ type: 'button', action_id: 'approval_approve', value, block_id: 'b', action_ts: '1' }] };
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    await fetch(`http://127.0.0.1:${app.http!.port}/slack/events`, { method: 'POST', headers: slackHeaders('s3cret', body), body });
    let answer;
    for (let i = 0; i < 200 && !answer; i++) {
      answer = api.calls.find((c) => c.method === 'chat.postMessage' && c.body.thread_ts === '88.1' && /Export/.test(String(c.body.text)));
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(answer, 'the approved answer was posted in the asker\'s thread');
    assert.match(String(answer!.body.text), /Exporting reports as CSV/);
  });
});
