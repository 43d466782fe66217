/**
 * The whole service (createApp, role `service`) on a fresh database, with the local Slack Web
 * API when asked for, and the few things tests do to it: send signed Slack requests, click an
 * approval card's button, wait for something to become true.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.ts';
import { readArticles, upsertArticles } from '../../src/data/kb.ts';
import { createApp, type App } from '../../src/main.ts';
import { startFakeSlackApi, type FakeSlackApi, type SlackCall } from '../fakes/slack-api.ts';
import { slackHeaders } from '../slack/sign.ts';
import { makeTempDir, testDatabase, type TestDatabase } from './postgres.ts';
import { repoRoot } from './shared.ts';

export const SLACK_SECRET = 's3cret';

export interface TestService {
  db: TestDatabase;
  app: App;
  dataDir: string;
  /** The local Slack Web API (when started with `slack`). */
  slack: FakeSlackApi;
  /** POSTs a body to /slack/events signed as Slack signs it. */
  postSlack(body: string, contentType?: string): Promise<Response>;
  /** An Events API callback, signed. */
  slackEvent(event: Record<string, unknown>, eventId: string): Promise<Response>;
  /** A click on a button of a posted message, by `user`, as Slack's interactivity payload. */
  click(user: string, button: { action_id: string; value: string }): Promise<Response>;
  close(): Promise<void>;
}

export interface TestServiceOptions {
  /** Start the local Slack API and configure the app for it (approval channel C_AP, intake C_IN). */
  slack?: boolean;
  /** Load the example knowledge base. */
  kb?: boolean;
  /** A policy file's YAML text. */
  policy?: string;
}

export async function startTestService(env: Record<string, string> = {}, options: TestServiceOptions = {}): Promise<TestService> {
  const db = await testDatabase();
  const slack = options.slack ? await startFakeSlackApi() : (undefined as unknown as FakeSlackApi);
  const dataDir = makeTempDir('mailroom-service-');
  const policyEnv: Record<string, string> = {};
  if (options.policy !== undefined) {
    policyEnv.MAILROOM_POLICY = path.join(dataDir, 'policy.yaml');
    fs.writeFileSync(policyEnv.MAILROOM_POLICY, options.policy);
  }
  const slackEnv: Record<string, string> = options.slack
    ? { SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: SLACK_SECRET, SLACK_API_URL: slack.url, SLACK_APPROVAL_CHANNEL: 'C_AP', SLACK_INTAKE_CHANNELS: 'C_IN' }
    : {};
  const app = await createApp(
    loadConfig({ DATABASE_URL: db.url, MAILROOM_DATA_DIR: dataDir, PORT: '0', ...slackEnv, ...policyEnv, ...env }),
    pino({ level: process.env.TEST_LOG ?? 'silent' }),
    'service',
  );
  if (options.kb) await upsertArticles(db.pool, readArticles(path.join(repoRoot, 'examples', 'data', 'kb')));
  const url = `http://127.0.0.1:${app.http!.port}/slack/events`;
  const postSlack = (body: string, contentType?: string) =>
    fetch(url, { method: 'POST', headers: { ...slackHeaders(SLACK_SECRET, body), ...(contentType ? { 'content-type': contentType } : {}) }, body });
  return {
    db,
    app,
    dataDir,
    slack,
    postSlack,
    slackEvent: (event, eventId) =>
      postSlack(JSON.stringify({ type: 'event_callback', team_id: 'T1', api_app_id: 'A1', event_id: eventId, event_time: 1, event }), 'application/json'),
    click: (user, button) => {
      const payload = { type: 'block_actions', user: { id: user }, channel: { id: 'C_AP' }, trigger_id: 't', container: { type: 'message' }, actions: [{ type: 'button', action_id: button.action_id, value: button.value, block_id: 'b', action_ts: '1' }] };
      return postSlack(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
    },
    async close() {
      await app.stop();
      if (options.slack) await slack.close();
      await db.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `probe` until it returns something truthy; fails naming `what` after `timeoutMs`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The buttons of the approval card Slack was asked to post for this title. */
export function cardButtons(calls: SlackCall[], title: string): Array<{ action_id: string; value: string }> | undefined {
  const card = calls.find((c) => c.method === 'chat.postMessage' && c.body.channel === 'C_AP' && String(c.body.text).includes(title));
  return card?.body.blocks?.find((b: { type: string }) => b.type === 'actions')?.elements;
}
