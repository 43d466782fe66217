/**
 * The acceptance through the real command line: `data import companies`, then
 * `process <lead.json> --workflow lead --json` on every shared lead gives its expected band,
 * and `leads --json` prints one object per lead with exactly the documented keys.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { mailroomAsync } from '../harness/cli.ts';
import { makeTempDir, testDatabase, type TestDatabase } from '../harness/postgres.ts';
import { needsShared, sharedData } from '../harness/shared.ts';

const dir = sharedData('leads');
const leads = needsShared ? [] : fs.readdirSync(dir).filter((f) => /^\d+-\w+\.json$/.test(f)).sort();
let db: TestDatabase;
let env: Record<string, string>;

describe('mailroom leads on the command line', { skip: needsShared }, () => {
  before(async () => {
    db = await testDatabase();
    env = { DATABASE_URL: db.url, MAILROOM_DATA_DIR: makeTempDir('mailroom-leads-cli-'), LOG_LEVEL: 'silent', LLM_PROVIDER: 'offline' };
  });
  after(async () => {
    fs.rmSync(env.MAILROOM_DATA_DIR!, { recursive: true, force: true });
    await db?.close();
  });

  test('process gives every shared lead its expected band, and leads --json lists them with the documented keys', async () => {
    const imported = await mailroomAsync(['data', 'import', 'companies', path.join(dir, 'companies.csv')], env);
    assert.equal(imported.status, 0, imported.stderr);
    assert.match(imported.stdout, /imported 7 companies/);

    const processed = await mailroomAsync(['process', ...leads.map((f) => path.join(dir, f)), '--workflow', 'lead', '--json'], env);
    assert.equal(processed.status, 0, processed.stderr);
    const lines = processed.stdout.trim().split('\n').map((l) => JSON.parse(l) as { input: string; workflow: string; band: string; state: string; decisions: Array<{ action: string }> });
    assert.equal(lines.length, leads.length);
    for (const out of lines) {
      const expected = JSON.parse(fs.readFileSync(out.input.replace(/\.json$/, '.expected.json'), 'utf8')) as { workflow: string; band: string };
      assert.equal(out.workflow, expected.workflow, out.input);
      assert.equal(out.band, expected.band, out.input);
      assert.ok(out.decisions.some((d) => d.action === 'score.factor'), `${out.input}: factors in the trace`);
    }

    const listed = await mailroomAsync(['leads', '--json'], env);
    assert.equal(listed.status, 0, listed.stderr);
    const rows = listed.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(rows.length, leads.length);
    for (const r of rows) {
      assert.deepEqual(Object.keys(r), ['id', 'email', 'company', 'score', 'fit', 'intent', 'engagement', 'band', 'status', 'emails_sent', 'last_contact_at', 'next_step_at']);
      assert.ok(['new', 'alerted', 'nurturing', 'replied', 'closed', 'unsubscribed', 'bounced', 'suppressed'].includes(String(r.status)));
      assert.equal(Number(r.score), Number(r.fit) + Number(r.intent) + Number(r.engagement));
    }
    assert.equal(rows.filter((r) => r.band === 'hot').every((r) => r.status === 'alerted'), true);
  });

  test('a lead form with a bad field is a clear error and exit 2, the others still processed', async () => {
    const bad = path.join(env.MAILROOM_DATA_DIR!, 'bad-lead.json');
    fs.writeFileSync(bad, JSON.stringify({ email: 'nope', activity: [{ type: 'teleport' }] }));
    const res = await mailroomAsync(['process', bad, path.join(dir, leads[0]!), '--json'], env);
    assert.equal(res.status, 2);
    assert.match(res.stderr, /not a valid lead form: email/);
    assert.equal(res.stdout.trim().split('\n').length, 2);
  });
});
