/**
 * All SQL over runs, their transitions, steps and decisions. Every state change goes through
 * `transition`, one statement that updates the run and appends the history row, guarded by the
 * lease so a worker that lost its lease can never overwrite a newer owner's state.
 *
 * What a checkpointed step costs is round trips and commits, so the hot statements do all their
 * work at once: the claim returns the run's stored steps with it, a step's result goes in with
 * the decisions recorded since the last write, a run ends (or suspends) in one statement with
 * its decisions, and each statement is prepared once per connection (a named query: parsed
 * and planned once, not on every step).
 */
import type pg from 'pg';
import type { StoredError } from '../errors.ts';
import type { DecisionInput, RunState } from './types.ts';
import { createWriteBatcher, type WriteBatcher } from './write-batcher.ts';

export type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

/** A named (prepared) statement: PostgreSQL parses and plans it once per connection. */
const prepared = (name: string, text: string) => ({ name: `mailroom.${name}`, text });

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

/** A decision waiting to be written with the execution's next statement (see `step.decide`). */
export interface PendingDecision {
  seq: number;
  stepId: string | null;
  decision: DecisionInput;
}

/** The pending decisions as the jsonb recordset `decisionsCte` reads. */
export function decisionRows(decisions: PendingDecision[] = []): string {
  return toJsonb(decisionObjects(decisions));
}

function decisionObjects(decisions: PendingDecision[], runId?: string) {
  return decisions.map(({ seq, stepId, decision: d }) => ({
    run_id: runId ?? null,
    seq,
    step_id: stepId,
    action: d.action,
    parameters: d.parameters === undefined ? null : d.parameters,
    reasoning: d.reasoning ?? null,
    confidence: d.confidence ?? null,
    provider: d.provider ?? null,
    model: d.model ?? null,
    input_tokens: d.inputTokens ?? null,
    output_tokens: d.outputTokens ?? null,
    cache_read_tokens: d.cacheReadTokens ?? null,
    cache_write_tokens: d.cacheWriteTokens ?? null,
    cost_usd: d.costUsd ?? null,
    latency_ms: d.latencyMs ?? null,
  }));
}

/**
 * Inserts the decisions in `$<param>` (a jsonb array from `decisionRows`) for run `runId` (an
 * SQL expression: `$1`, or the recordset's own `d.run_id`), as a data-modifying CTE of a bigger
 * statement. A decision's seq is deterministic, so one written again by a replay is the same
 * decision and is skipped.
 */
const decisionsCte = (param: number, runId = '$1') => `
  decisions_in AS (
    INSERT INTO mailroom.decisions (run_id, seq, step_id, action, parameters, reasoning, confidence, provider, model,
      input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_usd, latency_ms)
    SELECT ${runId}::uuid, d.seq, d.step_id, d.action, d.parameters, d.reasoning, d.confidence, d.provider, d.model,
           d.input_tokens, d.output_tokens, d.cache_read_tokens, d.cache_write_tokens, d.cost_usd, d.latency_ms
      FROM jsonb_to_recordset($${param}::jsonb) AS d(run_id uuid, seq integer, step_id text, action text, parameters jsonb, reasoning text,
             confidence double precision, provider text, model text, input_tokens integer, output_tokens integer,
             cache_read_tokens integer, cache_write_tokens integer, cost_usd double precision, latency_ms integer)
     ORDER BY 1, d.seq
    ON CONFLICT (run_id, seq) DO NOTHING)`;

const INSERT_RUN = prepared(
  'insert_run',
  `WITH r AS (
     INSERT INTO mailroom.runs (id, workflow, workflow_version, state, input, idempotency_key, parent_run_id, started_by, deadline_at)
     VALUES ($1, $2, $3, 'queued', $4, $5, $6, $7, now() + $8 * interval '1 millisecond')
     ON CONFLICT (idempotency_key) DO NOTHING
     RETURNING id)
   INSERT INTO mailroom.run_transitions (run_id, from_state, to_state, reason)
   SELECT id, NULL, 'queued', 'run created' FROM r RETURNING run_id AS id`,
);

