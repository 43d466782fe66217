/**
 * The public shapes of the durable engine: workflow definitions, the `step` API a workflow
 * uses, and the records the engine keeps. See engine.ts for the state machine.
 */
import type { z } from 'zod';
import type { Logger } from '../logger.ts';

export type RunState = 'queued' | 'running' | 'waiting' | 'completed' | 'failed' | 'cancelled';
export const TERMINAL_STATES: readonly RunState[] = ['completed', 'failed', 'cancelled'];

export interface RetryPolicy {
  /** Total attempts including the first (default 3). */
  attempts: number;
  /** First backoff; doubles each attempt, with full jitter (default 1000 ms). */
  baseMs: number;
  maxMs: number;
}

export interface StepOptions {
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
}

export interface StepContext {
  /** Aborted when the step's timeout fires: pass it to fetch/SDK calls. */
  signal: AbortSignal;
  attempt: number;
  log: Logger;
}

/** An event as a wait receives it. */
export interface ReceivedEvent<T = unknown> {
  name: string;
  key: string;
  payload: T;
  eventId: number;
  receivedAt: string;
}

export type WaitResult<T = unknown> = ({ timeout: false } & ReceivedEvent<T>) | { timeout: true };

export interface EventMatcher {
  name: string;
  /** Correlation key (approval id, thread Message-ID...). Defaults to the run's own id. */
  key?: string;
}

export interface DecisionInput {
  action: string;
  parameters?: unknown;
  reasoning?: string;
  confidence?: number;
  provider?: string;
  model?: string;
  inputTokens?: number;
  outputTokens?: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  costUsd?: number;
  latencyMs?: number;
}

export interface ActionOptions extends StepOptions {
  /** What sort of side effect this is (`email.send`, `ledger.book`...): the policy gate keys on it. */
  kind: string;
  parameters?: unknown;
  /** Safe to run again when an earlier attempt's outcome is unknown (e.g. the receiver dedupes). */
  repeatable?: boolean;
}

export interface StepApi {
  readonly runId: string;
  readonly workflow: string;
  /** Runs `fn` once per run and checkpoints its JSON result; a replay returns the stored result. */
  run<T>(name: string, fn: (ctx: StepContext) => Promise<T> | T, options?: StepOptions): Promise<T>;
  /** Suspends the run (freeing the worker) until the time has passed. */
  sleep(duration: number | Date, name?: string): Promise<void>;
  /** Suspends until a matching event arrives (or was already stored), or the timeout passes. */
  waitForEvent<T = unknown>(name: string, options?: { key?: string; timeoutMs?: number; id?: string }): Promise<WaitResult<T>>;
  /** The first of several events, or the timeout: one wait, so no race between them. */
  waitForAny<T = unknown>(events: EventMatcher[], options?: { timeoutMs?: number; id?: string }): Promise<WaitResult<T>>;
  /** Starts a child run and suspends until it finishes; returns its output or throws its error. */
  invoke<I, O, In>(workflow: WorkflowDefinition<I, O, any, In>, input: In, options?: { id?: string }): Promise<O>;
  /** Starts a child run without waiting for it (it outlives this one if need be); returns its id. */
  spawn<I, In>(workflow: WorkflowDefinition<I, any, any, In> | string, input: In, options?: { id?: string; startedBy?: string | null }): Promise<string>;
  /** A side effect recorded in the action ledger: never repeated once completed. */
  action<T>(key: string, fn: (ctx: StepContext) => Promise<T> | T, options: ActionOptions): Promise<T>;
  /** Appends to the run's ordered decision log (idempotent across replays). */
  decide(decision: DecisionInput): Promise<void>;
}

export interface RunContext<S = unknown> {
  runId: string;
  workflow: string;
  log: Logger;
  services: S;
  /** Who or what started the run (user id, channel), for separation-of-duties checks. */
  startedBy: string | null;
}

/** `I` is the input as the workflow sees it (after parsing), `In` as callers may pass it (defaults applied later). */
export interface WorkflowDefinition<I = unknown, O = unknown, S = unknown, In = I> {
  name: string;
  version: number;
  input: z.ZodType<I, In>;
  run: (input: I, step: StepApi, ctx: RunContext<S>) => Promise<O>;
  /** Bounds; each falls back to the engine's settings. */
  maxSteps?: number;
  maxDurationMs?: number;
  concurrency?: number;
  stepTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
}

export interface StartRunOptions {
  idempotencyKey?: string;
  parentRunId?: string;
  startedBy?: string | null;
  /** An open transaction (a pg client after BEGIN): the run exists iff it commits. */
  tx?: import('pg').PoolClient;
}

export interface StartRunResult {
  runId: string;
  /** False when the idempotency key had already started a run: that run is returned. */
  created: boolean;
}

/** A gate every action passes before it runs; the policy layer installs the real one. */
export interface ActionGate {
  check(request: { runId: string; workflow: string; key: string; kind: string; parameters: unknown }): Promise<{ allow: true } | { allow: false; reason: string }>;
}
