/**
 * Social posts handed to a webhook as Standard Webhooks (signed with the `standardwebhooks`
 * package, verified here by a receiver that uses it too), on real PostgreSQL: recorded first,
 * sent once, marked posted; a failed send is retried with the same webhook-id; a posted one is
 * never sent again.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { z } from 'zod';
import { loadConfig } from '../../../src/config.ts';
import { defineWorkflow } from '../../../src/engine/define.ts';
import { contentPorts } from '../../../src/workflows/content/services.ts';
import { webhookSocial, type SocialPost } from '../../../src/workflows/content/social.ts';
import type { WorkflowServices } from '../../../src/workflows/ports.ts';
import { engineFixture, type EngineFixture } from '../../engine/harness.ts';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const noop = defineWorkflow({ name: 'social-noop', version: 1, input: z.object({}), run: async () => null });

describe('social posts through a signed webhook', () => {
  let fx: EngineFixture;
  let server: http.Server;
  let url = '';
  let failNext = 0;
  const received: Array<{ id: string; data: { channel: string; body: string; link: string | null } }> = [];
  before(async () => {
    fx = await engineFixture([noop]);
    const verifier = new Webhook(SECRET);
    server = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        try {
          const msg = verifier.verify(raw, req.headers as Record<string, string>) as { type: string; data: { channel: string; body: string; link: string | null } };
          if (failNext > 0) {
            failNext--;
            return void res.writeHead(503).end();
          }
          assert.equal(msg.type, 'social.post');
          received.push({ id: String(req.headers['webhook-id']), data: msg.data });
          res.writeHead(204).end();
        } catch {
          res.writeHead(401).end();
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/posts`;
  });
  after(async () => {
    await new Promise((r) => server.close(r));
    await fx.close();
  });

  test('a post is signed, sent once and marked posted; a failed send retries with the same webhook-id; a second call sends nothing', async () => {
    const { runId } = await fx.engine.startRun(noop, {});
    const post: SocialPost = { runId, channel: 'x', body: 'Durable workflows survive crashes. https://blog.example/durable', link: 'https://blog.example/durable', scheduledFor: new Date(), contentHash: 'h1', idempotencyKey: `${runId}:social:x` };
    const adapter = webhookSocial(fx.db.pool, { url, secret: SECRET });
    failNext = 1;
    await assert.rejects(adapter.post(post), /HTTP 503/);
    const kept = (await fx.db.pool.query('SELECT status FROM mailroom.social_posts WHERE idempotency_key = $1', [post.idempotencyKey])).rows[0];
    assert.equal(kept.status, 'kept', 'recorded before sending, kept while not sent');
    const sent = await adapter.post(post);
    assert.equal(sent.status, 'posted');
    assert.deepEqual(received.map((r) => r.id), [post.idempotencyKey]);
    assert.equal(received[0]!.data.channel, 'x');
    assert.equal(received[0]!.data.link, 'https://blog.example/durable');
    const again = await adapter.post(post);
    assert.deepEqual([again.status, again.created, received.length], ['posted', false, 1], 'never sent twice');
    assert.equal((await fx.db.pool.query('SELECT status FROM mailroom.social_posts WHERE idempotency_key = $1', [post.idempotencyKey])).rows[0].status, 'posted');
  });

  test('a wrong secret is refused by the receiver, and a webhook URL without a secret stops start-up', async () => {
    const { runId } = await fx.engine.startRun(noop, {});
    const forged = webhookSocial(fx.db.pool, { url, secret: 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' });
    await assert.rejects(forged.post({ runId, channel: 'linkedin', body: 'x', link: null, scheduledFor: new Date(), contentHash: 'h2', idempotencyKey: `${runId}:social:linkedin` }), /HTTP 401/);
    const services = { config: loadConfig({ SOCIAL_WEBHOOK_URL: url }), pool: fx.db.pool, log: { warn() {} }, decisions: {} } as unknown as WorkflowServices;
    assert.throws(() => contentPorts(services), /SOCIAL_WEBHOOK_URL needs SOCIAL_WEBHOOK_SECRET/);
    assert.throws(() => loadConfig({ SOCIAL_WEBHOOK_SECRET: 'secret' }), /SOCIAL_WEBHOOK_SECRET/);
  });
});
