/**
 * The whole service: an automated mail through the mailer port carries the unsubscribe headers
 * and footer; the link's GET only confirms, the one-click POST unsubscribes at once (suppression
 * and `lead.unsubscribe`), a forged token is refused, and the next automated mail is refused.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isSuppressed } from '../../src/outreach/suppression.ts';
import { unsubscribeContext, unsubscribeToken } from '../../src/outreach/unsubscribe.ts';
import { startTestService, type TestService } from '../harness/service.ts';

const POLICY = `lead:\n  postal_address: "Mailroom GmbH, Torstr. 1, 10119 Berlin, Germany"\n`;

describe('unsubscribe links on the running service', () => {
  let svc: TestService;
  let base: string;
  before(async () => {
    svc = await startTestService({ PUBLIC_URL: 'https://mail.example.test', MAIL_FROM: 'Sales <sales@mailroom.test>' }, { policy: POLICY });
    base = `http://127.0.0.1:${svc.app.http!.port}`;
  });
  after(async () => svc.close());

  const rawOf = async (key: string) => (await svc.db.pool.query<{ raw: Buffer }>('SELECT raw FROM mailroom.outbox WHERE idempotency_key = $1', [key])).rows[0]!.raw.toString('utf8');

  test('automated mail carries List-Unsubscribe (HTTPS and mailto), one-click, and a footer with the link and postal address', async () => {
    await svc.app.services.mailer.send({ to: 'Lea@Example.de', subject: 'Your trial', text: 'Hi Lea,\nhere is the guide.', automated: true }, 'test:first');
    const raw = (await rawOf('test:first')).replace(/\r?\n[ \t]+/g, ' ');
    const token = unsubscribeToken(unsubscribeContext(svc.app.config).secret, 'lea@example.de');
    assert.match(raw, new RegExp(`^List-Unsubscribe: <https://mail\\.example\\.test/unsubscribe/${token}>, <mailto:sales@mailroom\\.test\\?subject=unsubscribe>`, 'm'));
    assert.match(raw, /^List-Unsubscribe-Post: List-Unsubscribe=One-Click/m);
    // The body is quoted-printable: undo its soft line breaks before reading the footer.
    const body = raw.slice(raw.indexOf('\r\n\r\n')).replace(/=\r?\n/g, '').replace(/=20/g, ' ');
    assert.match(body, /Mailroom GmbH, Torstr\. 1, 10119 Berlin, Germany/);
    assert.ok(body.includes(`Unsubscribe: https://mail.example.test/unsubscribe/${token}`), body);
  });

  test('a mail a person asked for (not automated) has no unsubscribe footer', async () => {
    await svc.app.services.mailer.send({ to: 'kim@example.org', subject: 'Re: your ticket', text: 'Here is the answer.' }, 'test:reply');
    assert.doesNotMatch(await rawOf('test:reply'), /List-Unsubscribe/);
  });

  test('GET shows a confirmation and changes nothing; the one-click POST unsubscribes at once', async () => {
    const token = unsubscribeToken(unsubscribeContext(svc.app.config).secret, 'lea@example.de');
    const page = await fetch(`${base}/unsubscribe/${token}`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /<form method="post"/);
    assert.match(html, /lea@example\.de/);
    assert.equal(await isSuppressed(svc.db.pool, 'lea@example.de'), false, 'a prefetching scanner must not unsubscribe anyone');

    const res = await fetch(`${base}/unsubscribe/${token}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    assert.equal(res.status, 200);
    assert.equal(await isSuppressed(svc.db.pool, 'lea@example.de'), true);
    const events = (await svc.db.pool.query<{ key: string; payload: { via: string } }>(`SELECT key, payload FROM mailroom.events WHERE name = 'lead.unsubscribe'`)).rows;
    assert.deepEqual(events.map((e) => [e.key, e.payload.via]), [['lea@example.de', 'one-click']]);
    // Again: still 200, still one entry.
    assert.equal((await fetch(`${base}/unsubscribe/${token}`, { method: 'POST' })).status, 200);
    assert.equal(Number((await svc.db.pool.query('SELECT count(*) AS n FROM mailroom.suppressions')).rows[0].n), 1);
  });

  test('a token that does not verify gets a 400 page and suppresses nobody', async () => {
    const forged = unsubscribeToken('not-the-secret-of-this-service', 'someone@example.com');
    for (const method of ['GET', 'POST']) {
      const res = await fetch(`${base}/unsubscribe/${forged}`, { method });
      assert.equal(res.status, 400);
      assert.match(await res.text(), /not valid/);
    }
    assert.equal((await fetch(`${base}/unsubscribe/garbage`)).status, 400);
    assert.equal(await isSuppressed(svc.db.pool, 'someone@example.com'), false);
  });

  test('after unsubscribing, the mailer refuses automated mail to that address', async () => {
    await assert.rejects(svc.app.services.mailer.send({ to: 'lea@example.de', subject: 'Follow-up', text: 'Hi again', automated: true }, 'test:second'), /suppression list/);
  });
});
