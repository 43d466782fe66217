/**
 * `mailroom import <mbox file | folder of .eml> [--concurrency n] [--restart] [--json]`:
 * backfills history into intake with a progress bar on stderr; resumable (run it again after an
 * interruption and it continues where it stopped; --restart starts over).
 */
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import type pg from 'pg';
import { errorMessage } from '../errors.ts';
import type { IntakePort } from '../channels/email/intake-port.ts';
import { importMessages } from '../channels/email/importer.ts';

export interface CliDeps {
  open(): Promise<{ pool: pg.Pool; intake: IntakePort; close(): Promise<void> }>;
}

/** The app in its CLI role, when the caller passes no deps. */
export const appDeps: CliDeps = {
  async open() {
    const { loadConfigOrExit } = await import('./context.ts');
    const { createApp } = await import('../main.ts');
    const { config, log } = loadConfigOrExit({ quiet: true });
    const app = await createApp(config, log, 'cli');
    return { pool: app.db.pool, intake: app.intake, close: () => app.stop() };
  },
};

export function registerImport(program: Command, deps: CliDeps = appDeps): void {
  program
    .command('import')
    .description('backfill history: an mbox file or a folder of .eml files into queued runs (resumable)')
    .argument('<source>', 'mbox file or folder of message files')
    .option('--concurrency <n>', 'messages handed to intake at once', '8')
    .option('--restart', 'ignore the saved position and start from the beginning')
    .option('--json', 'print the summary as one JSON object')
    .action(async (source: string, opts: { concurrency: string; restart?: boolean; json?: boolean }) => {
      const app = await deps.open();
      const showBar = process.stderr.isTTY && !opts.json;
      const bar = new cliProgress.SingleBar(
        { stream: process.stderr, format: '{bar} {percentage}% | {imported} new, {duplicates} duplicate, {failed} failed | {eta_formatted} left', hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
      let started = false;
      try {
        const summary = await importMessages({
          pool: app.pool,
          intake: app.intake,
          source,
          concurrency: Math.max(1, Number(opts.concurrency) || 8),
          restart: opts.restart,
          onProgress: (p) => {
            if (!showBar) return;
            if (!started) {
              bar.start(p.total, p.position, p);
              started = true;
            } else bar.update(p.position, p);
          },
        });
        if (started) bar.stop();
        if (opts.json) console.log(JSON.stringify(summary));
        else {
          const resumed = summary.resumedFrom > 0 ? ` (resumed at ${summary.kind === 'mbox' ? `byte ${summary.resumedFrom}` : `file ${summary.resumedFrom + 1}`})` : '';
          console.log(`imported ${summary.imported}, duplicates ${summary.duplicates}, failed ${summary.failed} from ${summary.source}${resumed} in ${(summary.elapsedMs / 1000).toFixed(1)} s`);
        }
      } catch (err) {
        if (started) bar.stop();
        console.error(`mailroom: ${errorMessage(err)}`);
        process.exitCode = /no such file/.test(errorMessage(err)) ? 2 : 1;
      } finally {
        await app.close();
      }
    });
}
