/**
 * `mailroom outbox [--status s] [--send] [--json]`: lists outgoing messages (every one is kept,
 * whatever happened to it); --send delivers the ones not sent yet (and retries failed ones) once
 * SMTP is configured.
 */
import type { Command } from 'commander';
import { readEnvironment } from '../config.ts';
import { createOutbox } from '../channels/email/outbox.ts';
import { loadEmailSettings, type OutboxSettings } from '../channels/email/settings.ts';
import { errorMessage } from '../errors.ts';
import { appDeps, type CliDeps } from './import.ts';

export type { CliDeps };

async function outboxSettings(): Promise<OutboxSettings> {
  const { loadConfigOrExit } = await import('./context.ts');
  const { config } = loadConfigOrExit({ quiet: true });
  return loadEmailSettings(config, readEnvironment()).outbox;
}

export function registerOutbox(program: Command, deps: CliDeps & { settings?: () => Promise<OutboxSettings> } = appDeps): void {
  program
    .command('outbox')
    .description('list outgoing messages (kept whatever happens); --send delivers the unsent ones once SMTP is configured')
    .option('--status <status>', 'only messages in this status (not_sent|queued|sent|retrying|failed)')
    .option('--send', 'send messages that are not sent yet (and retry failed ones) now')
    .option('--json', 'one JSON object per line')
    .action(async (opts: { status?: string; send?: boolean; json?: boolean }) => {
      const settings = await (deps.settings ?? outboxSettings)();
      const app = await deps.open();
      const outbox = createOutbox(app.pool, settings);
      try {
        if (opts.send) {
          if (!outbox.configured) {
            console.error('mailroom: SMTP is not configured (set SMTP_URL or SMTP_HOST); messages stay in the outbox as not sent');
            process.exitCode = 2;
            return;
          }
          const r = await outbox.sendPending({ includeNotSent: true, includeFailed: true, limit: 10_000 });
          console.log(`sent ${r.sent}, failed ${r.failed}${r.retrying ? `, will retry ${r.retrying}` : ''}`);
        }
        const rows = await outbox.list({ status: opts.status });
        if (opts.json) for (const r of rows) console.log(JSON.stringify(r));
        else if (!rows.length) console.log('outbox is empty');
        else {
          for (const r of rows) {
            console.log(`${r.status.padEnd(8)} ${r.created_at.toISOString()}  to ${r.to_address}  "${r.subject}"  ${r.message_id}${r.last_error ? `  (${r.last_error})` : ''}`);
          }
        }
      } catch (err) {
        console.error(`mailroom: ${errorMessage(err)}`);
        process.exitCode = 1;
      } finally {
        await outbox.stop();
        await app.close();
      }
    });
}
