/**
 * Fuzzing resume reading with mutated real resumes from ../shared/data/resumes: the parser
 * (pdf.js with positions in a worker, visibility, reading order, sections, entries) returns a
 * JSON Resume that passes its own schema, or refuses the file with an InputError, within its time
 * limit. Nothing crashes. OCR is off here: the OCR path has its own fuzzing through PDF extraction.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseResume } from '../../src/documents/resume/parse.ts';
import { closePdfLayoutReader } from '../../src/documents/resume/pdf-layout.ts';
import { ResumeParseSchema } from '../../src/documents/resume/types.ts';
import { InputError } from '../../src/errors.ts';
import { needsShared } from '../harness/shared.ts';
import { pdfFormat, resumeCorpus } from './corpora.ts';
import { fuzzParameters, suiteTimeout, watchCrashes, within } from './fuzz.ts';
import { applyPlan, describePlan, planArbitrary } from './mutations.ts';

const READ_TIMEOUT_MS = 8000;

describe('fuzz: resume reading', { skip: needsShared, timeout: suiteTimeout(300_000) }, () => {
  after(() => closePdfLayoutReader());

  test('every mutated resume is parsed into a valid JSON Resume or refused with a reason, in time, without a crash', async (t) => {
    const corpus = resumeCorpus();
    assert.ok(corpus.files.length >= 10, 'the resume corpus is there');
    const watch = watchCrashes();
    const outcomes = new Map<string, number>();
    const count = (k: string) => outcomes.set(k, (outcomes.get(k) ?? 0) + 1);
    try {
      await fc.assert(
        fc.asyncProperty(planArbitrary(corpus.files.length, pdfFormat, { maxHuge: 50_000 }), async (plan) => {
          const bytes = applyPlan(corpus.files, plan, pdfFormat);
          const what = describePlan(corpus.names, plan);
          try {
            const parsed = await within(READ_TIMEOUT_MS + 4000, `parsing ${what}`, () => parseResume(bytes, 'resume.pdf', { ocr: false, timeoutMs: READ_TIMEOUT_MS }));
            const valid = ResumeParseSchema.safeParse(parsed);
            assert.ok(valid.success, `${what}: ${valid.success ? '' : valid.error.message}`);
            count(parsed.needs_review ? 'parsed, needs review' : 'parsed');
          } catch (err) {
            assert.ok(err instanceof InputError, `${what}: ${String(err)}`);
            count(err.message.replace(/:.*/, '').slice(0, 40));
          }
        }),
        fuzzParameters(25, READ_TIMEOUT_MS + 8000),
      );
    } finally {
      watch.stop();
    }
    t.diagnostic(`outcomes: ${JSON.stringify(Object.fromEntries(outcomes))}`);
    assert.deepEqual(watch.crashes, []);
  });
});
