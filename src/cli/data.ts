import path from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../errors.ts';
import { readCsv } from '../data/csv.ts';
import { readArticles, upsertArticles } from '../data/kb.ts';
import { poCsv, upsertPurchaseOrders, upsertVendors, vendorCsv } from '../data/vendors.ts';
import { withApp } from './context.ts';

const KINDS = ['kb', 'vendors', 'pos'] as const;

export function registerDataCommands(program: Command): void {
  const data = program.command('data').description('business data: knowledge base, vendors, purchase orders');
  data
    .command('import <kind> <source>')
    .description(
      'import business data (upserts by id): kb <file.csv | folder of .md>, vendors <file.csv> (id,name,email_domains,iban,currency,address), pos <file.csv> (number,vendor_id,amount,currency,status)',
    )
    .action(async (kind: string, source: string) => {
      await withApp('cli', async (app) => {
        if (!KINDS.includes(kind as (typeof KINDS)[number])) throw new InputError(`unknown kind "${kind}"; expected one of ${KINDS.join(', ')}`);
        let n = 0;
        if (kind === 'kb') n = await upsertArticles(app.db.pool, readArticles(source), path.basename(source));
        if (kind === 'vendors') n = await upsertVendors(app.db.pool, readCsv(source, vendorCsv));
        if (kind === 'pos') n = await upsertPurchaseOrders(app.db.pool, readCsv(source, poCsv));
        console.log(`imported ${n} ${kind} record(s) from ${source}`);
      });
    });
}
