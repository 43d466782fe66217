/**
 * Retention: a completed run's payloads (input, output, step results) are pruned after N days,
 * while its history (transitions, decisions, actions) stays for audit. Failed and waiting runs
 * keep their payloads, because somebody may still need them to retry.
 */
import type { Queryable } from './run-store.ts';

export async function pruneCompletedRuns(db: Queryable, days: number): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `WITH old AS (
       UPDATE mailroom.runs SET input = NULL, output = NULL, pruned_at = now()
        WHERE state IN ('completed', 'cancelled') AND pruned_at IS NULL
          AND finished_at < now() - $1 * interval '1 day'
       RETURNING id),
     s AS (UPDATE mailroom.steps s SET output = NULL FROM old WHERE s.run_id = old.id)
     SELECT count(*)::int AS n FROM old`,
    [days],
  );
  return rows[0]?.n ?? 0;
}
