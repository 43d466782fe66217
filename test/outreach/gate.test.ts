import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createOutbox } from '../../src/channels/email/outbox.ts';
import { createPolicyGate } from '../../src/policy/gate.ts';
import { decideOutreach, type OutreachFacts } from '../../src/policy/outreach-gate.ts';
import { policySchema, type Policy } from '../../src/policy/schema.ts';
import { addressHash, automatedSinceLastInbound, isSuppressed, noteInbound, normaliseAddress, suppress } from '../../src/outreach/suppression.ts';
import { testDatabase, type TestDatabase } from '../harness/postgres.ts';

const facts = (over: Partial<OutreachFacts>): OutreachFacts => ({
  to: 'lead@example.com',
  automated: true,
  suppressed: null,
  postalAddress: 'Mailroom GmbH, Torstr. 1, 10119 Berlin',
  sent: 0,
  lastInbound: null,
  maxUnanswered: 3,
  ...over,
});

describe('outreach rules (pure)', () => {
  test('a suppressed address is refused for every email, automated or not', () => {
    const suppressed = { reason: 'unsubscribe' as const, since: new Date('2025-01-02T00:00:00Z') };
    const a = decideOutreach(facts({ suppressed }));
    const b = decideOutreach(facts({ suppressed, automated: false }));
    assert.equal(a.allow, false);
    assert.equal(b.allow, false);
    assert.match(!a.allow ? a.reason : '', /suppression list.*unsubscribed on 2025-01-02/);
  });

  test('automated email without a postal address is refused; a reply a person asked for is not', () => {
    assert.match(JSON.stringify(decideOutreach(facts({ postalAddress: null }))), /lead\.postal_address/);
    assert.deepEqual(decideOutreach(facts({ postalAddress: null, automated: false })), { allow: true });
  });

  test('the third automated email goes, the fourth without an answer is refused', () => {
    assert.deepEqual(decideOutreach(facts({ sent: 2 })), { allow: true });
    const fourth = decideOutreach(facts({ sent: 3 }));
    assert.equal(fourth.allow, false);
    assert.match(!fourth.allow ? fourth.reason : '', /already got 3 automated email\(s\).*cap is 3/);
    assert.deepEqual(decideOutreach(facts({ sent: 3, maxUnanswered: 4 })), { allow: true });
  });
});

describe('suppression list and the gate on real PostgreSQL', () => {
  let db: TestDatabase;
  before(async () => {
    db = await testDatabase();
  });
  after(async () => db.close());

  // The lead section's keys the outreach rules read (defined in the policy schema's `lead:` section).
  const base = policySchema.parse({}) as Policy & { lead?: Record<string, unknown> };
  const policy = { ...base, lead: { ...(base.lead ?? {}), postal_address: 'Mailroom GmbH, Torstr. 1, 10119 Berlin', max_unanswered: 3 } } as unknown as Policy;
  const gate = () => createPolicyGate({ pool: db.pool, policy, correspondents: async () => ['kim@example.org', 'support-customer@example.org'] });
  const check = (to: string, automated = true) => gate().check({ runId: '00000000-0000-4000-8000-000000000001', workflow: 'lead', key: 'k', kind: 'email.send', parameters: { to, automated } });

  test('the list stores only a hash of the normalised address, and outlives anything else about the person', async () => {
    await suppress(db.pool, '  "Kim" <KIM@Example.org> ', 'unsubscribe', 'test');
    assert.equal(await isSuppressed(db.pool, 'kim@example.org'), true);
    assert.equal(await isSuppressed(db.pool, 'other@example.org'), false);
    const { rows } = await db.pool.query<{ address_hash: string }>('SELECT address_hash FROM mailroom.suppressions');
    assert.deepEqual(rows.map((r) => r.address_hash), [addressHash('kim@example.org')]);
    assert.ok(!JSON.stringify(rows).includes('kim'));
    assert.equal(normaliseAddress(' <Kim@Example.ORG>'), 'kim@example.org');
    // Suppressing again keeps the first reason.
    await suppress(db.pool, 'kim@example.org', 'hard_bounce', 'test');
    assert.equal((await db.pool.query('SELECT reason FROM mailroom.suppressions')).rows[0].reason, 'unsubscribe');
  });

  test('the gate refuses any email to a suppressed address, even to a correspondent', async () => {
    const verdict = await check('kim@example.org', false);
    assert.equal(verdict.allow, false);
    assert.match(!verdict.allow ? verdict.reason : '', /suppression list/);
  });

  test('the cap counts automated outbox rows since the person last wrote, across workflows', async () => {
    const outbox = createOutbox({ pool: db.pool, from: 'Sales <sales@mailroom.test>' });
    const to = 'support-customer@example.org';
    for (const n of [1, 2]) await outbox.enqueue({ to, subject: `touch ${n}`, text: 'hi', automated: true }, `lead-run:${n}`);
    // A support reply (not automated) is not counted.
    await outbox.enqueue({ to, subject: 'Re: your ticket', text: 'answer' }, 'support-run:reply');
    assert.equal((await automatedSinceLastInbound(db.pool, to)).count, 2);
    assert.deepEqual(await check(to), { allow: true });
    await outbox.enqueue({ to, subject: 'resource', text: 'guide', automated: true }, 'other-workflow:1');
    const fourth = await check(to);
    assert.equal(fourth.allow, false, 'the fourth unanswered automated email is refused');
    assert.match(!fourth.allow ? fourth.reason : '', /cap is 3/);
    // They write back: the count starts again.
    await noteInbound(db.pool, to, new Date(), null);
    assert.equal((await automatedSinceLastInbound(db.pool, to)).count, 0);
    assert.deepEqual(await check(to), { allow: true });
  });

  test('a lead run may mail the address it was started for, and nobody else', async () => {
    const runId = '00000000-0000-4000-8000-0000000000aa';
    await db.pool.query(`INSERT INTO mailroom.runs (id, workflow, workflow_version, state, input, deadline_at) VALUES ($1, 'lead', 1, 'running', $2, now() + interval '1 day')`, [runId, { email: 'New.Lead@Example.com' }]);
    const g = createPolicyGate({ pool: db.pool, policy, correspondents: async () => [] });
    assert.deepEqual(await g.check({ runId, workflow: 'lead', key: 'first', kind: 'email.send', parameters: { to: 'new.lead@example.com', automated: true } }), { allow: true });
    const stranger = await g.check({ runId, workflow: 'lead', key: 'x', kind: 'email.send', parameters: { to: 'someone@else.com', automated: true } });
    assert.equal(stranger.allow, false);
  });
});
