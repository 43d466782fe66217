/**
 * Socket Mode: the app connects out (apps.connections.open → a WebSocket) instead of receiving
 * HTTP; a button click arrives as an envelope, is acknowledged, and decides the approval.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { pino } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import { askForApproval } from '../../src/approvals/ask.ts';
import { createSlackApp, type SlackApp } from '../../src/channels/slack/app.ts';
import { loadConfig } from '../../src/config.ts';
import { defineWorkflow } from '../../src/engine/define.ts';
import { createIntake } from '../../src/intake/intake.ts';
import type { TestServices } from '../fixtures/engine-workflows.ts';
import { engineFixture, runRow, type EngineFixture } from '../engine/harness.ts';

let slack: SlackApp;
const wf = defineWorkflow({
  name: 'socket-approval',
  version: 1,
  input: z.object({}),
  async run(_i, step, ctx) {
    const d = await askForApproval(step, { pool: (ctx.services as TestServices).pool, notifier: slack.notifier }, {
      key: 'x', kind: 'support.reply', title: 'Socket', approvers: ['U_ALICE'],
      request: { summary: {}, proposal: { type: 'reply', description: 'reply' }, reasoning: 'r', confidence: 0.5 },
    });
    return d.outcome;
  },
});

describe('Slack Socket Mode', () => {
  let fx: EngineFixture;
  let server: http.Server;
  const sockets: WebSocket[] = [];
  const acks: string[] = [];
  const posts: any[] = [];
  before(async () => {
    // One local server for both the Web API (apps.connections.open, chat.postMessage) and the socket.
    server = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        const method = (req.url ?? '').replace(/^\/api\//, '');
        const body = Object.fromEntries(new URLSearchParams(raw));
        if (method === 'chat.postMessage') posts.push({ ...body, blocks: JSON.parse(String(body.blocks ?? '[]')) });
        const port = (server.address() as { port: number }).port;
        const answers: Record<string, unknown> = {
          'apps.connections.open': { url: `ws://127.0.0.1:${port}/link` },
          'auth.test': { user_id: 'UBOT', bot_id: 'B1' },
          'chat.postMessage': { channel: body.channel, ts: '1.1' },
        };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: true, ...(answers[method] as object) }));
      });
    });
    const wss = new WebSocketServer({ server });
    wss.on('connection', (ws) => {
      sockets.push(ws);
      ws.on('message', (m) => acks.push(JSON.parse(String(m)).envelope_id));
      ws.send(JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A1' }, debug_info: { approximate_connection_time: 3600 } }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    fx = await engineFixture([wf]);
    const port = (server.address() as { port: number }).port;
    const config = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-test', SLACK_APP_TOKEN: 'xapp-test', SLACK_API_URL: `http://127.0.0.1:${port}/api/`, SLACK_APPROVAL_CHANNEL: 'C1' });
    slack = createSlackApp({ config, pool: fx.db.pool, engine: fx.engine, intakeWith: () => createIntake({ pool: fx.db.pool, engine: fx.engine, workflowFor: () => undefined }), log: pino({ level: 'silent' }), workflows: ['support', 'invoice'] });
    assert.equal(slack.handler, undefined, 'no HTTP endpoint in Socket Mode');
    await slack.start();
  });
  after(async () => {
    await slack.stop();
    for (const s of sockets) s.terminate();
    await new Promise((r) => server.close(r));
    await fx.close();
  });

  test('a button click delivered over the socket is acknowledged and decides the approval', async () => {
    const { runId } = await fx.engine.startRun(wf, {});
    for (let i = 0; i < 200 && !posts.length; i++) await new Promise((r) => setTimeout(r, 25));
    const value = posts[0].blocks.find((b: any) => b.type === 'actions').elements[0].value;
    const payload = { type: 'block_actions', user: { id: 'U_ALICE' }, channel: { id: 'C1' }, trigger_id: 't', container: { type: 'message' }, actions: [{ type: 'button', action_id: 'approval_approve', value, block_id: 'b', action_ts: '1' }] };
    sockets.at(-1)!.send(JSON.stringify({ envelope_id: 'env-1', type: 'interactive', payload, accepts_response_payload: false }));
    assert.equal(await fx.engine.waitForRun(runId, { states: ['completed', 'failed'], timeoutMs: 10_000 }), 'completed');
    assert.equal((await runRow(fx.db, runId)).output, 'approved');
    assert.ok(acks.includes('env-1'), 'the envelope was acknowledged');
  });
});
