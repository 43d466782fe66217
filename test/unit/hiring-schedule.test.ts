import { test } from 'node:test';
import assert from 'node:assert/strict';
import { busyTimes, invitation, parseReply } from '../../src/workflows/hiring/invite.ts';
import { freeSlots } from '../../src/workflows/hiring/slots.ts';
import { checkStatusText, statusMail } from '../../src/workflows/hiring/status-mail.ts';
import { hiringPolicySchema } from '../../src/workflows/hiring/policy.ts';

const dana = { id: 'dana', name: 'Dana', email: 'dana@acme.example', working_hours: '09:00-17:00', timezone: 'Europe/Berlin' };
const kim = { id: 'kim', name: 'Kim', email: 'kim@acme.example', working_hours: { tue: '13:00-15:00' }, timezone: 'America/New_York' };

test('free slots: working hours in the interviewer\'s own time zone, minus busy times, weekdays only by default', () => {
  // Friday 2026-12-04 07:00 UTC to Monday 2026-12-07 12:00 UTC.
  const from = new Date('2026-12-04T07:00:00Z');
  const to = new Date('2026-12-07T12:00:00Z');
  const busy = { dana: [{ start: new Date('2026-12-04T08:00:00Z'), end: new Date('2026-12-04T09:15:00Z') }] };
  const slots = freeSlots({ interviewers: [dana], busy, from, to, minutes: 30, limit: 100 });
  // Berlin is UTC+1 in December: 09:00 local is 08:00 UTC; the busy block covers 08:00-09:15 UTC.
  assert.equal(slots[0]!.start.toISOString(), '2026-12-04T09:30:00.000Z');
  assert.ok(slots.every((s) => ![0, 6].includes(s.start.getUTCDay())), 'no weekend');
  assert.ok(slots.some((s) => s.start.toISOString() === '2026-12-07T08:00:00.000Z'), 'Monday 09:00 Berlin');
  assert.ok(slots.every((s) => s.end.getTime() - s.start.getTime() === 30 * 60_000));
  assert.ok(!slots.some((s) => s.start < busy.dana[0]!.end && s.end > busy.dana[0]!.start), 'never over a busy time');
});

test('free slots: per-weekday hours (only Tuesdays 13-15 New York)', () => {
  const slots = freeSlots({ interviewers: [kim], busy: {}, from: new Date('2026-12-01T00:00:00Z'), to: new Date('2026-12-09T00:00:00Z'), minutes: 60, limit: 10 });
  assert.deepEqual(slots.map((s) => s.start.toISOString()), ['2026-12-01T18:00:00.000Z', '2026-12-01T18:30:00.000Z', '2026-12-01T19:00:00.000Z', '2026-12-08T18:00:00.000Z', '2026-12-08T18:30:00.000Z', '2026-12-08T19:00:00.000Z']);
});

test('iMIP: the invitation is METHOD:REQUEST with a stable UID and the given SEQUENCE; a REPLY is read back', () => {
  const base = { uid: 'screening-x@mailroom', start: new Date('2026-12-07T08:00:00Z'), end: new Date('2026-12-07T08:30:00Z'), summary: 'Screening call', description: 'd', organizer: { name: 'Jobs', email: 'jobs@acme.example' }, attendees: [{ email: 'cand@example.org', name: 'C' }, { email: dana.email, name: 'Dana' }] };
  const first = invitation({ ...base, sequence: 0 });
  const second = invitation({ ...base, sequence: 1, start: new Date('2026-12-07T09:00:00Z'), end: new Date('2026-12-07T09:30:00Z') });
  assert.match(first, /^METHOD:REQUEST\r?$/m);
  assert.match(first, /^UID:screening-x@mailroom\r?$/m);
  assert.match(first, /^SEQUENCE:0\r?$/m);
  assert.match(second, /^SEQUENCE:1\r?$/m);
  assert.match(second, /^UID:screening-x@mailroom\r?$/m);
  assert.equal(busyTimes(second)[0]!.start.toISOString(), '2026-12-07T09:00:00.000Z');
  const reply = second.replace('METHOD:REQUEST', 'METHOD:REPLY').replace(/ATTENDEE[^\n]*\n( [^\n]*\n)*/g, 'ATTENDEE;PARTSTAT=ACCEPTED:mailto:cand@example.org\r\n');
  assert.deepEqual(parseReply(reply), { uid: 'screening-x@mailroom', sequence: 1, attendee: 'cand@example.org', partstat: 'ACCEPTED' });
  assert.equal(parseReply(first), null, 'a request is not a reply');
  assert.equal(parseReply('not a calendar'), null);
});

test('status mails: personal, no score, no protected attribute, no reason for a rejection; a bad line from the decider is left out', () => {
  const p = hiringPolicySchema.parse({});
  const ctx = { candidateId: 'c1', to: 'a@b.c', name: 'Alice Whitfield', jobTitle: 'Senior Backend Engineer', language: 'en' as const };
  const rejected = statusMail('rejected', { ...ctx, note: 'We went with someone younger because of your age.' }, p);
  assert.match(rejected.text, /^Dear Alice,/);
  assert.doesNotMatch(rejected.text, /younger|age/);
  assert.deepEqual(rejected.droppedNote.sort(), ['gives a reason for the rejection', 'mentions a protected attribute']);
  const hold = statusMail('hold', { ...ctx, note: 'We hope to be back to you within two weeks.' }, p);
  assert.match(hold.text, /within two weeks/);
  assert.deepEqual(checkStatusText('Your score was 72/100', 'hold'), ['mentions a score or ranking']);
  const de = statusMail('received', { ...ctx, language: 'de' }, p);
  assert.match(de.text, /^Hallo Alice,/);
  for (const stage of ['received', 'screening', 'rescheduled', 'reminder', 'rejected', 'hold'] as const) {
    for (const language of ['en', 'de'] as const) assert.deepEqual(checkStatusText(statusMail(stage, { ...ctx, language }, p).text, stage), [], `${stage}/${language}`);
  }
});
