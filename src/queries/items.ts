/**
 * The item a run processes (what came in), for people: its metadata and the first bytes of its
 * raw content, never the whole blob (a 1 MB mail or a 20 MB PDF stays in the database).
 */
import type { Queryable } from '../engine/run-store.ts';
import { isUuid } from '../uuid.ts';

export interface RunItem {
  id: string;
  kind: string;
  filename: string | null;
  source: Record<string, unknown>;
  status: string;
  error: string | null;
  received_at: Date;
  content_type: string;
  size: number;
  /** The first `headBytes` bytes of the raw item. */
  head: Buffer;
}


/** The item named by the run's input (`itemId`), or the one that started the run. */
export async function itemOfRun(db: Queryable, run: { id: string; input: unknown }, headBytes = 16_384): Promise<RunItem | undefined> {
  const named = (run.input as { itemId?: unknown } | null)?.itemId;
  const itemId = typeof named === 'string' && isUuid(named) ? named : null;
  const { rows } = await db.query<RunItem>(
    `SELECT i.id, i.kind, i.filename, i.source, i.status, i.error, i.received_at, b.content_type, b.size, substring(b.bytes FROM 1 FOR $3) AS head
       FROM mailroom.items i JOIN mailroom.blobs b ON b.sha256 = i.sha256
      WHERE i.id = $1 OR ($1::uuid IS NULL AND i.run_id = $2)
      ORDER BY i.received_at LIMIT 1`,
    [itemId, run.id, headBytes],
  );
  return rows[0];
}
