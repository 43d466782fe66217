/**
 * The social adapter: hands a variant to a network when its time has come. The default keeps
 * it in `mailroom.social_posts` (status `kept`), like mail without SMTP: visible, and postable by
 * hand or by a network adapter later. Idempotent per key, so a replay never posts twice.
 */
import crypto from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { Queryable } from '../../engine/run-store.ts';

export interface SocialPost {
  runId: string;
  channel: 'x' | 'linkedin' | 'email';
  subject?: string | null;
  body: string;
  link: string | null;
  scheduledFor: Date;
  contentHash: string;
  idempotencyKey: string;
}

export interface SocialAdapter {
  readonly name: string;
  post(post: SocialPost): Promise<{ id: string; status: 'kept' | 'posted'; created: boolean }>;
}

export function outboxSocial(db: Queryable): SocialAdapter {
  return {
    name: 'outbox',
    async post(p) {
      const id = crypto.randomUUID();
      const inserted = await db.query<{ id: string }>(
        `INSERT INTO mailroom.social_posts (id, run_id, channel, subject, body, link, scheduled_for, content_hash, idempotency_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
        [id, p.runId, p.channel, p.subject ?? null, p.body, p.link, p.scheduledFor, p.contentHash, p.idempotencyKey],
      );
      if (inserted.rows[0]) return { id, status: 'kept', created: true };
      const { rows } = await db.query<{ id: string; status: 'kept' | 'posted' }>('SELECT id, status FROM mailroom.social_posts WHERE idempotency_key = $1', [p.idempotencyKey]);
      return { id: rows[0]!.id, status: rows[0]!.status, created: false };
    },
  };
}

/**
 * Hands each post to a webhook (`SOCIAL_WEBHOOK_URL`: Buffer, Zapier, n8n, your own poster), as
 * Standard Webhooks: a JSON body `{ type: 'social.post', timestamp, data }` signed with
 * `SOCIAL_WEBHOOK_SECRET` (`whsec_…`), and `webhook-id` the post's idempotency key, so a
 * receiver that saw it already can tell a retry from a new post. The post is recorded first
 * (`kept`), then sent, then marked `posted`: a retry after a lost answer sends the same id again;
 * a posted one is never sent again.
 */
export function webhookSocial(db: Queryable, options: { url: string; secret: string; timeoutMs?: number }): SocialAdapter {
  const kept = outboxSocial(db);
  const signer = new Webhook(options.secret);
  return {
    name: `webhook (${new URL(options.url).host})`,
    async post(p) {
      const row = await kept.post(p);
      if (row.status === 'posted') return { ...row, created: false };
      const now = new Date();
      const body = JSON.stringify({
        type: 'social.post',
        timestamp: now.toISOString(),
        data: { id: row.id, channel: p.channel, subject: p.subject ?? null, body: p.body, link: p.link, scheduled_for: p.scheduledFor.toISOString(), content_hash: p.contentHash, run_id: p.runId },
      });
      const res = await fetch(options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'webhook-id': p.idempotencyKey, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': signer.sign(p.idempotencyKey, now, body) },
        body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
      });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`the social webhook answered HTTP ${res.status}`);
      await db.query(`UPDATE mailroom.social_posts SET status = 'posted' WHERE id = $1`, [row.id]);
      return { id: row.id, status: 'posted', created: row.created };
    },
  };
}
