/**
 * Fuzzing PDF reading with mutated real invoices, receipts and hybrid e-invoices from
 * ../shared/data: the PDF reader (pdf.js in a worker thread with a time limit) opens each one or
 * refuses it with an InputError; the embedded e-invoice reader finds the XML or nothing; and the
 * whole extraction (text layer, embedded XML, rendering and OCR) returns a result, with an error
 * or the fields, within its time limit. Nothing crashes.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readEmbeddedInvoice } from '../../src/documents/einvoice.ts';
import { extractDocument } from '../../src/documents/extract.ts';
import { createOcrPool } from '../../src/documents/ocr-pool.ts';
import { closePdfReader, openPdf } from '../../src/documents/pdf-text.ts';
import { InputError } from '../../src/errors.ts';
import { needsShared } from '../harness/shared.ts';
import { pdfCorpus, pdfFormat } from './corpora.ts';
import { fuzzParameters, suiteTimeout, watchCrashes, within } from './fuzz.ts';
import { applyPlan, describePlan, planArbitrary, type Plan } from './mutations.ts';

/**
 * Found by this fuzzer: the Calendly invoice with an "obj" token and two bit flips keeps a usable
 * text layer, but its page cannot be rendered ("Convert String to CString failed" from the
 * renderer), which threw away the text layer's reading with it.
 */
const RENDER_FAILS: Plan = { file: 2, mutations: [{ insert: 95489531, token: 'obj' }, { flip: 11523838, bit: 3 }, { flip: 666811480, bit: 5 }] };

const READ_TIMEOUT_MS = 5000;
const EXTRACT_TIME_MS = 20_000;

describe('fuzz: PDF reading', { skip: needsShared, timeout: suiteTimeout(600_000) }, () => {
  const ocr = createOcrPool({ workers: 1 });
  after(async () => {
    await ocr.close();
    await closePdfReader();
  });

  test('every mutated PDF is opened or refused with a reason, its embedded XML read or not found, in time, without a crash', async (t) => {
    const corpus = pdfCorpus();
    const watch = watchCrashes();
    const outcomes = new Map<string, number>();
    const count = (k: string) => outcomes.set(k, (outcomes.get(k) ?? 0) + 1);
    try {
      await fc.assert(
        fc.asyncProperty(planArbitrary(corpus.files.length, pdfFormat, { maxHuge: 100_000 }), async (plan) => {
          const bytes = applyPlan(corpus.files, plan, pdfFormat);
          const what = describePlan(corpus.names, plan);
          try {
            const pdf = await within(READ_TIMEOUT_MS + 2000, `opening ${what}`, () => openPdf(bytes, { timeoutMs: READ_TIMEOUT_MS }));
            assert.ok(pdf.pages >= 1 && pdf.texts.length <= pdf.pages, what);
            assert.ok(pdf.texts.every((x) => typeof x === 'string'));
            await pdf.close();
            count('opened');
          } catch (err) {
            assert.ok(err instanceof InputError, `${what}: ${String(err)}`);
            count(err.message.replace(/:.*/, ''));
          }
          // The embedded e-invoice reader runs on PDFs the text reader may refuse; any failure is an error, never a crash or hang.
          const embedded = await within(READ_TIMEOUT_MS + 2000, `reading the embedded XML of ${what}`, () =>
            readEmbeddedInvoice(bytes).then((e) => (e ? 'found' : 'none'), (err: unknown) => `error: ${(err as Error).message.slice(0, 30)}`),
          );
          count(`xml ${embedded.replace(/:.*/, '')}`);
        }),
        fuzzParameters(40, 2 * READ_TIMEOUT_MS + 8000),
      );
    } finally {
      watch.stop();
    }
    t.diagnostic(`outcomes: ${JSON.stringify(Object.fromEntries(outcomes))}`);
    assert.deepEqual(watch.crashes, []);
  });

  test('the whole extraction of a mutated PDF returns fields or an error, within its time limit', async (t) => {
    const corpus = pdfCorpus(200 * 1024);
    const watch = watchCrashes();
    const outcomes: string[] = [];
    try {
      await fc.assert(
        fc.asyncProperty(planArbitrary(corpus.files.length, pdfFormat, { maxHuge: 50_000, maxDepth: 2000 }), async (plan) => {
          const bytes = applyPlan(corpus.files, plan, pdfFormat);
          const what = describePlan(corpus.names, plan);
          const r = await within(EXTRACT_TIME_MS + 5000, `extracting ${what}`, () => extractDocument(bytes, 'fuzzed.pdf', { ocr, limits: { timeMs: EXTRACT_TIME_MS, maxOcrPages: 1 } }));
          assert.equal(typeof r.needs_review, 'boolean');
          if (r.error) assert.ok(r.error.length > 0 && r.needs_review, `${what}: an error goes to a person`);
          else assert.ok(r.pages >= 1, what);
          outcomes.push(r.error ? `error: ${r.error.slice(0, 40)}` : `${r.source}${r.needs_review ? ' (review)' : ''}`);
        }),
        fuzzParameters(6, EXTRACT_TIME_MS + 10_000, [[RENDER_FAILS]]),
      );
    } finally {
      watch.stop();
    }
    t.diagnostic(`outcomes: ${outcomes.join(' | ')}`);
    assert.deepEqual(watch.crashes, []);
  });

  test('regression: a page that cannot be rendered costs the OCR path, not the text layer already read', async () => {
    const corpus = pdfCorpus(200 * 1024);
    assert.match(corpus.names[RENDER_FAILS.file]!, /Calendly-invoice/);
    const r = await extractDocument(applyPlan(corpus.files, RENDER_FAILS, pdfFormat), 'fuzzed.pdf', { ocr, limits: { timeMs: EXTRACT_TIME_MS, maxOcrPages: 1 } });
    assert.equal(r.error, undefined);
    assert.equal(r.paths.text.status, 'ok');
    assert.equal(r.paths.ocr.status, 'failed');
    assert.match(r.paths.ocr.reason ?? '', /page 1 could not be rendered/);
    assert.ok(Object.values(r.fields).some((v) => v !== null), `the text layer's reading is kept: ${JSON.stringify(r.fields)}`);
  });
});
