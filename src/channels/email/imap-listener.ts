/**
 * The IMAP listener (imapflow), one per account and mailbox: IDLE push, not polling.
 *
 *   connect ─► SELECT ─► UIDVALIDITY as stored? ──no──► rescan the mailbox from UID 1 (see below)
 *      ▲          └─► backfill every UID above the resume point ─► IDLE ◄──────────────┐
 *      │                                                            │ EXISTS           │
 *      │                                                            └─► take in new ───┘
 *      │                                                            │ every idleRestartMs: DONE,
 *      │                                                            │ check for new mail, IDLE again
 *      └── close / error / no answer for watchdogMs: reconnect after backoff with jitter
 *
 * Taking in a message: FETCH its size, flags and arrival time; download it; hand the raw bytes
 * to the intake port (which stores them and dedupes); only after `accept` resolved mark it
 * processed (IMAP_PROCESSED: a keyword, or a move to a folder) and then advance the resume UID.
 * A crash in between leads to one more `accept` of the same message, which the port reports as
 * a duplicate: nothing is lost and nothing runs twice.
 *
 * UIDVALIDITY change (documented choice): stored UIDs mean nothing any more, so the resume point
 * goes back to 0 and the whole mailbox is read again. Messages that carry the processed keyword
 * are skipped without downloading; the rest are handed to intake, which recognises the ones
 * already taken in (same Message-ID or bytes) as duplicates. In move mode processed mail has left
 * the mailbox already. Nothing is skipped silently and nothing starts a second run.
 *
 * First start of a mailbox never seen before: IMAP_INITIAL=new (default) starts after the newest
 * message present; IMAP_INITIAL=all takes in every message not marked processed.
 */
import { ImapFlow, type FetchMessageObject } from 'imapflow';
import type pg from 'pg';
import { errorMessage, InputError } from '../../errors.ts';
import { logger, type Logger } from '../../logger.ts';
import { messageIdOf, type IntakePort } from './intake-port.ts';
import {
  ensureMailboxState,
  markConnected,
  markIdleEvent,
  recordError,
  recordReject,
  resetForUidValidity,
  saveResumePoint,
} from './mailbox-state.ts';
import { DEFAULT_IMAP_TUNING, parseProcessedMark, type ImapAccountSettings, type ImapTuning, type ProcessedMark } from './settings.ts';

/** Also accepted: the short single-mailbox shape ({ secure, mailbox, processed: 'keyword:$X' }). */
export interface ImapAccount {
  name: string;
  host: string;
  port: number;
  secure: boolean;
  user: string;
  password: string;
  mailbox: string;
  processed: string;
}

export interface ListenerHealth {
  account: string;
  mailbox: string;
  connected: boolean;
  uidValidity: string | null;
  lastUid: number;
  /** Messages on the server above the resume point when last looked. */
  pending: number;
  /** INTERNALDATE → handed to intake, for the last message. */
  lagMs: number | null;
  lastEventAt: Date | null;
  lastIdleEventAt: Date | null;
  lastActivityAt: Date | null;
  lastError: string | null;
  reconnects: number;
  taken: number;
  duplicates: number;
}

export interface ImapListener {
  /** Connects and backfills; resolves once caught up, or after the first failed attempt (retries continue in the background). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves when nothing is being taken in (tests, benchmarks). */
  idle(): Promise<void>;
  health(): ListenerHealth;
}

export interface ImapListenerOptions {
  account: ImapAccountSettings | ImapAccount;
  /** Which of the account's mailboxes (default: its first). */
  mailbox?: string;
  pool: pg.Pool;
  intake: IntakePort;
  settings?: Partial<ImapTuning>;
  log?: Logger;
  /** Legacy alias of settings.watchdogMs. */
  watchdogMs?: number;
}

const BATCH_MESSAGES = 50;
const BATCH_BYTES = 32 * 1024 * 1024;

function normaliseAccount(a: ImapAccountSettings | ImapAccount): ImapAccountSettings {
  if ('mailboxes' in a) return a;
  return {
    name: a.name,
    host: a.host,
    port: a.port,
    tls: a.secure,
    allowPlain: !a.secure,
    user: a.user,
    password: a.password,
    mailboxes: [a.mailbox],
    processed: parseProcessedMark(a.processed),
  };
}

