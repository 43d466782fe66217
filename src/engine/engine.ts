/**
 * The durable workflow engine.
 *
 * Run states and what moves a run between them (every move is stored with its reason):
 *
 *   queued ──claim──► running ──workflow returns──► completed
 *                      │  ▲ │ └──step fails for good / bound hit / crash loop──► failed
 *                      │  │ └──sleep / waitForEvent / long retry──► waiting
 *                      │  └──────── event, timer or sweep rings ◄────┘
 *                      └──lease expires (worker died)──► running (recovered, counts a crash)
 *   any non-final state ──cancel──► cancelled;  failed ──retry──► queued
 *
 * A worker executes a run in one go until it completes, fails or suspends: steps are not jobs.
 * pg-boss jobs only ring the doorbell (queue.ts); the sweeper re-rings runs whose worker died.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import type pg from 'pg';
import { InputError, NotFoundError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { EngineSettings } from '../config.ts';
import { resolveUncertain } from './action-ledger.ts';
import { clearWaits } from './event-store.ts';
import { emitEvent } from './events.ts';
import { createOutageResumer, type OutageResumer } from './outage-resume.ts';
import { createRunQueue, QUEUE_SCHEMA, queueName, type QueueHealth, type RunJob, type RunQueue } from './queue.ts';
import { executeRun, finishRun, type RunnerDeps } from './runner.ts';
import { getRun, insertRun, insertRuns, transition, listenForRun, unlistenForRun, type NewRun } from './run-store.ts';
import { createSemaphore } from './semaphore.ts';
import { createWriteBatcher } from './write-batcher.ts';
import { isConnectionError } from '../db/connection-errors.ts';
import { withTransaction } from '../db/transaction.ts';
import { TERMINAL_STATES, type ActionGate, type RunState, type StartRunOptions, type StartRunResult, type WorkflowDefinition } from './types.ts';

export interface EngineOptions {
  pool: pg.Pool;
  databaseUrl: string;
  settings: EngineSettings;
  log: Logger;
  services?: unknown;
  gate?: ActionGate;
  /** Seconds between pg-boss's backstop polls; bounds timer precision (default 1). */
  pollSeconds?: number;
}

const allowAll: ActionGate = { check: async () => ({ allow: true }) };

export interface Engine {
  readonly pool: pg.Pool;
  readonly workerId: string;
  register(...workflows: WorkflowDefinition<any, any, any>[]): void;
  workflow(name: string): WorkflowDefinition<any, any, any>;
  /** Connects the queue; with `workers`, also executes runs of the registered workflows. */
  start(options?: { workers?: boolean }): Promise<void>;
  stop(): Promise<void>;
  /** The queue's health for /healthz: pg-boss running, reachable, and its LISTEN connection alive. */
  health(): Promise<QueueHealth>;
  startRun<I, In>(workflow: WorkflowDefinition<I, any, any, In> | string, input: In, options?: StartRunOptions): Promise<StartRunResult>;
  sendEvent(name: string, key: string, payload?: unknown, source?: string): Promise<number>;
  /** Like sendEvent, inside the caller's open transaction: the event exists iff it commits. */
  sendEventInTransaction(tx: pg.PoolClient, name: string, key: string, payload?: unknown, source?: string): Promise<number>;
  cancelRun(runId: string, reason?: string): Promise<boolean>;
  retryRun(runId: string, options?: { actions?: 'done' | 'repeat' }): Promise<void>;
  /** Resolves when the run reaches one of `states` (default: anything but queued/running) or ends. */
  waitForRun(runId: string, options?: { states?: RunState[]; timeoutMs?: number }): Promise<RunState>;
  /** Re-rings runs whose worker died or whose timer doorbell went missing. */
  sweep(): Promise<number>;
  setGate(gate: ActionGate): void;
  setServices(services: unknown): void;
}

