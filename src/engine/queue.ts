/**
 * pg-boss wiring. A job here is only a doorbell ("run X may proceed"): the durable state lives
 * in mailroom.runs, so a lost or duplicated job is harmless (the sweeper re-rings, the lease
 * refuses a second executor). One queue per workflow gives per-workflow concurrency.
 *
 * Queues use `notify: true` and the instance uses LISTEN/NOTIFY, so a job is picked up within
 * milliseconds of its commit instead of at the next poll. Delayed jobs (timers) are found by the
 * relaxed backstop poll, whose interval bounds timer precision.
 *
 * When the database goes away, pg-boss's own pool reconnects on the next statement, its workers
 * keep polling (a failed fetch waits one interval), and its LISTEN client reconnects with capped
 * backoff. `health()` says whether that has happened yet: it sends a NOTIFY through pg-boss's pool
 * and waits for its own listener to hear it, the one proof that the LISTEN session is alive.
 */
import crypto from 'node:crypto';
import { PgBoss } from 'pg-boss';
import type { Logger } from '../logger.ts';
import type { Queryable } from './run-store.ts';

export interface RunJob {
  runId: string;
  /** Why the run is rung: start, event, timer, sweep, retry. */
  reason: string;
  /** For resumptions: the wait step this doorbell is for; stale doorbells are ignored. */
  stepId?: string;
}

export const QUEUE_SCHEMA = 'mailroom_queue';

export function queueName(workflow: string): string {
  return `mailroom.run.${workflow}`;
}

/** `up`, or what is down in words an operator can act on. */
export type QueueHealth = { up: true } | { up: false; reason: string };

export interface RunQueue {
  boss: PgBoss;
  /** pg-boss started, its pool answering, and its LISTEN connection receiving. */
  health(timeoutMs?: number): Promise<QueueHealth>;
  ensureQueue(workflow: string): Promise<void>;
  /** Inside `db`'s transaction when given, so the doorbell exists iff the transaction commits. */
  ring(db: Queryable | undefined, workflow: string, job: RunJob, startAfter?: Date): Promise<void>;
  work(workflow: string, batchSize: number, handler: (jobs: RunJob[]) => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

export async function createRunQueue(url: string, log: Logger, options: { pollSeconds?: number; poolSize?: number } = {}): Promise<RunQueue> {
  const boss = new PgBoss({
    connectionString: url,
    schema: QUEUE_SCHEMA,
    useListenNotify: true,
    max: options.poolSize ?? 6,
    application_name: 'mailroom-queue',
  });
  // While the database is down every worker's poll fails once a second: say so, not a flood.
  let quietUntil = 0;
  let suppressed = 0;
  boss.on('error', (err) => {
    if (Date.now() < quietUntil) return void suppressed++;
    log.error({ err, component: 'queue', suppressed }, 'queue error');
    quietUntil = Date.now() + 10_000;
    suppressed = 0;
  });
  boss.on('warning', (w) => log.debug({ warning: w, component: 'queue' }, 'queue warning'));
  const listener = watchListener(boss);
  let running = false;
  boss.on('stopped', () => (running = false));
  await boss.start();
  running = true;
  const known = new Set<string>();
  const pollSeconds = options.pollSeconds ?? 1;

  const asExecutor = (db: Queryable) => ({
    executeSql: async (text: string, values?: unknown[]) => db.query(text, values as unknown[]),
  });

  return {
    boss,
    async health(timeoutMs = 3000) {
      if (!running) return { up: false, reason: 'pg-boss is not running' };
      if (!listener.channel) return { up: false, reason: 'pg-boss has no LISTEN connection (polling only)' };
      const token = `mailroom.health:${crypto.randomUUID()}`;
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<string>((resolve) => (timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs)));
      const heard = new Promise<true>((resolve) => listener.probes.set(token, () => resolve(true)));
      try {
        const sent = await Promise.race([
          boss.getDb().executeSql('SELECT pg_notify($1, $2)', [listener.channel, token]).then(() => true as const, (err: Error) => err.message),
          deadline,
        ]);
        if (sent !== true) return { up: false, reason: `pg-boss cannot reach the database: ${sent}` };
        return (await Promise.race([heard, deadline])) === true ? { up: true } : { up: false, reason: 'the LISTEN connection is down (pg-boss is reconnecting)' };
      } finally {
        clearTimeout(timer);
        listener.probes.delete(token);
      }
    },
    async ensureQueue(workflow) {
      const name = queueName(workflow);
      if (known.has(name)) return;
      if (!(await boss.getQueue(name))) {
        // Retrying a doorbell is cheap and idempotent; expiry only matters if a handler hangs.
        await boss.createQueue(name, { notify: true, retryLimit: 5, retryDelay: 1, retryBackoff: true, expireInSeconds: 300 }).catch(async (err) => {
          if (!(await boss.getQueue(name))) throw err;
        });
      }
      known.add(name);
    },
    async ring(db, workflow, job, startAfter) {
      const opts: Record<string, unknown> = {};
      if (startAfter) opts.startAfter = startAfter;
      if (db) opts.db = asExecutor(db);
      await boss.send(queueName(workflow), { ...job }, opts);
    },
    async work(workflow, batchSize, handler) {
      await boss.work<RunJob>(
        queueName(workflow),
        { batchSize, pollingIntervalSeconds: pollSeconds, notifyPollingIntervalSeconds: pollSeconds, burstWhenBatchFull: batchSize > 1 },
        async (jobs) => handler(jobs.map((j) => j.data)),
      );
    },
    async stop() {
      running = false;
      await boss.stop({ graceful: true, timeout: 5000 });
    },
  };
}

/**
 * Taps pg-boss's LISTEN subscription (the adapter's documented `listen` hook, which its notifier
 * calls once at start) to learn the channel and to take our health probes out of the stream;
 * every other payload goes on to pg-boss. Other processes' probes reach pg-boss as the name of
 * no queue, which it ignores.
 */
function watchListener(boss: PgBoss): { channel: string | undefined; probes: Map<string, () => void> } {
  const state = { channel: undefined as string | undefined, probes: new Map<string, () => void>() };
  const db = boss.getDb();
  const listen = db.listen?.bind(db);
  if (!listen) return state;
  db.listen = async (channel, onNotification, onReconnect) => {
    const handle = await listen(
      channel,
      (payload) => {
        const probe = state.probes.get(payload);
        if (probe) probe();
        else onNotification(payload);
      },
      onReconnect,
    );
    state.channel = channel;
    return handle;
  };
  return state;
}