export function createImapListener(options: ImapListenerOptions): ImapListener {
  const account = normaliseAccount(options.account);
  const mailbox = options.mailbox ?? account.mailboxes[0] ?? 'INBOX';
  const tuning: ImapTuning = { ...DEFAULT_IMAP_TUNING, ...options.settings, ...(options.watchdogMs ? { watchdogMs: options.watchdogMs } : {}) };
  const { pool, intake } = options;
  const mark: ProcessedMark = account.processed;
  const log = (options.log ?? logger()).child({ component: 'imap-listener', account: account.name, mailbox });

  let client: ImapFlow | undefined;
  let stopping = false;
  let loop: Promise<void> | undefined;
  let attempt = 0;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let wakeReconnect: (() => void) | undefined;
  let watchdog: NodeJS.Timeout | undefined;
  let syncing: Promise<void> | undefined;
  let again = false;
  let uidValidity: string | null = null;
  let lastUid = 0;
  let idleEventWrittenAt = 0;
  let firstAttempt: { resolve(): void } | undefined;
  let everConnected = false;
  const health: ListenerHealth = {
    account: account.name,
    mailbox,
    connected: false,
    uidValidity: null,
    lastUid: 0,
    pending: 0,
    lagMs: null,
    lastEventAt: null,
    lastIdleEventAt: null,
    lastActivityAt: null,
    lastError: null,
    reconnects: 0,
    taken: 0,
    duplicates: 0,
  };
  const touch = () => (health.lastActivityAt = new Date());

  const markProcessed = async (c: ImapFlow, uids: number[]) => {
    if (!uids.length) return;
    const range = uids.join(',');
    if (mark.kind === 'move') await c.messageMove(range, mark.folder, { uid: true });
    else if (!(await c.messageFlagsAdd(range, [mark.keyword], { uid: true }))) {
      log.warn({ keyword: mark.keyword }, 'the server did not store the processed keyword (does the mailbox allow keywords?)');
    }
  };

  const advance = async (uid: number, lagMs: number | null) => {
    lastUid = Math.max(lastUid, uid);
    health.lastUid = lastUid;
    await saveResumePoint(pool, account.name, mailbox, { uidvalidity: uidValidity!, lastUid, pending: health.pending, lagMs });
  };

  /** One pass: everything above the resume UID, in UID order, in batches. */
  const syncOnce = async (c: ImapFlow): Promise<void> => {
    if (!c.mailbox || c.mailbox.exists === 0) {
      health.pending = 0;
      return;
    }
    const metas: FetchMessageObject[] = [];
    for await (const m of c.fetch(`${lastUid + 1}:*`, { uid: true, size: true, flags: true, internalDate: true }, { uid: true })) {
      // "n:*" also names the highest UID when nothing is above n.
      if (m.uid > lastUid) metas.push(m);
    }
    touch();
    metas.sort((a, b) => a.uid - b.uid);
    health.pending = metas.length;
    let i = 0;
    while (i < metas.length && !stopping) {
      const batch: FetchMessageObject[] = [];
      let bytes = 0;
      while (i < metas.length && batch.length < BATCH_MESSAGES && (batch.length === 0 || bytes + (metas[i]!.size ?? 0) <= BATCH_BYTES)) {
        bytes += metas[i]!.size ?? 0;
        batch.push(metas[i++]!);
      }
      const wanted: FetchMessageObject[] = [];
      for (const m of batch) {
        if (mark.kind === 'keyword' && m.flags?.has(mark.keyword)) continue; // processed before (a crash before the resume point was saved)
        if ((m.size ?? 0) > tuning.maxFetchBytes) {
          await recordReject(pool, { account: account.name, mailbox, uidvalidity: uidValidity!, uid: m.uid, size: m.size ?? null, reason: `message is ${m.size} bytes, over IMAP_MAX_FETCH_BYTES (${tuning.maxFetchBytes})` });
          log.warn({ uid: m.uid, size: m.size }, 'message too large to download; recorded as rejected and left on the server');
          continue;
        }
        wanted.push(m);
      }
      const sources = new Map<number, Buffer>();
      if (wanted.length) {
        for await (const m of c.fetch(wanted.map((m) => m.uid).join(','), { uid: true, source: true }, { uid: true })) {
          if (m.source) sources.set(m.uid, m.source);
        }
        touch();
      }
      const accepted: number[] = [];
      let lagMs: number | null = null;
      for (const m of wanted) {
        const bytes = sources.get(m.uid);
        if (!bytes) {
          log.warn({ uid: m.uid }, 'message vanished before it could be downloaded (expunged by another client)');
          continue;
        }
        try {
          const r = await intake.accept({
            kind: 'email',
            bytes,
            dedupeKey: messageIdOf(bytes),
            source: { channel: 'imap', account: account.name, mailbox, uid: m.uid, uidValidity: uidValidity! },
          });
          health.taken++;
          if (r.duplicate) health.duplicates++;
          accepted.push(m.uid);
          const arrived = m.internalDate instanceof Date ? m.internalDate.getTime() : Date.parse(String(m.internalDate ?? ''));
          lagMs = Number.isFinite(arrived) ? Math.max(0, Date.now() - arrived) : null;
          log.info({ uid: m.uid, item_id: r.itemId, run_id: r.runId, duplicate: r.duplicate }, 'message taken in');
        } catch (err) {
          if (!(err instanceof InputError)) throw err; // intake unavailable: reconnect and try again later
          await recordReject(pool, { account: account.name, mailbox, uidvalidity: uidValidity!, uid: m.uid, size: m.size ?? null, reason: err.message });
          log.warn({ uid: m.uid, err: err.message }, 'intake refused the message; recorded as rejected');
        }
      }
      health.lagMs = lagMs ?? health.lagMs;
      await markProcessed(c, accepted);
      touch();
      health.pending = metas.length - i;
      await advance(batch[batch.length - 1]!.uid, lagMs);
    }
  };

  /** Serialised: an EXISTS during a pass asks for one more pass instead of a parallel one. */
  const sync = (): Promise<void> => {
    if (syncing) {
      again = true;
      return syncing;
    }
    const c = client;
    if (!c) return Promise.resolve();
    syncing = (async () => {
      do {
        again = false;
        await syncOnce(c);
      } while (again && !stopping);
    })().finally(() => (syncing = undefined));
    return syncing;
  };

  const openMailbox = async (c: ImapFlow) => {
    const box = await c.mailboxOpen(mailbox);
    const uv = String(box.uidValidity);
    const state = await ensureMailboxState(pool, account.name, mailbox);
    if (state.uidvalidity === null) {
      lastUid = tuning.initial === 'new' ? Math.max(0, box.uidNext - 1) : 0;
      uidValidity = uv;
      await saveResumePoint(pool, account.name, mailbox, { uidvalidity: uv, lastUid });
      log.info({ uid_validity: uv, from_uid: lastUid, initial: tuning.initial }, 'first start on this mailbox');
    } else if (state.uidvalidity !== uv) {
      log.warn({ was: state.uidvalidity, now: uv }, 'UIDVALIDITY changed: reading the whole mailbox again (intake recognises what was taken in already)');
      await resetForUidValidity(pool, account.name, mailbox, uv);
      uidValidity = uv;
      lastUid = 0;
    } else {
      uidValidity = uv;
      lastUid = state.last_uid;
    }
    health.uidValidity = uidValidity;
    health.lastUid = lastUid;
    if (mark.kind === 'move') {
      // The destination must exist before the first MOVE; "already exists" is fine.
      await c.mailboxCreate(mark.folder).catch(() => undefined);
    }
  };

  /** One connection's life: resolves when it ends, for whatever reason. */
  const session = async (): Promise<void> => {
    const c = new ImapFlow({
      host: account.host,
      port: account.port,
      secure: account.tls,
      auth: { user: account.user, pass: account.password },
      logger: false,
      disableAutoIdle: true,
      maxIdleTime: tuning.idleRestartMs,
      connectionTimeout: 30_000,
      greetingTimeout: 16_000,
      clientInfo: { name: 'Mailroom' },
    });
    client = c;
    c.on('error', (err: Error) => {
      health.lastError = errorMessage(err);
    });
    c.on('exists', () => {
      const now = new Date();
      health.lastEventAt = now;
      health.lastIdleEventAt = now;
      touch();
      if (now.getTime() - idleEventWrittenAt > 1000) {
        idleEventWrittenAt = now.getTime();
        void markIdleEvent(pool, account.name, mailbox, now).catch(() => undefined);
      }
      // Start the pass at once: its FETCH breaks the IDLE, saving a round trip.
      void sync().catch((err) => {
        health.lastError = errorMessage(err);
        log.warn({ err: errorMessage(err) }, 'taking in new mail failed; reconnecting');
        c.close();
      });
    });
    const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
    try {
      await c.connect();
      touch();
      await openMailbox(c);
      health.connected = true;
      if (everConnected) health.reconnects++;
      everConnected = true;
      attempt = 0;
      await markConnected(pool, account.name, mailbox, true);
      log.info({ last_uid: lastUid }, 'connected; backfilling');
      await sync();
      firstAttempt?.resolve();
      while (!stopping && c.usable) {
        if (syncing) {
          await syncing;
          continue;
        }
        touch();
        await c.idle();
        touch();
        if (stopping || !c.usable) break;
        // IDLE ended: new mail (its pass is already running) or the periodic restart (look once:
        // a cheap liveness check that also catches anything an EXISTS did not announce).
        if (syncing) await syncing;
        else await sync();
      }
    } catch (err) {
      if (!stopping) {
        health.lastError = errorMessage(err);
        log.warn({ err: errorMessage(err) }, 'IMAP session failed');
        await recordError(pool, account.name, mailbox, errorMessage(err)).catch(() => undefined);
      }
    } finally {
      health.connected = false;
      if (c.usable) c.close();
      await Promise.race([closed, new Promise((r) => setTimeout(r, 2000))]);
      await syncing?.catch(() => undefined);
      await markConnected(pool, account.name, mailbox, false).catch(() => undefined);
      if (client === c) client = undefined;
      firstAttempt?.resolve();
    }
  };

  const backoffMs = () => {
    const cap = Math.min(tuning.reconnectMaxMs, tuning.reconnectMinMs * 2 ** Math.min(attempt, 20));
    return Math.round(cap / 2 + (Math.random() * cap) / 2); // equal jitter: spread, never zero
  };

  const run = async () => {
    while (!stopping) {
      await session();
      if (stopping) break;
      attempt++;
      const delay = backoffMs();
      log.info({ attempt, delay_ms: delay }, 'reconnecting after backoff');
      await new Promise<void>((resolve) => {
        wakeReconnect = resolve;
        reconnectTimer = setTimeout(resolve, delay);
      });
      wakeReconnect = undefined;
    }
  };

  return {
    async start() {
      if (loop) return;
      stopping = false;
      await ensureMailboxState(pool, account.name, mailbox);
      const first = new Promise<void>((resolve) => (firstAttempt = { resolve }));
      loop = run();
      // The watchdog: a connection that says nothing for watchdogMs (IDLE restarts included) is dead.
      watchdog = setInterval(() => {
        const c = client;
        const last = health.lastActivityAt?.getTime() ?? 0;
        if (c && health.connected && Date.now() - last > tuning.watchdogMs) {
          log.warn({ silent_ms: Date.now() - last }, 'IMAP connection silent for too long; reconnecting');
          health.lastError = `no answer from the server for ${Date.now() - last} ms (watchdog)`;
          c.close();
        }
      }, Math.max(100, Math.min(tuning.watchdogMs / 4, 30_000)));
      watchdog.unref();
      await first;
      firstAttempt = undefined;
    },

    async stop() {
      stopping = true;
      if (watchdog) clearInterval(watchdog);
      if (reconnectTimer) clearTimeout(reconnectTimer);
      wakeReconnect?.();
      const c = client;
      if (c) {
        await syncing?.catch(() => undefined);
        await Promise.race([c.logout().catch(() => c.close()), new Promise((r) => setTimeout(r, 2000))]);
        if (c.usable) c.close();
      }
      await loop;
      loop = undefined;
    },

    async idle() {
      for (let i = 0; i < 1000 && syncing; i++) await syncing.catch(() => undefined);
    },

    health: () => ({ ...health }),
  };
}

/**
 * Starts one listener per configured account and mailbox. Returns them with a stop-all.
 */
export async function startImapListeners(options: { accounts: ImapAccountSettings[]; pool: pg.Pool; intake: IntakePort; settings?: Partial<ImapTuning>; log?: Logger }): Promise<{ listeners: ImapListener[]; stop(): Promise<void> }> {
  const listeners = options.accounts.flatMap((account) =>
    account.mailboxes.map((mailbox) => createImapListener({ account, mailbox, pool: options.pool, intake: options.intake, settings: options.settings, log: options.log })),
  );
  await Promise.all(listeners.map((l) => l.start()));
  return { listeners, stop: async () => void (await Promise.all(listeners.map((l) => l.stop()))) };
}
