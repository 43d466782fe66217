/**
 * Content from the command line, as a user runs it (the `mailroom` binary as a child process on
 * a real database): data import docs (research sources), data import calendar from an ICS (with
 * RRULE) and a CSV file, clear one-line errors for bad files, and process <brief.json>
 * --workflow content --json with the `content` object of the README's contract.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { mailroomAsync } from '../../harness/cli.ts';
import { makeTempDir, testDatabase, type TestDatabase } from '../../harness/postgres.ts';
import { repoRoot } from '../../harness/shared.ts';

const DOCS = path.join(repoRoot, 'test', 'fixtures', 'content', 'docs');
const DAY = 86_400_000;

/** An ICS UTC time (20300107T090000Z) for a date. */
const icsTime = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

describe('content CLI: data import docs and calendar, process a brief --json with the content object', () => {
  let db: TestDatabase;
  const dir = makeTempDir('mailroom-content-cli-');
  let env: Record<string, string>;
  const cli = async (...args: string[]) => {
    const r = await mailroomAsync(args, env);
    return { ...r, lines: r.stdout.trim().split('\n').filter(Boolean) };
  };
  const errorLines = (stderr: string) => stderr.trim().split('\n').filter(Boolean);
  // The ICS occurrences must fall inside the reader's horizon (a year from now), and their runs
  // (due three days before) must not be due yet, so they are placed a month from today.
  const firstIcs = new Date(Math.floor((Date.now() + 30 * DAY) / DAY) * DAY + 9 * 3_600_000);

  before(async () => {
    db = await testDatabase();
    env = { DATABASE_URL: db.url, MAILROOM_DATA_DIR: dir, LOG_LEVEL: 'silent', LLM_PROVIDER: 'offline' };
    fs.writeFileSync(
      path.join(dir, 'plan.ics'),
      [
        'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//mailroom test//EN',
        'BEGIN:VEVENT', 'UID:weekly-queues@test', `DTSTAMP:${icsTime(firstIcs)}`, `DTSTART:${icsTime(firstIcs)}`, 'RRULE:FREQ=WEEKLY;COUNT=3',
        'SUMMARY:Queues for durable workflows', 'DESCRIPTION:keyphrase: durable queues\\nchannels: blog\\, x', 'END:VEVENT',
        'END:VCALENDAR', '',
      ].join('\r\n'),
    );
    fs.writeFileSync(path.join(dir, 'plan.csv'), 'date,topic,keyphrase,channels\n2030-01-07,Durable workflows in Postgres,durable workflows,blog;linkedin\n2030-02-04T12:00:00Z,Approvals that expire,,\n');
    fs.writeFileSync(path.join(dir, 'wrong-columns.csv'), 'when,subject\n2030-01-07,Durable workflows\n');
    fs.writeFileSync(path.join(dir, 'broken.ics'), 'this is not a calendar\n');
    fs.writeFileSync(path.join(dir, 'brief.json'), JSON.stringify({ workflow: 'content', topic: 'durable workflows', keyphrase: 'durable workflows', channels: ['blog', 'x', 'email'] }));
    fs.writeFileSync(path.join(dir, 'bad-brief.json'), JSON.stringify({ topic: 'durable workflows', channels: ['fax'] }));
  });
  after(async () => {
    await db?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('data import docs reads Markdown, text and HTML recursively, skips what it cannot read, and says so', async () => {
    const r = await cli('data', 'import', 'docs', DOCS);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /imported 3 document\(s\) from .*: 3 new, 0 updated, 0 unchanged; 1 skipped/);
    assert.match(r.stderr, /mailroom: skipped notes\.csv: not Markdown, text, PDF or HTML/);
    const { rows } = await db.pool.query(`SELECT id, kind, title FROM mailroom.content_documents ORDER BY id`);
    assert.deepEqual(rows.map((d) => [d.id, d.kind, d.title]), [
      ['durable-execution', 'markdown', 'Durable workflows in Postgres'],
      ['guides/approvals', 'html', 'Approvals for durable workflows'],
      ['queues', 'text', 'Queues for durable workflows'],
    ]);
  });

  test('data import calendar <file.ics> expands the RRULE into one entry per occurrence, due three days before each', async () => {
    const r = await cli('data', 'import', 'calendar', path.join(dir, 'plan.ics'));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`imported 3 calendar entries from .*plan\\.ics; the first publishes ${firstIcs.toISOString().replace(/\./g, '\\.')}, its run starts 3 day\\(s\\) before`));
    const { rows } = await db.pool.query(`SELECT id, source, due_at, brief, run_id FROM mailroom.content_calendar WHERE source = 'plan.ics' ORDER BY due_at`);
    assert.equal(rows.length, 3);
    rows.forEach((row, i) => {
      const publish = new Date(firstIcs.getTime() + i * 7 * DAY);
      assert.equal(row.id, `weekly-queues@test:${publish.toISOString()}`);
      assert.equal(row.due_at.toISOString(), new Date(publish.getTime() - 3 * DAY).toISOString());
      assert.deepEqual(row.brief, { topic: 'Queues for durable workflows', keyphrase: 'durable queues', channels: ['blog', 'x'], publish_at: publish.toISOString() });
      assert.equal(row.run_id, null, 'not due yet, so no run started');
    });
  });

  test('data import calendar <file.csv> reads date,topic,keyphrase,channels: a bare date is 09:00 UTC, channels split on ;', async () => {
    const r = await cli('data', 'import', 'calendar', path.join(dir, 'plan.csv'));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /imported 2 calendar entries from .*plan\.csv; the first publishes 2030-01-07T09:00:00\.000Z/);
    const { rows } = await db.pool.query(`SELECT id, due_at, brief FROM mailroom.content_calendar WHERE source = 'plan.csv' ORDER BY due_at`);
    assert.deepEqual(rows.map((x) => [x.id, x.due_at.toISOString(), x.brief]), [
      ['plan.csv:2030-01-07:Durable workflows in Postgres', '2030-01-04T09:00:00.000Z', { topic: 'Durable workflows in Postgres', keyphrase: 'durable workflows', channels: ['blog', 'linkedin'], publish_at: '2030-01-07T09:00:00.000Z' }],
      ['plan.csv:2030-02-04T12:00:00Z:Approvals that expire', '2030-02-01T12:00:00.000Z', { topic: 'Approvals that expire', publish_at: '2030-02-04T12:00:00.000Z' }],
    ]);
  });

  test('data import calendar with a CSV lacking the columns, or an unreadable ICS: one line naming the problem, exit code 2, nothing imported', async () => {
    const imported = (await db.pool.query(`SELECT count(*)::int AS n FROM mailroom.content_calendar`)).rows[0].n;
    const cases: Array<[string, RegExp]> = [
      [path.join(dir, 'wrong-columns.csv'), /^mailroom: .*wrong-columns\.csv: the header has no date, topic columns \(it has: when, subject\)$/],
      [path.join(dir, 'broken.ics'), /^mailroom: .*broken\.ics: not a readable iCalendar file: .+$/],
    ];
    for (const [file, message] of cases) {
      const r = await cli('data', 'import', 'calendar', file);
      assert.equal(r.status, 2, `${file}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      const lines = errorLines(r.stderr);
      assert.equal(lines.length, 1, `one line for ${file}: ${r.stderr}`);
      assert.match(lines[0]!, message);
    }
    assert.equal((await db.pool.query(`SELECT count(*)::int AS n FROM mailroom.content_calendar`)).rows[0].n, imported);
  });

  let runId: string;

  test('process <brief.json> --workflow content --json: the offline extractive draft waits for approval, with the content object of the contract', async () => {
    const r = await cli('process', path.join(dir, 'brief.json'), '--workflow', 'content', '--json');
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.lines.at(-1)!);
    assert.equal(out.workflow, 'content');
    assert.equal(out.state, 'waiting');
    assert.equal(out.duplicate, false);
    assert.equal(out.escalated, true);
    assert.equal(out.approval?.status, 'pending');
    runId = out.run_id;
    const c = out.content;
    assert.ok(c, r.stdout);
    assert.deepEqual(Object.keys(c).sort(), [
      'body_markdown', 'checks', 'content_hash', 'drafted_by', 'meta_description', 'missing', 'outline', 'remote', 'slug', 'sources', 'status', 'title', 'variants',
    ]);
    assert.equal(c.status, 'awaiting_approval');
    assert.equal(c.drafted_by, 'extractive');
    assert.equal(out.draft, c.body_markdown);
    assert.match(c.body_markdown, /^# /);
    assert.ok(c.outline.length > 0 && c.outline.every((h: string) => c.body_markdown.includes(`## ${h}`)), 'the outline is the body\'s sections');
    assert.match(c.slug, /durable-workflows/);
    assert.match(c.content_hash, /^[0-9a-f]{64}$/);
    assert.deepEqual(c.missing, []);
    assert.equal(c.remote, null, 'nothing published before approval');
    assert.ok(c.sources.length > 0);
    const docs = new Map((await db.pool.query('SELECT id, body FROM mailroom.content_documents')).rows.map((d) => [d.id, d.body as string]));
    for (const s of c.sources) {
      assert.deepEqual(Object.keys(s).sort(), ['hash', 'id', 'quote', 'source_id', 'span', 'title']);
      assert.equal(docs.get(s.source_id)?.slice(s.span[0], s.span[1]), s.quote, `${s.id} is an exact span of ${s.source_id}`);
    }
    assert.deepEqual(Object.keys(c.checks).sort(), ['brand', 'citations', 'passed', 'platform', 'readability', 'seo']);
    assert.deepEqual(Object.keys(c.checks.citations).sort(), ['failures', 'total', 'unsupported', 'verified']);
    assert.equal(typeof c.checks.passed, 'boolean');
    assert.ok(c.checks.citations.total > 0);
    assert.equal(c.checks.citations.verified, c.checks.citations.total);
    assert.deepEqual(Object.keys(c.variants).sort(), ['email', 'linkedin', 'x']);
    assert.equal(typeof c.variants.x, 'string');
    assert.equal(c.variants.linkedin, null, 'linkedin is not among the brief\'s channels');
    assert.deepEqual(Object.keys(c.variants.email).sort(), ['body', 'subject']);
  });

  test('the run the brief started exists, waiting, with its piece stored', async () => {
    const run = (await db.pool.query(`SELECT workflow, state, started_by, input FROM mailroom.runs WHERE id = $1`, [runId])).rows[0];
    assert.ok(run, `run ${runId}`);
    assert.equal(run.workflow, 'content');
    assert.equal(run.state, 'waiting');
    assert.equal(run.input.topic, 'durable workflows');
    const piece = (await db.pool.query(`SELECT status FROM mailroom.content_pieces WHERE run_id = $1`, [runId])).rows[0];
    assert.equal(piece.status, 'awaiting_approval');
  });

  test('processing the same brief file again reports the same run as a duplicate', async () => {
    const r = await cli('process', path.join(dir, 'brief.json'), '--workflow', 'content', '--json');
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.lines.at(-1)!);
    assert.equal(out.run_id, runId);
    assert.equal(out.duplicate, true);
    assert.equal((await db.pool.query(`SELECT count(*)::int AS n FROM mailroom.runs WHERE workflow = 'content'`)).rows[0].n, 1);
  });

  test('an invalid brief: one line naming the field, exit code 2, no run', async () => {
    const r = await cli('process', path.join(dir, 'bad-brief.json'), '--workflow', 'content', '--json');
    assert.equal(r.status, 2, r.stderr);
    const lines = errorLines(r.stderr);
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^mailroom: .*bad-brief\.json: not a valid content brief: channels\.0: /);
    assert.deepEqual(JSON.parse(r.lines.at(-1)!), { input: path.join(dir, 'bad-brief.json'), error: lines[0]!.replace(/^mailroom: /, '') });
    assert.equal((await db.pool.query(`SELECT count(*)::int AS n FROM mailroom.runs WHERE workflow = 'content'`)).rows[0].n, 1);
  });
});
