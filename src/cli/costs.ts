import type { Command } from 'commander';
import { costsByDay } from '../llm/budget.ts';
import { CACHE_WARN_AFTER_CALLS } from '../llm/cache-watch.ts';
import { withApp } from './context.ts';

export function registerCosts(program: Command): void {
  program
    .command('costs')
    .description('model calls, tokens (cache reads and writes included) and cost per day and workflow')
    .option('--days <n>', 'how many days back', '7')
    .option('--json', 'one JSON object per line')
    .action(async (opts: { days: string; json?: boolean }) => {
      await withApp('cli', async (app) => {
        const rows = await costsByDay(app.db.pool, Number(opts.days));
        if (opts.json) for (const r of rows) console.log(JSON.stringify(r));
        else if (!rows.length) console.log('no model calls in that period (the offline provider costs nothing)');
        else {
          const budget = app.config.env.LLM_DAILY_BUDGET_USD;
          const neverCached = rows.filter((r) => r.provider === 'anthropic' && Number(r.calls) >= CACHE_WARN_AFTER_CALLS && Number(r.cache_read_tokens) === 0);
          for (const r of rows) {
            const cacheShare = r.input_tokens + r.cache_read_tokens + r.cache_write_tokens ? r.cache_read_tokens / (Number(r.input_tokens) + Number(r.cache_read_tokens) + Number(r.cache_write_tokens)) : 0;
            console.log(`${new Date(r.day).toISOString().slice(0, 10)}  ${r.workflow.padEnd(10)} ${r.provider.padEnd(10)} ${String(r.calls).padStart(5)} calls  ${r.input_tokens} in / ${r.output_tokens} out  cache read ${(cacheShare * 100).toFixed(0)}%  $${r.cost_usd.toFixed(4)} of $${budget}/day`);
          }
          // A cache that is never read costs full price without saying so: say so.
          for (const r of neverCached) console.log(`warning: ${r.workflow} on ${new Date(r.day).toISOString().slice(0, 10)}: ${r.calls} Claude calls and not one token read from the prompt cache`);
        }
      });
    });
}
