/**
 * The daily model budget per workflow. Spending is read from the decisions every model call
 * records (tokens and cost), so there is one ledger; past the budget, items wait for a person
 * instead of calling the model.
 */
import type { Queryable } from '../engine/run-store.ts';
import type { StepApi } from '../engine/types.ts';

export async function spentToday(db: Queryable, workflow: string): Promise<number> {
  const { rows } = await db.query<{ usd: number }>(
    `SELECT COALESCE(sum(cost_usd), 0)::double precision AS usd FROM mailroom.llm_costs_daily WHERE day = current_date AND workflow = $1`,
    [workflow],
  );
  return rows[0]?.usd ?? 0;
}

/** Why the model may not be called for this workflow today, or null while the budget lasts. */
export async function budgetSpent(db: Queryable, workflow: string, limitUsd: number): Promise<string | null> {
  const spent = await spentToday(db, workflow);
  return spent >= limitUsd ? `the daily model budget of $${limitUsd} for workflow "${workflow}" is spent ($${spent.toFixed(4)} today)` : null;
}

/**
 * The budget check before one decision's model call, checkpointed as the step `<task>:budget`
 * so a replay takes the same path; without a pool (tests, embedders) there is no budget.
 */
export function stepBudgetSpent(step: StepApi, task: string, pool: Queryable | undefined, limitUsd: number): Promise<string | null> {
  return step.run(`${task}:budget`, async () => (pool ? budgetSpent(pool, step.workflow, limitUsd) : null));
}

export async function costsByDay(db: Queryable, days: number) {
  const { rows } = await db.query(
    `SELECT day, workflow, provider, calls, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_usd
       FROM mailroom.llm_costs_daily WHERE day > current_date - $1::int ORDER BY day DESC, workflow`,
    [days],
  );
  return rows as Array<{ day: Date; workflow: string; provider: string; calls: number; input_tokens: number; output_tokens: number; cache_read_tokens: number; cache_write_tokens: number; cost_usd: number }>;
}
