import type { Command } from 'commander';
import { InputError, NotFoundError } from '../errors.ts';
import { listRuns, runTrace } from '../engine/inspect.ts';
import type { RunState } from '../engine/types.ts';
import { withApp } from './context.ts';
import { formatRunList, formatTrace } from './format.ts';

const STATES = ['queued', 'running', 'waiting', 'completed', 'failed', 'cancelled'];

export function registerRunCommands(program: Command): void {
  program
    .command('runs')
    .description('list recent runs')
    .option('--state <state>', `only runs in this state (${STATES.join('|')})`)
    .option('--workflow <name>', 'only runs of this workflow')
    .option('--limit <n>', 'how many (default 50)', '50')
    .option('--json', 'one JSON object per line')
    .action(async (opts: { state?: string; workflow?: string; limit: string; json?: boolean }) => {
      await withApp('cli', async (app) => {
        if (opts.state && !STATES.includes(opts.state)) throw new InputError(`--state must be one of ${STATES.join(', ')}`);
        const runs = await listRuns(app.db.pool, { state: opts.state as RunState | undefined, workflow: opts.workflow, limit: Number(opts.limit) });
        if (opts.json) for (const r of runs) console.log(JSON.stringify(r));
        else console.log(formatRunList(runs));
      });
    });

  program
    .command('run <id>')
    .description("show a run's whole trace: transitions, steps, decisions, approvals, actions")
    .option('--json', 'print the trace as JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      await withApp('cli', async (app) => {
        const trace = await runTrace(app.db.pool, id);
        if (!trace) throw new NotFoundError(`no run ${id}`);
        console.log(opts.json ? JSON.stringify(trace, null, 2) : formatTrace(trace));
      });
    });

  program
    .command('retry <id>')
    .description('re-queue a failed or cancelled run; completed steps are not executed again')
    .option('--actions <resolution>', 'for actions left uncertain by a crash: "done" (they happened) or "repeat" (they did not)')
    .action(async (id: string, opts: { actions?: string }) => {
      await withApp('cli', async (app) => {
        if (opts.actions && opts.actions !== 'done' && opts.actions !== 'repeat') throw new InputError('--actions must be "done" or "repeat"');
        await app.engine.retryRun(id, { actions: opts.actions as 'done' | 'repeat' | undefined });
        console.log(`run ${id} queued again`);
      });
    });

  program
    .command('cancel <id>')
    .description('cancel a queued, running or waiting run')
    .option('--reason <text>', 'why (kept in the run history)', 'cancelled by operator')
    .action(async (id: string, opts: { reason: string }) => {
      await withApp('cli', async (app) => {
        const done = await app.engine.cancelRun(id, opts.reason);
        console.log(done ? `run ${id} cancelled` : `run ${id} had already ended; nothing changed`);
      });
    });
}
