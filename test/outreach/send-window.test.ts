import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextSendTime, recipientZone, zoneOfDomain } from '../../src/outreach/send-window.ts';

const noJitter = () => 0;

test('the zone comes from the form, else the domain\'s country, else the policy default', () => {
  assert.deepEqual(recipientZone('anna@firma.de', 'America/Chicago', 'UTC'), { zone: 'America/Chicago', source: 'form' });
  assert.deepEqual(recipientZone('anna@firma.de', 'Not/AZone', 'UTC'), { zone: 'Europe/Berlin', source: 'domain' });
  assert.equal(zoneOfDomain('jo@shop.co.uk'), 'Europe/London');
  assert.equal(zoneOfDomain('kai@startup.io'), null, '.io says nothing about where someone is');
  assert.deepEqual(recipientZone('kai@startup.io', null, 'Europe/Paris'), { zone: 'Europe/Paris', source: 'default' });
  assert.equal(zoneOfDomain('li@corp.au'), 'Australia/Sydney');
});

test('before the window opens, mail waits for 09:00 local; inside it, it goes now', () => {
  // Tuesday 2025-03-11 05:00 UTC = 06:00 in Berlin.
  const early = nextSendTime({ now: new Date('2025-03-11T05:00:00Z'), address: 'anna@firma.de', defaultTimezone: 'UTC', random: noJitter });
  assert.equal(early.at.toISOString(), '2025-03-11T08:00:00.000Z');
  assert.equal(early.local, 'Tue 09:00 Europe/Berlin');
  const inside = nextSendTime({ now: new Date('2025-03-11T10:30:00Z'), address: 'anna@firma.de', defaultTimezone: 'UTC', random: noJitter });
  assert.equal(inside.at.toISOString(), '2025-03-11T10:30:00.000Z');
});

test('after hours on Friday, mail waits for Monday morning in the recipient\'s zone', () => {
  // Friday 2025-03-14 18:00 in New York (22:00 UTC).
  const r = nextSendTime({ now: new Date('2025-03-14T22:00:00Z'), address: 'sam@example.com', timezone: 'America/New_York', defaultTimezone: 'UTC', random: noJitter });
  assert.equal(r.local, 'Mon 09:00 America/New_York');
  assert.equal(r.at.toISOString(), '2025-03-17T13:00:00.000Z');
});

test('jitter spreads sends but keeps them inside the window', () => {
  const seen = new Set<string>();
  for (const x of [0.1, 0.5, 0.99]) {
    const r = nextSendTime({ now: new Date('2025-03-11T15:50:00Z'), address: 'anna@firma.de', defaultTimezone: 'UTC', random: () => x });
    // 16:50 Berlin: at most ten minutes left before 17:00.
    assert.ok(r.at.getTime() < Date.parse('2025-03-11T16:00:00Z'), r.at.toISOString());
    seen.add(r.at.toISOString());
  }
  assert.equal(seen.size, 3);
});
