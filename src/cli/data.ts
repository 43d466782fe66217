import path from 'node:path';
import type { Command } from 'commander';
import { importContentData } from '../workflows/content/cli-import.ts';
import { InputError } from '../errors.ts';
import { readCsv } from '../data/csv.ts';
import { readArticles, upsertArticles } from '../data/kb.ts';
import { poCsv, upsertPurchaseOrders, upsertVendors, vendorCsv } from '../data/vendors.ts';
import { companyCsv, upsertCompanies } from '../workflows/lead/enrich/companies.ts';
import { importHiringData, registerErase } from './hiring.ts';
import { withApp } from './context.ts';

const KINDS = ['kb', 'vendors', 'pos', 'companies'] as const;
// Imported by the workflows' own modules (content: docs, calendar; hiring: jobs, busy).
const WORKFLOW_KINDS = ['docs', 'calendar', 'jobs', 'busy'] as const;

export function registerDataCommands(program: Command): void {
  const data = program.command('data').description('business data: knowledge base, vendors, purchase orders, companies, jobs, research documents, content calendar; erasure');
  data
    .command('import <kind> <source>')
    .description(
      'import business data (upserts by id): kb <file.csv | folder of .md>, vendors <file.csv> (id,name,email_domains,iban,currency,address), pos <file.csv> (number,vendor_id,amount,currency,status), companies <file.csv> (domain,name,employees,industry,revenue_usd,funding_stage,tech with tech separated by ;), jobs <file.yaml|json>, busy <file.csv> (interviewer busy times), docs <folder> (research sources: Markdown, text, PDF, HTML), calendar <file.ics|csv> (content calendar)',
    )
    .action(async (kind: string, source: string) => {
      await withApp('cli', async (app) => {
        // docs (research sources) and calendar (content calendar): the content workflow's data.
        const content = await importContentData(app.db.pool, kind, source, app.services.policy);
        if (content) {
          content.err.forEach((line) => console.error(line));
          content.out.forEach((line) => console.log(line));
          return;
        }
        // jobs: the hiring workflow's jobs file (src/cli/hiring.ts).
        const hiring = await importHiringData(app.db.pool, kind, source);
        if (hiring) {
          hiring.err.forEach((line) => console.error(line));
          hiring.out.forEach((line) => console.log(line));
          return;
        }
        if (!KINDS.includes(kind as (typeof KINDS)[number])) throw new InputError(`unknown kind "${kind}"; expected one of ${[...KINDS, ...WORKFLOW_KINDS].join(', ')}`);
        let n = 0;
        if (kind === 'kb') n = await upsertArticles(app.db.pool, readArticles(source), path.basename(source));
        if (kind === 'vendors') n = await upsertVendors(app.db.pool, readCsv(source, vendorCsv));
        if (kind === 'pos') n = await upsertPurchaseOrders(app.db.pool, readCsv(source, poCsv));
        if (kind === 'companies') n = await upsertCompanies(app.db.pool, readCsv(source, companyCsv), path.basename(source));
        console.log(`imported ${n} ${kind} record(s) from ${source}`);
      });
    });
  registerErase(data);
}
