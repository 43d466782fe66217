/**
 * Content pieces (migration 0019) as the content workflow reads them back and as the dashboard
 * lists them: one SELECT for both, so a piece looks the same wherever it is shown.
 */
import type { Queryable } from '../engine/run-store.ts';
import type { PieceRow, PieceStatus } from '../workflows/content/store.ts';

const SELECT = `SELECT p.*, r.state AS run_state, r.created_at AS run_created_at
  FROM mailroom.content_pieces p JOIN mailroom.runs r ON r.id = p.run_id`;

export type PieceListRow = PieceRow & { run_state: string; run_created_at: Date; updated_at: Date };

export const PIECE_STATUSES: PieceStatus[] = ['awaiting_approval', 'abstained', 'published', 'scheduled', 'rejected', 'expired'];

export async function getContentPiece(db: Queryable, runId: string): Promise<PieceListRow | undefined> {
  const { rows } = await db.query<PieceListRow>(`${SELECT} WHERE p.run_id = $1`, [runId]);
  return rows[0];
}

/** Newest first (by the piece's last change), optionally one status. */
export async function listContentPieces(db: Queryable, options: { status?: string; limit?: number } = {}): Promise<PieceListRow[]> {
  const { rows } = await db.query<PieceListRow>(
    `${SELECT} WHERE ($1::text IS NULL OR p.status = $1) ORDER BY p.updated_at DESC, p.run_id LIMIT $2`,
    [options.status ?? null, options.limit ?? 500],
  );
  return rows;
}

/**
 * The stored checks in one line: passed, or how many failures (the first few named); for an
 * abstained piece, what research found missing. The checks column holds either the full
 * `Checks` object or `{ missing: [...] }`, so both are read loosely.
 */
export function checksSummary(checks: unknown): { passed: boolean | null; text: string } {
  if (!checks || typeof checks !== 'object') return { passed: null, text: 'not checked' };
  const c = checks as { passed?: unknown; failures?: unknown; missing?: unknown; citations?: { verified?: unknown; total?: unknown } };
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  const missing = strings(c.missing);
  if (typeof c.passed !== 'boolean') return { passed: null, text: missing.length ? `missing: ${missing.join('; ')}` : 'not checked' };
  const cites = c.citations && typeof c.citations.total === 'number' ? `citations ${Number(c.citations.verified ?? 0)}/${c.citations.total} verified` : '';
  const failures = strings(c.failures);
  if (c.passed) return { passed: true, text: ['passed', cites].filter(Boolean).join(' · ') };
  const listed = failures.slice(0, 3).join('; ') + (failures.length > 3 ? `; +${failures.length - 3} more` : '');
  return { passed: false, text: [`${failures.length} failed`, cites, listed].filter(Boolean).join(' · ') };
}