export async function insertRun(
  db: Queryable,
  run: { id: string; workflow: string; version: number; input: unknown; idempotencyKey: string | null; parentRunId: string | null; startedBy: string | null; deadlineMs: number },
): Promise<{ id: string; created: boolean }> {
  const inserted = await db.query<{ id: string }>({
    ...INSERT_RUN,
    values: [run.id, run.workflow, run.version, toJsonb(run.input), run.idempotencyKey, run.parentRunId, run.startedBy, run.deadlineMs],
  });
  if (inserted.rows[0]) return { id: inserted.rows[0].id, created: true };
  const existing = await db.query<{ id: string }>('SELECT id FROM mailroom.runs WHERE idempotency_key = $1', [run.idempotencyKey]);
  return { id: existing.rows[0]!.id, created: false };
}

export interface NewRun {
  id: string;
  workflow: string;
  version: number;
  input: unknown;
  idempotencyKey: string | null;
  parentRunId: string | null;
  startedBy: string | null;
  deadlineMs: number;
}

/**
 * `insertRun` for many runs in one statement (the engine's group start). Each answer is in the
 * order given; a run whose idempotency key exists already answers with that run. Two runs of one
 * batch with the same key are refused: the caller starts them one by one instead.
 */
export async function insertRuns(db: Queryable, runs: NewRun[]): Promise<Array<{ id: string; created: boolean }>> {
  const keys = runs.map((r) => r.idempotencyKey).filter((k): k is string => k !== null);
  if (new Set(keys).size !== keys.length) throw new Error('one idempotency key twice in one batch of new runs');
  const rows = runs.map((r, i) => ({
    i, id: r.id, workflow: r.workflow, version: r.version, input: r.input ?? null, idempotency_key: r.idempotencyKey,
    parent_run_id: r.parentRunId, started_by: r.startedBy, deadline_ms: r.deadlineMs,
  }));
  const { rows: out } = await db.query<{ id: string; created: boolean }>({ ...INSERT_RUNS, values: [toJsonb(rows)] });
  return out;
}

const INSERT_RUNS = prepared(
  'insert_runs',
  `WITH x AS (
     SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(i integer, id uuid, workflow text, version integer, input jsonb,
       idempotency_key text, parent_run_id uuid, started_by text, deadline_ms double precision)),
   r AS (
     INSERT INTO mailroom.runs (id, workflow, workflow_version, state, input, idempotency_key, parent_run_id, started_by, deadline_at)
     SELECT id, workflow, version, 'queued', input, idempotency_key, parent_run_id, started_by, now() + deadline_ms * interval '1 millisecond'
       FROM x ORDER BY i
     ON CONFLICT (idempotency_key) DO NOTHING
     RETURNING id),
   t AS (INSERT INTO mailroom.run_transitions (run_id, from_state, to_state, reason) SELECT id, NULL, 'queued', 'run created' FROM r)
   SELECT COALESCE(r.id, (SELECT e.id FROM mailroom.runs e WHERE e.idempotency_key = x.idempotency_key)) AS id, r.id IS NOT NULL AS created
     FROM x LEFT JOIN r ON r.id = x.id ORDER BY x.i`,
);

export async function getRun(db: Queryable, id: string): Promise<RunRow | undefined> {
  const { rows } = await db.query<RunRow>('SELECT * FROM mailroom.runs WHERE id = $1', [id]);
  return rows[0];
}

/**
 * Takes the run for this worker and marks it running, recording why: a queued run starts, a
 * waiting run resumes, and a running run whose lease expired is recovered (its worker died:
 * that counts as a crash). Returns nothing when another worker holds the lease, the run has
 * ended, or the doorbell is stale (it was for a wait the run is no longer in). The run's stored
 * steps come back in the same statement: a resume replays from them.
 */