export function createEngine(options: EngineOptions): Engine {
  const { pool, settings, log } = options;
  const workflows = new Map<string, WorkflowDefinition<any, any, any>>();
  const workerId = `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
  let queue: RunQueue | undefined;
  let gate = options.gate ?? allowAll;
  let services = options.services;
  let sweeper: NodeJS.Timeout | undefined;
  const inFlight = new Set<Promise<void>>();
  // Runs executing in this process, each with the doorbell that rang meanwhile (if any): claimRun
  // lets a lease's owner back in, so a second doorbell here must wait for the first execution.
  const executing = new Map<string, RunJob | null>();
  let resumer: OutageResumer | undefined;
  let stopping = false;

  const q = (): RunQueue => {
    if (!queue) throw new Error('engine not started: call engine.start() first');
    return queue;
  };

  // Runs started at about the same moment (a burst of spawns or API calls) go in together: one
  // statement for the runs, one for their doorbells, one commit. A doorbell's NOTIFY makes its
  // commit queue for PostgreSQL's one notification lock, so one such commit for many starts
  // instead of one each. Alone, a start goes at once (write-batcher.ts).
  type NewStart = { wf: WorkflowDefinition<any, any, any>; run: NewRun };
  const insertAndRing = async (tx: pg.PoolClient, starts: NewStart[]): Promise<StartRunResult[]> => {
    if (starts.length === 1) {
      const [{ wf, run }] = starts as [NewStart];
      const res = await insertRun(tx, run);
      if (res.created) await q().ring(tx, wf.name, { runId: res.id, reason: 'start' });
      return [{ runId: res.id, created: res.created }];
    }
    const inserted = await insertRuns(tx, starts.map((s) => s.run));
    const doorbells = new Map<string, RunJob[]>();
    inserted.forEach((res, i) => {
      if (!res.created) return;
      const name = starts[i]!.wf.name;
      doorbells.set(name, [...(doorbells.get(name) ?? []), { runId: res.id, reason: 'start' }]);
    });
    for (const [name, jobs] of doorbells) {
      await q().boss.insert(queueName(name), jobs.map((data) => ({ data })), { db: { executeSql: (text: string, values?: unknown[]) => tx.query(text, values as unknown[]) } });
    }
    return inserted.map((res) => ({ runId: res.id, created: res.created }));
  };
  const startTogether = createWriteBatcher((starts: NewStart[]) => withTransaction(pool, (tx) => insertAndRing(tx, starts)), { maxBatch: 100 });

  const engine: Engine = {
    pool,
    workerId,

    register(...defs) {
      for (const d of defs) workflows.set(d.name, d);
    },

    workflow(name) {
      const wf = workflows.get(name);
      if (!wf) throw new NotFoundError(`unknown workflow "${name}" (known: ${[...workflows.keys()].join(', ') || 'none'})`);
      return wf;
    },

    async start({ workers = true } = {}) {
      queue = await createRunQueue(options.databaseUrl, log, { pollSeconds: options.pollSeconds });
      for (const name of workflows.keys()) await queue.ensureQueue(name);
      if (!workers) return;
      const deps = (): RunnerDeps => ({
        pool,
        queue: q(),
        owner: workerId,
        log,
        workflows,
        services,
        gate,
        settings: {
          leaseMs: settings.leaseMs,
          crashLimit: settings.crashLimit,
          maxSteps: settings.maxSteps,
          stepTimeoutMs: settings.stepTimeoutMs,
          retry: { attempts: settings.stepAttempts, baseMs: settings.retryBaseMs, maxMs: settings.retryMaxMs },
        },
        startChild: async (wf, input, key, parent, startedBy) => (await engine.startRun(wf, input, { idempotencyKey: key, parentRunId: parent, startedBy })).runId,
      });
      const outages = createOutageResumer({
        pool,
        log,
        resume: async (wf, job) => {
          // Executing again already (the sweeper rang it): its lease must stay where it is.
          if (executing.has(job.runId)) return;
          await withTransaction(pool, async (tx) => {
            // Cut short before its claim, the run is not ours: the doorbell alone is enough then.
            await transition(tx, job.runId, 'running', 'the database connection was lost mid-run; lease released to resume', { owner: workerId, fromStates: ['running'] }, { releaseLease: true });
            await q().ring(tx, wf, job);
          });
        },
      });
      resumer = outages;
      for (const wf of workflows.values()) {
        const slots = createSemaphore(wf.concurrency ?? settings.concurrency);
        const execute = (job: RunJob, release: () => void) => {
          if (executing.has(job.runId)) {
            executing.set(job.runId, job);
            return release();
          }
          executing.set(job.runId, null);
          const p = executeRun(deps(), job)
            .catch((err) => {
              if (!isConnectionError(err)) return log.error({ err: String(err), run_id: job.runId }, 'run execution aborted; the sweeper will resume it');
              log.warn({ err: String(err), run_id: job.runId }, 'run cut short by a lost database connection; resuming it once the database answers');
              outages.add(wf.name, job);
            })
            .finally(() => {
              const next = executing.get(job.runId);
              executing.delete(job.runId);
              inFlight.delete(p);
              if (next && !stopping) execute(next, release);
              else release();
            });
          inFlight.add(p);
        };
        // The handler returns once every job in the batch holds a slot, so pg-boss fetches more
        // only when there is room: backpressure without holding jobs open for a run's lifetime.
        await queue.work(wf.name, Math.min(50, wf.concurrency ?? settings.concurrency), async (jobs: RunJob[]) => {
          for (const job of jobs) execute(job, await slots.acquire());
        });
      }
      const every = Math.max(250, Math.floor(settings.leaseMs / 2));
      sweeper = setInterval(() => {
        engine.sweep().catch((err) => log.warn({ err: String(err) }, 'sweep failed'));
      }, every);
      sweeper.unref();
    },

    async stop() {
      if (stopping) return;
      stopping = true;
      if (sweeper) clearInterval(sweeper);
      resumer?.stop();
      await queue?.stop();
      // Let executing runs reach a step boundary; anything still going when we exit is
      // recovered by another worker once its lease expires.
      await Promise.race([Promise.allSettled([...inFlight]), new Promise((r) => setTimeout(r, 10_000).unref())]);
    },

    async health() {
      return queue ? queue.health() : { up: false, reason: 'the engine has not started its queue' };
    },

    async startRun(wfOrName, input, opts = {}) {
      const wf = typeof wfOrName === 'string' ? engine.workflow(wfOrName) : wfOrName;
      if (!workflows.has(wf.name)) workflows.set(wf.name, wf);
      const parsed = wf.input.safeParse(input);
      if (!parsed.success) {
        throw new InputError(`input for workflow "${wf.name}" is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
      }
      await q().ensureQueue(wf.name);
      const start: NewStart = {
        wf,
        run: {
          id: crypto.randomUUID(),
          workflow: wf.name,
          version: wf.version,
          input: parsed.data,
          idempotencyKey: opts.idempotencyKey ?? null,
          parentRunId: opts.parentRunId ?? null,
          startedBy: opts.startedBy ?? null,
          deadlineMs: wf.maxDurationMs ?? settings.maxRunDurationMs,
        },
      };
      return opts.tx ? (await insertAndRing(opts.tx, [start]))[0]! : startTogether(start);
    },

    sendEvent(name, key, payload = null, source) {
      return withTransaction(pool, (tx) => emitEvent(tx, q(), { name, key, payload, source }));
    },

    sendEventInTransaction(tx, name, key, payload = null, source) {
      return emitEvent(tx, q(), { name, key, payload, source });
    },

    async cancelRun(runId, reason = 'cancelled by operator') {
      const run = await getRun(pool, runId);
      if (!run) throw new NotFoundError(`no run ${runId}`);
      if (TERMINAL_STATES.includes(run.state)) return false;
      const moved = await finishRun({ pool, queue: q() }, run, 'cancelled', reason, { fromStates: ['queued', 'running', 'waiting'] }, {});
      if (moved) await clearWaits(pool, runId);
      return moved;
    },

    async retryRun(runId, { actions } = {}) {
      const run = await getRun(pool, runId);
      if (!run) throw new NotFoundError(`no run ${runId}`);
      if (run.state !== 'failed' && run.state !== 'cancelled') {
        throw new InputError(`run ${runId} is ${run.state}; only failed or cancelled runs can be retried`);
      }
      const uncertain = await pool.query<{ key: string }>(`SELECT key FROM mailroom.actions WHERE run_id = $1 AND status IN ('started', 'uncertain')`, [runId]);
      if (uncertain.rowCount && !actions) {
        throw new InputError(
          `run ${runId} has uncertain actions (${uncertain.rows.map((r) => r.key).join(', ')}): check them, then retry with --actions done (they happened) or --actions repeat (they did not)`,
        );
      }
      if (actions) await resolveUncertain(pool, runId, actions);
      // Failed steps get fresh attempts; completed steps stay memoized.
      await pool.query(`DELETE FROM mailroom.steps WHERE run_id = $1 AND status IN ('failed', 'retrying')`, [runId]);
      await withTransaction(pool, async (tx) => {
        const moved = await transition(tx, runId, 'queued', 'retried by operator', { fromStates: ['failed', 'cancelled'] }, { error: null, resetCrashes: true, releaseLease: true });
        if (moved) await q().ring(tx, run.workflow, { runId, reason: 'retry' });
      });
    },

    async waitForRun(runId, { states, timeoutMs = 60_000 } = {}) {
      const until = Date.now() + timeoutMs;
      const wanted = states ?? ['waiting', 'completed', 'failed', 'cancelled'];
      // LISTEN for the transition trigger's NOTIFY, and re-read on each; poll as a backstop.
      let wake: () => void = () => undefined;
      const onNotify = (msg: pg.Notification) => {
        if (msg.payload?.startsWith(runId)) wake();
      };
      const watch = async (client: pg.PoolClient): Promise<RunState> => {
        await listenForRun(client, runId);
        for (;;) {
          const run = await getRun(client, runId);
          if (!run) throw new NotFoundError(`no run ${runId}`);
          if (wanted.includes(run.state) || TERMINAL_STATES.includes(run.state)) return run.state;
          if (Date.now() > until) throw new Error(`run ${runId} still ${run.state} after ${timeoutMs} ms`);
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, 250);
            wake = () => {
              clearTimeout(t);
              resolve();
            };
          });
        }
      };
      // A lost connection (the database restarting) costs a reconnect, not the wait.
      for (let attempt = 1; ; attempt++) {
        let client: pg.PoolClient | undefined;
        let broken: Error | undefined;
        const onError = (err: Error) => (broken = err);
        try {
          client = await pool.connect();
          client.on('notification', onNotify);
          client.on('error', onError);
          return await watch(client);
        } catch (err) {
          if (!isConnectionError(err) || Date.now() > until) throw err;
          broken ??= err as Error;
          await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** attempt, Math.max(0, until - Date.now()))));
        } finally {
          if (client) {
            client.removeListener('notification', onNotify);
            if (!broken) await unlistenForRun(client, runId).catch((err: Error) => (broken = err));
            // A pooled client outlives this wait: leave no listener behind on it.
            client.removeListener('error', onError);
            client.release(broken);
          }
        }
      }
    },

    async sweep() {
      const { rows } = await pool.query<{ id: string; workflow: string; state: RunState; wait: { stepId?: string } | null }>(
        `SELECT id, workflow, state, wait FROM mailroom.runs r
          WHERE (state = 'running' AND lease_until < now())
             OR (state = 'waiting' AND wake_at < now() - interval '5 seconds')
             -- A queued run whose doorbell a killed worker had fetched: pg-boss would retry that
             -- job only when it expires (5 min). Re-rung once no live doorbell is left for it.
             OR (state = 'queued' AND updated_at < now() - $1 * interval '1 millisecond'
                 AND NOT EXISTS (SELECT 1 FROM ${QUEUE_SCHEMA}.job j
                                  WHERE j.name = 'mailroom.run.' || r.workflow AND j.data->>'runId' = r.id::text
                                    AND (j.state IN ('created', 'retry') OR (j.state = 'active' AND j.started_on > now() - $1 * interval '1 millisecond'))))
          LIMIT 200`,
        [settings.leaseMs],
      );
      for (const r of rows) {
        if (!workflows.has(r.workflow)) continue;
        const reason = r.state === 'running' ? 'sweep: worker lost' : r.state === 'queued' ? 'sweep: doorbell lost' : 'sweep: overdue timer';
        await q().ring(undefined, r.workflow, { runId: r.id, reason, stepId: r.wait?.stepId });
      }
      return rows.length;
    },

    setGate(next) {
      gate = next;
    },
    setServices(next) {
      services = next;
    },
  };
  return engine;
}
