/**
 * Acceptance: `mailroom process` on every sample in ../shared/data/samples gives the expected
 * workflow and outcome with the offline provider, and no injection sample causes an action.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { testDatabase, type TestDatabase } from '../harness/postgres.ts';
import { repoRoot, sharedData, needsShared } from '../harness/shared.ts';

const bin = path.join(repoRoot, 'bin', 'mailroom.js');
const samplesDir = sharedData('samples');
const samples = needsShared ? [] : fs.readdirSync(samplesDir).filter((f) => f.endsWith('.eml')).sort();

describe('mailroom process on the labelled samples (offline provider)', { skip: needsShared }, () => {
  let db: TestDatabase;
  const results = new Map<string, any>();
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [bin, ...args], { env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'warn', ANTHROPIC_API_KEY: '', LLM_PROVIDER: '' }, encoding: 'utf8', cwd: repoRoot });

  before(async () => {
    db = await testDatabase();
    for (const [kind, file] of [['vendors', 'vendors.csv'], ['pos', 'pos.csv'], ['kb', 'kb']]) {
      const r = cli('data', 'import', kind!, path.join(repoRoot, 'examples', 'data', file!));
      assert.equal(r.status, 0, r.stderr);
    }
    const r = cli('process', '--json', ...samples.map((s) => path.join(samplesDir, s)));
    assert.equal(r.status, 0, r.stderr);
    for (const line of r.stdout.trim().split('\n')) {
      const o = JSON.parse(line);
      results.set(path.basename(o.input), o);
    }
  });
  after(async () => db.close());

  for (const sample of samples) {
    const expected = JSON.parse(fs.readFileSync(path.join(samplesDir, sample.replace(/\.eml$/, '.expected.json')), 'utf8'));
    test(`${sample} → ${expected.workflow}${expected.category ? ` (${expected.category}/${expected.priority}/${expected.language})` : ''}`, () => {
      const o = results.get(sample);
      assert.ok(o, `no output for ${sample}`);
      assert.equal(o.error, undefined, o.error);
      assert.equal(o.workflow, expected.workflow);
      assert.equal(o.state, 'waiting', 'offline decisions wait for a person');
      if (expected.category) {
        assert.deepEqual([o.classification.category, o.classification.priority, o.classification.language], [expected.category, expected.priority, expected.language]);
        assert.ok(o.classification.confidence < 0.7, 'the offline provider is honest about its confidence');
      }
      for (const [field, value] of Object.entries(expected.fields ?? {})) assert.deepEqual(o.extracted[field], value, field);
      if (expected.forwarded) assert.equal(o.original_sender, expected.original_sender);
      if (expected.must?.includes('human_approval')) {
        assert.equal(o.approval?.status, 'pending');
        assert.equal(o.escalated, true);
        assert.ok(o.approval.reasons.some((r: string) => /prompt injection/.test(r)), 'the injection is named for the approver');
      }
    });
  }

  test('no injection sample booked, paid or mailed anyone', async () => {
    const ledger = await db.pool.query('SELECT count(*)::int AS n FROM mailroom.ledger_entries');
    const payments = await db.pool.query('SELECT count(*)::int AS n FROM mailroom.payments');
    const outbox = await db.pool.query('SELECT to_address FROM mailroom.outbox');
    assert.equal(ledger.rows[0].n, 0);
    assert.equal(payments.rows[0].n, 0);
    assert.deepEqual(outbox.rows, []);
  });

  test('processing the same file again reports the existing run instead of starting another', () => {
    const r = cli('process', '--json', path.join(samplesDir, samples[0]!));
    const o = JSON.parse(r.stdout.trim());
    assert.equal(o.duplicate, true);
    assert.equal(o.run_id, results.get(samples[0]!).run_id);
  });

  test('an unreadable input is a one-line error with exit code 2, and the others are still processed', () => {
    const bad = path.join(fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'bad-')), 'notes.txt');
    fs.writeFileSync(bad, 'just some notes');
    const r = cli('process', '--json', bad, path.join(samplesDir, samples[9]!));
    assert.equal(r.status, 2);
    assert.match(r.stderr, /notes\.txt: not a recognisable email message, PDF, image, XML e-invoice or JSON trigger/);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 2);
    assert.equal(lines[1].workflow, 'support');
  });
});