export async function claimRun(
  db: Queryable,
  id: string,
  owner: string,
  leaseMs: number,
  doorbell: { reason: string; stepId?: string },
): Promise<(RunRow & { prev_state: RunState; steps: Map<string, StepRow> }) | undefined> {
  const { rows } = await db.query<RunRow & { prev_state: RunState; stored_steps: StoredStep[] }>({
    ...CLAIM_RUN,
    values: [id, owner, leaseMs, doorbell.reason, doorbell.stepId ?? null],
  });
  const row = rows[0];
  if (!row) return undefined;
  const { stored_steps: stored, ...run } = row;
  return { ...run, steps: new Map(stored.map((s) => [s.step_id, stepRow(s)])) };
}

/** A steps row as jsonb (timestamps as epoch milliseconds), inside the claim's answer. */
interface StoredStep extends Omit<StepRow, 'wake_at' | 'started_at' | 'finished_at'> {
  wake_at: number | null;
  started_at: number;
  finished_at: number | null;
}

const stepRow = (s: StoredStep): StepRow => ({
  ...s,
  wake_at: s.wake_at === null ? null : new Date(s.wake_at),
  started_at: new Date(s.started_at),
  finished_at: s.finished_at === null ? null : new Date(s.finished_at),
});

const CLAIM_RUN = prepared(
  'claim_run',
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
        -- A running run is taken over only when its lease has expired, even by its own
        -- worker: two doorbells rung at once (two events in one transaction) must not
        -- execute it twice in one process.
        AND (r.lease_until IS NULL OR r.lease_until < now() OR (r.lease_owner = $2 AND prev.state <> 'running'))
        AND ($5::text IS NULL OR prev.state <> 'waiting' OR prev.wait->>'stepId' = $5)
     RETURNING r.*, prev.state AS prev_state),
   t AS (
     INSERT INTO mailroom.run_transitions (run_id, from_state, to_state, reason)
     SELECT id, prev_state, 'running',
            CASE prev_state WHEN 'queued' THEN 'started'
                            WHEN 'waiting' THEN 'resumed: ' || $4
                            ELSE 'recovered: the previous worker stopped mid-run (lease expired)' END
       FROM u)
   SELECT u.*,
          (SELECT COALESCE(jsonb_agg(jsonb_build_object(
                    'step_id', s.step_id, 'seq', s.seq, 'kind', s.kind, 'status', s.status, 'output', s.output, 'error', s.error,
                    'attempts', s.attempts, 'wake_at', extract(epoch FROM s.wake_at) * 1000,
                    'started_at', extract(epoch FROM s.started_at) * 1000, 'finished_at', extract(epoch FROM s.finished_at) * 1000)), '[]'::jsonb)
             FROM mailroom.steps s WHERE s.run_id = u.id) AS stored_steps
     FROM u`,
);

/** Extends the lease; returns the run's state so a cancelled run can stop at once. */
export async function renewLease(db: Queryable, id: string, owner: string, leaseMs: number): Promise<RunState | undefined> {
  const { rows } = await db.query<{ state: RunState }>({ ...RENEW_LEASE, values: [id, owner, leaseMs] });
  return rows[0]?.state;
}

const RENEW_LEASE = prepared(
  'renew_lease',
  `UPDATE mailroom.runs SET lease_until = now() + $3 * interval '1 millisecond'
    WHERE id = $1 AND lease_owner = $2 RETURNING state`,
);

export interface TransitionFields {
  output?: unknown;
  error?: StoredError | null;
  wait?: unknown;
  wakeAt?: Date | null;
  releaseLease?: boolean;
  resetCrashes?: boolean;
  /** Written in the same statement, whether or not the guard holds (a replay would record them anyway). */
  decisions?: PendingDecision[];
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
  const { rows } = await db.query({
    ...TRANSITION,
    values: [
      id, to, reason,
      'output' in fields, toJsonb(fields.output),
      'error' in fields, fields.error === undefined || fields.error === null ? null : JSON.stringify(fields.error),
      'wait' in fields || 'wakeAt' in fields, fields.wait === undefined ? null : JSON.stringify(fields.wait), fields.wakeAt ?? null,
      fields.releaseLease ?? terminal,
      guard.owner ?? null,
      guard.fromStates ?? null,
      fields.resetCrashes ?? false,
      terminal,
      decisionRows(fields.decisions),
    ],
  });
  return rows.length > 0;
}

const TRANSITION = prepared(
  'transition',
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
     RETURNING r.id, prev.state AS from_state),
   ${decisionsCte(16)}
   INSERT INTO mailroom.run_transitions (run_id, from_state, to_state, reason)
   SELECT id, from_state, $2, $3 FROM u RETURNING run_id`,
);

