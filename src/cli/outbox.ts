import type { Command } from 'commander';
import { createOutbox } from '../channels/email/outbox.ts';
import { withApp } from './context.ts';

export function registerOutbox(program: Command): void {
  program
    .command('outbox')
    .description('list outgoing messages (kept whatever happens); --send delivers the unsent ones once SMTP is configured')
    .option('--status <status>', 'only messages in this status (not_sent|queued|sent|retrying|failed)')
    .option('--send', 'send messages that are not sent yet (and retry failed ones) now')
    .option('--json', 'one JSON object per line')
    .action(async (opts: { status?: string; send?: boolean; json?: boolean }) => {
      await withApp('cli', async (app) => {
        const env = app.config.env;
        const outbox = createOutbox({
          pool: app.db.pool,
          from: env.MAIL_FROM,
          smtp: { url: env.SMTP_URL, host: env.SMTP_HOST, port: env.SMTP_PORT, user: env.SMTP_USER, password: env.SMTP_PASSWORD, secure: env.SMTP_TLS },
          log: app.log,
        });
        try {
          if (opts.send) {
            if (!outbox.configured) {
              console.error('mailroom: SMTP is not configured (set SMTP_URL or SMTP_HOST); messages stay in the outbox as not sent');
              process.exitCode = 2;
              return;
            }
            const r = await outbox.sendPending({ includeNotSent: true });
            console.log(`sent ${r.sent}, failed ${r.failed}`);
          }
          const rows = await outbox.list(opts.status);
          if (opts.json) for (const r of rows) console.log(JSON.stringify(r));
          else if (!rows.length) console.log('outbox is empty');
          else for (const r of rows) console.log(`${r.status.padEnd(8)} ${r.created_at.toISOString()}  to ${r.to_address}  "${r.subject}"${r.last_error ? `  (${r.last_error})` : ''}`);
        } finally {
          await outbox.stop();
        }
      });
    });
}
