/**
 * `mailroom leads [--json]`: every lead with its score, band, status and sequence progress
 * (one JSON object per line with --json, keys exactly as documented); `mailroom leads show
 * <id|email>`: one lead's story — the score's factors, events, and CRM notes.
 */
import type { Command } from 'commander';
import { InputError } from '../errors.ts';
import { getLeadDetail, listLeads } from '../queries/leads.ts';
import { withApp } from './context.ts';

export function registerLeads(program: Command): void {
  const leads = program
    .command('leads')
    .description('leads with score (fit/intent/engagement), band, status, emails sent, last contact and next step')
    .option('--json', 'one JSON object per lead, one per line')
    .option('--status <status>', 'only leads with this status (new|alerted|nurturing|replied|closed|unsubscribed|bounced|suppressed)')
    .option('--band <band>', 'only hot, warm or cold leads')
    .action(async (opts: { json?: boolean; status?: string; band?: string }) => {
      await withApp('cli', async (app) => {
        const rows = await listLeads(app.db.pool, { status: opts.status, band: opts.band });
        if (opts.json) {
          for (const r of rows) console.log(JSON.stringify(r));
          return;
        }
        if (!rows.length) return console.log('no leads');
        for (const r of rows) {
          console.log(
            `${r.id}  ${r.email.padEnd(34)} ${(r.company ?? '-').padEnd(18).slice(0, 18)} ${String(r.score ?? '-').padStart(3)} (${r.fit ?? '-'}/${r.intent ?? '-'}/${r.engagement ?? '-'}) ${(r.band ?? '-').padEnd(4)} ${r.status.padEnd(12)} sent ${r.emails_sent}` +
              `${r.next_step_at ? `  next ${r.next_step_at}` : ''}`,
          );
        }
      });
    });
  leads
    .command('show <lead>')
    .description("one lead's score factors, events and CRM notes (by id or email)")
    .option('--json', 'as one JSON object')
    .action(async (id: string, opts: { json?: boolean }) => {
      await withApp('cli', async (app) => {
        const lead = await getLeadDetail(app.db.pool, id);
        if (!lead) throw new InputError(`no lead ${id}`);
        if (opts.json) return console.log(JSON.stringify(lead));
        console.log(`${lead.email} (${lead.name ?? '-'}, ${lead.title ?? '-'}, ${lead.company ?? '-'}): ${lead.score ?? '-'} ${lead.band ?? '-'} — ${lead.status}${lead.status_reason ? ` (${lead.status_reason})` : ''}`);
        for (const f of lead.factors as Array<{ category: string; points: number; factor: string; evidence: string; source: string }>) {
          console.log(`  ${f.category.padEnd(10)} ${String(f.points).padStart(3)}  ${f.factor}: ${f.evidence} [${f.source}]`);
        }
        for (const n of lead.notes) console.log(`  ${n.at}  ${n.body.split('\n')[0]}`);
      });
    });
}
