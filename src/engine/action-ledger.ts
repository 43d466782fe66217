/**
 * The action ledger: every side effect's key is written before the effect and its result after.
 *
 *   (none) ──begin──► started ──finish──► completed      replay: return stored result
 *                        │ └────fail────► failed         replay: try again (it did not happen)
 *                        └─(worker died)► uncertain      replay: stop and ask a human,
 *                                                         unless the action is repeatable
 */
import type { StoredError } from '../errors.ts';
import type { Queryable } from './run-store.ts';

export type ActionStatus = 'started' | 'completed' | 'failed' | 'uncertain';

export interface ActionRow {
  run_id: string;
  key: string;
  kind: string;
  status: ActionStatus;
  repeatable: boolean;
  parameters: unknown;
  result: unknown;
  error: StoredError | null;
  attempts: number;
  started_at: Date;
  completed_at: Date | null;
}

/**
 * Claims the action for execution. Returns the prior row when one existed (so the caller can
 * decide: completed → reuse, started → uncertain), or `undefined` when this call created it.
 */
export async function beginAction(
  db: Queryable,
  runId: string,
  a: { key: string; kind: string; parameters: unknown; repeatable: boolean },
): Promise<ActionRow | undefined> {
  const created = await db.query(
    `INSERT INTO mailroom.actions (run_id, key, kind, status, repeatable, parameters)
     VALUES ($1, $2, $3, 'started', $4, $5) ON CONFLICT (run_id, key) DO NOTHING RETURNING key`,
    [runId, a.key, a.kind, a.repeatable, JSON.stringify(a.parameters ?? null)],
  );
  if (created.rowCount) return undefined;
  const { rows } = await db.query<ActionRow>('SELECT * FROM mailroom.actions WHERE run_id = $1 AND key = $2', [runId, a.key]);
  return rows[0];
}

/** Re-arms a failed (or operator-cleared) action for another attempt. */
export async function restartAction(db: Queryable, runId: string, key: string): Promise<void> {
  await db.query(
    `UPDATE mailroom.actions SET status = 'started', attempts = attempts + 1, started_at = now(), error = NULL
      WHERE run_id = $1 AND key = $2`,
    [runId, key],
  );
}

export async function finishAction(db: Queryable, runId: string, key: string, result: unknown): Promise<void> {
  await db.query(
    `UPDATE mailroom.actions SET status = 'completed', result = $3, completed_at = now() WHERE run_id = $1 AND key = $2`,
    [runId, key, JSON.stringify(result ?? null)],
  );
}

export async function failAction(db: Queryable, runId: string, key: string, error: StoredError, status: 'failed' | 'uncertain' = 'failed'): Promise<void> {
  await db.query('UPDATE mailroom.actions SET status = $3, error = $4 WHERE run_id = $1 AND key = $2', [runId, key, status, JSON.stringify(error)]);
}

export async function listActions(db: Queryable, runId: string): Promise<ActionRow[]> {
  const { rows } = await db.query<ActionRow>('SELECT * FROM mailroom.actions WHERE run_id = $1 ORDER BY started_at', [runId]);
  return rows;
}

/** Operator's answer for actions left uncertain: `done` keeps them as completed, `repeat` re-runs them. */
export async function resolveUncertain(db: Queryable, runId: string, resolution: 'done' | 'repeat'): Promise<number> {
  const res =
    resolution === 'done'
      ? await db.query(
          `UPDATE mailroom.actions SET status = 'completed', result = '{"resolvedBy":"operator","assumedDone":true}', completed_at = now()
            WHERE run_id = $1 AND status IN ('started', 'uncertain')`,
          [runId],
        )
      : await db.query(`UPDATE mailroom.actions SET status = 'failed' WHERE run_id = $1 AND status IN ('started', 'uncertain')`, [runId]);
  return res.rowCount ?? 0;
}
