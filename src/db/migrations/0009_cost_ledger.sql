-- The cost ledger: every model call is a decision with tokens and cost; this view adds them up
-- per day and workflow (per run and step come from the decisions table itself).
CREATE VIEW mailroom.llm_costs_daily AS
SELECT date_trunc('day', d.created_at)::date AS day,
       r.workflow,
       d.provider,
       count(*)::int AS calls,
       COALESCE(sum(d.input_tokens), 0)::bigint AS input_tokens,
       COALESCE(sum(d.output_tokens), 0)::bigint AS output_tokens,
       COALESCE(sum(d.cache_read_tokens), 0)::bigint AS cache_read_tokens,
       COALESCE(sum(d.cache_write_tokens), 0)::bigint AS cache_write_tokens,
       COALESCE(sum(d.cost_usd), 0)::double precision AS cost_usd
  FROM mailroom.decisions d
  JOIN mailroom.runs r ON r.id = d.run_id
 WHERE d.provider IS NOT NULL AND d.provider NOT IN ('code', 'offline')
 GROUP BY 1, 2, 3;
