/**
 * Schedules from the triggers file, on pg-boss's scheduler. pg-boss decides *when*: every process
 * runs its timekeeper, one of them wins each cron pass (a claim in the database), and a throttle
 * slot per occurrence keeps two passes from sending it twice. We decide *what*: the job starts the
 * schedule's workflow with the idempotency key `schedule:<name>:<occurrence>`, so even a second
 * job for one occurrence (a retried job, a second instance racing) finds the run the first one
 * started. However many `mailroom worker` processes run, an occurrence starts exactly one run.
 *
 * A process with a triggers file makes pg-boss's schedule table match it (added, changed and
 * removed schedules); one without leaves the table alone and still executes what fires.
 */
import { PgBoss, type JobWithMetadata } from 'pg-boss';
import type pg from 'pg';
import { withTransaction } from '../db/transaction.ts';
import { MailroomError } from '../errors.ts';
import type { Engine } from '../engine/engine.ts';
import { QUEUE_SCHEMA } from '../engine/queue.ts';
import type { Logger } from '../logger.ts';
import { lastScheduleRuns, recordScheduleRun, type LastScheduleRun } from '../queries/schedule-runs.ts';
import { nextOccurrences, occurrenceAtOrBefore } from './cron.ts';
import type { Triggers } from './file.ts';

export const SCHEDULE_QUEUE = 'mailroom.schedule';

/** What pg-boss stores with a schedule and hands back with every job it sends for it. */
interface ScheduleData {
  schedule: string;
  workflow: string;
  input: Record<string, unknown>;
  cron: string;
  tz: string;
}

export interface ScheduleStatus {
  name: string;
  cron: string;
  tz: string;
  workflow: string;
  input: Record<string, unknown>;
  /** False for a schedule in the triggers file that no process has registered with pg-boss yet. */
  registered: boolean;
  next_fire_at: Date | null;
  last_run: Omit<LastScheduleRun, 'schedule'> | null;
}

export interface Scheduler {
  /** The schedules pg-boss holds (what fires), each with its next fire time and last run. */
  list(): Promise<ScheduleStatus[]>;
  /** Starts the run of one occurrence; a second call for the same occurrence returns the same run. */
  fire(data: ScheduleData, occurrence: Date): Promise<{ runId: string; created: boolean } | undefined>;
  stop(): Promise<void>;
}

export interface SchedulerOptions {
  databaseUrl: string;
  pool: pg.Pool;
  engine: Engine;
  triggers: Triggers;
  log: Logger;
  /** `run`: keep time, sync the file's schedules and execute what fires; `read`: only list. */
  mode: 'run' | 'read';
}

/**
 * The latest occurrence of each schedule that should have run while no process kept time: run
 * once now (the idempotency key makes that once across processes), if the schedule ran before
 * and the occurrence is at most `catch_up` old. Older ones are skipped, said so in the log.
 */
export async function catchUpMissed(scheduler: Pick<Scheduler, 'fire'>, pool: pg.Pool, triggers: Triggers, log: Logger, now = new Date()): Promise<Array<{ schedule: string; occurrence: Date; runId: string }>> {
  const caught: Array<{ schedule: string; occurrence: Date; runId: string }> = [];
  const last = await lastScheduleRuns(pool, [...triggers.schedules.keys()]);
  for (const s of triggers.schedules.values()) {
    const prev = last.get(s.name);
    if (!s.catch_up || !prev) continue;
    const due = occurrenceAtOrBefore(s.cron, s.tz, now, Math.max(s.catch_up, 120_000));
    if (!due || due.getTime() <= prev.occurrence_at.getTime()) continue;
    if (now.getTime() - due.getTime() > s.catch_up) {
      log.warn({ schedule: s.name, occurrence: due.toISOString() }, 'a missed occurrence is older than catch_up: not run');
      continue;
    }
    const started = await scheduler.fire({ schedule: s.name, workflow: s.workflow, input: s.input, cron: s.cron, tz: s.tz }, due);
    if (started) {
      caught.push({ schedule: s.name, occurrence: due, runId: started.runId });
      log.info({ schedule: s.name, occurrence: due.toISOString(), run_id: started.runId, created: started.created }, 'missed occurrence run on start (catch_up)');
    }
  }
  return caught;
}

