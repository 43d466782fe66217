/**
 * The `step` object a workflow receives, for one execution of one run.
 *
 * Replay model: the workflow function runs from the top on every execution. Each step call gets
 * a deterministic id (its name, plus `#2`, `#3`... when a name repeats), and a step whose result
 * is already stored returns it without running again. So a run that crashed, slept or waited
 * resumes exactly where it stopped, provided the workflow code between steps is deterministic.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { NonRetriableError, PolicyDeniedError, RetryAfterError, StepTimeoutError, toStoredError, type StoredError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { beginAction, failAction, finishAction, restartAction } from './action-ledger.ts';
import { backoffMs } from './backoff.ts';
import { consumeEvent, findUnconsumed, lockMatchers, registerWaits, resolveMatchers, type ResolvedMatcher } from './event-store.ts';
import type { RunQueue } from './queue.ts';
import { completeStep, completeStepSoon, saveStepState, transition, type PendingDecision, type Queryable, type RunRow, type StepRow } from './run-store.ts';
import { ExecutionStop, RunAbort, StepFailedError } from './signals.ts';
import { withTransaction } from '../db/transaction.ts';
import type { ActionGate, ActionOptions, DecisionInput, EventMatcher, RetryPolicy, StepApi, StepContext, StepOptions, WaitResult, WorkflowDefinition } from './types.ts';
import type pg from 'pg';

/** Retry waits up to this long happen in-process; longer ones suspend the run and free the worker. */
const INLINE_RETRY_MAX_MS = 5000;

export interface ExecutionDeps {
  pool: pg.Pool;
  queue: RunQueue;
  run: RunRow;
  steps: Map<string, StepRow>;
  owner: string;
  log: Logger;
  maxSteps: number;
  stepTimeoutMs: number;
  retry: RetryPolicy;
  gate: ActionGate;
  /** Aborted when the lease is lost or the run is cancelled. */
  abort: AbortController;
  stopReason: () => ExecutionStop | undefined;
  startChild: (workflow: WorkflowDefinition<any, any, any> | string, input: unknown, idempotencyKey: string, parentRunId: string, startedBy?: string | null) => Promise<string>;
}

export interface Execution {
  step: StepApi;
  /** The signal that stopped this execution, once one has. */
  stopped(): ExecutionStop | undefined;
  /** The decisions not written yet, handed over to the statement that ends the execution. */
  takeDecisions(): PendingDecision[];
}

