/**
 * Model spending per day, workflow and model, from the decisions every model call records (the
 * same ledger as `mailroom costs` and the daily budget; that view groups by provider, this one
 * by model too, for the dashboard's chart and table).
 */
import type { Queryable } from '../engine/run-store.ts';

export interface CostRow {
  day: string;
  workflow: string;
  provider: string;
  model: string;
  calls: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cost_usd: number;
}

export async function costsByDayAndModel(db: Queryable, days: number): Promise<CostRow[]> {
  const { rows } = await db.query<CostRow>(
    `SELECT to_char(date_trunc('day', d.created_at), 'YYYY-MM-DD') AS day, r.workflow, d.provider, COALESCE(d.model, '-') AS model,
            count(*)::int AS calls, COALESCE(sum(d.input_tokens), 0)::float8 AS input_tokens, COALESCE(sum(d.output_tokens), 0)::float8 AS output_tokens,
            COALESCE(sum(d.cache_read_tokens), 0)::float8 AS cache_read_tokens, COALESCE(sum(d.cost_usd), 0)::float8 AS cost_usd
       FROM mailroom.decisions d JOIN mailroom.runs r ON r.id = d.run_id
      WHERE d.provider IS NOT NULL AND d.provider NOT IN ('code', 'offline') AND d.created_at >= date_trunc('day', now()) - ($1::int - 1) * interval '1 day'
      GROUP BY 1, 2, 3, 4 ORDER BY 1 DESC, 2, 4`,
    [days],
  );
  return rows;
}
