/**
 * The intake port every channel hands its items to (IMAP, watched folder, import, Slack, CLI).
 * In one transaction: store the raw bytes (content-addressed), detect a duplicate delivery
 * (same dedupe key such as a Message-ID, or the same bytes), record the item, and start the
 * run that processes it with the item id as idempotency key. Nothing downstream needs the
 * connection that delivered the item, and a crash at any point loses nothing.
 */
import crypto from 'node:crypto';
import type pg from 'pg';
import type { Engine } from '../engine/engine.ts';
import { putBlob, sha256 } from './blobs.ts';
import { withTransaction } from '../db/transaction.ts';

export type ItemKind = 'email' | 'document' | 'slack_message' | 'trigger';

export interface IncomingItem {
  kind: ItemKind;
  bytes: Buffer;
  dedupeKey?: string;
  filename?: string;
  contentType?: string;
  source: { channel: string } & Record<string, unknown>;
  /**
   * Whether the same bytes are the same item (default true: a mail delivered twice). Webhooks
   * say no: two sources, or two events, may carry identical bodies; their identity is the
   * dedupeKey (the sender's webhook-id, or source and body hash).
   */
  sameBytesSameItem?: boolean;
}

export interface IntakeResult {
  itemId: string;
  runId: string | null;
  duplicate: boolean;
}

export interface Intake {
  accept(item: IncomingItem): Promise<IntakeResult>;
}

const CONTENT_TYPES: Record<ItemKind, string> = {
  email: 'message/rfc822',
  document: 'application/octet-stream',
  slack_message: 'text/plain; charset=utf-8',
  trigger: 'application/json',
};

/** Normalises a Message-ID for deduplication: angle brackets and case of the domain don't matter. */
export function normaliseMessageId(id: string | undefined | null): string | undefined {
  if (!id) return undefined;
  const bare = id.trim().replace(/^<|>$/g, '');
  if (!bare) return undefined;
  const at = bare.lastIndexOf('@');
  return at < 0 ? bare : `${bare.slice(0, at)}@${bare.slice(at + 1).toLowerCase()}`;
}

export interface IntakeOptions {
  pool: pg.Pool;
  engine: Engine;
  /** Which workflow processes an item; items of kinds without one are only stored. */
  workflowFor: (item: IncomingItem) => string | undefined;
  /** Extra input for the run (e.g. a forced workflow from `mailroom process --workflow`). */
  inputFor?: (item: IncomingItem, itemId: string) => Record<string, unknown>;
}

export function createIntake(options: IntakeOptions): Intake {
  const { pool, engine } = options;
  return {
    async accept(item) {
      const hash = sha256(item.bytes);
      return withTransaction(pool, async (client): Promise<IntakeResult> => {
        // Serialise deliveries of the same bytes / key so two listeners never both create it.
        const byBytes = item.sameBytesSameItem ?? true;
        if (byBytes) await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 1))', [`${item.kind}:${hash}`]);
        if (item.dedupeKey) await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 1))', [`${item.kind}:key:${item.dedupeKey}`]);
        const existing = await client.query<{ id: string; run_id: string | null }>(
          `SELECT id, run_id FROM mailroom.items WHERE kind = $1 AND (($4 AND sha256 = $2) OR ($3::text IS NOT NULL AND dedupe_key = $3)) ORDER BY received_at LIMIT 1`,
          [item.kind, hash, item.dedupeKey ?? null, byBytes],
        );
        if (existing.rows[0]) return { itemId: existing.rows[0].id, runId: existing.rows[0].run_id, duplicate: true };
        await putBlob(client, item.bytes, item.contentType ?? CONTENT_TYPES[item.kind]);
        const itemId = crypto.randomUUID();
        const workflow = options.workflowFor(item);
        let runId: string | null = null;
        await client.query(
          `INSERT INTO mailroom.items (id, kind, sha256, dedupe_key, filename, source, status) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [itemId, item.kind, hash, item.dedupeKey ?? null, item.filename ?? null, JSON.stringify(item.source), workflow ? 'queued' : 'stored'],
        );
        if (workflow) {
          const user = item.source.user ?? item.source.caller ?? item.source.from;
          ({ runId } = await engine.startRun(workflow, { itemId, ...options.inputFor?.(item, itemId) }, {
            idempotencyKey: `item:${itemId}`,
            startedBy: typeof user === 'string' ? user : null,
            tx: client,
          }));
          await client.query('UPDATE mailroom.items SET run_id = $2 WHERE id = $1', [itemId, runId]);
        }
        return { itemId, runId, duplicate: false };
      });
    },
  };
}

export async function getItem(db: Pick<pg.Pool, 'query'>, id: string) {
  const { rows } = await db.query<{ id: string; kind: ItemKind; sha256: string; dedupe_key: string | null; filename: string | null; source: Record<string, unknown>; run_id: string | null; received_at: Date }>(
    'SELECT id, kind, sha256, dedupe_key, filename, source, run_id, received_at FROM mailroom.items WHERE id = $1',
    [id],
  );
  return rows[0];
}
