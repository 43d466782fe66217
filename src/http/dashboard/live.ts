/**
 * Live updates: every run transition, to every open dashboard page, as Server-Sent Events.
 *
 *   transition row ──trigger──► NOTIFY mailroom_runs ──► this hub's LISTEN ──► read new rows
 *   (run_transitions, by id) ──► `event: transition`, `id: <transition id>` to each browser
 *
 * The NOTIFY is only a doorbell; the table is the log. So a browser that reconnects with
 * Last-Event-ID is sent what it missed from the table, and a NOTIFY lost with a dropped LISTEN
 * connection is made good by the backstop read every few seconds.
 *
 * The engine announces only runs somebody watches (migration 0013: a notifying commit waits
 * for a cluster-wide lock). While at least one browser is connected, the hub registers the nil
 * uuid as a watcher, which migration 0018's trigger reads as "every run"; when the last browser
 * has gone (after a short grace, so page-to-page navigation does not flap it), it unregisters
 * and releases its connection, and transitions stop being announced again.
 *
 * Transition ids come from a sequence, and a transaction may commit after one with a higher
 * id: each read looks a little behind the newest id it has sent and skips ids already sent.
 * A reconnecting browser is caught up from the table while the hub may be broadcasting the same
 * rows: live events for it wait until the catch-up is written, and it is never sent an id twice.
 */
import type pg from 'pg';
import type { Context } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import type { Logger } from '../../logger.ts';

const ALL_RUNS = '00000000-0000-0000-0000-000000000000';
const CATCH_UP_LIMIT = 500;
const LOOK_BEHIND = 200;

export interface LiveTransition {
  id: string;
  run_id: string;
  workflow: string;
  parent_run_id: string | null;
  from_state: string | null;
  to_state: string;
  reason: string;
  at: Date;
}

export interface LiveHub {
  /** The SSE answer for one browser; `lastEventId` from the Last-Event-ID header, if any. */
  stream(c: Context, lastEventId: string | undefined): Response;
  clients(): number;
  stop(): Promise<void>;
}

