import fs from 'node:fs';
import type { Command } from 'commander';
import { errorMessage } from '../errors.ts';
import { extractDocument, type ExtractionResult } from '../documents/extract.ts';
import { createOcrPool } from '../documents/ocr-pool.ts';
import { chooseProvider } from '../llm/decision-core.ts';
import { createAnthropicInvoiceVision } from '../llm/anthropic/invoice-vision.ts';
import { createOpenAICompatibleInvoiceVision } from '../llm/openai/invoice-vision.ts';
import { loadConfigOrExit } from './context.ts';

function human(r: ExtractionResult): string {
  const f = r.fields;
  const einvoice = r.paths.einvoice?.status === 'ok' ? `e-invoice XML (${r.paths.einvoice.reason})` : '';
  const read = r.source === 'einvoice' ? einvoice : `${r.pages} page(s), read from ${r.source}${einvoice ? ` and its ${einvoice}` : ''}`;
  const lines = [`${r.file}: ${read}${r.needs_review ? '  NEEDS REVIEW' : ''}${r.not_an_invoice ? `  not an invoice: ${r.not_an_invoice}` : ''}`];
  for (const [k, v] of Object.entries(f)) if (v !== null) lines.push(`  ${k.padEnd(15)} ${v}${r.detail ? `   [${r.detail[k as keyof typeof r.detail].sources.join('+') || '-'}]` : ''}`);
  for (const c of r.checks) lines.push(`  check ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
  for (const w of r.warnings ?? []) lines.push(`  note: ${w}`);
  for (const x of r.review) lines.push(`  review ${x.field}: ${x.values.map((v) => `${v.source}=${JSON.stringify(v.value)}`).join(' vs ')}${x.note ? ` (${x.note})` : ''}`);
  return lines.join('\n');
}

export function registerExtract(program: Command): void {
  program
    .command('extract <file...>')
    .description('extract invoice fields from PDFs and images along independent paths (embedded e-invoice XML, text layer, OCR, vision model) and cross-check them')
    .option('--json', 'one JSON object per file, one per line')
    .action(async (files: string[], opts: { json?: boolean }) => {
      // With Claude configured, the vision model reads the pages as a third independent path.
      const { config, log } = loadConfigOrExit({ quiet: true });
      const ocr = createOcrPool({ languages: config.env.OCR_LANGUAGES.split(',') });
      const provider = chooseProvider(config);
      const vision = provider === 'anthropic' ? createAnthropicInvoiceVision({ config, log }) : provider === 'openai' ? createOpenAICompatibleInvoiceVision({ config, log }) : undefined;
      try {
        for (const file of files) {
          let result: ExtractionResult;
          try {
            result = await extractDocument(fs.readFileSync(file), file, { ocr, ...(vision ? { vision, textModel: config.env.EXTRACT_TEXT_MODEL } : {}) });
          } catch (err) {
            result = { file, error: errorMessage(err) } as ExtractionResult;
          }
          if (result.error) {
            // A corrupt, encrypted or empty document: one line naming the file, exit code 2, and on to the next.
            process.exitCode = 2;
            console.error(`mailroom: ${file}: ${result.error.split('\n')[0]}`);
            if (opts.json) console.log(JSON.stringify({ file, error: result.error }));
            continue;
          }
          const { detail: _detail, ...flat } = result;
          console.log(opts.json ? JSON.stringify(flat) : human(result));
        }
      } finally {
        await ocr.close();
      }
    });
}