export function createExecution(deps: ExecutionDeps): Execution {
  const { pool, run, steps, log } = deps;
  const counts = new Map<string, number>();
  let seq = 0;
  let decisionSeq = 0;
  let currentStep: string | null = null;
  let stop: ExecutionStop | undefined;
  // Decisions are records, not checkpoints: each rides along with the execution's next write (a
  // step's result, a suspension, the end of the run) instead of costing a commit of its own. One
  // lost with a crashed worker is recorded again by the replay, under the same seq.
  const pending: PendingDecision[] = [];
  /** Hands the pending decisions to `write`; they stay pending if it fails. */
  const withDecisions = async <T>(write: (decisions: PendingDecision[]) => Promise<T>): Promise<T> => {
    const taken = pending.splice(0);
    try {
      return await write(taken);
    } catch (err) {
      pending.unshift(...taken);
      throw err;
    }
  };

  const halt = (why: ExecutionStop['why']): never => {
    stop ??= new ExecutionStop(why);
    throw stop;
  };

  /** Every step call passes here: stop checks, bounds, and the deterministic id. */
  const enter = (name: string, unique = true): { id: string; seq: number } => {
    const external = deps.stopReason();
    if (stop || external) {
      stop ??= external;
      throw stop;
    }
    let id = name;
    if (unique) {
      const n = (counts.get(name) ?? 0) + 1;
      counts.set(name, n);
      id = n === 1 ? name : `${name}#${n}`;
    }
    seq += 1;
    if (seq > deps.maxSteps) {
      throw new RunAbort('MAX_STEPS_EXCEEDED', `run exceeded its maximum of ${deps.maxSteps} steps (at step "${id}")`);
    }
    if (Date.now() > run.deadline_at.getTime()) {
      throw new RunAbort('RUN_DEADLINE_EXCEEDED', `run exceeded its maximum duration (deadline ${run.deadline_at.toISOString()}) at step "${id}"`);
    }
    currentStep = id;
    return { id, seq };
  };

  const policyOf = (options?: StepOptions): RetryPolicy => ({ ...deps.retry, ...options?.retry });

  /** Runs one attempt with a timeout whose AbortSignal also fires when the run must stop. */
  const attempt = async <T>(id: string, fn: (ctx: StepContext) => Promise<T> | T, attemptNo: number, timeoutMs: number): Promise<T> => {
    const timeout = new AbortController();
    const signal = AbortSignal.any([timeout.signal, deps.abort.signal]);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timeout.abort(new StepTimeoutError(id, timeoutMs));
        reject(new StepTimeoutError(id, timeoutMs));
      }, timeoutMs);
    });
    // The step's logger is made only if the step logs: a child logger per step is not free.
    let stepLog: Logger | undefined;
    const ctx: StepContext = {
      signal,
      attempt: attemptNo,
      get log() {
        return (stepLog ??= log.child({ step: id, attempt: attemptNo }));
      },
    };
    try {
      return await Promise.race([Promise.resolve().then(() => fn(ctx)), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  };

  /**
   * Persists "this run now waits" and releases the lease, in the caller's transaction when given.
   * The doorbell for `wakeAt` is rung in the same transaction, so it exists iff the wait does.
   */
  const suspend = async (db: Queryable, stepId: string, reason: string, wakeAt: Date | null, wait: Record<string, unknown>): Promise<never> => {
    const deadline = run.deadline_at;
    // Wake no later than the deadline, so an over-long wait ends as a clear failure, not silence.
    const wake = wakeAt && wakeAt > deadline ? deadline : wakeAt ?? deadline;
    const moved = await withDecisions((decisions) => transition(db, run.id, 'waiting', reason, { owner: deps.owner }, { wait: { stepId, ...wait }, wakeAt: wake, releaseLease: true, decisions }));
    if (!moved) return halt('lease-lost');
    await deps.queue.ring(db, run.workflow, { runId: run.id, reason: 'timer', stepId }, wake);
    return halt('suspended');
  };

  // A suspension thrown inside is work to keep (the wait and its doorbell), not an error: commit it.
  // Anything else rolls back, decisions written inside included: they are pending again.
  const inTransaction = async <T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> => {
    const before = pending.slice();
    const kept = (err: unknown) => err instanceof ExecutionStop && err.why === 'suspended';
    try {
      return await withTransaction(pool, fn, { commitOnError: kept });
    } catch (err) {
      if (!kept(err)) pending.splice(0, pending.length, ...before);
      throw err;
    }
  };

  const retryLoop = async <T>(
    id: string,
    stepSeq: number,
    kind: string,
    prior: StepRow | undefined,
    policy: RetryPolicy,
    timeoutMs: number,
    body: (attemptNo: number) => Promise<T>,
    onFinalFailure: (stored: StoredError, err: unknown) => Promise<void> = async () => undefined,
  ): Promise<T> => {
    let attemptNo = prior?.attempts ?? 0;
    if (prior?.status === 'retrying' && prior.wake_at && prior.wake_at.getTime() > Date.now()) {
      await inTransaction((c) => suspend(c, id, `retrying step "${id}" at ${prior.wake_at!.toISOString()}`, prior.wake_at, { kind: 'retry' }));
    }
    for (;;) {
      attemptNo += 1;
      try {
        return await body(attemptNo);
      } catch (err) {
        if (err instanceof ExecutionStop || deps.stopReason()) throw stop ?? deps.stopReason() ?? err;
        if (err instanceof RunAbort) throw err;
        const stored = toStoredError(err);
        const final = err instanceof NonRetriableError || err instanceof PolicyDeniedError || attemptNo >= policy.attempts;
        if (final) {
          await withDecisions((d) => saveStepState(pool, run.id, { id, seq: stepSeq, kind, status: 'failed', error: stored, attempts: attemptNo }, d));
          await onFinalFailure(stored, err);
          log.warn({ step: id, attempt: attemptNo, err: stored.message }, 'step failed for good');
          throw new StepFailedError(id, stored);
        }
        const wait = err instanceof RetryAfterError ? err.retryAfterMs : backoffMs(attemptNo, policy);
        log.info({ step: id, attempt: attemptNo, retryInMs: wait, err: stored.message }, 'step failed, retrying');
        if (wait > INLINE_RETRY_MAX_MS) {
          const wakeAt = new Date(Date.now() + wait);
          await inTransaction(async (c) => {
            await withDecisions((d) => saveStepState(c, run.id, { id, seq: stepSeq, kind, status: 'retrying', error: stored, attempts: attemptNo, wakeAt }, d));
            return suspend(c, id, `retrying step "${id}" after attempt ${attemptNo} failed: ${stored.message}`, wakeAt, { kind: 'retry' });
          });
        }
        await withDecisions((d) => saveStepState(pool, run.id, { id, seq: stepSeq, kind, status: 'retrying', error: stored, attempts: attemptNo }, d));
        await delay(wait, undefined, { signal: deps.abort.signal }).catch(() => undefined);
      }
    }
  };

  const replayFailure = (id: string, row: StepRow): never => {
    throw new StepFailedError(id, row.error ?? { name: 'Error', message: 'failed' });
  };

  const step: StepApi = {
    runId: run.id,
    workflow: run.workflow,

    async run<T>(name: string, fn: (ctx: StepContext) => Promise<T> | T, options?: StepOptions): Promise<T> {
      const { id, seq: stepSeq } = enter(name);
      const prior = steps.get(id);
      if (prior?.status === 'completed') return prior.output as T;
      if (prior?.status === 'failed') return replayFailure(id, prior);
      const timeoutMs = options?.timeoutMs ?? deps.stepTimeoutMs;
      return retryLoop(id, stepSeq, 'run', prior, policyOf(options), timeoutMs, async (attemptNo) => {
        const value = await attempt(id, fn, attemptNo, timeoutMs);
        return (await withDecisions((decisions) => completeStepSoon(pool, { runId: run.id, step: { id, seq: stepSeq, kind: 'run', output: value, attempts: attemptNo }, decisions }))) as T;
      });
    },

    async sleep(duration: number | Date, name = 'sleep'): Promise<void> {
      const { id, seq: stepSeq } = enter(name);
      const prior = steps.get(id);
      if (prior?.status === 'completed') return;
      const wakeAt = prior?.wake_at ?? (duration instanceof Date ? duration : new Date(Date.now() + duration));
      if (Date.now() >= wakeAt.getTime()) {
        await withDecisions((d) => completeStep(pool, run.id, { id, seq: stepSeq, kind: 'sleep', output: { sleptUntil: wakeAt.toISOString() }, attempts: 1 }, d));
        return;
      }
      await inTransaction(async (c) => {
        await withDecisions((d) => saveStepState(c, run.id, { id, seq: stepSeq, kind: 'sleep', status: 'waiting', attempts: 1, wakeAt }, d));
        return suspend(c, id, `sleeping until ${wakeAt.toISOString()}`, wakeAt, { kind: 'sleep', until: wakeAt.toISOString() });
      });
    },

    waitForEvent<T = unknown>(name: string, options: { key?: string; timeoutMs?: number; id?: string } = {}): Promise<WaitResult<T>> {
      return step.waitForAny<T>([{ name, key: options.key }], { timeoutMs: options.timeoutMs, id: options.id ?? `wait:${name}` });
    },

    async waitForAny<T = unknown>(events: EventMatcher[], options: { timeoutMs?: number; id?: string } = {}): Promise<WaitResult<T>> {
      if (events.length === 0) throw new NonRetriableError('waitForAny needs at least one event');
      const { id, seq: stepSeq } = enter(options.id ?? `wait:${events.map((e) => e.name).join('|')}`);
      const prior = steps.get(id);
      if (prior?.status === 'completed') return prior.output as WaitResult<T>;
      const matchers: ResolvedMatcher[] = resolveMatchers(events, run.id);
      const timeoutAt = prior?.wake_at ?? (options.timeoutMs !== undefined ? new Date(Date.now() + options.timeoutMs) : null);
      return inTransaction(async (c) => {
        await lockMatchers(c, matchers);
        const found = await findUnconsumed(c, run.id, matchers);
        if (found) {
          await consumeEvent(c, run.id, found.eventId, id);
          const result = { timeout: false as const, ...found };
          await withDecisions((d) => completeStep(c, run.id, { id, seq: stepSeq, kind: 'wait', output: result, attempts: 1 }, d));
          return result as WaitResult<T>;
        }
        if (timeoutAt && Date.now() >= timeoutAt.getTime()) {
          await c.query('DELETE FROM mailroom.run_waits WHERE run_id = $1 AND step_id = $2', [run.id, id]);
          await withDecisions((d) => completeStep(c, run.id, { id, seq: stepSeq, kind: 'wait', output: { timeout: true }, attempts: 1 }, d));
          return { timeout: true } as WaitResult<T>;
        }
        await withDecisions((d) => saveStepState(c, run.id, { id, seq: stepSeq, kind: 'wait', status: 'waiting', attempts: 1, wakeAt: timeoutAt ?? undefined }, d));
        await registerWaits(c, run.id, id, matchers);
        const what = matchers.map((m) => `${m.name}[${m.key}]`).join(' or ');
        return suspend(c, id, `waiting for ${what}${timeoutAt ? ` until ${timeoutAt.toISOString()}` : ''}`, timeoutAt, {
          kind: 'event',
          events: matchers,
          timeoutAt: timeoutAt?.toISOString() ?? null,
        });
      });
    },

    async invoke<I, O, In>(workflow: WorkflowDefinition<I, O, any, In>, input: In, options: { id?: string } = {}): Promise<O> {
      const base = options.id ?? `invoke:${workflow.name}`;
      const childId = await step.run(`${base}:start`, () => deps.startChild(workflow, input, `${run.id}:${base}`, run.id));
      const done = await step.waitForAny<{ state: string; output: O; error: StoredError | null }>([{ name: 'run.finished', key: childId }], { id: `${base}:finished` });
      if (done.timeout) throw new NonRetriableError(`child run ${childId} did not finish`);
      if (done.payload.state !== 'completed') {
        throw new NonRetriableError(`child run ${childId} (${workflow.name}) ${done.payload.state}: ${done.payload.error?.message ?? 'no reason recorded'}`);
      }
      return done.payload.output;
    },

    async spawn(workflow, input, options = {}) {
      const name = typeof workflow === 'string' ? workflow : workflow.name;
      const base = options.id ?? `spawn:${name}`;
      return step.run(`${base}`, () => deps.startChild(workflow, input, `${run.id}:${base}`, run.id, options.startedBy ?? run.started_by));
    },

    async action<T>(key: string, fn: (ctx: StepContext) => Promise<T> | T, options: ActionOptions): Promise<T> {
      const { id, seq: stepSeq } = enter(`action:${key}`, false);
      const prior = steps.get(id);
      if (prior?.status === 'completed') return prior.output as T;
      if (prior?.status === 'failed') return replayFailure(id, prior);
      const verdict = await deps.gate.check({ runId: run.id, workflow: run.workflow, key, kind: options.kind, parameters: options.parameters ?? null });
      if (!verdict.allow) {
        const denied = toStoredError(new PolicyDeniedError(`action "${key}" (${options.kind}) refused by policy: ${verdict.reason}`));
        await saveStepState(pool, run.id, { id, seq: stepSeq, kind: 'action', status: 'failed', error: denied, attempts: 0 });
        await step.decide({ action: 'policy.denied', parameters: { key, kind: options.kind }, reasoning: verdict.reason });
        throw new StepFailedError(id, denied);
      }
      const timeoutMs = options.timeoutMs ?? deps.stepTimeoutMs;
      const repeatable = options.repeatable ?? false;
      const existing = await beginAction(pool, run.id, { key, kind: options.kind, parameters: options.parameters, repeatable });
      if (existing?.status === 'completed') {
        return (await withDecisions((d) => completeStep(pool, run.id, { id, seq: stepSeq, kind: 'action', output: existing.result, attempts: existing.attempts }, d))) as T;
      }
      if (existing && (existing.status === 'started' || existing.status === 'uncertain') && !repeatable) {
        const stored = toStoredError(new NonRetriableError(`action "${key}" (${options.kind}) was started but never confirmed: the worker stopped mid-action`));
        await failAction(pool, run.id, key, stored, 'uncertain');
        throw new RunAbort(
          'ACTION_UNCERTAIN',
          `action "${key}" (${options.kind}) is uncertain: it was started but never confirmed. Check whether it happened, then run ` +
            `"mailroom retry ${run.id} --actions done" (it happened) or "--actions repeat" (it did not).`,
        );
      }
      if (existing) await restartAction(pool, run.id, key);
      let armed = true; // the ledger row is 'started' for the first attempt; later attempts re-arm it
      return retryLoop(
        id, stepSeq, 'action', prior, policyOf(options), timeoutMs,
        async (attemptNo) => {
          if (!armed) await restartAction(pool, run.id, key);
          armed = false;
          try {
            const value = await attempt(id, fn, attemptNo, timeoutMs);
            await finishAction(pool, run.id, key, value);
            return (await withDecisions((decisions) => completeStepSoon(pool, { runId: run.id, step: { id, seq: stepSeq, kind: 'action', output: value, attempts: attemptNo }, decisions }))) as T;
          } catch (err) {
            // A timeout leaves the outcome unknown; anything the action threw itself means it did not happen.
            const unknownOutcome = err instanceof StepTimeoutError && !repeatable;
            await failAction(pool, run.id, key, toStoredError(err), unknownOutcome ? 'uncertain' : 'failed');
            if (unknownOutcome) throw new RunAbort('ACTION_UNCERTAIN', `action "${key}" (${options.kind}) timed out with an unknown outcome; verify it, then "mailroom retry ${run.id} --actions done|repeat"`);
            throw err;
          }
        },
      );
    },

    async decide(decision: DecisionInput): Promise<void> {
      decisionSeq += 1;
      pending.push({ seq: decisionSeq, stepId: currentStep, decision });
    },
  };

  return { step, stopped: () => stop, takeDecisions: () => pending.splice(0) };
}
