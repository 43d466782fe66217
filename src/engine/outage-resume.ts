/**
 * Resumes runs whose execution a lost database connection cut short.
 *
 * Such a run stays `running` under this worker's lease, so nobody (this worker included) may take
 * it until the lease expires (ENGINE_LEASE_MS, 30 s by default) and the sweeper re-rings it. We
 * need not wait that long: the execution has ended, so once the database answers (pinged with
 * backoff, 0.5 s doubling to 8 s, jittered) we release the lease and ring the doorbell, and the
 * run resumes from its checkpoints. The sweeper stays the backstop for a process that dies
 * meanwhile.
 */
import type pg from 'pg';
import type { Logger } from '../logger.ts';
import { backoffMs } from './backoff.ts';
import type { RunJob } from './queue.ts';

export interface OutageResumer {
  /** Remembers a run cut short; its doorbell rings again once the database answers. */
  add(workflow: string, job: RunJob): void;
  readonly pending: number;
  stop(): void;
}

export function createOutageResumer(deps: { pool: pg.Pool; resume: (workflow: string, job: RunJob) => Promise<void>; log: Logger }): OutageResumer {
  const waiting = new Map<string, { workflow: string; job: RunJob }>();
  let timer: NodeJS.Timeout | undefined;
  let attempt = 0;
  let stopped = false;

  const schedule = () => {
    if (timer || stopped || waiting.size === 0) return;
    attempt += 1;
    timer = setTimeout(() => {
      timer = undefined;
      void tick();
    }, backoffMs(attempt, { attempts: Infinity, baseMs: 500, maxMs: 8000 }));
    timer.unref();
  };

  const tick = async () => {
    try {
      await deps.pool.query('SELECT 1');
      for (const [runId, { workflow, job }] of waiting) {
        await deps.resume(workflow, { runId, reason: `reconnected after a database outage (${job.reason})`, stepId: job.stepId });
        waiting.delete(runId);
      }
      deps.log.info({ attempts: attempt }, 'database is back; runs cut short by the outage were rung again');
      attempt = 0;
    } catch {
      // Still down: try again later.
    }
    schedule();
  };

  return {
    add(workflow, job) {
      waiting.set(job.runId, { workflow, job });
      schedule();
    },
    get pending() {
      return waiting.size;
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