export interface RunEnd {
  runId: string;
  to: 'completed' | 'failed';
  reason: string;
  /** Only the lease holder ends a run this way. */
  owner: string;
  output?: unknown;
  error?: StoredError;
  decisions: PendingDecision[];
}

/**
 * Ends an executing run (its workflow returned or failed), as `transition` with the owner guard
 * would, in group commit with the other runs that end at about the same moment: one statement,
 * one commit. Resolves with whether the guard held (false: the lease was lost meanwhile).
 */
export function endRunSoon(pool: pg.Pool, end: RunEnd): Promise<boolean> {
  let batcher = runEnders.get(pool);
  if (!batcher) runEnders.set(pool, (batcher = createWriteBatcher((ends) => endRuns(pool, ends))));
  return batcher(end);
}

const runEnders = new WeakMap<pg.Pool, WriteBatcher<RunEnd, boolean>>();

async function endRuns(db: Queryable, ends: RunEnd[]): Promise<boolean[]> {
  if (ends.length === 1) {
    const [e] = ends;
    const fields: TransitionFields = { decisions: e!.decisions, ...('output' in e! ? { output: e!.output } : {}), ...(e!.error ? { error: e!.error } : {}) };
    return [await transition(db, e!.runId, e!.to, e!.reason, { owner: e!.owner }, fields)];
  }
  const rows = ends.map((e, i) => ({
    i, id: e.runId, to_state: e.to, reason: e.reason, owner: e.owner,
    set_output: 'output' in e, output: e.output ?? null, set_error: Boolean(e.error), error: e.error ?? null,
  }));
  const { rows: moved } = await db.query<{ moved: boolean }>({
    ...END_RUNS,
    values: [toJsonb(rows), toJsonb(ends.flatMap((e) => decisionObjects(e.decisions, e.runId)))],
  });
  return moved.map((m) => m.moved);
}

// The runs are locked in id order, so two such statements never wait on each other crosswise.
const END_RUNS = prepared(
  'end_runs',
  `WITH x AS (
     SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(i integer, id uuid, to_state text, reason text, owner text,
       set_output boolean, output jsonb, set_error boolean, error jsonb)),
   prev AS (SELECT r.id, r.state FROM mailroom.runs r WHERE r.id IN (SELECT id FROM x) ORDER BY r.id FOR UPDATE),
   u AS (
     UPDATE mailroom.runs r SET
       state = x.to_state,
       output = CASE WHEN x.set_output THEN x.output ELSE r.output END,
       error = CASE WHEN x.set_error THEN x.error ELSE r.error END,
       lease_owner = NULL, lease_until = NULL, finished_at = now(), updated_at = now()
     FROM x JOIN prev ON prev.id = x.id
     WHERE r.id = x.id AND r.lease_owner = x.owner
     RETURNING x.i, r.id, prev.state AS from_state, x.to_state, x.reason),
   ${decisionsCte(2, 'd.run_id')},
   t AS (INSERT INTO mailroom.run_transitions (run_id, from_state, to_state, reason) SELECT id, from_state, to_state, reason FROM u ORDER BY i)
   SELECT x.i, EXISTS (SELECT 1 FROM u WHERE u.i = x.i) AS moved FROM x ORDER BY x.i`,
);

