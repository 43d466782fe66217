/**
 * `mailroom resume <file...> [--json] [--ocr-check]`: parse resumes (PDF, DOCX, text) into JSON Resume with
 * evidence, warnings and the hidden-text report. --json prints ONE JSON array with one object
 * per file (the ResumeParse plus `file`; `{ file, error }` for a file that cannot be read).
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { errorMessage } from '../errors.ts';
import { createOcrPool } from '../documents/ocr-pool.ts';
import { parseResume, type ResumeParse } from '../documents/resume/parse.ts';
import { closePdfLayoutReader } from '../documents/resume/pdf-layout.ts';
import { loadConfigOrExit } from './context.ts';

function human(file: string, r: ResumeParse): string {
  const b = r.basics;
  const place = [b.location.city, b.location.region, b.location.countryCode].filter(Boolean).join(', ');
  const out = [`${file}: read from ${r.source}${r.needs_review ? '  NEEDS REVIEW' : ''}`];
  out.push(`  name      ${b.name ?? '-'}`, `  email     ${b.email ?? '-'}`, `  phone     ${b.phone ?? '-'}`);
  if (place) out.push(`  location  ${place}`);
  for (const p of b.profiles) out.push(`  profile   ${p.network}: ${p.url}`);
  for (const w of r.work) out.push(`  work      ${w.startDate ?? '?'} – ${w.endDate ?? (w.startDate ? 'now' : '?')}  ${w.position}${w.name ? ` @ ${w.name}` : ''}${w.location ? ` (${w.location})` : ''}`);
  for (const e of r.education) out.push(`  education ${e.endDate ?? ''}  ${[e.studyType, e.area].filter(Boolean).join(' in ')}${e.institution ? ` — ${e.institution}` : ''}`);
  if (r.skills.length) out.push(`  skills    ${r.skills.map((s) => s.name).join(', ')}`);
  if (r.hidden_text.dropped) out.push(`  HIDDEN    ${r.hidden_text.dropped} invisible text item(s) dropped, e.g. ${JSON.stringify(r.hidden_text.samples[0] ?? '')}`);
  for (const w of r.warnings) out.push(`  note: ${w}`);
  return out.join('\n');
}

export function registerResume(program: Command): void {
  program
    .command('resume <file...>')
    .description('parse resumes (PDF, DOCX) into JSON Resume with the text each field came from; hidden text is dropped and flagged')
    .option('--json', 'one JSON array, one object per file (ResumeParse plus file)')
    .option('--ocr-check', 'also OCR every page and drop text-layer lines the page does not show (text under an image); slower')
    .action(async (files: string[], opts: { json?: boolean; ocrCheck?: boolean }) => {
      const { config } = loadConfigOrExit({ quiet: true });
      // The pool starts its workers only when a scanned page needs them.
      const ocr = createOcrPool({ languages: config.env.OCR_LANGUAGES.split(',') });
      const results: Array<Record<string, unknown>> = [];
      try {
        for (const file of files) {
          try {
            const r = await parseResume(fs.readFileSync(file), file, { ocr, ...(opts.ocrCheck ? { ocrCheck: true } : {}) });
            results.push({ file, ...r });
            if (!opts.json) console.log(human(file, r));
          } catch (err) {
            process.exitCode = 2;
            console.error(`mailroom: ${file}: ${errorMessage(err).split('\n')[0]}`);
            results.push({ file, error: errorMessage(err) });
          }
        }
      } finally {
        await ocr.close();
        closePdfLayoutReader();
      }
      if (opts.json) console.log(JSON.stringify(results));
    });
}
