import type { Command } from 'commander';
import { satisfactionByTeam } from '../data/surveys.ts';
import { withApp } from './context.ts';

export function registerSatisfaction(program: Command): void {
  program
    .command('satisfaction')
    .description('satisfaction survey answers per team: asked, answered, average rating, share rating 4 or 5')
    .option('--days <n>', 'how many days back', '30')
    .option('--json', 'one JSON object per line')
    .action(async (opts: { days: string; json?: boolean }) => {
      await withApp('cli', async (app) => {
        const rows = await satisfactionByTeam(app.db.pool, Number(opts.days));
        if (opts.json) for (const r of rows) console.log(JSON.stringify(r));
        else if (!rows.length) console.log('no surveys sent in that period');
        else for (const r of rows) console.log(`${r.team.padEnd(16)} asked ${String(r.asked).padStart(4)}  answered ${String(r.answered).padStart(4)}  average ${r.average ?? '-'}  rated 4-5: ${r.satisfied_share === null ? '-' : `${Math.round(r.satisfied_share * 100)}%`}`);
      });
    });
}
