import type { Queryable } from '../../engine/run-store.ts';

/** Earlier support runs from the same sender, newest first: context for the team. */
export async function senderHistory(db: Queryable, sender: string, excludeRunId: string) {
  const { rows } = await db.query<{ id: string; state: string; created_at: Date; subject: string | null; outcome: string | null }>(
    `SELECT id, state, created_at, input->'email'->>'subject' AS subject, output->>'outcome' AS outcome
       FROM mailroom.runs
      WHERE workflow = 'support' AND id <> $2 AND lower(input->'email'->'from'->>'address') = lower($1)
      ORDER BY created_at DESC LIMIT 10`,
    [sender, excludeRunId],
  );
  return rows.map((r) => ({ runId: r.id, state: r.state, at: r.created_at.toISOString(), subject: r.subject, outcome: r.outcome }));
}