/** Records a transition that does not change the state (e.g. running → running after a crash). */
export async function noteTransition(db: Queryable, id: string, from: RunState | null, to: RunState, reason: string): Promise<void> {
  await db.query('INSERT INTO mailroom.run_transitions (run_id, from_state, to_state, reason) VALUES ($1, $2, $3, $4)', [id, from, to, reason]);
}

export async function loadSteps(db: Queryable, runId: string): Promise<Map<string, StepRow>> {
  const { rows } = await db.query<StepRow>('SELECT * FROM mailroom.steps WHERE run_id = $1', [runId]);
  return new Map(rows.map((r) => [r.step_id, r]));
}

/**
 * Stores a step's final result, with the decisions pending since the execution's last write.
 * If another worker already stored one (it took the run over after our lease lapsed), the first
 * stored result wins and is returned, so replays stay consistent.
 */
export async function completeStep(
  db: Queryable,
  runId: string,
  step: { id: string; seq: number; kind: string; output: unknown; attempts: number },
  decisions?: PendingDecision[],
): Promise<unknown> {
  const { rows } = await db.query<{ output: unknown }>({
    ...COMPLETE_STEP,
    values: [runId, step.id, step.seq, step.kind, toJsonb(step.output), step.attempts, decisionRows(decisions)],
  });
  if (rows[0]) return rows[0].output;
  const stored = await db.query<{ output: unknown }>({ ...STORED_OUTPUT, values: [runId, step.id] });
  return stored.rows[0]?.output;
}

const COMPLETE_STEP = prepared(
  'complete_step',
  `WITH ${decisionsCte(7)}
   INSERT INTO mailroom.steps (run_id, step_id, seq, kind, status, output, attempts, finished_at)
   VALUES ($1, $2, $3, $4, 'completed', $5, $6, now())
   ON CONFLICT (run_id, step_id) DO UPDATE
     SET status = 'completed', output = EXCLUDED.output, attempts = EXCLUDED.attempts, finished_at = now(), error = NULL
     WHERE mailroom.steps.status <> 'completed'
   RETURNING output`,
);

const STORED_OUTPUT = prepared('stored_output', 'SELECT output FROM mailroom.steps WHERE run_id = $1 AND step_id = $2');

export interface StepResult {
  runId: string;
  step: { id: string; seq: number; kind: string; output: unknown; attempts: number };
  decisions: PendingDecision[];
}

/**
 * `completeStep` for the pool, in group commit: the results of steps that several runs finish at
 * about the same moment go in one statement and one commit (write-batcher.ts). Each caller gets
 * its step's stored output once that commit is done, exactly as `completeStep` answers.
 */
export function completeStepSoon(pool: pg.Pool, result: StepResult): Promise<unknown> {
  let batcher = stepWriters.get(pool);
  if (!batcher) stepWriters.set(pool, (batcher = createWriteBatcher((results) => completeSteps(pool, results))));
  return batcher(result);
}

const stepWriters = new WeakMap<pg.Pool, WriteBatcher<StepResult, unknown>>();

async function completeSteps(db: Queryable, results: StepResult[]): Promise<unknown[]> {
  if (results.length === 1) {
    const [r] = results;
    return [await completeStep(db, r!.runId, r!.step, r!.decisions)];
  }
  const steps = results.map((r, i) => ({ i, run_id: r.runId, step_id: r.step.id, seq: r.step.seq, kind: r.step.kind, output: r.step.output ?? null, attempts: r.step.attempts }));
  const { rows } = await db.query<{ output: unknown }>({
    ...COMPLETE_STEPS,
    values: [toJsonb(steps), toJsonb(results.flatMap((r) => decisionObjects(r.decisions, r.runId)))],
  });
  return rows.map((r) => r.output);
}