export async function openScheduler(options: SchedulerOptions): Promise<Scheduler> {
  const { pool, engine, triggers } = options;
  const log = options.log.child({ component: 'scheduler' });
  const running = options.mode === 'run';
  const boss = new PgBoss({
    connectionString: options.databaseUrl,
    schema: QUEUE_SCHEMA,
    max: 2,
    application_name: 'mailroom-scheduler',
    // The engine's queue instance migrates and supervises the schema; this one only keeps time.
    migrate: false,
    supervise: false,
    schedule: running,
    // A pass every 5 s (pg-boss's default is 30): a schedule added at start fires within seconds.
    cronMonitorIntervalSeconds: 5,
    cronWorkerIntervalSeconds: 1,
  });
  boss.on('error', (err) => log.error({ err }, 'scheduler error'));
  await boss.start();

  const scheduler: Scheduler = {
    async list() {
      const registered = await boss.getSchedules(SCHEDULE_QUEUE).catch(() => []);
      const all = new Map<string, Omit<ScheduleStatus, 'next_fire_at' | 'last_run'>>();
      for (const r of registered) {
        const data = r.data as ScheduleData;
        all.set(r.key, { name: r.key, cron: r.cron, tz: r.timezone || 'UTC', workflow: data.workflow, input: data.input, registered: true });
      }
      // In the file but not (yet) in pg-boss: no process with this file has started since.
      for (const s of triggers.schedules.values()) {
        if (!all.has(s.name)) all.set(s.name, { name: s.name, cron: s.cron, tz: s.tz, workflow: s.workflow, input: s.input, registered: false });
      }
      const last = await lastScheduleRuns(pool, [...all.keys()]);
      return [...all.values()].map((s) => {
        const run = last.get(s.name);
        return { ...s, next_fire_at: nextOccurrences(s.cron, s.tz)[0] ?? null, last_run: run ? { run_id: run.run_id, occurrence_at: run.occurrence_at, state: run.state, started_at: run.started_at } : null };
      });
    },

    async fire(data, occurrence) {
      let workflow;
      try {
        workflow = engine.workflow(data.workflow);
      } catch {
        log.warn({ schedule: data.schedule, workflow: data.workflow }, 'schedule fired, but its workflow is not installed; no run started');
        return undefined;
      }
      return withTransaction(pool, async (tx) => {
        const started = await engine.startRun(workflow, data.input, {
          idempotencyKey: `schedule:${data.schedule}:${occurrence.toISOString()}`,
          startedBy: `schedule:${data.schedule}`,
          tx,
        });
        await recordScheduleRun(tx, data.schedule, occurrence, started.runId);
        return started;
      });
    },

    async stop() {
      await boss.stop({ graceful: true, timeout: 5000 });
    },
  };

  if (!running) return scheduler;

  if (!(await boss.getQueue(SCHEDULE_QUEUE))) {
    await boss.createQueue(SCHEDULE_QUEUE, { retryLimit: 3, retryDelay: 5, retryBackoff: true }).catch(async (err) => {
      if (!(await boss.getQueue(SCHEDULE_QUEUE))) throw err;
    });
  }
  if (triggers.path) {
    const wanted = new Set(triggers.schedules.keys());
    for (const s of triggers.schedules.values()) {
      const data: ScheduleData = { schedule: s.name, workflow: s.workflow, input: s.input, cron: s.cron, tz: s.tz };
      await boss.schedule(SCHEDULE_QUEUE, s.cron, data, { tz: s.tz, key: s.name });
    }
    for (const old of await boss.getSchedules(SCHEDULE_QUEUE)) {
      if (wanted.has(old.key)) continue;
      await boss.unschedule(SCHEDULE_QUEUE, old.key);
      log.info({ schedule: old.key }, 'schedule removed (no longer in the triggers file)');
    }
    if (wanted.size) log.info({ schedules: [...wanted] }, 'schedules registered');
  }

  await catchUpMissed(scheduler, pool, triggers, log);

  await boss.work<ScheduleData>(
    SCHEDULE_QUEUE,
    { includeMetadata: true, batchSize: 10, pollingIntervalSeconds: 1 },
    async (jobs) => {
      for (const job of jobs as JobWithMetadata<ScheduleData>[]) {
        const data = job.data;
        // A job carries no occurrence time, only when pg-boss sent it, inside that occurrence's due window.
        const occurrence = occurrenceAtOrBefore(data.cron, data.tz, job.createdOn) ?? new Date(Math.floor(job.createdOn.getTime() / 1000) * 1000);
        try {
          const started = await scheduler.fire(data, occurrence);
          if (started) log.info({ schedule: data.schedule, occurrence: occurrence.toISOString(), run_id: started.runId, created: started.created }, 'schedule fired');
        } catch (err) {
          // A run that can never start (its input no longer fits the workflow) is reported, not retried.
          if (err instanceof MailroomError && (err.code === 'INPUT_INVALID' || err.code === 'NOT_FOUND')) {
            log.error({ schedule: data.schedule, err: err.message }, 'schedule fired, but its run could not start');
          } else throw err;
        }
      }
    },
  );
  return scheduler;
}
