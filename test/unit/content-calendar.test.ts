import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { readCalendarCsv, readCalendarIcs } from '../../src/workflows/content/calendar.ts';
import { repoRoot } from '../harness/shared.ts';

const dir = path.join(repoRoot, 'test', 'fixtures', 'content');

test('a recurring ICS event is one entry per occurrence, with keyphrase and channels from its description', () => {
  const entries = readCalendarIcs(fs.readFileSync(path.join(dir, 'calendar.ics'), 'utf8'), { now: new Date('2030-01-01T00:00:00Z') });
  assert.deepEqual(entries.map((e) => `${e.publishAt.toISOString()} ${e.brief.topic}`), [
    '2030-01-07T09:00:00.000Z Durable workflows',
    '2030-01-14T09:00:00.000Z Durable workflows',
    '2030-01-21T09:00:00.000Z Durable workflows',
    '2030-02-01T12:00:00.000Z Approvals in Slack',
  ]);
  assert.deepEqual(entries[0]!.brief, { topic: 'Durable workflows', keyphrase: 'durable workflows', channels: ['blog', 'x'] });
  assert.equal(new Set(entries.map((e) => e.id)).size, 4, 'each occurrence has its own id');
});

test('occurrences already past (by more than a day) or beyond the horizon are left out', () => {
  const text = fs.readFileSync(path.join(dir, 'calendar.ics'), 'utf8');
  assert.equal(readCalendarIcs(text, { now: new Date('2030-01-16T00:00:00Z') }).length, 2);
  assert.equal(readCalendarIcs(text, { now: new Date('2029-01-01T00:00:00Z'), horizonDays: 30 }).length, 0);
});

test('a CSV calendar reads date (09:00 UTC for a bare date), topic, keyphrase and channels', () => {
  const entries = readCalendarCsv(path.join(dir, 'calendar.csv'));
  assert.deepEqual(entries.map((e) => [e.publishAt.toISOString(), e.brief]), [
    ['2030-03-02T09:00:00.000Z', { topic: 'Durable workflows in Postgres', keyphrase: 'durable workflows', channels: ['blog', 'x', 'linkedin'] }],
    ['2030-03-09T14:00:00.000Z', { topic: 'Queues for durable workflows', channels: ['blog'] }],
  ]);
});

test('a CSV row with an unknown channel names its line', () => {
  const file = path.join(fs.mkdtempSync('/tmp/cal-'), 'bad.csv');
  fs.writeFileSync(file, 'date,topic,keyphrase,channels\n2030-01-01,Good topic,,blog\n2030-01-02,Another topic,,tiktok\n');
  assert.throws(() => readCalendarCsv(file), /bad\.csv, line 3: channels\.0/);
});
