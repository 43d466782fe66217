/**
 * The labelled-example store on real PostgreSQL: recording is idempotent, and the nearest
 * examples are found by full-text similarity across languages and word forms.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createExamplesPort, exampleText, nearestExamples, recordExample, recordExamples } from '../../src/learning/examples.ts';
import { testDatabase, type TestDatabase } from '../harness/postgres.ts';

describe('labelled examples (real PostgreSQL)', () => {
  let db: TestDatabase;
  before(async () => {
    db = await testDatabase();
    await recordExamples(db.pool, [
      { kind: 'route', text: 'Webhook endpoint silent\nOur webhook endpoint has not received any events since last night although events show in the log.', label: { route: 'support' }, source: 'approval:triage', by: ['cli:ops'] },
      { kind: 'category', text: 'Webhook endpoint silent\nOur webhook endpoint has not received any events since last night although events show in the log.', label: { category: 'technical' }, source: 'approval:triage' },
      { kind: 'category', text: 'Charged twice\nMy card was charged twice for the March subscription, please refund one payment.', label: { category: 'billing' }, source: 'approval:support.reply' },
      { kind: 'category', text: 'Passwort\nIch kann mich nicht anmelden, das Passwort wird nicht akzeptiert.', label: { category: 'account' }, source: 'approval:support.reply' },
    ]);
  });
  after(() => db.close());

  test('a rephrased message finds the correction made for the original, ranked above unrelated ones', async () => {
    const hits = await nearestExamples(db.pool, 'No webhook events received\nThe webhook endpoint receives no events since yesterday, yet the log shows them', { kind: 'category' });
    assert.equal(hits[0]?.label.category, 'technical');
    assert.ok(hits[0]!.similarity > 0.4, `similarity ${hits[0]!.similarity}`);
    assert.ok(hits.slice(1).every((h) => h.similarity < hits[0]!.similarity));
  });

  test('stop words alone do not make two messages neighbours; word forms do (stemming)', async () => {
    assert.deepEqual(await nearestExamples(db.pool, 'The and of it is for our, has not any', { kind: 'category' }), []);
    const [hit] = await nearestExamples(db.pool, 'refunding a double charge on my subscriptions', { kind: 'category' });
    assert.equal(hit?.label.category, 'billing');
  });

  test('the kind filter keeps kinds apart and the port drops weak matches', async () => {
    const routes = await nearestExamples(db.pool, 'webhook events', { kind: 'route' });
    assert.deepEqual(routes.map((r) => r.label), [{ route: 'support' }]);
    const port = createExamplesPort(db.pool, { minSimilarity: 0.99 });
    assert.deepEqual(await port.nearest('webhook events', 'route', 3), []);
  });

  test('German text matches German corrections; tsquery operators in the text are only words', async () => {
    const [hit] = await nearestExamples(db.pool, 'Anmelden geht nicht: Passwort falsch', { kind: 'category' });
    assert.equal(hit?.label.category, 'account');
    const hostile = await nearestExamples(db.pool, "webhook' | !(x & y) <-> :* \\ '' \u0000", { kind: 'route' });
    assert.equal(hostile[0]?.label.route, 'support');
    assert.deepEqual(await nearestExamples(db.pool, '   ', {}), []);
  });

  test('recording the same correction twice (a replayed step) stores it once', async () => {
    const e = { kind: 'priority' as const, text: 'Checkout down for all customers', label: { priority: 'urgent', was: 'normal' }, source: 'approval:support.reply' };
    const first = await recordExample(db.pool, e);
    const again = await recordExample(db.pool, e);
    assert.equal(first.recorded, true);
    assert.equal(again.recorded, false);
    assert.equal(again.id, first.id);
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM mailroom.labelled_examples WHERE kind = 'priority'`);
    assert.equal(rows[0].n, 1);
  });

  test('an example is stored and looked up by subject and the first 500 characters of the body', () => {
    assert.equal(exampleText(' Hello ', `${'a'.repeat(600)}`), `Hello\n${'a'.repeat(500)}`);
    assert.equal(exampleText(null, 'body'), 'body');
  });
});
