/**
 * The IMAP listener against a real Dovecot on loopback: IDLE push, marking, backfill after a
 * stop, UIDVALIDITY change, move mode, watchdog, and resume-from-UID against Postgres state.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { createImapListener } from '../../src/channels/email/imap-listener.ts';
import { listMailboxHealth, loadMailboxState } from '../../src/channels/email/mailbox-state.ts';
import type { ImapAccountSettings } from '../../src/channels/email/settings.ts';
import { DOVECOT_BIN, startDovecot, startFreezableProxy, type Dovecot } from '../harness/dovecot.ts';
import { stopPrivateCluster, testDatabase, type TestDatabase } from '../harness/postgres.ts';
import { dbIntake, message, recordingIntake, until } from './doubles.ts';

const log = pino({ level: process.env.TEST_LOG ?? 'silent' });
const USER = 'ap@example.test';
// Run alone, this file starts a private PostgreSQL; stop it so the process can exit.
after(() => stopPrivateCluster());

describe('IMAP listener on a real Dovecot', { skip: DOVECOT_BIN ? false : 'dovecot-imapd is not installed' }, () => {
  let dovecot: Dovecot;
  let db: TestDatabase;
  const account = (name: string, over: Partial<ImapAccountSettings> = {}): ImapAccountSettings => ({
    name,
    host: dovecot.host,
    port: dovecot.port,
    tls: false,
    allowPlain: true,
    user: USER,
    password: 'secret',
    mailboxes: ['INBOX'],
    processed: { kind: 'keyword', keyword: '$MailroomProcessed' },
    ...over,
  });
  const fast = { reconnectMinMs: 50, reconnectMaxMs: 200 };

  before(async () => {
    [dovecot, db] = await Promise.all([startDovecot({ users: [{ user: USER, password: 'secret' }] }), testDatabase()]);
  });
  after(async () => {
    await Promise.all([dovecot.stop(), db.close()]);
  });

  test('an APPENDed message is pushed by IDLE, accepted once, then marked processed', async () => {
    const intake = recordingIntake();
    const listener = createImapListener({ account: account('push'), pool: db.pool, intake, settings: fast, log });
    await listener.start();
    try {
      const t0 = Date.now();
      const uid = await dovecot.appendRaw(USER, 'INBOX', message('push-1'));
      await intake.waitFor(1, 5000);
      const ms = Date.now() - t0;
      assert.ok(ms < 1000, `taken in ${ms} ms after APPEND: push, not a poll`);
      assert.equal(intake.items.length, 1);
      const item = intake.items[0]!;
      assert.equal(item.dedupeKey, 'push-1@vendor.example');
      assert.deepEqual({ ...item.source, uidValidity: undefined }, { channel: 'imap', account: 'push', mailbox: 'INBOX', uid, uidValidity: undefined });
      assert.match(item.bytes.toString(), /Subject: Invoice/);
      await until(async () => (await dovecot.list(USER, 'INBOX')).find((m) => m.uid === uid)?.flags.includes('$MailroomProcessed') ?? false, 5000, 'keyword');
      await until(() => listener.health().lastUid === uid, 2000, 'resume point');
      const h = listener.health();
      assert.equal(h.connected, true);
      assert.ok(h.lastIdleEventAt instanceof Date);
    } finally {
      await listener.stop();
    }
    const [row] = (await listMailboxHealth(db.pool)).filter((r) => r.account === 'push');
    assert.equal(row!.connected, false);
    assert.ok(row!.last_uid >= 1);
  });

  test('mail appended while the listener is stopped is backfilled on restart, nothing twice', async () => {
    const intake = recordingIntake();
    let listener = createImapListener({ account: account('backfill'), pool: db.pool, intake, settings: fast, log });
    await listener.start(); // first start: begins after what is already there (IMAP_INITIAL=new)
    await dovecot.appendRaw(USER, 'INBOX', message('bf-1'));
    await intake.waitFor(1);
    await listener.idle();
    await listener.stop();
    for (const id of ['bf-2', 'bf-3', 'bf-4']) await dovecot.appendRaw(USER, 'INBOX', message(id));
    listener = createImapListener({ account: account('backfill'), pool: db.pool, intake, settings: fast, log });
    await listener.start(); // resolves once caught up
    try {
      assert.deepEqual(intake.runs.map((i) => i.dedupeKey), ['bf-1', 'bf-2', 'bf-3', 'bf-4'].map((id) => `${id}@vendor.example`));
      assert.equal(intake.items.length, 4, 'each message accepted exactly once');
      await dovecot.appendRaw(USER, 'INBOX', message('bf-5'));
      await intake.waitFor(5);
    } finally {
      await listener.stop();
    }
    assert.equal(intake.items.length, 5);
  });

  test('an intake outage does not lose mail: the listener reconnects with backoff and hands it over later', async () => {
    const intake = recordingIntake();
    const listener = createImapListener({ account: account('outage'), pool: db.pool, intake, settings: fast, log });
    await listener.start();
    try {
      intake.failNext(2);
      await dovecot.appendRaw(USER, 'INBOX', message('out-1'));
      await intake.waitFor(1, 5000);
      assert.equal(intake.runs[0]!.dedupeKey, 'out-1@vendor.example');
      assert.ok(listener.health().reconnects >= 1, 'reconnected after the failure');
      assert.match(listener.health().lastError ?? '', /intake unavailable/);
    } finally {
      await listener.stop();
    }
  });

  test('a UIDVALIDITY change re-reads the mailbox: new mail is taken in, processed mail is not run again', async () => {
    const intake = recordingIntake();
    const acct = account('uv', { mailboxes: ['Invoices'] });
    await dovecot.appendRaw(USER, 'Invoices', message('uv-0')); // before the first start: not taken in (initial=new)
    let listener = createImapListener({ account: acct, pool: db.pool, intake, settings: fast, log });
    await listener.start();
    await dovecot.appendRaw(USER, 'Invoices', message('uv-1'));
    await intake.waitFor(1);
    await listener.idle();
    await listener.stop();
    const before = await loadMailboxState(db.pool, 'uv', 'Invoices');

    await dovecot.setUidValidity(USER, 'Invoices', 777_000 + Math.floor(Math.random() * 1000));
    await dovecot.appendRaw(USER, 'Invoices', message('uv-2'));
    listener = createImapListener({ account: acct, pool: db.pool, intake, settings: fast, log });
    await listener.start();
    await listener.stop();
    const afterState = await loadMailboxState(db.pool, 'uv', 'Invoices');
    assert.notEqual(afterState!.uidvalidity, before!.uidvalidity);
    assert.equal(afterState!.uidvalidity_changes, 1);
    const keys = intake.runs.map((i) => i.dedupeKey);
    assert.deepEqual(keys, ['uv-1@vendor.example', 'uv-0@vendor.example', 'uv-2@vendor.example'], 'uv-1 (marked) skipped; uv-0 and uv-2 (unmarked) taken in once');
    assert.equal(intake.items.filter((i) => i.dedupeKey === 'uv-1@vendor.example').length, 1);
  });

  test('move mode moves processed mail into the configured folder', async () => {
    const intake = recordingIntake();
    const acct = account('mover', { mailboxes: ['Inbound'], processed: { kind: 'move', folder: 'Processed' } });
    await dovecot.appendRaw(USER, 'Inbound', message('mv-0'));
    const listener = createImapListener({ account: acct, pool: db.pool, intake, settings: { ...fast, initial: 'all' }, log });
    await listener.start();
    try {
      await dovecot.appendRaw(USER, 'Inbound', message('mv-1'));
      await intake.waitFor(2);
      await until(async () => (await dovecot.list(USER, 'Processed')).length === 2, 5000, 'moved');
      assert.equal((await dovecot.list(USER, 'Inbound')).length, 0);
    } finally {
      await listener.stop();
    }
  });

  test('the watchdog reconnects a connection that went silent', async () => {
    const proxy = await startFreezableProxy(dovecot.port);
    const intake = recordingIntake();
    const acct = account('watchdog', { port: proxy.port });
    const listener = createImapListener({ account: acct, pool: db.pool, intake, settings: { ...fast, idleRestartMs: 200, watchdogMs: 700 }, log });
    await listener.start();
    try {
      proxy.freeze(true); // the TCP connection stays open, nothing gets through
      await until(() => /watchdog/.test(listener.health().lastError ?? ''), 5000, 'watchdog');
      proxy.freeze(false);
      await until(() => listener.health().connected, 5000, 'reconnect');
      await dovecot.appendRaw(USER, 'INBOX', message('wd-1'));
      await intake.waitFor(1, 5000);
      assert.ok(listener.health().reconnects >= 1);
    } finally {
      await listener.stop();
      await proxy.close();
    }
  });

  test('resume from the last UID is kept in Postgres: a new listener process continues where the old one stopped (DB-backed intake)', async () => {
    const intake = dbIntake(db.pool);
    const acct = account('durable', { mailboxes: ['Durable'] });
    const c = await dovecot.client(USER);
    await c.mailboxCreate('Durable');
    await c.logout();
    const count = async () => Number((await db.pool.query(`SELECT count(*) FROM mailroom.email_deliveries WHERE account = 'durable'`)).rows[0].count);
    let listener = createImapListener({ account: acct, pool: db.pool, intake, settings: fast, log });
    await listener.start();
    try {
      await dovecot.appendRaw(USER, 'Durable', message('d-1'));
      await until(async () => (await count()) === 1, 5000, 'first delivery');
      await listener.idle();
    } finally {
      await listener.stop();
    }
    // Another "process": nothing in memory carries over, only the row in mailroom.imap_mailboxes.
    for (const id of ['d-2', 'd-3']) await dovecot.appendRaw(USER, 'Durable', message(id));
    listener = createImapListener({ account: acct, pool: db.pool, intake, settings: fast, log });
    try {
      await listener.start();
    } finally {
      await listener.stop();
    }
    const rows = (await db.pool.query<{ uid: string; dedupe_key: string; duplicate: boolean }>(`SELECT uid, dedupe_key, duplicate FROM mailroom.email_deliveries WHERE account = 'durable' ORDER BY id`)).rows;
    assert.deepEqual(rows.map((r) => [Number(r.uid), r.dedupe_key, r.duplicate]), [
      [1, 'd-1@vendor.example', false],
      [2, 'd-2@vendor.example', false],
      [3, 'd-3@vendor.example', false],
    ]);
    const state = await loadMailboxState(db.pool, 'durable', 'Durable');
    assert.equal(state!.last_uid, 3);
  });
});
