/**
 * Fuzzing e-invoice XML with mutated real CII and XRechnung documents from ../shared/data:
 * broken tags, entity declarations (an XML bomb must not expand), CDATA, elements nested
 * thousands deep, huge text. The reader answers with an invoice whose fields have their types, or
 * with nothing, quickly; the extraction of an XML document returns fields or an error. No crash.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseEInvoiceXml } from '../../src/documents/einvoice.ts';
import { extractDocument } from '../../src/documents/extract.ts';
import { createOcrPool } from '../../src/documents/ocr-pool.ts';
import { needsShared } from '../harness/shared.ts';
import { xmlCorpus, xmlFormat } from './corpora.ts';
import { fuzzParameters, suiteTimeout, watchCrashes, within } from './fuzz.ts';
import { applyPlan, describePlan, planArbitrary } from './mutations.ts';

const PARSE_LIMIT_MS = 2000;
const isAmount = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v));
const isTextOrNull = (v: unknown) => v === null || typeof v === 'string';

describe('fuzz: e-invoice XML', { skip: needsShared, timeout: suiteTimeout(300_000) }, () => {
  // Never used for XML (no pages to OCR); extraction needs a pool to be given.
  const ocr = createOcrPool({ workers: 1 });
  after(() => ocr.close());

  test('every mutated XML is read as an invoice with typed fields or refused, quickly, without a crash', async (t) => {
    const corpus = xmlCorpus();
    const watch = watchCrashes();
    const outcomes = { invoice: 0, refused: 0 };
    try {
      await fc.assert(
        fc.asyncProperty(planArbitrary(corpus.files.length, xmlFormat, { maxDepth: 20_000 }), async (plan) => {
          const bytes = applyPlan(corpus.files, plan, xmlFormat);
          const what = describePlan(corpus.names, plan);
          const parsed = await within(PARSE_LIMIT_MS, `reading ${what}`, async () => parseEInvoiceXml(bytes));
          if (!parsed) {
            outcomes.refused++;
            return;
          }
          outcomes.invoice++;
          const f = parsed.fields;
          assert.ok(parsed.syntax === 'CII' || parsed.syntax === 'UBL', what);
          for (const k of ['subtotal', 'tax', 'total', 'tax_rate'] as const) assert.ok(isAmount(f[k]), `${what}: ${k} = ${String(f[k])}`);
          for (const k of ['vendor', 'invoice_number', 'currency', 'iban', 'po_number'] as const) assert.ok(isTextOrNull(f[k]), `${what}: ${k}`);
          for (const k of ['invoice_date', 'due_date'] as const) assert.ok(f[k] === null || /^\d{4}-\d{2}-\d{2}$/.test(f[k]), `${what}: ${k} = ${f[k]}`);
          assert.ok(f.invoice_number || f.total !== null, 'an invoice names a number or a total');
          // No entity was expanded: an XML bomb stays a few bytes of text.
          const textLength = [...Object.values(f), ...f.line_items.map((l) => l.description)].reduce((n: number, v) => n + (typeof v === 'string' ? v.length : 0), 0);
          assert.ok(textLength <= bytes.length, `${what}: the fields are no larger than the document`);
        }),
        fuzzParameters(300, PARSE_LIMIT_MS + 1000),
      );
    } finally {
      watch.stop();
    }
    t.diagnostic(`outcomes: ${JSON.stringify(outcomes)}`);
    assert.deepEqual(watch.crashes, []);
  });

  test('the extraction of a mutated XML document returns its fields or an error', async () => {
    const corpus = xmlCorpus();
    const watch = watchCrashes();
    try {
      await fc.assert(
        fc.asyncProperty(planArbitrary(corpus.files.length, xmlFormat), async (plan) => {
          const bytes = applyPlan(corpus.files, plan, xmlFormat);
          const what = describePlan(corpus.names, plan);
          const r = await within(5000, `extracting ${what}`, () => extractDocument(bytes, 'fuzzed.xml', { ocr }));
          if (r.error) assert.ok(r.needs_review, `${what}: an error goes to a person`);
          else assert.equal(r.source, 'einvoice', what);
        }),
        fuzzParameters(60, 8000),
      );
    } finally {
      watch.stop();
    }
    assert.deepEqual(watch.crashes, []);
  });
});
