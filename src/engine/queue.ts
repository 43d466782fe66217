/**
 * pg-boss wiring. A job here is only a doorbell ("run X may proceed"): the durable state lives
 * in mailroom.runs, so a lost or duplicated job is harmless (the sweeper re-rings, the lease
 * refuses a second executor). One queue per workflow gives per-workflow concurrency.
 *
 * Queues use `notify: true` and the instance uses LISTEN/NOTIFY, so a job is picked up within
 * milliseconds of its commit instead of at the next poll. Delayed jobs (timers) are found by the
 * relaxed backstop poll, whose interval bounds timer precision.
 */
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

export interface RunQueue {
  boss: PgBoss;
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
  boss.on('error', (err) => log.error({ err, component: 'queue' }, 'queue error'));
  boss.on('warning', (w) => log.debug({ warning: w, component: 'queue' }, 'queue warning'));
  await boss.start();
  const known = new Set<string>();
  const pollSeconds = options.pollSeconds ?? 1;

  const asExecutor = (db: Queryable) => ({
    executeSql: async (text: string, values?: unknown[]) => db.query(text, values as unknown[]),
  });

  return {
    boss,
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
      await boss.stop({ graceful: true, timeout: 5000 });
    },
  };
}
