/** All SQL over satisfaction surveys: one row per support run that asked, answered or not. */
import type { Queryable } from '../engine/run-store.ts';

export async function recordSurveySent(db: Queryable, s: { runId: string; itemId: string | null; team: string; category: string; language: string }): Promise<void> {
  await db.query(
    `INSERT INTO mailroom.survey_responses (run_id, item_id, team, category, language) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (run_id) DO NOTHING`,
    [s.runId, s.itemId, s.team, s.category, s.language],
  );
}

export async function recordSurveyAnswer(db: Queryable, runId: string, answer: { rating: number; comment: string | null }): Promise<void> {
  await db.query(`UPDATE mailroom.survey_responses SET rating = $2, comment = $3, answered_at = now() WHERE run_id = $1`, [runId, answer.rating, answer.comment]);
}

export interface TeamSatisfaction {
  team: string;
  asked: number;
  answered: number;
  average: number | null;
  /** Share of answers that are 4 or 5 (CSAT). */
  satisfied_share: number | null;
}

/** Per team over the last `days`: how many were asked, answered, the average and the CSAT share. */
export async function satisfactionByTeam(db: Queryable, days: number): Promise<TeamSatisfaction[]> {
  const { rows } = await db.query<TeamSatisfaction>(
    `SELECT COALESCE(team, 'support') AS team, count(*)::int AS asked, count(rating)::int AS answered,
            round(avg(rating)::numeric, 2)::float8 AS average,
            round((count(*) FILTER (WHERE rating >= 4))::numeric / NULLIF(count(rating), 0), 2)::float8 AS satisfied_share
       FROM mailroom.survey_responses WHERE sent_at > now() - $1 * interval '1 day'
      GROUP BY 1 ORDER BY 1`,
    [days],
  );
  return rows;
}
