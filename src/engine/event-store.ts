/**
 * Events and the waits that match them. An event is stored the moment it arrives, so a run that
 * reaches its wait later still finds it. The race between "a run checks for its event, finds
 * none, registers its wait" and "the event arrives, looks for waiting runs" is closed by taking
 * the same transaction-level advisory lock on (name, key) on both sides: whichever commits
 * second sees the other's row.
 */
import type { EventMatcher, ReceivedEvent } from './types.ts';
import { toJsonb, type Queryable } from './run-store.ts';

export interface ResolvedMatcher {
  name: string;
  key: string;
}

export function resolveMatchers(matchers: EventMatcher[], runId: string): ResolvedMatcher[] {
  return matchers.map((m) => ({ name: m.name, key: m.key ?? runId }));
}

/**
 * Locks every (name, key) in a stable order so two transactions never deadlock on them, in one
 * round trip: the locks are taken row by row in the order of the sorted array.
 */
export async function lockMatchers(db: Queryable, matchers: ResolvedMatcher[]): Promise<void> {
  const keys = [...new Set(matchers.map((m) => JSON.stringify([m.name, m.key])))].sort();
  await db.query({
    name: 'mailroom.lock_matchers',
    text: 'SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0))) FROM unnest($1::text[]) AS k',
    values: [keys],
  });
}

export async function insertEvent(db: Queryable, event: { name: string; key: string; payload: unknown; source?: string }): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    'INSERT INTO mailroom.events (name, key, payload, source) VALUES ($1, $2, $3, $4) RETURNING id',
    [event.name, event.key, toJsonb(event.payload), event.source ?? null],
  );
  return rows[0]!.id;
}

/** Runs (and their wait steps) currently waiting for this event. */
export async function waitersFor(db: Queryable, name: string, key: string): Promise<Array<{ run_id: string; step_id: string; workflow: string }>> {
  const { rows } = await db.query<{ run_id: string; step_id: string; workflow: string }>(
    `SELECT w.run_id, w.step_id, r.workflow FROM mailroom.run_waits w JOIN mailroom.runs r ON r.id = w.run_id
      WHERE w.name = $1 AND w.key = $2 AND r.state = 'waiting'`,
    [name, key],
  );
  return rows;
}

/** The oldest matching event this run has not consumed yet, if any. */
export async function findUnconsumed(db: Queryable, runId: string, matchers: ResolvedMatcher[]): Promise<ReceivedEvent | undefined> {
  const { rows } = await db.query<{ id: number; name: string; key: string; payload: unknown; created_at: Date }>(
    `SELECT e.id, e.name, e.key, e.payload, e.created_at
       FROM mailroom.events e
       JOIN unnest($2::text[], $3::text[]) AS m(name, key) ON e.name = m.name AND e.key = m.key
      WHERE NOT EXISTS (SELECT 1 FROM mailroom.event_consumptions c WHERE c.run_id = $1 AND c.event_id = e.id)
      ORDER BY e.id LIMIT 1`,
    [runId, matchers.map((m) => m.name), matchers.map((m) => m.key)],
  );
  const row = rows[0];
  if (!row) return undefined;
  return { name: row.name, key: row.key, payload: row.payload, eventId: row.id, receivedAt: row.created_at.toISOString() };
}

export async function consumeEvent(db: Queryable, runId: string, eventId: number, stepId: string): Promise<void> {
  await db.query({
    name: 'mailroom.consume_event',
    text: `WITH c AS (INSERT INTO mailroom.event_consumptions (run_id, event_id, step_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING)
           DELETE FROM mailroom.run_waits WHERE run_id = $1 AND step_id = $3`,
    values: [runId, eventId, stepId],
  });
}

export async function registerWaits(db: Queryable, runId: string, stepId: string, matchers: ResolvedMatcher[]): Promise<void> {
  await db.query(
    `INSERT INTO mailroom.run_waits (run_id, step_id, name, key)
     SELECT $1, $2, m.name, m.key FROM unnest($3::text[], $4::text[]) AS m(name, key)
     ON CONFLICT DO NOTHING`,
    [runId, stepId, matchers.map((m) => m.name), matchers.map((m) => m.key)],
  );
}

export async function clearWaits(db: Queryable, runId: string): Promise<void> {
  await db.query('DELETE FROM mailroom.run_waits WHERE run_id = $1', [runId]);
}
