/** `mailroom schedules [--json]`: each schedule with its next fire time and the run of its last occurrence. */
import type { Command } from 'commander';
import { loadTriggers } from '../triggers/file.ts';
import { openScheduler, type ScheduleStatus } from '../triggers/scheduler.ts';
import { withApp } from './context.ts';

const when = (d: Date | null | undefined) => (d ? new Date(d).toISOString().replace('T', ' ').slice(0, 19) + 'Z' : '-');

function human(s: ScheduleStatus): string {
  const last = s.last_run ? `last ${when(s.last_run.occurrence_at)} → run ${s.last_run.run_id} ${s.last_run.state}` : 'never fired';
  return `${s.name}  "${s.cron}" (${s.tz}) → ${s.workflow}  next ${when(s.next_fire_at)}  ${last}${s.registered ? '' : '  [not registered yet: start the service or a worker with this triggers file]'}`;
}

export function registerSchedules(program: Command): void {
  program
    .command('schedules')
    .description('schedules (MAILROOM_TRIGGERS): next fire time and last run')
    .option('--json', 'one JSON object per line')
    .action(async (opts: { json?: boolean }) => {
      await withApp('cli', async (app) => {
        const scheduler = await openScheduler({ databaseUrl: app.db.url, pool: app.db.pool, engine: app.engine, triggers: loadTriggers(app.config), log: app.log, mode: 'read' });
        try {
          const rows = await scheduler.list();
          if (opts.json) for (const r of rows) console.log(JSON.stringify(r));
          else console.log(rows.length ? rows.map(human).join('\n') : `no schedules${app.config.env.MAILROOM_TRIGGERS ? '' : ' (MAILROOM_TRIGGERS is not set)'}`);
        } finally {
          await scheduler.stop();
        }
      });
    });
}
