/**
 * Executes one run from the top until it completes, fails or suspends (see step-api.ts for the
 * replay model). While it executes, a heartbeat renews the lease; if the lease is lost (another
 * worker took over after we stalled) or the run is cancelled, the execution stops at its next
 * step boundary and writes nothing more.
 */
import type pg from 'pg';
import { toStoredError, type StoredError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { emitEvent } from './events.ts';
import type { RunJob, RunQueue } from './queue.ts';
import { claimRun, endRunSoon, recordDecisions, renewLease, transition, type PendingDecision, type RunRow } from './run-store.ts';
import { ExecutionStop, RunAbort, StepFailedError } from './signals.ts';
import { createExecution } from './step-api.ts';
import { withTransaction } from '../db/transaction.ts';
import type { ActionGate, RetryPolicy, RunState, WorkflowDefinition } from './types.ts';

export interface RunnerDeps {
  pool: pg.Pool;
  queue: RunQueue;
  owner: string;
  log: Logger;
  workflows: Map<string, WorkflowDefinition<any, any, any>>;
  services: unknown;
  gate: ActionGate;
  settings: { leaseMs: number; crashLimit: number; maxSteps: number; stepTimeoutMs: number; retry: RetryPolicy };
  startChild: (workflow: WorkflowDefinition<any, any, any> | string, input: unknown, idempotencyKey: string, parentRunId: string, startedBy?: string | null) => Promise<string>;
}

/**
 * Ends a run (completed/failed) and, for a child run, tells the parent in the same transaction;
 * a run without a parent ends in one statement, no transaction around it.
 */
export async function finishRun(
  deps: Pick<RunnerDeps, 'pool' | 'queue'>,
  run: Pick<RunRow, 'id' | 'parent_run_id'>,
  to: Extract<RunState, 'completed' | 'failed' | 'cancelled'>,
  reason: string,
  guard: { owner?: string; fromStates?: RunState[] },
  fields: { output?: unknown; error?: StoredError; decisions?: PendingDecision[] },
): Promise<boolean> {
  if (!run.parent_run_id) return transition(deps.pool, run.id, to, reason, guard, fields);
  // When the guard fails the transition wrote nothing, so there is nothing to undo.
  return withTransaction(deps.pool, async (tx) => {
    const moved = await transition(tx, run.id, to, reason, guard, fields);
    if (moved && run.parent_run_id) {
      await emitEvent(tx, deps.queue, {
        name: 'run.finished',
        key: run.id,
        payload: { state: to, output: fields.output ?? null, error: fields.error ?? null },
        source: 'engine',
      });
    }
    return moved;
  });
}

/** The end of an execution: in group commit with other runs ending now, unless a parent must hear of it. */
function endRun(
  deps: Pick<RunnerDeps, 'pool' | 'queue'>,
  run: Pick<RunRow, 'id' | 'parent_run_id'>,
  to: 'completed' | 'failed',
  reason: string,
  guard: { owner: string },
  fields: { output?: unknown; error?: StoredError; decisions: PendingDecision[] },
): Promise<boolean> {
  if (run.parent_run_id) return finishRun(deps, run, to, reason, guard, fields);
  return endRunSoon(deps.pool, { runId: run.id, to, reason, owner: guard.owner, ...fields });
}

function failureOf(err: unknown): { error: StoredError; reason: string } {
  if (err instanceof StepFailedError) {
    return { error: { ...err.stored, step: err.stepId } as StoredError, reason: `step "${err.stepId}" failed: ${err.stored.message}` };
  }
  const error = toStoredError(err);
  return { error, reason: error.message };
}

export async function executeRun(deps: RunnerDeps, job: RunJob): Promise<void> {
  const { pool, owner, settings } = deps;
  const run = await claimRun(pool, job.runId, owner, settings.leaseMs, job);
  if (!run) return;
  const log = deps.log.child({ run_id: run.id, workflow: run.workflow });
  const guard = { owner };

  if (run.crashes > settings.crashLimit) {
    const reason = `crash loop: the worker stopped mid-run ${run.crashes} times (limit ${settings.crashLimit}); not replaying again`;
    log.error({ crashes: run.crashes }, reason);
    await finishRun(deps, run, 'failed', reason, guard, { error: { name: 'RunAbort', code: 'CRASH_LOOP', message: reason } });
    return;
  }
  const workflow = deps.workflows.get(run.workflow);
  if (!workflow) {
    const reason = `no workflow named "${run.workflow}" is registered in this worker`;
    await finishRun(deps, run, 'failed', reason, guard, { error: { name: 'RunAbort', code: 'NOT_FOUND', message: reason } });
    return;
  }
  if (workflow.version !== run.workflow_version) {
    log.warn({ stored: run.workflow_version, current: workflow.version }, 'replaying a run started by another version of its workflow');
  }

  const abort = new AbortController();
  let external: ExecutionStop | undefined;
  const heartbeat = setInterval(() => {
    renewLease(pool, run.id, owner, settings.leaseMs)
      .then((state) => {
        if (state === undefined || state === 'cancelled') {
          external ??= new ExecutionStop(state === 'cancelled' ? 'cancelled' : 'lease-lost');
          abort.abort(external);
        }
      })
      .catch((err) => log.warn({ err: String(err) }, 'lease renewal failed'));
  }, Math.max(100, Math.floor(settings.leaseMs / 3)));

  try {
    const execution = createExecution({
      pool,
      queue: deps.queue,
      run,
      steps: run.steps,
      owner,
      log,
      maxSteps: workflow.maxSteps ?? settings.maxSteps,
      stepTimeoutMs: workflow.stepTimeoutMs ?? settings.stepTimeoutMs,
      retry: { ...settings.retry, ...workflow.retry },
      gate: deps.gate,
      abort,
      stopReason: () => external,
      startChild: deps.startChild,
    });
    // A suspension wrote its decisions with the wait. A run cancelled or taken over mid-way still
    // keeps what it decided (a model call it paid for, say); a failed write is no loss, the
    // replay records them again.
    const keepDecisions = async (stop: ExecutionStop) => {
      log.debug({ why: stop.why }, 'execution stopped');
      await recordDecisions(pool, run.id, execution.takeDecisions()).catch((err: unknown) => log.debug({ err: String(err) }, 'decisions of a stopped execution not written'));
    };
    const ctx = { runId: run.id, workflow: run.workflow, log, services: deps.services, startedBy: run.started_by };
    try {
      const input = workflow.input.parse(run.input);
      const output = await workflow.run(input, execution.step, ctx);
      const stop = execution.stopped() ?? external;
      if (stop) {
        await keepDecisions(stop);
        return;
      }
      const done = await endRun(deps, run, 'completed', 'workflow returned', guard, { output: output ?? null, decisions: execution.takeDecisions() });
      if (done) log.info('run completed');
    } catch (err) {
      const stop = err instanceof ExecutionStop ? err : (execution.stopped() ?? external);
      if (stop) {
        await keepDecisions(stop);
        return;
      }
      const { error, reason } = failureOf(err);
      if (err instanceof RunAbort) log.error({ code: err.code }, reason);
      else log.error({ err: error.message }, 'run failed');
      await endRun(deps, run, 'failed', reason, guard, { error, decisions: execution.takeDecisions() });
    }
  } finally {
    clearInterval(heartbeat);
  }
}
