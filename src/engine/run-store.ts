/**
 * All SQL over runs, their transitions, steps and decisions. Every state change goes through
 * `transition`, one statement that updates the run and appends the history row, guarded by the
 * lease so a worker that lost its lease can never overwrite a newer owner's state.
 */
import type pg from 'pg';
import type { StoredError } from '../errors.ts';
import type { DecisionInput, RunState } from './types.ts';

export type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

/**
 * JSON for a jsonb column. PostgreSQL cannot store the NUL character in jsonb (or text), and
 * hostile mail carries it; it is dropped rather than failing the run.
 */
export function toJsonb(value: unknown): string {
  return JSON.stringify(value ?? null).replace(/(?<!\\)((?:\\\\)*)\\u0000/g, '$1');
}

export interface RunRow {
  id: string;
  workflow: string;
  workflow_version: number;
  state: RunState;
  input: unknown;
  output: unknown;
  error: StoredError | null;
  idempotency_key: string | null;
  parent_run_id: string | null;
  started_by: string | null;
  wait: unknown;
  wake_at: Date | null;
  deadline_at: Date;
  lease_owner: string | null;
  lease_until: Date | null;
  executions: number;
  crashes: number;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

export interface StepRow {
  step_id: string;
  seq: number;
  kind: string;
  status: 'completed' | 'failed' | 'retrying' | 'waiting';
  output: unknown;
  error: StoredError | null;
  attempts: number;
  wake_at: Date | null;
  started_at: Date;
  finished_at: Date | null;
}

export async function insertRun(
  db: Queryable,
  run: { id: string; workflow: string; version: number; input: unknown; idempotencyKey: string | null; parentRunId: string | null; startedBy: string | null; deadlineMs: number },
): Promise<{ id: string; created: boolean }> {
  const inserted = await db.query<{ id: string }>(
    `WITH r AS (
       INSERT INTO mailroom.runs (id, workflow, workflow_version, state, input, idempotency_key, parent_run_id, started_by, deadline_at)
       VALUES ($1, $2, $3, 'queued', $4, $5, $6, $7, now() + $8 * interval '1 millisecond')
       ON CONFLICT (idempotency_key) DO NOTHING
       RETURNING id)
     INSERT INTO mailroom.run_transitions (run_id, from_state, to_state, reason)
     SELECT id, NULL, 'queued', 'run created' FROM r RETURNING run_id AS id`,
    [run.id, run.workflow, run.version, toJsonb(run.input), run.idempotencyKey, run.parentRunId, run.startedBy, run.deadlineMs],
  );
  if (inserted.rows[0]) return { id: inserted.rows[0].id, created: true };
  const existing = await db.query<{ id: string }>('SELECT id FROM mailroom.runs WHERE idempotency_key = $1', [run.idempotencyKey]);
  return { id: existing.rows[0]!.id, created: false };
}

export async function getRun(db: Queryable, id: string): Promise<RunRow | undefined> {
  const { rows } = await db.query<RunRow>('SELECT * FROM mailroom.runs WHERE id = $1', [id]);
  return rows[0];
}

/**
 * Takes the run for this worker and marks it running, recording why: a queued run starts, a
 * waiting run resumes, and a running run whose lease expired is recovered (its worker died:
 * that counts as a crash). Returns nothing when another worker holds the lease, the run has
 * ended, or the doorbell is stale (it was for a wait the run is no longer in).
 */
export async function claimRun(
  db: Queryable,
  id: string,
  owner: string,
  leaseMs: number,
  doorbell: { reason: string; stepId?: string },
): Promise<(RunRow & { prev_state: RunState }) | undefined> {
  const { rows } = await db.query<RunRow & { prev_state: RunState }>(
    `WITH prev AS (SELECT id, state, wait FROM mailroom.runs WHERE id = $1 FOR UPDATE),
     u AS (
       UPDATE mailroom.runs r
          SET state = 'running', lease_owner = $2, lease_until = now() + $3 * interval '1 millisecond',
              executions = r.executions + 1,
              crashes = r.crashes + CASE WHEN prev.state = 'running' THEN 1 ELSE 0 END,
              wait = NULL, wake_at = NULL, updated_at = now()
         FROM prev
        WHERE r.id = prev.id
          AND prev.state IN ('queued', 'waiting', 'running')
          AND (r.lease_until IS NULL OR r.lease_until < now() OR r.lease_owner = $2)
          AND ($5::text IS NULL OR prev.state <> 'waiting' OR prev.wait->>'stepId' = $5)
       RETURNING r.*, prev.state AS prev_state),
     t AS (
       INSERT INTO mailroom.run_transitions (run_id, from_state, to_state, reason)
       SELECT id, prev_state, 'running',
              CASE prev_state WHEN 'queued' THEN 'started'
                              WHEN 'waiting' THEN 'resumed: ' || $4
                              ELSE 'recovered: the previous worker stopped mid-run (lease expired)' END
         FROM u)
     SELECT * FROM u`,
    [id, owner, leaseMs, doorbell.reason, doorbell.stepId ?? null],
  );
  return rows[0];
}

/** Extends the lease; returns the run's state so a cancelled run can stop at once. */
export async function renewLease(db: Queryable, id: string, owner: string, leaseMs: number): Promise<RunState | undefined> {
  const { rows } = await db.query<{ state: RunState }>(
    `UPDATE mailroom.runs SET lease_until = now() + $3 * interval '1 millisecond'
      WHERE id = $1 AND lease_owner = $2 RETURNING state`,
    [id, owner, leaseMs],
  );
  return rows[0]?.state;
}

export interface TransitionFields {
  output?: unknown;
  error?: StoredError | null;
  wait?: unknown;
  wakeAt?: Date | null;
  releaseLease?: boolean;
  resetCrashes?: boolean;
}

/**
 * Moves a run to `to` and records why, in one statement. With `owner`, only the lease holder
 * may do it; with `fromStates`, only from those states. Returns false when the guard failed.
 */
export async function transition(
  db: Queryable,
  id: string,
  to: RunState,
  reason: string,
  guard: { owner?: string; fromStates?: RunState[] },
  fields: TransitionFields = {},
): Promise<boolean> {
  const terminal = to === 'completed' || to === 'failed' || to === 'cancelled';
  const { rows } = await db.query(
    `WITH prev AS (SELECT id, state FROM mailroom.runs WHERE id = $1 FOR UPDATE),
     u AS (
       UPDATE mailroom.runs r SET
         state = $2,
         output = CASE WHEN $4::boolean THEN $5::jsonb ELSE r.output END,
         error = CASE WHEN $6::boolean THEN $7::jsonb ELSE r.error END,
         wait = CASE WHEN $8::boolean THEN $9::jsonb ELSE r.wait END,
         wake_at = CASE WHEN $8::boolean THEN $10::timestamptz ELSE r.wake_at END,
         lease_owner = CASE WHEN $11::boolean THEN NULL ELSE r.lease_owner END,
         lease_until = CASE WHEN $11::boolean THEN NULL ELSE r.lease_until END,
         crashes = CASE WHEN $14::boolean THEN 0 ELSE r.crashes END,
         finished_at = CASE WHEN $15::boolean THEN now() ELSE NULL END,
         updated_at = now()
       FROM prev
       WHERE r.id = prev.id
         AND ($12::text IS NULL OR r.lease_owner = $12)
         AND ($13::text[] IS NULL OR prev.state = ANY($13::text[]))
       RETURNING r.id, prev.state AS from_state)
     INSERT INTO mailroom.run_transitions (run_id, from_state, to_state, reason)
     SELECT id, from_state, $2, $3 FROM u RETURNING run_id`,
    [
      id, to, reason,
      'output' in fields, toJsonb(fields.output),
      'error' in fields, fields.error === undefined || fields.error === null ? null : JSON.stringify(fields.error),
      'wait' in fields || 'wakeAt' in fields, fields.wait === undefined ? null : JSON.stringify(fields.wait), fields.wakeAt ?? null,
      fields.releaseLease ?? terminal,
      guard.owner ?? null,
      guard.fromStates ?? null,
      fields.resetCrashes ?? false,
      terminal,
    ],
  );
  return rows.length > 0;
}

/** Records a transition that does not change the state (e.g. running → running after a crash). */
export async function noteTransition(db: Queryable, id: string, from: RunState | null, to: RunState, reason: string): Promise<void> {
  await db.query('INSERT INTO mailroom.run_transitions (run_id, from_state, to_state, reason) VALUES ($1, $2, $3, $4)', [id, from, to, reason]);
}

export async function loadSteps(db: Queryable, runId: string): Promise<Map<string, StepRow>> {
  const { rows } = await db.query<StepRow>('SELECT * FROM mailroom.steps WHERE run_id = $1', [runId]);
  return new Map(rows.map((r) => [r.step_id, r]));
}

/**
 * Stores a step's final result. If another worker already stored one (it took the run over after
 * our lease lapsed), the first stored result wins and is returned, so replays stay consistent.
 */
export async function completeStep(db: Queryable, runId: string, step: { id: string; seq: number; kind: string; output: unknown; attempts: number }): Promise<unknown> {
  const { rows } = await db.query<{ output: unknown }>(
    `INSERT INTO mailroom.steps (run_id, step_id, seq, kind, status, output, attempts, finished_at)
     VALUES ($1, $2, $3, $4, 'completed', $5, $6, now())
     ON CONFLICT (run_id, step_id) DO UPDATE
       SET status = 'completed', output = EXCLUDED.output, attempts = EXCLUDED.attempts, finished_at = now(), error = NULL
       WHERE mailroom.steps.status <> 'completed'
     RETURNING output`,
    [runId, step.id, step.seq, step.kind, toJsonb(step.output), step.attempts],
  );
  if (rows[0]) return rows[0].output;
  const stored = await db.query<{ output: unknown }>('SELECT output FROM mailroom.steps WHERE run_id = $1 AND step_id = $2', [runId, step.id]);
  return stored.rows[0]?.output;
}

export async function saveStepState(
  db: Queryable,
  runId: string,
  step: { id: string; seq: number; kind: string; status: 'failed' | 'retrying' | 'waiting'; error?: StoredError; attempts: number; wakeAt?: Date; output?: unknown },
): Promise<void> {
  await db.query(
    `INSERT INTO mailroom.steps (run_id, step_id, seq, kind, status, error, attempts, wake_at, output, finished_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, CASE WHEN $5 = 'failed' THEN now() END)
     ON CONFLICT (run_id, step_id) DO UPDATE
       SET status = EXCLUDED.status, error = EXCLUDED.error, attempts = EXCLUDED.attempts,
           wake_at = EXCLUDED.wake_at, output = EXCLUDED.output, finished_at = EXCLUDED.finished_at
       WHERE mailroom.steps.status <> 'completed'`,
    [runId, step.id, step.seq, step.kind, step.status, step.error ? toJsonb(step.error) : null, step.attempts, step.wakeAt ?? null, step.output === undefined ? null : toJsonb(step.output)],
  );
}

export async function recordDecision(db: Queryable, runId: string, seq: number, stepId: string | null, d: DecisionInput): Promise<void> {
  await db.query(
    `INSERT INTO mailroom.decisions (run_id, seq, step_id, action, parameters, reasoning, confidence, provider, model,
       input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_usd, latency_ms)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
     ON CONFLICT (run_id, seq) DO NOTHING`,
    [
      runId, seq, stepId, d.action, d.parameters === undefined ? null : toJsonb(d.parameters), d.reasoning ?? null, d.confidence ?? null,
      d.provider ?? null, d.model ?? null, d.inputTokens ?? null, d.outputTokens ?? null, d.cacheReadTokens ?? null, d.cacheWriteTokens ?? null,
      d.costUsd ?? null, d.latencyMs ?? null,
    ],
  );
}
