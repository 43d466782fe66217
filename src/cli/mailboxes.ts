import type { Command } from 'commander';
import { listMailboxHealth } from '../channels/email/mailbox-state.ts';
import { withApp } from './context.ts';

export function registerMailboxes(program: Command): void {
  program
    .command('mailboxes')
    .description('IMAP mailbox health: connected, last IDLE event, last UID, lag, last error')
    .option('--json', 'one JSON object per line')
    .action(async (opts: { json?: boolean }) => {
      await withApp('cli', async (app) => {
        const rows = await listMailboxHealth(app.db.pool);
        if (opts.json) for (const r of rows) console.log(JSON.stringify(r));
        else if (!rows.length) console.log('no IMAP mailbox has been read yet (IMAP_HOST / IMAP_ACCOUNTS unset: the watched folder is the inbox)');
        else {
          for (const r of rows) {
            const when = (d: Date | null) => (d ? d.toISOString().replace('T', ' ').slice(0, 19) : '-');
            console.log(
              `${r.account}/${r.mailbox}  ${r.connected ? 'connected' : 'DISCONNECTED'}  last UID ${r.last_uid}  last IDLE event ${when(r.last_idle_event_at)}` +
                `${r.lag_ms !== null ? `  lag ${r.lag_ms} ms` : ''}${r.pending ? `  ${r.pending} pending` : ''}${r.last_error ? `  last error: ${r.last_error}` : ''}`,
            );
          }
        }
      });
    });
}
