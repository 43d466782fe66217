/**
 * The CalDAV calendar against a real Radicale: an interviewer's existing event is a busy time
 * the free slots go around; a booked call is created, then moved in place (same UID).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { caldavCalendar } from '../../../src/workflows/hiring/calendar.ts';
import { busyTimes, invitation } from '../../../src/workflows/hiring/invite.ts';
import { freeSlots } from '../../../src/workflows/hiring/slots.ts';
import { radicaleMissing, startRadicale, type Radicale } from '../../harness/radicale.ts';

const dana = { id: 'dana', name: 'Dana Reviewer', email: 'dana@acme.example', working_hours: '09:00-17:00', timezone: 'UTC' };

describe('CalDAV calendar on Radicale', { skip: radicaleMissing }, () => {
  let radicale: Radicale;
  before(async () => {
    radicale = await startRadicale();
  });
  after(async () => {
    await radicale?.close();
  });

  test('busy times are read from the calendar and slots avoid them; a booking is written, moved with the same UID, and removed', async () => {
    const cal = caldavCalendar({ url: `${radicale.url}/${radicale.user}/`, user: radicale.user, password: radicale.password });
    const from = new Date('2027-03-01T00:00:00Z');
    const to = new Date('2027-03-02T00:00:00Z');
    assert.deepEqual(await cal.busy(dana, from, to), [], 'an empty (new) calendar');
    // Someone else put a meeting on Dana's calendar: 09:00-11:00 UTC on Monday 1 March.
    const meeting = invitation({ uid: 'team-meeting@elsewhere', sequence: 0, start: new Date('2027-03-01T09:00:00Z'), end: new Date('2027-03-01T11:00:00Z'), summary: 'Team', description: '', organizer: { name: 'X', email: 'x@acme.example' }, attendees: [] }).replace(/^METHOD:.*\r?\n/m, '');
    const auth = { authorization: `Basic ${Buffer.from(`${radicale.user}:${radicale.password}`).toString('base64')}` };
    const put = await fetch(`${radicale.url}/${radicale.user}/dana/team-meeting.ics`, { method: 'PUT', headers: { ...auth, 'content-type': 'text/calendar' }, body: meeting });
    assert.ok(put.ok, `PUT ${put.status}`);
    const busy = await cal.busy(dana, from, to);
    assert.deepEqual(busy.map((b) => [b.start.toISOString(), b.end.toISOString()]), [['2027-03-01T09:00:00.000Z', '2027-03-01T11:00:00.000Z']]);
    const slots = freeSlots({ interviewers: [dana], busy: { dana: busy }, from, to, minutes: 30 });
    assert.equal(slots[0]!.start.toISOString(), '2027-03-01T11:00:00.000Z', 'the first slot after the meeting');

    const uid = 'screening-test@mailroom';
    const ics = (start: string, end: string, sequence: number) => invitation({ uid, sequence, start: new Date(start), end: new Date(end), summary: 'Screening call', description: '', organizer: { name: 'Jobs', email: 'jobs@acme.example' }, attendees: [{ email: 'c@example.org' }] });
    const first = await cal.put(dana, { uid, start: slots[0]!.start, end: slots[0]!.end, ics: ics('2027-03-01T11:00:00Z', '2027-03-01T11:30:00Z', 0), bookingId: 'b1' });
    await cal.put(dana, { uid, start: new Date('2027-03-01T13:00:00Z'), end: new Date('2027-03-01T13:30:00Z'), ics: ics('2027-03-01T13:00:00Z', '2027-03-01T13:30:00Z', 1), bookingId: 'b1' });
    const stored = await (await fetch(first.href!, { headers: auth })).text();
    assert.doesNotMatch(stored, /^METHOD:/m, 'stored without METHOD (RFC 4791)');
    assert.match(stored, /^SEQUENCE:1\r?$/m);
    assert.deepEqual(busyTimes(stored).map((b) => b.start.toISOString()), ['2027-03-01T13:00:00.000Z'], 'moved, not duplicated');
    assert.equal((await cal.busy(dana, from, to)).length, 2, 'the meeting and the one call');
    await cal.remove(dana, uid, 'b1');
    assert.equal((await fetch(first.href!, { headers: auth })).status, 404, 'a cancelled call is off the calendar');
    assert.equal((await cal.busy(dana, from, to)).length, 1, 'only the meeting is left');
    await cal.remove(dana, uid, 'b1');
  });
});
