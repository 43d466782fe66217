/**
 * Fuzzing MIME parsing with mutated real mail (the samples and the parser suites in
 * ../shared/data/eml): bit flips, truncation, splicing, duplicated headers, huge lines, tokens
 * with a meaning in MIME, and parts nested thousands deep. The parser (worker threads with time
 * and memory limits) answers every one with a parsed message or an InputError naming why, within
 * its time limit, and nothing crashes. Through intake, every mutated mail is stored byte for byte
 * and its run ends (or waits for a person), failing with a reason when it cannot be read.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { closeParsers, parseEmail } from '../../src/channels/email/parse.ts';
import { InputError } from '../../src/errors.ts';
import { getBlob, sha256 } from '../../src/intake/blobs.ts';
import type { App } from '../../src/main.ts';
import { testDatabase, type TestDatabase } from '../harness/postgres.ts';
import { needsShared } from '../harness/shared.ts';
import { settle, startService, unsettledRuns } from '../faults/service.ts';
import { mailCorpus, mimeFormat } from './corpora.ts';
import { fuzzParameters, suiteTimeout, watchCrashes, within } from './fuzz.ts';
import { applyPlan, describePlan, planArbitrary } from './mutations.ts';

const PARSE_TIMEOUT_MS = 3000;

describe('fuzz: MIME parsing', { skip: needsShared, timeout: suiteTimeout(300_000) }, () => {
  after(() => closeParsers());

  test('every mutated message is parsed or refused with a reason, in time, without a crash', async (t) => {
    const corpus = mailCorpus();
    const watch = watchCrashes();
    const outcomes = new Map<string, number>();
    try {
      await fc.assert(
        fc.asyncProperty(planArbitrary(corpus.files.length, mimeFormat), async (plan) => {
          const bytes = applyPlan(corpus.files, plan, mimeFormat);
          const what = describePlan(corpus.names, plan);
          try {
            const parsed = await within(PARSE_TIMEOUT_MS + 2000, `parsing ${what}`, () => parseEmail(bytes, { timeoutMs: PARSE_TIMEOUT_MS }));
            assert.equal(typeof parsed.text, 'string');
            assert.ok(Array.isArray(parsed.attachments) && Array.isArray(parsed.references));
            outcomes.set('parsed', (outcomes.get('parsed') ?? 0) + 1);
          } catch (err) {
            assert.ok(err instanceof InputError, `${what}: ${String(err)}`);
            assert.ok(err.message.length > 0);
            const reason = err.message.replace(/\d+/g, 'N').slice(0, 60);
            outcomes.set(reason, (outcomes.get(reason) ?? 0) + 1);
          }
        }),
        fuzzParameters(150, PARSE_TIMEOUT_MS + 5000),
      );
    } finally {
      watch.stop();
    }
    t.diagnostic(`outcomes: ${JSON.stringify(Object.fromEntries(outcomes))}`);
    assert.deepEqual(watch.crashes, []);
  });
});

describe('fuzz: mutated mail through intake', { skip: needsShared, timeout: suiteTimeout(600_000) }, () => {
  let db: TestDatabase;
  let app: App;
  before(async () => {
    db = await testDatabase();
    app = await startService(db, {});
  });
  after(async () => {
    await app?.stop();
    await db?.close();
  });

  test('each mutated mail is stored byte for byte and its run ends, failing with a reason when unreadable', async (t) => {
    // Mail without documents: extraction of attachments is fuzzed on its own (pdf.test.ts).
    const corpus = mailCorpus({ withDocuments: false });
    const watch = watchCrashes();
    const outcomes = new Map<string, number>();
    try {
      await fc.assert(
        fc.asyncProperty(planArbitrary(corpus.files.length, mimeFormat, { maxHuge: 100_000 }), async (plan) => {
          const bytes = applyPlan(corpus.files, plan, mimeFormat);
          fc.pre(bytes.length > 0);
          const what = describePlan(corpus.names, plan);
          const r = await app.intake.accept({ kind: 'email', bytes, source: { channel: 'fuzz' } });
          fc.pre(!r.duplicate);
          const stored = await getBlob(db.pool, sha256(bytes));
          assert.ok(stored?.bytes.equals(bytes), `${what}: the raw bytes are kept`);
          const s = await settle(app, r.runId!, 60_000);
          const outcome = `${s.routerState}/${s.childWorkflow ?? s.route}:${s.childState ?? '-'}`;
          outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
          for (const [id, state] of [[s.routerRunId, s.routerState], [s.childRunId, s.childState]] as const) {
            if (state !== 'failed') continue;
            const { rows } = await db.pool.query(`SELECT error FROM mailroom.runs WHERE id = $1`, [id]);
            assert.ok(rows[0].error?.message, `${what}: run ${id} failed with a reason`);
          }
        }),
        fuzzParameters(10, 90_000),
      );
    } finally {
      watch.stop();
    }
    t.diagnostic(`outcomes: ${JSON.stringify(Object.fromEntries(outcomes))}`);
    assert.deepEqual(await unsettledRuns(app), []);
    assert.deepEqual(watch.crashes, []);
  });
});
