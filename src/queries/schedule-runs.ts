/** All SQL over `mailroom.schedule_runs`: which run each schedule occurrence started. */
import type { Queryable } from '../engine/run-store.ts';

export async function recordScheduleRun(db: Queryable, schedule: string, occurrenceAt: Date, runId: string): Promise<void> {
  await db.query('INSERT INTO mailroom.schedule_runs (schedule, occurrence_at, run_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [schedule, occurrenceAt, runId]);
}

export interface LastScheduleRun {
  schedule: string;
  run_id: string;
  occurrence_at: Date;
  state: string;
  started_at: Date;
}

/** The latest occurrence's run of each named schedule. */
export async function lastScheduleRuns(db: Queryable, schedules: string[]): Promise<Map<string, LastScheduleRun>> {
  const { rows } = await db.query<LastScheduleRun>(
    `SELECT DISTINCT ON (s.schedule) s.schedule, s.run_id, s.occurrence_at, r.state, r.created_at AS started_at
       FROM mailroom.schedule_runs s JOIN mailroom.runs r ON r.id = s.run_id
      WHERE s.schedule = ANY($1::text[])
      ORDER BY s.schedule, s.occurrence_at DESC`,
    [schedules],
  );
  return new Map(rows.map((r) => [r.schedule, r]));
}
