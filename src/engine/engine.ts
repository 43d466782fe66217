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
import { createRunQueue, type RunJob, type RunQueue } from './queue.ts';
import { executeRun, finishRun, type RunnerDeps } from './runner.ts';
import { getRun, insertRun, transition } from './run-store.ts';
import { createSemaphore } from './semaphore.ts';
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
  let stopping = false;

  const q = (): RunQueue => {
    if (!queue) throw new Error('engine not started: call engine.start() first');
    return queue;
  };

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
      for (const wf of workflows.values()) {
        const slots = createSemaphore(wf.concurrency ?? settings.concurrency);
        // The handler returns once every job in the batch holds a slot, so pg-boss fetches more
        // only when there is room: backpressure without holding jobs open for a run's lifetime.
        await queue.work(wf.name, Math.min(50, wf.concurrency ?? settings.concurrency), async (jobs: RunJob[]) => {
          for (const job of jobs) {
            const release = await slots.acquire();
            const p = executeRun(deps(), job)
              .catch((err) => log.error({ err: String(err), run_id: job.runId }, 'run execution aborted; the sweeper will resume it'))
              .finally(() => {
                release();
                inFlight.delete(p);
              });
            inFlight.add(p);
          }
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
      await queue?.stop();
      // Let executing runs reach a step boundary; anything still going when we exit is
      // recovered by another worker once its lease expires.
      await Promise.race([Promise.allSettled([...inFlight]), new Promise((r) => setTimeout(r, 10_000).unref())]);
    },

    async startRun(wfOrName, input, opts = {}) {
      const wf = typeof wfOrName === 'string' ? engine.workflow(wfOrName) : wfOrName;
      if (!workflows.has(wf.name)) workflows.set(wf.name, wf);
      const parsed = wf.input.safeParse(input);
      if (!parsed.success) {
        throw new InputError(`input for workflow "${wf.name}" is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
      }
      await q().ensureQueue(wf.name);
      const create = async (tx: pg.PoolClient): Promise<StartRunResult> => {
        const res = await insertRun(tx, {
          id: crypto.randomUUID(),
          workflow: wf.name,
          version: wf.version,
          input: parsed.data,
          idempotencyKey: opts.idempotencyKey ?? null,
          parentRunId: opts.parentRunId ?? null,
          startedBy: opts.startedBy ?? null,
          deadlineMs: wf.maxDurationMs ?? settings.maxRunDurationMs,
        });
        if (res.created) await q().ring(tx, wf.name, { runId: res.id, reason: 'start' });
        return { runId: res.id, created: res.created };
      };
      return opts.tx ? create(opts.tx) : withTransaction(pool, create);
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
      const client = await pool.connect();
      // LISTEN for the transition trigger's NOTIFY, and re-read on each; poll as a backstop.
      let wake: () => void = () => undefined;
      const onNotify = (msg: pg.Notification) => {
        if (msg.payload?.startsWith(runId)) wake();
      };
      client.on('notification', onNotify);
      try {
        await client.query('LISTEN mailroom_runs');
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
      } finally {
        client.removeListener('notification', onNotify);
        await client.query('UNLISTEN mailroom_runs').catch(() => undefined);
        client.release();
      }
    },

    async sweep() {
      const { rows } = await pool.query<{ id: string; workflow: string; state: RunState; wait: { stepId?: string } | null }>(
        `SELECT id, workflow, state, wait FROM mailroom.runs
          WHERE (state = 'running' AND lease_until < now())
             OR (state = 'waiting' AND wake_at < now() - interval '5 seconds')
          LIMIT 200`,
      );
      for (const r of rows) {
        if (!workflows.has(r.workflow)) continue;
        await q().ring(undefined, r.workflow, { runId: r.id, reason: r.state === 'running' ? 'sweep: worker lost' : 'sweep: overdue timer', stepId: r.wait?.stepId });
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