// Rows in a stable order (run, step), so two such statements never wait on each other crosswise.
// A step another worker completed first keeps its stored output, as in `completeStep`.
const COMPLETE_STEPS = prepared(
  'complete_steps',
  `WITH x AS (
     SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(i integer, run_id uuid, step_id text, seq integer, kind text, output jsonb, attempts integer)),
   ${decisionsCte(2, 'd.run_id')},
   ins AS (
     INSERT INTO mailroom.steps (run_id, step_id, seq, kind, status, output, attempts, finished_at)
     SELECT run_id, step_id, seq, kind, 'completed', output, attempts, now() FROM x ORDER BY run_id, step_id
     ON CONFLICT (run_id, step_id) DO UPDATE
       SET status = 'completed', output = EXCLUDED.output, attempts = EXCLUDED.attempts, finished_at = now(), error = NULL
       WHERE mailroom.steps.status <> 'completed'
     RETURNING run_id, step_id, output)
   SELECT x.i, COALESCE(ins.output, (SELECT s.output FROM mailroom.steps s WHERE s.run_id = x.run_id AND s.step_id = x.step_id)) AS output
     FROM x LEFT JOIN ins ON ins.run_id = x.run_id AND ins.step_id = x.step_id
    ORDER BY x.i`,
);

export async function saveStepState(
  db: Queryable,
  runId: string,
  step: { id: string; seq: number; kind: string; status: 'failed' | 'retrying' | 'waiting'; error?: StoredError; attempts: number; wakeAt?: Date; output?: unknown },
  decisions?: PendingDecision[],
): Promise<void> {
  await db.query({
    ...SAVE_STEP_STATE,
    values: [
      runId, step.id, step.seq, step.kind, step.status, step.error ? toJsonb(step.error) : null, step.attempts, step.wakeAt ?? null,
      step.output === undefined ? null : toJsonb(step.output), decisionRows(decisions),
    ],
  });
}

const SAVE_STEP_STATE = prepared(
  'save_step_state',
  `WITH ${decisionsCte(10)}
   INSERT INTO mailroom.steps (run_id, step_id, seq, kind, status, error, attempts, wake_at, output, finished_at)
   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, CASE WHEN $5 = 'failed' THEN now() END)
   ON CONFLICT (run_id, step_id) DO UPDATE
     SET status = EXCLUDED.status, error = EXCLUDED.error, attempts = EXCLUDED.attempts,
         wake_at = EXCLUDED.wake_at, output = EXCLUDED.output, finished_at = EXCLUDED.finished_at
     WHERE mailroom.steps.status <> 'completed'`,
);

/** Writes decisions on their own, when no other statement is due to carry them. */
export async function recordDecisions(db: Queryable, runId: string, decisions: PendingDecision[]): Promise<void> {
  if (decisions.length) await db.query({ ...RECORD_DECISIONS, values: [runId, decisionRows(decisions)] });
}

const RECORD_DECISIONS = prepared('record_decisions', `WITH ${decisionsCte(2)} SELECT 1`);

export async function recordDecision(db: Queryable, runId: string, seq: number, stepId: string | null, d: DecisionInput): Promise<void> {
  await recordDecisions(db, runId, [{ seq, stepId, decision: d }]);
}

/**
 * Asks for this run's transitions on `client` (NOTIFY mailroom_runs, payload `<run id>:<state>`):
 * the trigger announces only the runs somebody registered for (migration 0013), so that the
 * commits of runs nobody waits for do not queue for PostgreSQL's one notification lock.
 * Registrations left by a session that died are cleared on the way.
 */
export async function listenForRun(client: pg.PoolClient, runId: string): Promise<void> {
  await client.query('LISTEN mailroom_runs');
  await client.query(
    `WITH gone AS (DELETE FROM mailroom.run_watchers w WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = w.backend_pid))
     INSERT INTO mailroom.run_watchers (run_id, backend_pid) VALUES ($1, pg_backend_pid()) ON CONFLICT DO NOTHING`,
    [runId],
  );
}

export async function unlistenForRun(client: pg.PoolClient, runId: string): Promise<void> {
  await client.query('DELETE FROM mailroom.run_watchers WHERE run_id = $1 AND backend_pid = pg_backend_pid()', [runId]);
  await client.query('UNLISTEN mailroom_runs');
}
