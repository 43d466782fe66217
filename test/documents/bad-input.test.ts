/**
 * Hostile or broken documents end in a clear result within the document's time limit, never a
 * crash or a hang: an encrypted PDF, a PDF with no pages, and a PDF far over the page limit.
 * Nothing here needs the shared test material: the PDFs are built in the test, except the
 * encrypted one, which is a committed fixture (qpdf is not installed in CI).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_EXTRACT_LIMITS, extractDocument } from '../../src/documents/extract.ts';
import { createOcrPool } from '../../src/documents/ocr-pool.ts';
import { openPdf } from '../../src/documents/pdf-text.ts';
import { repoRoot } from '../harness/shared.ts';
import { textPdf } from '../harness/pdf.ts';

/**
 * The one-page invoice below, textPdf([INVOICE]), encrypted with
 * `qpdf --encrypt user owner 256 -- in.pdf out.pdf`: user password "user", owner password "owner", AES-256.
 */
const ENCRYPTED = path.join(repoRoot, 'test', 'fixtures', 'documents', 'encrypted-user-password.pdf');
const INVOICE = ['Invoice INV-2041', 'Date 2026-03-14', 'Acme Supplies Ltd', 'Total due EUR 1,250.00'];
/** Generous: a hang fails the test instead of stalling the suite; the extractor's own limit is timeMs. */
const TIMEOUT = { timeout: 120_000 };

const ocr = createOcrPool({ workers: 1 });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bad-input-'));

describe('bad documents end in a clear result, never a crash or a hang', () => {
  after(async () => {
    await ocr.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('an encrypted PDF is a clear error saying it is password protected', TIMEOUT, async () => {
    const bytes = fs.readFileSync(ENCRYPTED);
    assert.ok(bytes.includes('/Encrypt'), 'the fixture carries an /Encrypt dictionary');
    const r = await extractDocument(bytes, 'locked.pdf', { ocr });
    assert.equal(r.error, 'the PDF is encrypted (password protected)');
    assert.equal(r.file, 'locked.pdf');
    assert.equal(r.pages, 0);
    assert.equal(r.source, 'none');
    assert.ok(Object.values(r.fields).every((v) => v === null), 'no field is guessed');
    assert.equal(r.needs_review, true);
  });

  test('the encrypted fixture opens with its user password, so the error is about the password alone', TIMEOUT, async () => {
    const pdf = await openPdf(fs.readFileSync(ENCRYPTED), { password: 'user' });
    try {
      assert.equal(pdf.pages, 1);
      assert.match(pdf.texts[0] ?? '', /INV-2041/);
    } finally {
      await pdf.close();
    }
  });

  test('an encrypted PDF is a one-line error naming the file with exit code 2, and the other files are still read', TIMEOUT, () => {
    fs.copyFileSync(ENCRYPTED, path.join(tmp, 'locked.pdf'));
    fs.writeFileSync(path.join(tmp, 'good.pdf'), textPdf([INVOICE]));
    // Run in the temp folder (no .env) and offline, so no vision model reads the good file.
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'mailroom.js'), 'extract', '--json', 'locked.pdf', 'good.pdf'], {
      cwd: tmp,
      encoding: 'utf8',
      env: { ...process.env, LLM_PROVIDER: 'offline' },
      timeout: 110_000,
    });
    assert.equal(r.status, 2, r.stderr);
    const errors = r.stderr.split('\n').filter((l) => l.includes('locked.pdf'));
    assert.deepEqual(errors, ['mailroom: locked.pdf: the PDF is encrypted (password protected)']);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 2);
    assert.deepEqual(lines[0], { file: 'locked.pdf', error: 'the PDF is encrypted (password protected)' });
    assert.equal(lines[1].file, 'good.pdf');
    assert.equal(lines[1].error, undefined);
    assert.equal(lines[1].fields.invoice_number, 'INV-2041');
    assert.equal(lines[1].fields.total, 1250);
  });

  test('a PDF with zero pages is a clear "no pages" error', TIMEOUT, async () => {
    const bytes = textPdf([]);
    assert.match(bytes.toString('latin1'), /\/Kids \[\] \/Count 0/);
    const r = await extractDocument(bytes, 'empty.pdf', { ocr });
    assert.equal(r.error, 'the PDF has no pages');
    assert.equal(r.pages, 0);
    assert.equal(r.source, 'none');
  });

  test('a 500-page PDF is read up to the page limit, says so, reports its true page count and finishes within the time limit', TIMEOUT, async () => {
    const { maxPages, timeMs } = DEFAULT_EXTRACT_LIMITS;
    const pages = Array.from({ length: 500 }, (_, i) => (i === 0 ? INVOICE : [`Page ${i + 1} of 500: the quick brown fox jumps over the lazy dog`]));
    const bytes = textPdf(pages);

    // The text layer is read for the first maxPages pages only; the page count stays the real one.
    const pdf = await openPdf(bytes, { maxPages });
    try {
      assert.equal(pdf.pages, 500);
      assert.equal(pdf.texts.length, maxPages);
      assert.match(pdf.texts.at(-1) ?? '', new RegExp(`^Page ${maxPages} of 500`));
    } finally {
      await pdf.close();
    }

    const r = await extractDocument(bytes, 'huge.pdf', { ocr });
    // Past the time limit the result would carry an "extraction took longer than" error instead.
    assert.equal(r.error, undefined);
    assert.ok(r.timings_ms.total! <= timeMs, `took ${r.timings_ms.total} ms, over the ${timeMs} ms limit`);
    assert.equal(r.pages, 500);
    assert.equal(r.source, 'text');
    assert.equal(r.paths.text.status, 'ok');
    assert.equal(r.paths.ocr.status, 'ok');
    assert.equal(r.fields.invoice_number, 'INV-2041');
    assert.equal(r.fields.total, 1250);
    assert.match(r.warnings.join('\n'), /only the first 50 of 500 pages/, 'the result says what was left out');
  });

  test('a PDF that keeps the reader busy past its time limit is stopped, and the next document is read normally', TIMEOUT, async () => {
    const huge = textPdf(Array.from({ length: 500 }, (_, i) => [`Page ${i + 1}: the quick brown fox jumps over the lazy dog`]));
    // pdf.js runs in a worker thread; when a request overruns, the thread is terminated, not waited for.
    await assert.rejects(openPdf(huge, { maxPages: 500, timeoutMs: 5 }), /reading the PDF took longer than 5 ms: stopped/);
    const pdf = await openPdf(textPdf([INVOICE]));
    try {
      assert.equal(pdf.pages, 1);
      assert.match(pdf.texts[0]!, /INV-2041/);
    } finally {
      await pdf.close();
    }
  });
});
