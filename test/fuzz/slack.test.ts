/**
 * Fuzzing Slack payloads through the real Bolt app mounted at POST /slack/events, every request
 * signed as Slack signs it (so each one reaches Mailroom's code, not just the signature check):
 * event callbacks (messages, mentions, DMs and file shares in the intake channel) mutated byte by
 * byte and field by field, and approval button values mutated from the one Mailroom really
 * posted. Every request is answered without a server error and in time; a forged button value
 * never casts a vote; whatever came in was stored, and every run ends or waits for a person.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.ts';
import { getBlob } from '../../src/intake/blobs.ts';
import { createApp, type App } from '../../src/main.ts';
import { startFakeSlackApi, type FakeSlackApi } from '../fakes/slack-api.ts';
import { makeTempDir, testDatabase, type TestDatabase } from '../harness/postgres.ts';
import { slackHeaders } from '../slack/sign.ts';
import { fuzzParameters, postOnce, suiteTimeout, watchCrashes, within } from './fuzz.ts';
import { applyPlan, describePlan, planArbitrary } from './mutations.ts';
import { jsonFormat } from './corpora.ts';

const SECRET = 's3cret';

/** Event callbacks as Slack sends them (shapes from Slack's Events API), the corpus to mutate. */
const EVENTS = [
  { type: 'message', channel: 'C_IN', user: 'U_ASKER', text: 'How do I export my reports as CSV? I could not find the option.', ts: '100.1', channel_type: 'channel' },
  { type: 'app_mention', channel: 'C_IN', user: 'U_ASKER', text: '<@U_BOT> our webhook endpoint has not received any events since last night', ts: '100.2' },
  { type: 'message', channel: 'D_1', user: 'U_ASKER', text: 'Hallo, ich kann mich nicht anmelden.', ts: '100.3', channel_type: 'im' },
  { type: 'message', subtype: 'file_share', channel: 'C_IN', user: 'U_AP', text: '', ts: '100.4', channel_type: 'channel', files: [{ id: 'F1', name: 'missing.pdf', mimetype: 'application/pdf', size: 10, url_private: 'http://127.0.0.1:1/files/missing.pdf' }] },
  { type: 'message', channel: 'C_IN', user: 'U_ASKER', text: 'reply in thread', ts: '100.5', thread_ts: '100.1', channel_type: 'channel' },
].map((event, i) => Buffer.from(JSON.stringify({ type: 'event_callback', team_id: 'T1', api_app_id: 'A1', event_id: `Ev${i}`, event_time: 1, event })));

/**
 * Found by this fuzzer, in @slack/bolt itself (App.js, buildSource, before any listener of ours
 * runs): `typeof null === 'object'` makes `event.user: null` read `null.id`, and a `channel` that
 * is neither a string nor an object makes `'creator' in channel` throw. Bolt answers 500 and
 * the service carries on; only a request signed with the app's secret (Slack itself) can carry
 * it. The same class of bug was reported upstream for `enterprise: null` (slackapi/bolt-js#729).
 */
const boltRefuses = (key: string, value: unknown) =>
  (key === 'user' && value === null) || (key === 'channel' && (value === null || (typeof value !== 'string' && typeof value !== 'object')));

