/**
 * Development aid, not a benchmark: per-case misses of the offline extractor on the shared
 * invoices and receipts. Receipt OCR text is cached in $EVAL_CACHE so rule changes re-run fast.
 *   node bench/eval-fields.ts [invoices|receipts|zugferd]
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseDate } from '../src/documents/dates.ts';
import { crossCheck } from '../src/documents/cross-check.ts';
import { extractDocument, type ExtractionResult } from '../src/documents/extract.ts';
import { prepareImage } from '../src/documents/image-guard.ts';
import { extractInvoiceFields } from '../src/documents/invoice-fields.ts';
import { parseAmount } from '../src/documents/numbers.ts';
import { createOcrPool } from '../src/documents/ocr-pool.ts';
import { readImage } from '../src/documents/ocr-read.ts';
import { sharedData } from '../test/harness/shared.ts';

const which = process.argv[2] ?? 'receipts';
const cache = process.env.EVAL_CACHE ?? '/tmp/ocrcache';
const ocr = createOcrPool();
let ok = 0, dok = 0, n = 0;
/** As the benchmark counts it: flagged only when a person is asked (not an error, not "not an invoice"). */
const flag = (r: Pick<ExtractionResult, 'needs_review' | 'not_an_invoice' | 'error'>) =>
  r.error ? `ERROR (${r.error})` : r.not_an_invoice ? `NOT AN INVOICE (${r.not_an_invoice})` : r.needs_review ? 'review' : 'NOT FLAGGED';
const report = (file: string, total: unknown, want: unknown, date: unknown, wantDate: unknown, extra = '') => {
  n++;
  const t = typeof total === 'number' && typeof want === 'number' && Math.abs(total - want) < 0.011;
  if (t) ok++;
  if (date === wantDate) dok++;
  if (!t || date !== wantDate) console.log(`${t ? '  ' : 'T '}${date === wantDate ? '  ' : 'D '}${path.basename(file)} total ${total} want ${want} | date ${date} want ${wantDate} ${extra}`);
};
try {
  if (which === 'receipts') {
    const dir = sharedData('receipts');
    fs.mkdirSync(cache, { recursive: true });
    for (const f of fs.readdirSync(path.join(dir, 'img')).filter((x) => x.endsWith('.jpg'))) {
      const key = JSON.parse(fs.readFileSync(path.join(dir, 'key', f.replace('.jpg', '.json')), 'utf8'));
      const cached = path.join(cache, `${f}.txt`);
      if (!fs.existsSync(cached)) fs.writeFileSync(cached, (await readImage(ocr, await prepareImage(fs.readFileSync(path.join(dir, 'img', f))))).text);
      const fields = extractInvoiceFields(fs.readFileSync(cached, 'utf8')).fields;
      // One OCR reading, cross-checked alone as extractDocument does for an image.
      const review = crossCheck({ ocr: fields }).needs_review ? 'review' : 'NOT FLAGGED';
      report(f, fields.total, parseAmount(key.total), fields.invoice_date, parseDate(key.date ?? '', 'dmy')?.value ?? null, review);
    }
  } else if (which === 'invoices') {
    const dir = sharedData('invoices');
    for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.pdf'))) {
      const truth = JSON.parse(fs.readFileSync(path.join(dir, f.replace(/\.pdf$/, '.json')), 'utf8'))[0];
      const r = await extractDocument(fs.readFileSync(path.join(dir, f)), f, { ocr });
      report(f, r.fields.total, Number(truth.amount), r.fields.invoice_date, truth.date ?? null, flag(r));
    }
    const parsee = sharedData('invoices-parsee');
    const truth = JSON.parse(fs.readFileSync(path.join(parsee, 'ground_truth.json'), 'utf8')) as Record<string, { total: string; date: string }>;
    for (const [f, t] of Object.entries(truth)) {
      if (!fs.existsSync(path.join(parsee, f))) continue;
      const r = await extractDocument(fs.readFileSync(path.join(parsee, f)), f, { ocr });
      report(f, r.fields.total, Number(t.total), r.fields.invoice_date, t.date, flag(r));
    }
  } else {
    const dir = sharedData('invoices-zugferd');
    const truth = JSON.parse(fs.readFileSync(path.join(dir, 'ground_truth_derived.json'), 'utf8')) as Record<string, { grand_total?: string; issue_date?: string | null }>;
    for (const [f, t] of Object.entries(truth)) {
      if (!t.grand_total) continue;
      const r = await extractDocument(fs.readFileSync(path.join(dir, f)), f, { ocr, einvoice: process.env.EINVOICE !== '0' });
      report(f, r.fields.total, Number(t.grand_total), r.fields.invoice_date, t.issue_date ?? null, flag(r));
    }
  }
  console.log({ which, n, total: ok / n, date: dok / n });
} finally {
  await ocr.close();
}