export function createLiveHub(options: { pool: pg.Pool; log: Logger; backstopMs?: number; graceMs?: number; keepAliveMs?: number }): LiveHub {
  const { pool, log } = options;
  const backstopMs = options.backstopMs ?? 3000;
  const graceMs = options.graceMs ?? 15_000;
  const keepAliveMs = options.keepAliveMs ?? 20_000;
  /** Per browser: ids its catch-up sent, and live events held back while the catch-up runs. */
  interface Viewer { seen: Set<string>; held: LiveTransition[] | undefined }
  const streams = new Map<SSEStreamingApi, Viewer>();
  let listener: pg.PoolClient | undefined;
  let connecting: Promise<void> | undefined;
  let lastId = 0n;
  const sent = new Set<string>();
  let reading: Promise<void> | undefined;
  let again = false;
  let backstop: NodeJS.Timeout | undefined;
  let idle: NodeJS.Timeout | undefined;
  let stopped = false;
  const closers = new Set<() => void>();

  const select = `SELECT t.id::text, t.run_id, r.workflow, r.parent_run_id, t.from_state, t.to_state, t.reason, t.at
                    FROM mailroom.run_transitions t JOIN mailroom.runs r ON r.id = t.run_id`;

  const send = (s: SSEStreamingApi, t: LiveTransition) =>
    s.writeSSE({ event: 'transition', id: t.id, data: JSON.stringify(t) }).catch(() => streams.delete(s));

  const broadcast = (t: LiveTransition) => {
    for (const [s, viewer] of streams) {
      if (viewer.held) viewer.held.push(t);
      else if (!viewer.seen.has(t.id)) void send(s, t);
    }
  };

  const read = async () => {
    const { rows } = await pool.query<LiveTransition>(`${select} WHERE t.id > $1 ORDER BY t.id LIMIT 1000`, [String(lastId > BigInt(LOOK_BEHIND) ? lastId - BigInt(LOOK_BEHIND) : 0n)]);
    for (const t of rows) {
      if (sent.has(t.id)) continue;
      sent.add(t.id);
      if (BigInt(t.id) > lastId) lastId = BigInt(t.id);
      broadcast(t);
    }
    // Keep only the ids a later read can still see again.
    if (sent.size > 4 * LOOK_BEHIND) for (const id of sent) if (BigInt(id) <= lastId - BigInt(LOOK_BEHIND)) sent.delete(id);
    if (rows.length === 1000) again = true;
  };

  /** One read at a time; a doorbell during a read asks for one more after it. */
  const wake = () => {
    if (reading) {
      again = true;
      return;
    }
    reading = read()
      .catch((err) => log.warn({ err: String(err) }, 'live updates: reading transitions failed'))
      .finally(() => {
        reading = undefined;
        if (again) {
          again = false;
          wake();
        }
      });
  };

  const connect = async () => {
    const client = await pool.connect();
    try {
      client.on('notification', wake);
      client.on('error', (err) => {
        log.warn({ err: String(err) }, 'live updates: LISTEN connection lost; reconnecting');
        if (listener === client) listener = undefined;
        client.release(err);
      });
      await client.query('LISTEN mailroom_runs');
      await client.query(
        `WITH gone AS (DELETE FROM mailroom.run_watchers w WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = w.backend_pid))
         INSERT INTO mailroom.run_watchers (run_id, backend_pid) VALUES ($1, pg_backend_pid()) ON CONFLICT DO NOTHING`,
        [ALL_RUNS],
      );
      if (lastId === 0n) {
        const { rows } = await client.query<{ max: string | null }>('SELECT max(id)::text AS max FROM mailroom.run_transitions');
        lastId = BigInt(rows[0]?.max ?? '0');
      }
      listener = client;
    } catch (err) {
      client.release(err as Error);
      throw err;
    }
  };

  const ensureListening = async () => {
    if (idle) clearTimeout(idle);
    idle = undefined;
    if (!listener) await (connecting ??= connect().finally(() => (connecting = undefined)));
    backstop ??= setInterval(() => {
      if (!listener && streams.size) void ensureListening().catch(() => undefined);
      wake();
    }, backstopMs);
  };

  const release = async () => {
    if (backstop) clearInterval(backstop);
    backstop = undefined;
    const client = listener;
    listener = undefined;
    if (!client) return;
    try {
      await client.query('DELETE FROM mailroom.run_watchers WHERE run_id = $1 AND backend_pid = pg_backend_pid()', [ALL_RUNS]);
      await client.query('UNLISTEN mailroom_runs');
      client.release();
    } catch (err) {
      client.release(err as Error);
    }
  };

  const parseId = (v: string | undefined) => (v && /^\d{1,19}$/.test(v) ? BigInt(v) : undefined);

  return {
    clients: () => streams.size,
    stream(c, lastEventId) {
      return streamSSE(c, async (s) => {
        if (stopped) return;
        const since = parseId(lastEventId);
        const viewer: Viewer = { seen: new Set(), held: since === undefined ? undefined : [] };
        streams.set(s, viewer);
        let keepAlive: NodeJS.Timeout | undefined;
        let close: (() => void) | undefined;
        try {
          await ensureListening();
          if (since !== undefined) {
            // Catch up from the table: what happened while this browser was away.
            const { rows } = await pool.query<LiveTransition>(`${select} WHERE t.id > $1 ORDER BY t.id LIMIT ${CATCH_UP_LIMIT}`, [String(since)]);
            for (const t of rows) {
              viewer.seen.add(t.id);
              await send(s, t);
            }
            const held = viewer.held ?? [];
            viewer.held = undefined;
            for (const t of held) if (!viewer.seen.has(t.id) && BigInt(t.id) > since) await send(s, t);
          } else {
            await s.writeSSE({ event: 'ready', id: String(lastId), data: '{}' });
          }
          keepAlive = setInterval(() => void s.write(': keep-alive\n\n').catch(() => streams.delete(s)), keepAliveMs);
          await new Promise<void>((resolve) => {
            close = resolve;
            s.onAbort(resolve);
            closers.add(resolve);
            if (stopped) resolve();
          });
        } catch (err) {
          log.warn({ err: String(err) }, 'live updates: stream failed');
        } finally {
          if (keepAlive) clearInterval(keepAlive);
          if (close) closers.delete(close);
          streams.delete(s);
          if (!streams.size && !stopped) {
            if (idle) clearTimeout(idle);
            idle = setTimeout(() => void (streams.size ? undefined : release()), graceMs);
            idle.unref();
          }
        }
      });
    },
    async stop() {
      stopped = true;
      if (idle) clearTimeout(idle);
      for (const close of closers) close();
      closers.clear();
      await reading;
      await release();
    },
  };
}
