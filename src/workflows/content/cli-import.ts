/**
 * `mailroom data import docs <folder>` (research sources) and `mailroom data import calendar
 * <file.ics|file.csv>` (the content calendar), for src/cli/data.ts.
 */
import type { Queryable } from '../../engine/run-store.ts';
import path from 'node:path';
import type { Policy } from '../../policy/schema.ts';
import { readCalendar, upsertCalendar } from './calendar.ts';
import { readSourceFolder } from './import-docs.ts';
import { upsertDocuments } from './sources.ts';

/** What the command prints: lines for stdout, lines for stderr. */
export interface ImportReport {
  out: string[];
  err: string[];
}

/** Handles the content kinds; null for any other kind (the caller's own). */
export async function importContentData(db: Queryable, kind: string, source: string, policy: Policy): Promise<ImportReport | null> {
  if (kind === 'docs') {
    const read = await readSourceFolder(source);
    const counts = await upsertDocuments(db, read.documents);
    return {
      out: [`imported ${read.documents.length} document(s) from ${source}: ${counts.inserted} new, ${counts.updated} updated, ${counts.unchanged} unchanged${read.skipped.length ? `; ${read.skipped.length} skipped` : ''}`],
      err: read.skipped.map((s) => `mailroom: skipped ${s.file}: ${s.reason}`),
    };
  }
  if (kind === 'calendar') {
    const entries = readCalendar(source);
    await upsertCalendar(db, entries, policy.content.calendar_lead_days, path.basename(source));
    const first = entries.map((e) => e.publishAt.getTime()).sort((a, b) => a - b)[0];
    return {
      out: [`imported ${entries.length} calendar entr${entries.length === 1 ? 'y' : 'ies'} from ${source}${first ? `; the first publishes ${new Date(first).toISOString()}, its run starts ${policy.content.calendar_lead_days} day(s) before` : ''}`],
      err: [],
    };
  }
  return null;
}
