import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { extractDocument } from '../../src/documents/extract.ts';
import { createOcrPool } from '../../src/documents/ocr-pool.ts';
import { repoRoot, sharedData, needsShared } from '../harness/shared.ts';

const ocr = createOcrPool({ workers: 1 });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'extract-'));
const attachment = async (sample: string) => (await simpleParser(fs.readFileSync(sharedData('samples', sample)))).attachments[0]!.content;

/** A PNG whose header declares a 100,000 × 100,000 canvas: a decompression bomb. */
function bombPng(): Buffer {
  const ihdr = Buffer.alloc(25);
  ihdr.writeUInt32BE(13, 0);
  ihdr.write('IHDR', 4, 'latin1');
  ihdr.writeUInt32BE(100_000, 8);
  ihdr.writeUInt32BE(100_000, 12);
  ihdr.writeUInt8(8, 16);
  ihdr.writeUInt8(2, 17);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ihdr]);
}

describe('document extraction on real files', { skip: needsShared }, () => {
  after(async () => {
    await ocr.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('a text PDF is read from its text layer and confirmed by OCR of the rendered page', async () => {
    const r = await extractDocument(await attachment('04-invoice-forward.eml'), 'INV-9078.pdf', { ocr });
    assert.equal(r.source, 'text');
    assert.equal(r.fields.total, 5695.55);
    assert.equal(r.fields.iban, 'GB32NWBK54907401061246');
    assert.deepEqual(r.detail!.total.sources, ['text', 'ocr']);
    assert.equal(r.needs_review, false);
    assert.equal(r.paths.vision.status, 'unavailable');
  });

  test('a scanned invoice image has one reading: its sums add up, but without a second path it goes to review', async () => {
    const r = await extractDocument(await attachment('03-invoice-scan.eml'), 'scan.png', { ocr });
    assert.equal(r.source, 'ocr');
    assert.deepEqual([r.fields.invoice_number, r.fields.total, r.fields.invoice_date], ['F437881', 11704.99, '2026-11-11']);
    assert.ok(r.checks.some((c) => c.name === 'subtotal + tax = total' && c.ok));
    assert.deepEqual(r.detail!.total.sources, ['ocr']);
    assert.equal(r.needs_review, true);
    assert.match(r.review.find((x) => x.field === 'total')?.note ?? '', /same reading, not an independent check/);
  });

  test('a corrupt PDF, a non-document and a decompression bomb each end in a clear error', async () => {
    const corrupt = await extractDocument(Buffer.from('%PDF-1.7\n1 0 obj <<>> garbage'), 'broken.pdf', { ocr });
    assert.match(corrupt.error ?? '', /corrupt or unreadable PDF|no pages/);
    const text = await extractDocument(Buffer.from('hello'), 'notes.txt', { ocr });
    assert.match(text.error ?? '', /not a PDF, an image/);
    const bomb = await extractDocument(bombPng(), 'bomb.png', { ocr });
    assert.match(bomb.error ?? '', /decompression bomb/);
  });

  test('a document that is not an invoice says so, with the reason', async () => {
    const r = await extractDocument(await renderTextPdf('Meeting notes\nWe discussed the roadmap and the hiring plan for next year.'), 'notes.pdf', { ocr });
    assert.match(r.not_an_invoice ?? '', /no invoice number, date or amount|no total/);
    assert.equal(r.needs_review, false);
  });

  test('a receipt whose total cannot be read goes to a person as needs_review, not as "not an invoice"', async () => {
    const receipt = 'Kedai Runcit Maju\nGST Reg 001234567\nQty Item Amt\n2 Teh tarik 3.00\n1 Roti canai 1.50\nTender\nThank you, come again';
    const r = await extractDocument(await renderTextPdf(receipt), 'receipt.pdf', { ocr });
    assert.equal(r.fields.total, null);
    assert.equal(r.not_an_invoice, null);
    assert.equal(r.needs_review, true);
    assert.ok(r.review.some((x) => x.field === 'total' && x.note === 'no path found a total'));
    assert.match(r.warnings.join(' '), /reads like an invoice or receipt \(.*gst.*\)/);
  });

  test('mailroom extract prints one JSON line per file and exits 2 on a bad one, after the others', () => {
    const pdf = path.join(tmp, 'inv.pdf');
    return attachment('01-invoice-text.eml').then((bytes) => {
      fs.writeFileSync(pdf, bytes);
      const bad = path.join(tmp, 'bad.pdf');
      fs.writeFileSync(bad, '%PDF-1.4 truncated');
      const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'mailroom.js'), 'extract', '--json', bad, pdf], { encoding: 'utf8' });
      assert.equal(r.status, 2);
      assert.match(r.stderr, /bad\.pdf: /);
      const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
      assert.equal(lines.length, 2);
      assert.equal(lines[1].fields.total, 11704.07);
      assert.equal(lines[1].fields.invoice_date, '2026-11-06');
    });
  });
});

/** A minimal one-page PDF with a real text layer, built by hand so the test needs no PDF writer. */
async function renderTextPdf(text: string): Promise<Buffer> {
  const lines = text.split('\n').map((l, i) => `BT /F1 12 Tf 50 ${750 - i * 16} Td (${l.replace(/[()\\]/g, '')}) Tj ET`).join('\n');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${lines.length} >>\nstream\n${lines}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}
