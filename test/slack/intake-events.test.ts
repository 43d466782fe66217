/**
 * Mentions and direct messages, sent to the whole service (createApp) as Slack sends them: signed
 * Events API requests to the real Bolt app, a local Slack Web API, real PostgreSQL. Each must
 * start one support run with the asker's words, and the asker's thread hears which run.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.ts';
import { readArticles, upsertArticles } from '../../src/data/kb.ts';
import { createApp, type App } from '../../src/main.ts';
import { startFakeSlackApi, type FakeSlackApi } from '../fakes/slack-api.ts';
import { makeTempDir, testDatabase, type TestDatabase } from '../harness/postgres.ts';
import { repoRoot } from '../harness/shared.ts';
import { slackHeaders } from './sign.ts';

const SECRET = 's3cret';

describe('Slack mentions and direct messages start support runs', () => {
  let db: TestDatabase;
  let api: FakeSlackApi;
  let app: App;
  const dataDir = makeTempDir('mailroom-slack-intake-');
  before(async () => {
    db = await testDatabase();
    api = await startFakeSlackApi();
    app = await createApp(
      loadConfig({ DATABASE_URL: db.url, MAILROOM_DATA_DIR: dataDir, PORT: '0', SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: api.url, SLACK_APPROVAL_CHANNEL: 'C_AP', SLACK_INTAKE_CHANNELS: 'C_IN', SLACK_APPROVERS: 'U_LEAD' }),
      pino({ level: 'silent' }),
      'service',
    );
    await upsertArticles(db.pool, readArticles(path.join(repoRoot, 'examples', 'data', 'kb')));
  });
  after(async () => {
    await app.stop();
    await api.close();
    await db.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const send = async (event: Record<string, unknown>, eventId: string) => {
    const body = JSON.stringify({ type: 'event_callback', team_id: 'T1', api_app_id: 'A1', event_id: eventId, event_time: 1, event });
    const res = await fetch(`http://127.0.0.1:${app.http!.port}/slack/events`, { method: 'POST', headers: { ...slackHeaders(SECRET, body), 'content-type': 'application/json' }, body });
    assert.equal(res.status, 200);
  };
  /** Support runs started from Slack messages at `ts`, with the item they came from. */
  const supportRunsFor = async (ts: string) =>
    (
      await db.pool.query(
        `SELECT s.id, s.state, s.input, i.source FROM mailroom.runs s
           JOIN mailroom.items i ON i.run_id = s.parent_run_id
          WHERE s.workflow = 'support' AND i.kind = 'slack_message' AND i.source->>'ts' = $1 ORDER BY s.created_at`,
        [ts],
      )
    ).rows;
  /** Waits until the support run for `ts` waits for a person, so every run it would start has started. */
  const settled = async (ts: string, count = 1) => {
    let runs: any[] = [];
    for (let i = 0; i < 400; i++) {
      runs = await supportRunsFor(ts);
      if (runs.length >= count && runs.every((r) => r.state !== 'queued' && r.state !== 'running')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    return runs;
  };
  const threadReplies = (ts: string) => api.calls.filter((c) => c.method === 'chat.postMessage' && c.body.thread_ts === ts).map((c) => String(c.body.text));

  test('a mention in an intake channel starts a support run with the question, and the thread is told', async () => {
    // In a private channel the app gets only app_mention (the manifest subscribes to no message.groups).
    await send({ type: 'app_mention', channel: 'C_IN', user: 'U_ASKER', text: '<@UBOT> how do I export my reports as CSV?', ts: '501.1', event_ts: '501.1' }, 'EvMention1');
    const runs = await settled('501.1');
    assert.equal(runs.length, 1);
    assert.equal(runs[0].input.text, 'how do I export my reports as CSV?', 'the bot mention is not part of the question');
    assert.equal(runs[0].input.origin, 'slack_message');
    assert.equal(runs[0].source.user, 'U_ASKER');
    assert.equal(runs[0].state, 'waiting', 'the drafted answer waits for a person');
    assert.ok(threadReplies('501.1').some((t) => /run `[0-9a-f-]+` started/.test(t)), 'the thread names the run');
  });

  test('a mention that Slack delivers both as app_mention and as message starts one run', async () => {
    const message = { channel: 'C_IN', user: 'U_ASKER', text: '<@UBOT> can I change the billing email?', ts: '502.1', event_ts: '502.1' };
    // Each with its own event_id, in no fixed order.
    await Promise.all([send({ type: 'app_mention', ...message }, 'EvMention2'), send({ type: 'message', channel_type: 'channel', ...message }, 'EvMessage2')]);
    const runs = await settled('502.1');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await supportRunsFor('502.1')).length, 1, 'one message, one run');
    assert.equal(runs[0].input.text, 'can I change the billing email?');
    assert.equal(threadReplies('502.1').filter((t) => /started/.test(t)).length, 1, 'the thread is told once');
  });

  test('a direct message starts a support run, and two people asking in the same words get one each', async () => {
    const question = 'Where can I download my invoices?';
    await send({ type: 'message', channel_type: 'im', channel: 'D_ANA', user: 'U_ANA', text: question, ts: '601.1' }, 'EvDm1');
    await send({ type: 'message', channel_type: 'im', channel: 'D_BEN', user: 'U_BEN', text: question, ts: '602.1' }, 'EvDm2');
    const [ana, ben] = [await settled('601.1'), await settled('602.1')];
    assert.deepEqual([ana.length, ben.length], [1, 1]);
    assert.deepEqual([ana[0].source.user, ana[0].source.channelId, ana[0].input.text], ['U_ANA', 'D_ANA', question]);
    assert.deepEqual([ben[0].source.user, ben[0].source.channelId], ['U_BEN', 'D_BEN']);
    assert.ok(threadReplies('601.1').some((t) => /run `[0-9a-f-]+` started/.test(t)), 'the DM thread names the run');
  });
});