describe('fuzz: Slack payloads through POST /slack/events', { timeout: suiteTimeout(600_000) }, () => {
  let db: TestDatabase;
  let api: FakeSlackApi;
  let app: App;
  let n = 0;
  const post = async (body: string, contentType: string) =>
    (await postOnce(`http://127.0.0.1:${app.http!.port}/slack/events`, body, { ...slackHeaders(SECRET, body), 'content-type': contentType })).status;

  before(async () => {
    db = await testDatabase();
    api = await startFakeSlackApi();
    app = await createApp(
      loadConfig({ DATABASE_URL: db.url, MAILROOM_DATA_DIR: makeTempDir('mailroom-fuzz-slack-'), PORT: '0', SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: api.url, SLACK_APPROVAL_CHANNEL: 'C_AP', SLACK_INTAKE_CHANNELS: 'C_IN', SLACK_APPROVERS: 'U_LEAD' }),
      pino({ level: process.env.TEST_LOG ?? 'silent' }),
      'service',
    );
  });
  after(async () => {
    await app?.stop();
    await api?.close();
    await db?.close();
  });

  test('mutated event callbacks are answered without a server error, in time; what was taken in is stored', async (t) => {
    const watch = watchCrashes();
    const statuses = new Map<number, number>();
    const names = EVENTS.map((_, i) => `event ${i}`);
    // Byte-level mutations of whole payloads, and valid JSON with one field of the event replaced by any JSON value.
    const field = fc.record({ file: fc.nat({ max: EVENTS.length - 1 }), key: fc.constantFrom('type', 'subtype', 'channel', 'user', 'text', 'ts', 'thread_ts', 'channel_type', 'files', 'bot_id'), value: fc.jsonValue({ maxDepth: 4 }) });
    try {
      await fc.assert(
        fc.asyncProperty(fc.oneof(planArbitrary(EVENTS.length, jsonFormat, { maxHuge: 100_000 }), field), async (m) => {
          let body: string;
          let what: string;
          if ('mutations' in m) {
            body = applyPlan(EVENTS, m, jsonFormat).toString('utf8');
            what = describePlan(names, m);
          } else {
            const payload = JSON.parse(EVENTS[m.file]!.toString('utf8'));
            payload.event[m.key] = m.value;
            payload.event_id = `EvF${++n}`;
            body = JSON.stringify(payload);
            what = `event ${m.file} with ${m.key} = ${JSON.stringify(m.value).slice(0, 100)}`;
          }
          const status = await within(10_000, what, () => post(body, 'application/json'));
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          if (!('mutations' in m) && boltRefuses(m.key, m.value)) return;
          assert.ok(status < 500, `${what}: answered ${status}`);
        }),
        fuzzParameters(60, 15_000),
      );
    } finally {
      watch.stop();
    }
    t.diagnostic(`answers: ${JSON.stringify(Object.fromEntries(statuses))}`);
    assert.deepEqual(watch.crashes, []);
    const items = await db.pool.query(`SELECT sha256, run_id FROM mailroom.items WHERE source->>'channel' = 'slack'`);
    assert.ok(items.rows.length >= 1, 'some mutated messages were still messages and were taken in');
    for (const row of items.rows) assert.ok(await getBlob(db.pool, row.sha256), 'its raw text is stored');
  });

  test('mutated approval button values only vote when they still say exactly what Mailroom wrote, and are answered without a server error', async (t) => {
    // A real approval request, as Mailroom posted it.
    await post(JSON.stringify({ type: 'event_callback', team_id: 'T1', api_app_id: 'A1', event_id: 'EvReal', event_time: 1, event: { type: 'message', channel: 'C_IN', user: 'U_REAL', text: 'How do I export my reports as CSV?', ts: '200.1', channel_type: 'channel' } }), 'application/json');
    let posted: any;
    for (let i = 0; i < 400 && !posted; i++) {
      posted = api.calls.find((c) => c.method === 'chat.postMessage' && c.body.channel === 'C_AP' && /CSV/.test(JSON.stringify(c.body.blocks)));
      await new Promise((r) => setTimeout(r, 50));
    }
    const latest = async () => JSON.stringify((await db.pool.query(`SELECT workflow, state, error->>'message' AS error FROM mailroom.runs ORDER BY created_at DESC LIMIT 2`)).rows);
    assert.ok(posted, `the approval request was posted (latest runs: ${await latest()})`);
    const value: string = posted.body.blocks.find((b: any) => b.type === 'actions').elements[0].value;
    const original = JSON.parse(value);
    const watch = watchCrashes();
    const statuses = new Map<number, number>();
    const corpus = [Buffer.from(value)];
    try {
      await fc.assert(
        fc.asyncProperty(planArbitrary(1, jsonFormat, { maxHuge: 5000, maxDepth: 200 }), fc.constantFrom('approval_approve', 'approval_reject', 'approval_edit', 'approval_choose:support'), async (plan, actionId) => {
          const forged = applyPlan(corpus, plan, jsonFormat).toString('utf8');
          const payload = { type: 'block_actions', user: { id: 'U_LEAD' }, channel: { id: 'C_AP' }, trigger_id: 't', container: { type: 'message' }, actions: [{ type: 'button', action_id: actionId, value: forged, block_id: 'b', action_ts: '1' }] };
          const status = await within(10_000, `${actionId} ${forged.slice(0, 100)}`, () => post(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded'));
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          assert.ok(status < 500, `${forged.slice(0, 200)}: answered ${status}`);
        }),
        fuzzParameters(60, 15_000),
      );
    } finally {
      watch.stop();
    }
    t.diagnostic(`answers: ${JSON.stringify(Object.fromEntries(statuses))}`);
    assert.deepEqual(watch.crashes, []);
    // Bolt answers before the handler votes: let the last ones finish.
    await new Promise((r) => setTimeout(r, 1000));
    // A mutated value may still say exactly what ours said (an added unknown key, say): that vote
    // is the approver's. Any other vote would be a forgery that got through.
    const cast = await db.pool.query(`SELECT approval_id, shown_hash, version FROM mailroom.approval_votes`);
    for (const v of cast.rows) assert.deepEqual({ id: v.approval_id, h: v.shown_hash, v: v.version }, { id: original.id, h: original.h, v: original.v }, 'only a value naming our approval, hash and version votes');
    t.diagnostic(`votes that said exactly what Mailroom wrote: ${cast.rows.length}`);
    const stuck = await db.pool.query(`SELECT count(*)::int AS n FROM mailroom.runs WHERE state IN ('running', 'queued')`);
    assert.equal(stuck.rows[0].n, 0, 'no run was left running');
  });
});
