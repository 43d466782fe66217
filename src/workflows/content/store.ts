/** SQL for content pieces: one row per run, written as the piece moves through its states. */
import type { Queryable } from '../../engine/run-store.ts';
import { toJsonb } from '../../engine/run-store.ts';
import { getContentPiece } from '../../queries/content.ts';

export type PieceStatus = 'abstained' | 'awaiting_approval' | 'rejected' | 'expired' | 'published' | 'scheduled';

export interface PieceRow {
  run_id: string;
  status: PieceStatus;
  brief: Record<string, unknown>;
  title: string | null;
  slug: string | null;
  meta_description: string | null;
  body_markdown: string | null;
  variants: unknown;
  checks: unknown;
  drafted_by: string | null;
  content_hash: string | null;
  approval_id: string | null;
  cms: string | null;
  remote_id: string | null;
  remote_url: string | null;
  remote_status: string | null;
  publish_at: Date | null;
  published_at: Date | null;
}

type PieceFields = Partial<Omit<PieceRow, 'run_id' | 'status' | 'brief'>>;

export async function savePiece(db: Queryable, runId: string, status: PieceStatus, brief: unknown, fields: PieceFields = {}): Promise<void> {
  const cols = Object.keys(fields) as Array<keyof PieceFields>;
  const json = new Set(['variants', 'checks']);
  const values = cols.map((c) => (json.has(c) ? toJsonb(fields[c]) : fields[c]));
  await db.query(
    `INSERT INTO mailroom.content_pieces (run_id, status, brief${cols.map((c) => `, ${c}`).join('')})
     VALUES ($1, $2, $3${cols.map((_, i) => `, $${i + 4}`).join('')})
     ON CONFLICT (run_id) DO UPDATE SET status = EXCLUDED.status, updated_at = now()${cols.map((c) => `, ${c} = EXCLUDED.${c}`).join('')}`,
    [runId, status, toJsonb(brief), ...values],
  );
}

/** One run's piece; the SELECT is shared with the dashboard's list (src/queries/content.ts). */
export const getPiece = (db: Queryable, runId: string): Promise<PieceRow | undefined> => getContentPiece(db, runId);
